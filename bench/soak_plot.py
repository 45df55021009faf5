"""Plots the soak CSV written by bench/soak.mjs into one PNG and prints the
figures the closing note quotes (first/last/max RSS, CPU, threads, fds).

    python bench/soak_plot.py soak.csv soak.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main(csv: str, png: str) -> None:
    d = pd.read_csv(csv)
    fig, ax = plt.subplots(5, 1, figsize=(9, 11), sharex=True)
    panels = [
        ("rss_mib", "RSS (MiB)"),
        ("cpu_percent", "CPU (% of one core)"),
        ("threads", "threads"),
        ("fds", "open file descriptors"),
        ("fps_out_total", "frames analysed / s (all cameras)"),
    ]
    for a, (col, label) in zip(ax, panels):
        a.plot(d["minute"], d[col], lw=1.2)
        a.set_ylabel(label)
        a.grid(alpha=0.3)
        a.set_ylim(bottom=0)
    if "rss_anon_mib" in d:  # older runs sampled the total only
        ax[0].plot(d["minute"], d["rss_anon_mib"], lw=0.9, label="anonymous (heap, buffers)")
        ax[0].plot(d["minute"], d["rss_file_mib"], lw=0.9, label="file-backed (libraries, models)")
    ax[0].axhline(250, color="red", lw=0.8, ls="--", label="target 250 MiB")
    ax[0].legend(loc="lower right")
    ax[-1].set_xlabel("minutes")
    fig.suptitle("AniMOV soak: 4 video-file cameras, 2 analysed frames/s each, UI open (release build)")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    steady = d[d["minute"] >= 10]
    print(f"minutes: {int(d['minute'].max())}")
    print(f"RSS MiB: at 1 min {d['rss_mib'].iloc[1]:.0f}, at 10 min {steady['rss_mib'].iloc[0]:.0f}, "
          f"last {d['rss_mib'].iloc[-1]:.0f}, max {d['rss_mib'].max():.0f}")
    late = d[d["minute"] >= d["minute"].max() / 2]
    if len(late) >= 2:
        slope = pd.Series(late["rss_mib"].values).cov(pd.Series(late["minute"].values)) / late["minute"].var()
        print(f"RSS growth over the second half: {slope:.2f} MiB/min")
    if "rss_anon_mib" in d:
        print(f"RSS anonymous MiB: at 10 min {steady['rss_anon_mib'].iloc[0]:.0f}, last {d['rss_anon_mib'].iloc[-1]:.0f}; "
              f"file-backed: at 10 min {steady['rss_file_mib'].iloc[0]:.0f}, last {d['rss_file_mib'].iloc[-1]:.0f}")
    print(f"CPU % of one core (after 10 min): mean {steady['cpu_percent'].mean():.0f}, max {steady['cpu_percent'].max():.0f}")
    print(f"threads: min {d['threads'].min()}, max {d['threads'].max()}; fds: min {d['fds'].min()}, max {d['fds'].max()}")
    print(f"frames analysed: {d['frames_out_total'].iloc[-1]}, mean {steady['fps_out_total'].mean():.2f}/s; "
          f"dropped {d['dropped_total'].iloc[-1]}; reconnects {d['reconnects_total'].iloc[-1]}; "
          f"segments {d['segments_total'].iloc[-1]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
