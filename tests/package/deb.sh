#!/usr/bin/env bash
# The .deb as a user gets it (issue 19): built from the test command's debug
# build, its control fields, contents and dependencies checked, then AniMOV
# run from the extracted package alone — `animov --version` with the commit,
# `animov user add`, `animov serve --demo` answering /health and serving the
# web page, `animov detect` on a photo with the packaged detector and ONNX
# Runtime, and the window under Xvfb.
#   bash tests/package/deb.sh [path/to/animov.deb]   (default: build it)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
. tests/package/lib.sh

deb=${1:-}
if [ -z "$deb" ]; then
    deb=$(bash scripts/package.sh --debug | tail -1)
fi
[ -f "$deb" ] || fail "no package at $deb"
work=$(mktemp -d /tmp/animov-deb-test.XXXXXX)
trap cleanup EXIT

step "control fields"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = animov ] || fail "Package is $(field Package)"
[ "$(field Architecture)" = amd64 ] || fail "Architecture"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ "$(field Version)" = "$version" ] || fail "Version $(field Version), Cargo.toml says $version"
depends=$(field Depends)
for d in libwebkit2gtk-4.1-0 libgstreamer1.0-0 gstreamer1.0-plugins-good gstreamer1.0-libav libayatana-appindicator3-1 adduser; do
    grep -q "\b$d\b" <<<"$depends" || fail "Depends lacks $d: $depends"
done

step "contents"
contents=$(dpkg-deb -c "$deb" | awk '{print $1" "$6}')
for p in ./usr/bin/animov ./usr/bin/animov-desktop ./usr/lib/animov/libonnxruntime.so. \
    ./usr/share/animov/ui/index.html ./usr/share/animov/ui/animov_ui_bg.wasm ./usr/share/animov/ui/echarts.min.js \
    ./usr/share/animov/models/nanodet.onnx ./usr/share/animov/models/nanodet.json \
    ./usr/share/animov/models/forecast/default.json ./usr/share/applications/animov.desktop \
    ./usr/share/icons/hicolor/128x128/apps/animov.png ./usr/share/icons/hicolor/512x512/apps/animov.png \
    ./usr/share/man/man1/animov.1.gz ./usr/share/man/man1/animov-serve.1.gz \
    ./usr/lib/systemd/system/animov.service ./usr/share/doc/animov/copyright \
    ./usr/share/doc/animov/THIRD-PARTY-LICENSES.gz ./usr/share/doc/animov/changelog.gz; do
    grep -qF " $p" <<<"$contents" || fail "the package lacks $p"
done
grep -q "^-rwxr-xr-x ./usr/bin/animov$" <<<"$contents" || fail "/usr/bin/animov is not executable"
# Nothing writable by others, no file outside the FHS places.
outside=$(grep -v '^d' <<<"$contents" | grep -Ev ' \./usr/(bin|lib|share)/' || true)
if [ -n "$outside" ]; then
    fail "files outside /usr: $outside"
fi
grep -E '^.{7}w' <<<"$contents" && fail "files writable by others"

root=$work/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/DEBIAN"
for s in postinst prerm postrm; do sh -n "$work/DEBIAN/$s" || fail "$s does not parse"; done
desktop-file-validate "$root/usr/share/applications/animov.desktop" || fail "desktop entry"
grep -q '^Name\[fr\]=\|^GenericName\[fr\]=' "$root/usr/share/applications/animov.desktop" || fail "no French name"
sed "s|/usr/bin/animov|$root/usr/bin/animov|" "$root/usr/lib/systemd/system/animov.service" > "$work/animov.service"
systemd-analyze verify --man=no "$work/animov.service" || fail "systemd-analyze verify animov.service"
licences=$(zcat "$root/usr/share/doc/animov/THIRD-PARTY-LICENSES.gz")
grep -q "ONNX Runtime" <<<"$licences" || fail "licences lack ONNX Runtime"
grep -q "^tokio " <<<"$licences" || fail "licences lack the crates"
grep -q "GNU AFFERO GENERAL PUBLIC LICENSE" "$root/usr/share/doc/animov/copyright" || fail "copyright lacks the AGPL"
manual=$(man -l "$root/usr/share/man/man1/animov.1.gz" 2>/dev/null)
grep -q "ANIMOV_SECRETS" <<<"$manual" || fail "manual page"

step "dependencies: every library the binaries need is found and comes from a declared package"
check_libraries "$depends" "$root"/usr/bin/animov "$root"/usr/bin/animov-desktop "$root"/usr/lib/animov/libonnxruntime.so.*
only_the_package "$work"
run_from_package "$root/usr/bin/animov" "$work"

step "the window under Xvfb"
display=":$((70 + RANDOM % 20))"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
sleep 1
wdata=$work/window
mkdir -p "$wdata"
printf '[demo]\ncameras = 1\nbackfill_days = 1\n' > "$wdata/animov.toml"
DISPLAY=$display "$root/usr/bin/animov-desktop" --data-dir "$wdata" --demo > "$work/window.log" 2>&1 &
pids+=($!)
wurl=
for _ in $(seq 1 240); do
    if grep -q "desktop window signed in" "$wdata"/logs/* 2>/dev/null; then
        wurl=$(grep -o 'engine at http://[0-9.:]*' "$work/window.log" | head -1 | sed 's/engine at //')
        break
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
done
[ -n "$wurl" ] || { cat "$work/window.log" >&2; fail "the window did not open and sign in"; }
[ "$(curl -sf "$wurl/health")" = '{"status":"ok"}' ] || fail "the window's engine /health"
curl -sf "$wurl/" | grep -q "animov_ui" || fail "the window's engine does not serve the packaged page"
step "ok: $(basename "$deb") ($(du -h "$deb" | cut -f1)), installed size $(field Installed-Size) KiB"
