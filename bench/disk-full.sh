#!/usr/bin/env bash
# A full disk (issue 18, item 3): animov serve with its data folder on a
# small tmpfs that a ballast file fills while a camera records and two
# clients ingest (see bench/src/bin/disk_full.rs). Mounting needs root, or
# a user namespace (unshare -rm).
#   bash bench/disk-full.sh [seconds full=20]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --release -p animov-cli --bin animov -p animov-bench --bin disk-full
"$CARGO_TARGET_DIR/release/disk-full" --full "${1:-20}"
