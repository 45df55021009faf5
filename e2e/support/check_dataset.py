"""Checks AniMOV dataset exports against the frames the API stores.

    check_dataset.py YOLO_ZIP COCO_ZIP FRAMES_JSON

YOLO: images/ and labels/ hold one file per frame, data.yaml names the three
classes, each label line is the stored box's class, centre and size divided
by the picture's size. COCO: pycocotools loads annotations.json; it holds
every frame and every stored box, in pixels. Prints a one-line summary.
"""
import io
import json
import sys
import zipfile

from pycocotools.coco import COCO


def main(yolo_zip, coco_zip, frames_json):
    frames = json.load(open(frames_json))
    by_name = {f"{f['source']}_{f['ts_ms']}": f for f in frames}
    with zipfile.ZipFile(yolo_zip) as z:
        names = z.namelist()
        images = sorted(n for n in names if n.startswith("images/"))
        labels = sorted(n for n in names if n.startswith("labels/"))
        assert "data.yaml" in names, names
        yaml = z.read("data.yaml").decode()
        assert "nc: 3" in yaml and "0: standing" in yaml and "1: lying" in yaml, yaml
        assert len(images) == len(frames) == len(labels), (len(images), len(labels), len(frames))
        for lab in labels:
            stem = lab[len("labels/"):-len(".txt")]
            assert f"images/{stem}.jpg" in names, stem
            f = by_name[stem]
            assert z.read(f"images/{stem}.jpg")[:2] == b"\xff\xd8", stem
            lines = [l.split() for l in z.read(lab).decode().splitlines() if l.strip()]
            assert len(lines) == len(f["boxes"]), (stem, lines, f["boxes"])
            for l, b in zip(lines, f["boxes"]):
                c, cx, cy, w, h = int(l[0]), *map(float, l[1:])
                assert c == b["class"], (l, b)
                want = ((b["x"] + b["w"] / 2) / f["width"], (b["y"] + b["h"] / 2) / f["height"],
                        b["w"] / f["width"], b["h"] / f["height"])
                for g, x in zip((cx, cy, w, h), want):
                    assert 0.0 <= g <= 1.0 and abs(g - x) < 1e-5, (l, b)
    with zipfile.ZipFile(coco_zip) as z:
        ann = json.loads(z.read("annotations.json"))
        path = "/tmp/animov-coco-check.json"
        json.dump(ann, open(path, "w"))
        coco = COCO(path)
        assert len(coco.getImgIds()) == len(frames), len(coco.getImgIds())
        boxes = sum(len(f["boxes"]) for f in frames)
        assert len(coco.getAnnIds()) == boxes, (len(coco.getAnnIds()), boxes)
        assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["standing", "lying", "goat"]
        for f in frames:
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[f["id"]]))
            got = sorted((a["category_id"] - 1, *a["bbox"]) for a in anns)
            want = sorted((b["class"], b["x"], b["y"], b["w"], b["h"]) for b in f["boxes"])
            assert got == want, (f["id"], got, want)
            img = coco.loadImgs([f["id"]])[0]
            assert img["file_name"] in z.namelist(), img
            assert (img["width"], img["height"]) == (f["width"], f["height"])
    print(f"dataset ok: {len(frames)} frames, {boxes} boxes, YOLO layout and COCO (pycocotools) match the stored boxes")


if __name__ == "__main__":
    main(*sys.argv[1:4])
