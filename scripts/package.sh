#!/usr/bin/env bash
# Builds AniMOV's packages.
#  - The Debian package (default): the window (animov-desktop), the `animov`
#    command, the web page, the bundled detector and forecast model, ONNX
#    Runtime's library, manual pages, a desktop entry with its icons (French
#    and English), the headless service's systemd unit and the licence notices.
#  - With --server, the headless server's tarball (what the container image
#    and a central without Debian packaging use): the same less the window,
#    in a prefix-free tree (bin/ lib/ share/) that runs from wherever it is
#    unpacked, with the Debian packages it needs listed in share/animov/DEPENDS.
#   bash scripts/package.sh [--debug] [--server] [--out DIR]
# --debug packages the debug build (what the test command has built; its
# package test) instead of a release build. Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
kind=deb
out=
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=debug ;;
        --server) kind=server ;;
        --out) out=$2; shift ;;
        *) echo "usage: bash scripts/package.sh [--debug] [--server] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
if [ "$kind" = deb ]; then bash scripts/setup.sh desktop; else bash scripts/setup.sh run; fi
. scripts/env.sh
out=${out:-$CARGO_TARGET_DIR/$profile/$kind}

cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)
binaries=(animov)
crates=(-p animov-cli)
if [ "$kind" = deb ]; then
    binaries+=(animov-desktop)
    crates+=(-p animov-desktop)
fi
cargo build --locked "${cargo_profile[@]}" "${crates[@]}"
cargo run --locked -q -p animov-xtask -- ui
ort=$(bash scripts/onnxruntime.sh)
bin=$CARGO_TARGET_DIR/$profile
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)

stage=$(mktemp -d /tmp/animov-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
if [ "$kind" = deb ]; then
    root=$stage/animov_${version}_amd64
    prefix=$root/usr
else
    root=$stage/animov-server-${version}
    prefix=$root
fi
umask 022
# Binaries without their debug sections (the release build keeps line tables
# for backtraces; a package does not need them).
for b in "${binaries[@]}"; do
    install -D -m 0755 "$bin/$b" "$prefix/bin/$b"
    strip --strip-debug "$prefix/bin/$b"
done
install -D -m 0644 "$ort" "$prefix/lib/animov/$(basename "$ort")"
mkdir -p "$prefix/share/animov"
cp -r ui/dist "$prefix/share/animov/ui"
cp -r models "$prefix/share/animov/models"
chmod -R u=rwX,go=rX "$prefix/share/animov"
# Manual pages from the command's own definitions.
"$bin/animov" manual "$stage/man"
mkdir -p "$prefix/share/man/man1"
for page in "$stage"/man/*.1; do
    gzip -9n < "$page" > "$prefix/share/man/man1/$(basename "$page").gz"
done
if [ "$kind" = deb ]; then
    install -D -m 0644 packaging/animov.desktop "$prefix/share/applications/animov.desktop"
    for size in 32 128 256 512; do
        case $size in 32) f=32x32.png ;; 128) f=128x128.png ;; 256) f=128x128@2x.png ;; 512) f=icon.png ;; esac
        install -D -m 0644 "icons/$f" "$prefix/share/icons/hicolor/${size}x${size}/apps/animov.png"
    done
    install -D -m 0644 packaging/animov.service "$prefix/lib/systemd/system/animov.service"
fi
doc=$prefix/share/doc/animov
mkdir -p "$doc"
# Machine-readable copyright: the summary, then the AGPL's text indented.
{ cat packaging/copyright; sed -e 's/^$/./' -e 's/^/ /' LICENSE; } > "$doc/copyright"
chmod 0644 "$doc/copyright"
cargo run --locked -q -p animov-xtask -- licences "$stage/licences" "$(dirname "$ort")"
gzip -9n < "$stage/licences/THIRD-PARTY-LICENSES" > "$doc/THIRD-PARTY-LICENSES.gz"
gzip -9n < README.md > "$doc/README.md.gz"
{
    echo "animov ($version) stable; urgency=medium"
    echo
    echo "  * AniMOV $version, commit $("$bin/animov" --version | sed -n 's/.*(commit \([^,]*\),.*/\1/p')."
    echo
    echo " -- AniMOV developers <animov@example.invalid>  $(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
} | gzip -9n > "$doc/changelog.gz"

# Depends: the shared libraries the binaries link (dpkg-shlibdeps, the
# Debian way), plus what is loaded at run time: GStreamer's plugins
# (capture, H.264 parse/decode/encode, recording), CA certificates (HTTPS to
# a central, MySQL TLS), the tray's indicator library, and adduser for the
# service's user.
mkdir -p "$stage/shlibs/debian"
printf 'Source: animov\n\nPackage: animov\nArchitecture: amd64\n' > "$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O $(printf -- '-e %s ' "$prefix"/bin/*) \
    -e "$prefix/lib/animov/$(basename "$ort")" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found no libraries" >&2; exit 1; }
runtime="gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad, gstreamer1.0-plugins-ugly, gstreamer1.0-libav, ca-certificates"

if [ "$kind" = server ]; then
    # The packages, one per line, without versions: `apt-get install $(cat DEPENDS)`.
    echo "$shlibs, $runtime" | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g' | sort -u \
        > "$prefix/share/animov/DEPENDS"
    install -D -m 0644 packaging/animov.service "$doc/animov.service"
    mkdir -p "$out"
    tarball=$out/animov-server-${version}-linux-amd64.tar.gz
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-$(date +%s)}" \
        -C "$stage" -c "$(basename "$root")" | gzip -9n > "$tarball"
    ls -l "$tarball" >&2
    echo "$tarball"
    exit 0
fi
runtime="$runtime, libayatana-appindicator3-1, adduser"
mkdir -p "$root/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
cat > "$root/DEBIAN/control" <<CONTROL
Package: animov
Version: $version
Architecture: amd64
Maintainer: AniMOV developers <animov@example.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $shlibs, $runtime
Recommends: gnome-keyring | kwalletmanager
Suggests: mariadb-server
Section: science
Priority: optional
Homepage: https://example.invalid/animov
Description: goat activity from barn cameras
 AniMOV watches a goat herd through barn cameras and counts, frame by frame,
 how many animals stand and how many lie. It keeps minute, hour and day
 statistics and 15-minute activity series, forecasts the next day, raises
 alerts when the herd or one animal behaves abnormally, records video that a
 vet reviews later with the detections drawn on it, and syncs to a central
 AniMOV when the network is there.
 .
 This package holds the desktop window (animov-desktop), the "animov"
 command (users, secrets, imports, detection, the headless engine), the web
 page, the bundled detector and forecast model, ONNX Runtime, and a systemd
 unit for a headless engine (animov.service, not enabled).
CONTROL
mkdir -p "$out"
deb=$out/animov_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
ls -l "$deb" >&2
echo "$deb"
