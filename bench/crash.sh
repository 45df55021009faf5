#!/usr/bin/env bash
# Crash campaign (issue 18, item 1): `animov serve` with a demo: camera and a
# video-file camera (both recording) and two HTTP ingest clients, killed with
# SIGKILL at random moments and restarted; then every acknowledged frame,
# every minute, the database's integrity, every recording and the alerts are
# checked (see bench/src/bin/crash.rs).
#   bash bench/crash.sh [kills=100] [seed=18]
# The test command runs a short one (5 kills).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --release -p animov-cli --bin animov -p animov-bench --bin crash-campaign
"$CARGO_TARGET_DIR/release/crash-campaign" --kills "${1:-100}" --seed "${2:-18}"
