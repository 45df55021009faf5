#!/usr/bin/env python3
"""Reference values for AniMOV's statistics, computed with pandas/numpy.

Usage:
  reference_stats.py generate FRAMES.csv        # the committed multi-source, multi-hour frame file
  reference_stats.py compute FRAMES.csv OUTDIR  # minute / hour / day / 15-min reference CSVs
  reference_stats.py time FRAMES.csv            # seconds for the minute statistics alone (benchmark)

Definitions (DESIGN.md): per source and UTC minute over frames, for total,
lying, standing: nb_frames, sum, mean, std (ddof=1, empty for one frame),
min, max, q1/q2/q3 (linear interpolation), mode (most frequent, smallest on
ties). Hours and days are computed directly over all their frames. The
15-minute series holds the median lying and standing and
ratio_standing = 100 * standing / (standing + lying) (empty when both are 0).
"""
import sys
import time

import numpy as np
import pandas as pd

FIELDS = ["total", "lying", "standing"]


def generate(path):
    rng = np.random.default_rng(20241129)
    rows = []
    start = 1_732_838_400_000  # 2024-11-29T00:00:00Z
    for s, (hours, herd) in enumerate([(3, 18), (4, 25), (2, 12)]):
        t = start + s * 1_234
        end = start + hours * 3_600_000
        standing_share = 0.3
        while t < end:
            standing_share = min(0.95, max(0.02, standing_share + rng.normal(0, 0.02)))
            seen = rng.binomial(herd, 0.95)
            standing = int(rng.binomial(seen, standing_share))
            rows.append((f"cam-{s + 1}", t, seen - standing, standing))
            # Mostly ~1.5 s apart, sometimes a long gap (one-frame minutes, empty minutes).
            gap = rng.exponential(1_500) if rng.random() > 0.002 else rng.uniform(60_000, 400_000)
            t += int(gap) + 1
    df = pd.DataFrame(rows, columns=["source", "ts_ms", "lying", "standing"])
    df.to_csv(path, index=False)
    print(f"{len(df)} frames written to {path}")


def load(path):
    df = pd.read_csv(path)
    df["total"] = df["lying"] + df["standing"]
    return df


def mode_smallest(x):
    counts = x.value_counts()
    return counts[counts == counts.max()].index.min()


def describe(df, keys):
    g = df.groupby(keys)
    out = pd.DataFrame({"nb_frames": g.size()})
    for f in FIELDS:
        col = g[f]
        out[f"{f}_sum"] = col.sum()
        out[f"{f}_mean"] = col.mean()
        out[f"{f}_std"] = col.std(ddof=1)
        out[f"{f}_min"] = col.min()
        out[f"{f}_max"] = col.max()
        out[f"{f}_q1"] = col.quantile(0.25, interpolation="linear")
        out[f"{f}_q2"] = col.quantile(0.5, interpolation="linear")
        out[f"{f}_q3"] = col.quantile(0.75, interpolation="linear")
        out[f"{f}_mode"] = col.agg(mode_smallest)
    return out.reset_index()


def minute_stats(df):
    df = df.assign(minute_ts=(df["ts_ms"] // 60_000) * 60_000)
    return describe(df, ["source", "minute_ts"])


def compute(path, outdir):
    df = load(path)
    minute_stats(df).to_csv(f"{outdir}/ref_minutes.csv", index=False, float_format="%.17g")
    hours = describe(df.assign(hour_ts=(df["ts_ms"] // 3_600_000) * 3_600_000), ["source", "hour_ts"])
    hours.to_csv(f"{outdir}/ref_hours.csv", index=False, float_format="%.17g")
    days = describe(df.assign(day_ts=(df["ts_ms"] // 86_400_000) * 86_400_000), ["source", "day_ts"])
    days.to_csv(f"{outdir}/ref_days.csv", index=False, float_format="%.17g")
    q = df.assign(ts=(df["ts_ms"] // 900_000) * 900_000).groupby(["source", "ts"])
    s = q[["lying", "standing"]].median()
    s["nb_frames"] = q.size()
    both = s["lying"] + s["standing"]
    s["ratio_standing"] = (100 * s["standing"] / both).where(both > 0)
    s.reset_index().to_csv(f"{outdir}/ref_series15.csv", index=False, float_format="%.17g")
    print(f"reference files written to {outdir}")


def timed(path, repeat=5):
    df = load(path)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        minute_stats(df)
        best = min(best, time.perf_counter() - t)
    print(f"{best:.6f}")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "generate":
        generate(sys.argv[2])
    elif cmd == "compute":
        compute(sys.argv[2], sys.argv[3])
    elif cmd == "time":
        timed(sys.argv[2])
    else:
        sys.exit(__doc__)
