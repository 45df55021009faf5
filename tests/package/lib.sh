# What the package tests share (sourced by deb.sh and server.sh): messages,
# the dependency check, and AniMOV run from a package's files alone.
fail() { echo "package test: FAILED: $*" >&2; exit 1; }
step() { echo "package test: $*" >&2; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

# check_libraries DEPENDS ELF...: every library each ELF needs is found and
# owned by a package that DEPENDS (a Depends field) brings, and so is every
# GStreamer element the engine builds.
check_libraries() {
    local depends=$1 declared closure essential allowed elf libs lib pkg e f
    shift
    owner() { dpkg -S "$1" 2>/dev/null || dpkg -S "$(readlink -f "$1")" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null || true; }
    declared=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep -v '^$')
    # shellcheck disable=SC2086
    closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances $declared 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)
    essential=$(dpkg-query -Wf '${Package} ${Essential}\n' | awk '$2=="yes"{print $1}')
    allowed=$(printf '%s\n%s\n' "$closure" "$essential" | sort -u)
    for elf in "$@"; do
        libs=$(ldd "$elf")
        grep -q "not found" <<<"$libs" && fail "$(basename "$elf"): $(grep 'not found' <<<"$libs")"
        for lib in $(awk '/=> \//{print $3}' <<<"$libs"); do
            pkg=$(owner "$lib" | head -1 | cut -d: -f1)
            [ -n "$pkg" ] || fail "$(basename "$elf") needs $lib, which no package owns"
            grep -qx "$pkg" <<<"$allowed" || fail "$(basename "$elf") needs $lib from $pkg, which the dependencies do not bring"
        done
    done
    for e in decodebin urisourcebin parsebin avdec_h264 h264parse x264enc videoconvert videoscale appsink \
        jpegenc matroskamux matroskademux mp4mux splitmuxsink rtspsrc v4l2src; do
        f=$(gst-inspect-1.0 "$e" 2>/dev/null | sed -n 's/^ *Filename *//p' | head -1)
        [ -n "$f" ] || fail "GStreamer element $e is not on this machine"
        pkg=$(owner "$f" | head -1 | cut -d: -f1)
        grep -qx "$pkg" <<<"$allowed" || fail "element $e comes from $pkg, which the dependencies do not bring"
    done
}

# only_the_package WORK: from here on, only the package's files count — no
# cached ONNX Runtime, no source tree models or page (a HOME of its own; the
# variables that point elsewhere unset).
only_the_package() {
    export HOME=$1/home XDG_CACHE_HOME=$1/home/.cache XDG_DATA_HOME=$1/home/.local/share
    mkdir -p "$HOME"
    unset ORT_DYLIB_PATH ANIMOV_ORT_DIR ANIMOV_MODELS_DIR ANIMOV_UI_DIR ANIMOV_DATA_DIR
    export ANIMOV_SECRETS=file RUST_LOG=info,sqlx=warn
}

# wait_for_url LOG: the address `animov serve` printed in LOG ("running at").
wait_for_url() {
    local url=
    for _ in $(seq 1 120); do
        url=$(grep -o 'running at https\?://[0-9.:]*' "$1" | head -1 | sed 's/running at //' || true)
        [ -n "$url" ] && break
        sleep 0.5
    done
    [ -n "$url" ] || { cat "$1" >&2; fail "serve did not start"; }
    echo "$url"
}

# run_from_package ANIMOV WORK: `animov --version` with the commit, `user
# add`, `serve --demo` answering /health, the page, /api/v1/version and a
# sign-in, and `detect` finding the cat with the packaged detector.
run_from_package() {
    local animov=$1 work=$2 v head data url token out
    step "animov --version"
    v=$("$animov" --version)
    echo "  $v" >&2
    head=$(git rev-parse HEAD 2>/dev/null | cut -c1-12 || true)
    [ -z "$head" ] || grep -q "commit $head" <<<"$v" || fail "--version does not carry the commit $head: $v"
    grep -q "detector nanodet-g-416 (COCO) [0-9a-f]\{12\}" <<<"$v" || fail "--version lacks the packaged detector: $v"
    grep -q "forecast .* [0-9a-f]\{12\})" <<<"$v" || fail "--version lacks the forecast model: $v"

    step "animov user add"
    data=$work/data
    echo "package-test-pw-1" | "$animov" --data-dir "$data" user add --username admin --role admin --password-stdin \
        || fail "user add"

    step "animov serve --demo"
    "$animov" --data-dir "$data" serve --demo --listen 127.0.0.1:0 > "$work/serve.log" 2>&1 &
    pids+=($!)
    url=$(wait_for_url "$work/serve.log")
    [ "$(curl -sf "$url/health")" = '{"status":"ok"}' ] || fail "/health"
    curl -sf "$url/" | grep -q "animov_ui" || fail "the web page is not served from the package"
    curl -sf "$url/api/v1/version" | grep -q '"role":"detector","name":"nanodet-g-416 (COCO)","sha256":"[0-9a-f]\{12\}"' \
        || fail "/api/v1/version: $(curl -sf "$url/api/v1/version")"
    token=$(curl -sf -H 'content-type: application/json' -d '{"username":"admin","password":"package-test-pw-1"}' \
        "$url/api/v1/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
    [ -n "$token" ] || fail "sign-in as the user added"
    kill "${pids[-1]}"
    wait "${pids[-1]}" 2>/dev/null || true

    step "animov detect"
    out=$("$animov" detect --json crates/animov-vision/tests/fixtures/chelsea.png) || fail "detect: $out"
    # scikit-image's cat photo: one animal, found by the packaged NanoDet.
    tr -d ' \n' <<<"$out" | grep -q '"class":"cat","role":"animal"' || fail "detect did not find the cat: $out"
}
