#!/usr/bin/env bash
# Copies the screenshots the end-to-end tests took (e2e/out/, after
# `bash scripts/test.sh`) into docs/first-day/ for the README, as JPEG.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/first-day
mkdir -p "$out"
for pair in setup:1-setup camera-test:2-camera-test camera-tune:3-camera-tune \
    camera-posture:4-camera-posture cameras:5-cameras desktop-camera:6-window \
    detectors:7-detectors storage:8-storage import:9-import alert-explain:10-alert-explain review:11-review desktop-review-later:12-window-review \
    dataset:13-dataset sync-sites:14-sync-sites sync-site:15-sync-site central-review:16-central-review; do
    src="e2e/out/${pair%%:*}.png"
    [ -f "$src" ] || { echo "missing $src: run bash scripts/test.sh first" >&2; exit 1; }
    convert "$src" -resize '1280x>' -quality 82 "$out/${pair##*:}.jpg"
done
ls -la "$out"
