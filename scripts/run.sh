#!/usr/bin/env bash
# The main job: AniMOV on the demo feed with an embedded SQLite database.
# Extra arguments go to `animov serve` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
. scripts/env.sh
cargo run --locked -p animov-xtask -- ui
cargo build --release -p animov-engine --bin animov
export ANIMOV_UI_DIR=${ANIMOV_UI_DIR:-$PWD/ui/dist}
exec "$CARGO_TARGET_DIR/release/animov" serve --demo "$@"
