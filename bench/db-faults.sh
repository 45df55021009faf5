#!/usr/bin/env bash
# Database faults (issue 18, item 2): animov serve on a MariaDB of its own,
# which is killed and started again while a camera records and two clients
# ingest (see bench/src/bin/db_faults.rs).
#   bash bench/db-faults.sh [outages=5] [down seconds=15]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --release -p animov-cli --bin animov -p animov-bench --bin db-faults
"$CARGO_TARGET_DIR/release/db-faults" --outages "${1:-5}" --down "${2:-15}"
