#!/usr/bin/env bash
# Vision benchmark with its Python peer (onnxruntime + numpy in bench/.venv).
#   bash bench/vision.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
. scripts/env.sh
# shellcheck source=bench/venv.sh
. bench/venv.sh
cargo run --release -p animov-bench --bin vision-bench -- "$@"
