#!/usr/bin/env bash
# Runs the benchmark with its peers: a throw-away MariaDB and the pandas venv.
#   bash bench/run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
. scripts/env.sh
# shellcheck source=bench/venv.sh
. bench/venv.sh
ANIMOV_MARIADB_DIR=$(mktemp -d /tmp/animov-bench-db.XXXXXX)
export ANIMOV_MARIADB_DIR ANIMOV_MARIADB_PORT=${ANIMOV_MARIADB_PORT:-3399}
trap 'bash scripts/mariadb.sh stop; rm -rf "$ANIMOV_MARIADB_DIR"' EXIT
ANIMOV_TEST_MYSQL_URL=$(bash scripts/mariadb.sh start)
export ANIMOV_TEST_MYSQL_URL
export TMPDIR=${TMPDIR:-/var/tmp}
cargo run --release -p animov-bench -- "$@"
