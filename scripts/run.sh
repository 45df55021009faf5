#!/usr/bin/env bash
# The main job: AniMOV on the demo feed with an embedded SQLite database —
# the desktop window when there is a display, `animov serve` otherwise.
# Extra arguments go to the app (e.g. --data-dir DIR; for serve also --listen).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${ANIMOV_HEADLESS:-0}" != 1 ]; then
    bash scripts/setup.sh desktop
else
    bash scripts/setup.sh run
fi
. scripts/env.sh
cargo run --locked -p animov-xtask -- ui
export ANIMOV_UI_DIR=${ANIMOV_UI_DIR:-$PWD/ui/dist}
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${ANIMOV_HEADLESS:-0}" != 1 ]; then
    cargo build --locked --release -p animov-desktop
    exec "$CARGO_TARGET_DIR/release/animov-desktop" --demo "$@"
fi
cargo build --locked --release -p animov-cli --bin animov
exec "$CARGO_TARGET_DIR/release/animov" serve --demo "$@"
