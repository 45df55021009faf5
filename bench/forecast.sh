#!/usr/bin/env bash
# Forecasting benchmark with its peer (statsmodels in bench/.venv).
#   bash bench/forecast.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/pip install -q -r bench/requirements.txt
export ANIMOV_BENCH_PYTHON=$PWD/bench/.venv/bin/python
cargo run --release -p animov-bench --bin forecast-bench -- "$@"
