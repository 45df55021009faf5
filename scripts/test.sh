#!/usr/bin/env bash
# Every test: formatting, lints, unit, store (SQLite and MariaDB), API and CLI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
. scripts/env.sh
export ANIMOV_COMMIT=${ANIMOV_COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}
# A test run gains nothing from incremental caches (they only fill the disk).
export CARGO_INCREMENTAL=0
# The shared target directory grows with every clone that builds into it:
# with less than 15 GiB free, start again from an empty debug build.
avail_kib=$(df --output=avail -k "$CARGO_TARGET_DIR" | tail -1)
if [ "$avail_kib" -lt $((15 * 1024 * 1024)) ]; then
    echo "test: only $((avail_kib / 1024 / 1024)) GiB free: clearing the debug builds in $CARGO_TARGET_DIR" >&2
    rm -rf "$CARGO_TARGET_DIR/debug" "$CARGO_TARGET_DIR/ui"
fi

ANIMOV_MARIADB_DIR=$(mktemp -d /tmp/animov-mariadb.XXXXXX)
export ANIMOV_MARIADB_DIR
ANIMOV_MARIADB_PORT=${ANIMOV_MARIADB_PORT:-$((20000 + RANDOM % 20000))}
export ANIMOV_MARIADB_PORT
cleanup() {
    bash scripts/mariadb.sh stop || true
    rm -rf "$ANIMOV_MARIADB_DIR"
}
trap cleanup EXIT
ANIMOV_TEST_MYSQL_URL=$(bash scripts/mariadb.sh start)
export ANIMOV_TEST_MYSQL_URL
export ANIMOV_TEST_MYSQL_CA="$ANIMOV_MARIADB_DIR/tls/ca.pem"
echo "test: MariaDB on 127.0.0.1:$ANIMOV_MARIADB_PORT" >&2

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Unit, integration and doc tests (targets with `test = false` have none to link).
cargo test --workspace --locked
# A short crash campaign: 5 SIGKILLs under ingest and recording, then every
# acknowledged frame, minute, recording and the database checked (the long
# one: bash bench/crash.sh).
cargo build --locked -p animov-bench --bin crash-campaign --bin db-faults --bin disk-full
"$CARGO_TARGET_DIR/debug/crash-campaign" --kills 5 --bin "$CARGO_TARGET_DIR/debug/animov"
# A short database fault: MariaDB (its own) killed for 10 s under ingest and
# a recording camera (the long one: bash bench/db-faults.sh).
"$CARGO_TARGET_DIR/debug/db-faults" --outages 1 --down 10 --bin "$CARGO_TARGET_DIR/debug/animov"
# A full disk: the data folder on a small tmpfs filled under a recording
# camera and ingest, then emptied (the long one: bash bench/disk-full.sh).
"$CARGO_TARGET_DIR/debug/disk-full" --full 10 --bin "$CARGO_TARGET_DIR/debug/animov"

# The UI: lint it, build it, then drive it in headless Chromium against `animov serve --demo`.
cargo fmt --manifest-path ui/Cargo.toml --check
cargo clippy --manifest-path ui/Cargo.toml --target wasm32-unknown-unknown --target-dir "$CARGO_TARGET_DIR/ui" --locked -- -D warnings
cargo run --locked -p animov-xtask -- ui
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
cargo build --locked -p animov-desktop
# The .deb from this build: contents, dependencies, and AniMOV run from the
# extracted package alone (the command, the engine, detection, the window).
bash tests/package/deb.sh
test_venv=${ANIMOV_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/animov/test-venv}
# The server's tarball (what the container image holds) run from where it is
# unpacked, configured by the environment; the Dockerfile linted.
ANIMOV_HADOLINT=$test_venv/bin/hadolint bash tests/package/server.sh
export ANIMOV_TEST_PYTHON=$test_venv/bin/python
ANIMOV_BIN="$CARGO_TARGET_DIR/debug/animov" ANIMOV_DESKTOP_BIN="$CARGO_TARGET_DIR/debug/animov-desktop" \
    ANIMOV_UI_DIR="$PWD/ui/dist" node --test --test-concurrency=1 e2e/ui.test.mjs e2e/forecasts.test.mjs e2e/setup.test.mjs e2e/disk.test.mjs e2e/tls.test.mjs e2e/sync.test.mjs e2e/desktop.test.mjs
