#!/usr/bin/env bash
# The headless server's tarball and container recipe (issue 19): the tarball
# (what the image unpacks into /usr) checked and run from wherever it is
# unpacked, with its settings and database password from the environment as
# the image gives them; `animov health` (the image's HEALTHCHECK) up and
# down; the Dockerfile linted with hadolint.
#   bash tests/package/server.sh [path/to/animov-server.tar.gz]   (default: build it)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
. tests/package/lib.sh

tarball=${1:-}
if [ -z "$tarball" ]; then
    tarball=$(bash scripts/package.sh --server --debug | tail -1)
fi
[ -f "$tarball" ] || fail "no tarball at $tarball"
work=$(mktemp -d /tmp/animov-server-test.XXXXXX)
trap cleanup EXIT

step "Dockerfile (hadolint)"
hadolint=${ANIMOV_HADOLINT:-$(command -v hadolint || true)}
[ -x "$hadolint" ] || fail "hadolint is not installed (bash scripts/setup.sh test installs it)"
"$hadolint" Dockerfile || fail "hadolint Dockerfile"

step "contents"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
top=animov-server-$version
contents=$(tar -tvzf "$tarball" | awk '{print $1" "$6}')
for p in bin/animov lib/animov/libonnxruntime.so. share/animov/ui/index.html share/animov/ui/animov_ui_bg.wasm \
    share/animov/models/nanodet.onnx share/animov/models/forecast/default.json share/animov/DEPENDS \
    share/man/man1/animov-serve.1.gz share/doc/animov/copyright share/doc/animov/THIRD-PARTY-LICENSES.gz \
    share/doc/animov/animov.service; do
    grep -qF " $top/$p" <<<"$contents" || fail "the tarball lacks $top/$p"
done
grep -q "animov-desktop" <<<"$contents" && fail "the server tarball holds the window"
grep -E '^.{7}w' <<<"$contents" && fail "files writable by others"
tar -xzf "$tarball" -C "$work"
root=$work/$top
depends=$(paste -sd, "$root/share/animov/DEPENDS")
for d in libgstreamer1.0-0 gstreamer1.0-plugins-good gstreamer1.0-libav ca-certificates; do
    grep -qx "$d" "$root/share/animov/DEPENDS" || fail "DEPENDS lacks $d"
done
grep -q webkit "$root/share/animov/DEPENDS" && fail "the server needs WebKit: $depends"

step "dependencies: what DEPENDS lists brings every library and GStreamer element"
check_libraries "$depends" "$root/bin/animov" "$root"/lib/animov/libonnxruntime.so.*
# Unpacked elsewhere than /usr, it finds its page, models and ONNX Runtime
# beside itself.
only_the_package "$work"
run_from_package "$root/bin/animov" "$work"

step "settings and secrets from the environment, as the image gives them; animov health"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$work/env-data
printf 'env-secret-key-of-at-least-32-bytes!!\n' > "$work/jwt"
export ANIMOV_DATA_DIR=$data ANIMOV__LISTEN=127.0.0.1:$port ANIMOV__VISION__FPS=3 ANIMOV_JWT_SIGNING_KEY_FILE=$work/jwt
out=$("$root/bin/animov" health 2>&1) && fail "animov health answered with no engine running: $out"
grep -q "no answer from http://127.0.0.1:$port/health" <<<"$out" || fail "animov health, engine down: $out"
"$root/bin/animov" serve > "$work/env-serve.log" 2>&1 &
pids+=($!)
url=$(wait_for_url "$work/env-serve.log")
[ "$url" = "http://127.0.0.1:$port" ] || fail "ANIMOV__LISTEN ignored: serving at $url"
"$root/bin/animov" health > /dev/null || fail "animov health with the engine up"
[ ! -e "$data/secrets/jwt-signing-key" ] || fail "the signing key was written although ANIMOV_JWT_SIGNING_KEY_FILE gives it"
out=$(ANIMOV__VISION__FSP=3 "$root/bin/animov" health 2>&1) && fail "a misspelt setting was accepted"
grep -q "ANIMOV__VISION__FSP" <<<"$out" || fail "a misspelt setting's error does not name it: $out"
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null || true
step "ok: $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
