#!/usr/bin/env bash
# Vision benchmark with its Python peer (onnxruntime + numpy in bench/.venv).
#   bash bench/vision.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
. scripts/env.sh
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/pip install -q -r bench/requirements.txt
export ANIMOV_BENCH_PYTHON=$PWD/bench/.venv/bin/python
cargo run --release -p animov-bench --bin vision-bench -- "$@"
