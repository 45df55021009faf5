#!/usr/bin/env bash
# Builds the desktop app's .deb (the UI bundled as a resource) with Tauri's
# bundler from npm. Prints where the package is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh desktop
. scripts/env.sh
cargo run --locked -p animov-xtask -- ui
cd src-tauri
npm ci --no-audit --no-fund --loglevel=error
npx tauri build --bundles deb --config '{"bundle":{"resources":{"../ui/dist/":"ui/"}}}'
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
