#!/usr/bin/env bash
# Writes the upgrade test's fixtures for this version: a data folder made by
# this build of `animov` (a user, a day of two demo cameras' frames with their minute
# and hour statistics) on SQLite — the database file — and on MariaDB — a
# dump — with each table's row count. Run at each release (or schema change)
# and commit the files: later versions' tests open them
# (crates/animov-store/tests/upgrade.rs).
#   bash tests/upgrade/make-fixtures.sh    (needs the test MariaDB: ANIMOV_TEST_MYSQL_URL)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
bin=${ANIMOV_BIN:-$CARGO_TARGET_DIR/debug/animov}
admin=${ANIMOV_TEST_MYSQL_URL:?the test MariaDB: bash scripts/mariadb.sh start}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
schema=$("$bin" --version | sed -n 's/.*schema \([0-9]*\).*/\1/p')
[ -n "$schema" ] || { echo "make-fixtures: no schema in $("$bin" --version)" >&2; exit 1; }
out=crates/animov-store/tests/fixtures/releases
name=$out/animov-$version-schema-$schema
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ANIMOV_SECRETS=file

# make DATA: the same data in the folder DATA, on the database its animov.toml names.
make() {
    printf 'pw-of-the-fixture\n' | "$bin" --data-dir "$1" user add --username farmer --role admin --password-stdin
    "$bin" --data-dir "$1" demo --days 1 --cameras 2 --seed 7
}

echo "make-fixtures: SQLite" >&2
mkdir -p "$work/sqlite"
printf '[demo]\nbackfill_interval_ms = 120000\n' > "$work/sqlite/animov.toml"
make "$work/sqlite"
rm -f "$name.sqlite"
python3 - "$work/sqlite/animov.sqlite" "$name.sqlite" "$name.sqlite.counts" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("VACUUM INTO ?", (sys.argv[2],))
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name")]
with open(sys.argv[3], "w") as f:
    for t in tables:
        f.write(f"{t} {db.execute(f'SELECT COUNT(*) FROM {t}').fetchone()[0]}\n")
PY

echo "make-fixtures: MariaDB" >&2
db=animov_fixture_$$
hostport=${admin#mysql://*@}; hostport=${hostport%%/*}
userpass=${admin#mysql://}; userpass=${userpass%%@*}
my=(mariadb --protocol=tcp -h "${hostport%%:*}" -P "${hostport##*:}" -u "${userpass%%:*}" -p"${userpass#*:}")
"${my[@]}" -e "CREATE DATABASE $db CHARACTER SET utf8mb4"
mkdir -p "$work/mysql"
printf '[database]\nkind = "mysql"\nurl = "%s/%s"\n[demo]\nbackfill_interval_ms = 120000\n' "${admin%/}" "$db" \
    > "$work/mysql/animov.toml"
make "$work/mysql"
mariadb-dump --protocol=tcp -h "${hostport%%:*}" -P "${hostport##*:}" -u "${userpass%%:*}" -p"${userpass#*:}" \
    --skip-comments --skip-dump-date --no-tablespaces --skip-lock-tables --skip-add-locks --hex-blob \
    "$db" > "$name.mysql.sql"
"${my[@]}" -N -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db' AND table_name <> '_sqlx_migrations' ORDER BY table_name" \
    | while read -r t; do echo "$t $("${my[@]}" -N -e "SELECT COUNT(*) FROM $db.\`$t\`")"; done > "$name.mysql.counts"
"${my[@]}" -e "DROP DATABASE $db"
ls -l "$out" >&2
