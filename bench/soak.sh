#!/usr/bin/env bash
# Soak (issue 18, item 5): 4 video-file cameras at 2 analysed frames/s through
# GStreamer + ONNX Runtime, the UI open in Chromium, sampled every minute and
# plotted (RSS, threads, file descriptors, CPU, frames analysed).
#   bash bench/soak.sh [minutes=120] [cameras=4] [out=bench/out/soak]
# CI runs none of it (the looping file camera test is its short version).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-120}
cameras=${2:-4}
out=${3:-bench/out/soak}
. scripts/env.sh
cargo build --locked --release -p animov-cli --bin animov
cargo run --locked -q -p animov-xtask -- ui
# shellcheck source=bench/venv.sh
. bench/venv.sh
node bench/soak.mjs "$CARGO_TARGET_DIR/release/animov" "$PWD/ui/dist" "$out" "$minutes" "$cameras"
"$ANIMOV_BENCH_PYTHON" bench/soak_plot.py "$out/soak.csv" "$out/soak.png"
