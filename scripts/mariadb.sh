#!/usr/bin/env bash
# Starts (or stops) a throw-away MariaDB on loopback for the test suite.
#   scripts/mariadb.sh start   -> prints the admin URL tests use (ANIMOV_TEST_MYSQL_URL)
#   scripts/mariadb.sh stop
# It speaks TLS with a certificate of a test CA: $ANIMOV_MARIADB_DIR/tls/ca.pem.
# ANIMOV_MARIADB_DURABLE=1: every commit flushed (for killing it on purpose:
# bench/db-faults.sh); the tests do not need it.
set -euo pipefail
D=${ANIMOV_MARIADB_DIR:-/tmp/animov-mariadb}
PORT=${ANIMOV_MARIADB_PORT:-3307}
SOCK=$D/mariadb.sock
URL="mysql://animov:animov-test@127.0.0.1:$PORT/"
FLUSH=2
[ "${ANIMOV_MARIADB_DURABLE:-0}" = 1 ] && FLUSH=1

# TLS: a test CA and a server certificate it signed for 127.0.0.1 and
# localhost (tests check the server's certificate against ca.pem), and a
# CA that signed nothing (other-ca.pem: a certificate it must refuse).
certificates() {
    T=$D/tls
    [ -f "$T/server.pem" ] && return
    mkdir -p "$T"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=AniMOV test CA" \
        -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
    openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=Another CA" \
        -keyout "$T/other-ca.key" -out "$T/other-ca.pem" 2>/dev/null
    openssl req "${ec[@]}" -subj "/CN=127.0.0.1" -keyout "$T/server.key" -out "$T/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$T/san.ext"
    openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
        -days 3650 -extfile "$T/san.ext" -out "$T/server.pem" 2>/dev/null
}

ping() { mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1; }

case "${1:-start}" in
start)
    if ! ping; then
        mkdir -p "$D"
        certificates
        if [ ! -d "$D/data/mysql" ]; then
            mariadb-install-db --no-defaults --datadir="$D/data" --user="$(id -un)" \
                --auth-root-authentication-method=socket >"$D/install.log" 2>&1 \
                || { cat "$D/install.log" >&2; exit 1; }
        fi
        nohup mariadbd --no-defaults --datadir="$D/data" --socket="$SOCK" --port="$PORT" \
            --bind-address=127.0.0.1 --user="$(id -un)" --pid-file="$D/mariadb.pid" \
            --log-error="$D/error.log" --skip-name-resolve --innodb-buffer-pool-size=256M \
            --innodb-flush-log-at-trx-commit="$FLUSH" --max-connections=500 \
            --ssl-ca="$D/tls/ca.pem" --ssl-cert="$D/tls/server.pem" --ssl-key="$D/tls/server.key" \
            >/dev/null 2>&1 &
        for _ in $(seq 1 60); do ping && break; sleep 0.5; done
        ping || { echo "MariaDB did not start; see $D/error.log" >&2; tail -20 "$D/error.log" >&2; exit 1; }
        mariadb --no-defaults --socket="$SOCK" -uroot -e \
            "CREATE USER IF NOT EXISTS 'animov'@'127.0.0.1' IDENTIFIED BY 'animov-test'; \
             GRANT ALL ON *.* TO 'animov'@'127.0.0.1';"
    fi
    echo "$URL"
    ;;
stop)
    if ping; then
        mariadb-admin --no-defaults --socket="$SOCK" -uroot shutdown || true
    fi
    ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
