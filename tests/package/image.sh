#!/usr/bin/env bash
# Builds the container image with podman (or docker) and checks it runs:
# healthy by its own HEALTHCHECK, /health and the page answered on the
# published port, a user added with `exec`, the data kept in its volume
# across a new container, non-root; then the central's setup on MariaDB
# configured by the environment with the password from a secret file (the
# test MariaDB when ANIMOV_TEST_MYSQL_URL is set). Not in CI (a release
# build inside the image takes ~20 minutes here); the release workflow
# builds and checks the image on GitHub.
#   bash tests/package/image.sh [IMAGE]    (default: build animov:test)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/package/lib.sh
engine=${CONTAINER_ENGINE:-$(command -v podman || command -v docker)}
image=${1:-}
work=$(mktemp -d /tmp/animov-image-test.XXXXXX)
names=()
trap 'for n in "${names[@]}"; do "$engine" rm -f "$n" >/dev/null 2>&1 || true; done; "$engine" volume rm -f animov-image-test >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

if [ -z "$image" ]; then
    image=localhost/animov:test
    step "building $image"
    start=$(date +%s)
    # podman's default OCI format drops HEALTHCHECK and SHELL: Docker's format keeps them.
    format=()
    [ "$(basename "$engine")" = podman ] && format=(--format docker)
    "$engine" build "${format[@]}" --network=host -t "$image" --build-arg ANIMOV_COMMIT="$(git rev-parse HEAD)" . >&2
    step "built in $(( $(date +%s) - start )) s"
fi
"$engine" image inspect "$image" --format '{{.Size}}' | awk '{printf "package test: image size %.0f MB\n", $1/1e6}' >&2
[ "$("$engine" image inspect "$image" --format '{{.Config.User}}')" = 10001:10001 ] || fail "the image does not run as user 10001"

step "a container from the image becomes healthy and serves"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
names+=(animov-image-test)
"$engine" run -d --name animov-image-test -p "127.0.0.1:$port:8642" -v animov-image-test:/var/lib/animov "$image" >/dev/null
status=
for _ in $(seq 1 90); do
    "$engine" healthcheck run animov-image-test >/dev/null 2>&1 && { status=healthy; break; }
    sleep 1
done
[ "$status" = healthy ] || { "$engine" logs animov-image-test >&2; fail "not healthy"; }
[ "$(curl -sf "http://127.0.0.1:$port/health")" = '{"status":"ok"}' ] || fail "/health on the published port"
curl -sf "http://127.0.0.1:$port/" | grep -q animov_ui || fail "the page"
curl -sf "http://127.0.0.1:$port/api/v1/version" | grep -q '"commit":"[0-9a-f]\{40\}' || fail "/api/v1/version has no commit"
[ "$("$engine" exec animov-image-test id -u)" = 10001 ] || fail "the engine does not run as 10001"
printf 'image-test-pw-1\n' | "$engine" exec -i animov-image-test animov user add --username admin --role admin --password-stdin \
    || fail "user add by exec"
login() {
    curl -sf -H 'content-type: application/json' -d '{"username":"admin","password":"image-test-pw-1"}' \
        "http://127.0.0.1:$port/api/v1/auth/login" | grep -q '"token"'
}
login || fail "sign-in"
log=$("$engine" logs animov-image-test 2>&1)
grep -m1 "AniMOV" <<<"$log" | grep -q "AniMOV 0.*commit [0-9a-f]\{12\}" || fail "the log does not start with the version"
step "the volume keeps the data for a new container"
"$engine" rm -f animov-image-test >/dev/null
"$engine" run -d --name animov-image-test -p "127.0.0.1:$port:8642" -v animov-image-test:/var/lib/animov "$image" >/dev/null
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
login || fail "the user is gone with the old container"

if [ -n "${ANIMOV_TEST_MYSQL_URL:-}" ]; then
    step "a central on MariaDB, configured by the environment, the password from a file"
    url=${ANIMOV_TEST_MYSQL_URL%/}
    userpass=${url#mysql://}; userpass=${userpass%%@*}
    hostport=${url#mysql://*@}
    db=animov_image_$$
    my=(mariadb --protocol=tcp -h "${hostport%%:*}" -P "${hostport##*:}" -u "${userpass%%:*}" -p"${userpass#*:}")
    "${my[@]}" -e "CREATE DATABASE $db CHARACTER SET utf8mb4"
    printf '%s\n' "${userpass#*:}" > "$work/mysql_password"
    chmod 0644 "$work/mysql_password"
    cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    names+=(animov-image-central)
    "$engine" run -d --name animov-image-central --network host \
        -e ANIMOV__LISTEN="127.0.0.1:$cport" -e ANIMOV__DATABASE__KIND=mysql \
        -e ANIMOV__DATABASE__URL="mysql://${userpass%%:*}@$hostport/$db" -e ANIMOV__SYNC__ROLE=central \
        -e ANIMOV_MYSQL_PASSWORD_FILE=/run/secrets/mysql_password \
        -v "$work/mysql_password:/run/secrets/mysql_password:ro" "$image" >/dev/null
    for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$cport/health" >/dev/null && break; sleep 1; done
    [ "$(curl -sf "http://127.0.0.1:$cport/health")" = '{"status":"ok"}' ] \
        || { "$engine" logs animov-image-central >&2; fail "the central on MariaDB"; }
    "${my[@]}" -N -e "SELECT MAX(version) FROM $db._sqlx_migrations" | grep -qx '[0-9]\+' || fail "no schema in MariaDB"
    log=$("$engine" logs animov-image-central 2>&1)
    grep -qF "${userpass#*:}" <<<"$log" && fail "the password is in the log"
    "${my[@]}" -e "DROP DATABASE $db"
fi
step "ok: $image"
