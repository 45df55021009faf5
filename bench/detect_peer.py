"""Python peer of AniMOV's detector: onnxruntime + numpy, same steps as the Rust
pipeline (letterbox, BGR mean/std normalisation, NanoDet distance-bin decode,
class-agnostic NMS). Used as the benchmark's peer and as a cross-check.

    python bench/detect_peer.py MODEL.onnx IMAGE... [--threads N] [--repeat K] [--json]
    python bench/detect_peer.py MODEL.onnx --frames FRAMES.npy [--threads N] --json
        (the benchmark: decoded RGB frames [n, h, w, 3]; prints frames_per_s)
"""
import argparse
import json
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

MEAN = np.array([103.53, 116.28, 123.675], dtype=np.float32)  # B, G, R
STD = np.array([57.375, 57.12, 58.395], dtype=np.float32)
STRIDES = (8, 16, 32)
BINS = 11  # reg_max + 1


def letterbox(rgb, size):
    h, w = rgb.shape[:2]
    s = min(size / w, size / h)
    nw, nh = round(w * s), round(h * s)
    resized = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR), dtype=np.float32)
    canvas = np.zeros((size, size, 3), dtype=np.float32)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas[py:py + nh, px:px + nw] = resized[:, :, ::-1]  # RGB -> BGR
    # Padding is the mean (0 after normalisation), like the Rust side.
    canvas[:py], canvas[py + nh:] = MEAN, MEAN
    canvas[:, :px], canvas[:, px + nw:] = MEAN, MEAN
    x = (canvas - MEAN) / STD
    return x.transpose(2, 0, 1)[None], s, px, py


def decode(outputs, names, size, score_thr):
    by_name = dict(zip(names, outputs))
    boxes, scores, classes = [], [], []
    for stride in STRIDES:
        g = size // stride
        cls = next(v for v in by_name.values() if v.shape[1] == g * g and v.shape[2] == 80)[0]
        reg = next(v for v in by_name.values() if v.shape[1] == g * g and v.shape[2] == 4 * BINS)[0]
        best = cls.argmax(1)
        sc = cls[np.arange(len(best)), best]
        keep = sc >= score_thr
        if not keep.any():
            continue
        idx = np.nonzero(keep)[0]
        r = reg[idx].reshape(-1, 4, BINS)
        e = np.exp(r - r.max(2, keepdims=True))
        p = e / e.sum(2, keepdims=True)
        d = (p * np.arange(BINS, dtype=np.float32)).sum(2) * stride
        cx = (idx % g + 0.5) * stride
        cy = (idx // g + 0.5) * stride
        boxes.append(np.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], 1))
        scores.append(sc[idx])
        classes.append(best[idx])
    if not boxes:
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=int)
    return np.concatenate(boxes), np.concatenate(scores), np.concatenate(classes)


def nms(boxes, scores, thr):
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        iou = inter / (area(boxes[i:i + 1]) + area(boxes[order[1:]]) - inter)
        order = order[1:][iou <= thr]
    return keep


def detect(sess, names, rgb, size=416, score_thr=0.35, iou_thr=0.5):
    x, s, px, py = letterbox(rgb, size)
    out = sess.run(None, {sess.get_inputs()[0].name: x})
    boxes, scores, classes = decode(out, names, size, score_thr)
    keep = nms(boxes, scores, iou_thr)
    res = []
    for i in keep:
        x1, y1, x2, y2 = boxes[i]
        x1, x2 = (x1 - px) / s, (x2 - px) / s
        y1, y2 = (y1 - py) / s, (y2 - py) / s
        res.append({"class_id": int(classes[i]), "score": float(scores[i]),
                    "x": float(x1), "y": float(y1), "w": float(x2 - x1), "h": float(y2 - y1)})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("images", nargs="*")
    ap.add_argument("--frames", help="a .npy stack of RGB frames [n, h, w, 3]")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    if a.frames:
        frames = np.load(a.frames)
        detect(sess, names, frames[0])
        t0 = time.perf_counter()
        boxes = sum(len(detect(sess, names, f)) for f in frames)
        dt = time.perf_counter() - t0
        json.dump({"frames": len(frames), "seconds": dt, "frames_per_s": len(frames) / dt, "boxes": boxes}, sys.stdout)
        return
    imgs = [np.asarray(Image.open(p).convert("RGB")) for p in a.images]
    results = [detect(sess, names, im) for im in imgs]
    t0 = time.perf_counter()
    n = 0
    for _ in range(a.repeat - 1):
        for im in imgs:
            detect(sess, names, im)
            n += 1
    dt = time.perf_counter() - t0
    if a.json:
        json.dump({"results": results, "frames": n, "seconds": dt}, sys.stdout)
    else:
        for p, r in zip(a.images, results):
            print(p, r)
        if n:
            print(f"{n / dt:.1f} frames/s")


if __name__ == "__main__":
    main()
