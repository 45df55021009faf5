#!/usr/bin/env bash
# Forecasting benchmark with its peer (statsmodels in bench/.venv).
#   bash bench/forecast.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# shellcheck source=bench/venv.sh
. bench/venv.sh
cargo run --release -p animov-bench --bin forecast-bench -- "$@"
