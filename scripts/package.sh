#!/usr/bin/env bash
# Builds the desktop app's .deb (UI, detector and ONNX Runtime as resources) with Tauri's
# bundler from npm. Prints where the package is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh desktop
. scripts/env.sh
cargo run --locked -p animov-xtask -- ui
cd src-tauri
npm ci --no-audit --no-fund --loglevel=error
# The .deb carries the UI, the bundled detector and ONNX Runtime's library:
# nothing is downloaded when it runs.
ort=$(bash ../scripts/onnxruntime.sh)
npx tauri build --bundles deb --config "{\"bundle\":{\"resources\":{\"../ui/dist/\":\"ui/\",\"../models/\":\"models/\",\"$ort\":\"lib/$(basename "$ort")\"}}}"
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
