#!/usr/bin/env bash
# Installs the .deb into a fresh minimal Debian 12 (debootstrap, in a
# chroot) with apt, so only what the package declares comes with it, then
# runs AniMOV from the installed files: `animov --version`, `user add`,
# `serve --demo` answering /health and the page, `detect`; then removes and
# purges it and checks the data stays. Prints the install time. Needs root
# and Debian's mirror; not in CI (about 5 minutes), run before a release.
#   bash tests/package/install.sh path/to/animov_<version>_amd64.deb [BASE]
# BASE: an existing debootstrap folder to copy instead of making one.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/package/lib.sh
deb=$(readlink -f "${1:?the .deb}")
base=${2:-}
work=$(mktemp -d /tmp/animov-install-test.XXXXXX)
root=$work/root
unmount() { for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done; }
trap 'kill "${pids[@]}" 2>/dev/null || true; unmount; rm -rf "$work"' EXIT

step "a minimal Debian 12"
if [ -n "$base" ]; then
    cp -a "$base" "$root"
else
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
in_root apt-get update -q >/dev/null
before=$(in_root dpkg-query -W -f='${Package}\n' | wc -l)

step "apt install ./$(basename "$deb")"
start=$(date +%s.%N)
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
    > "$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; fail "apt install"; }
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
after=$(in_root dpkg-query -W -f='${Package}\n' | wc -l)
downloaded=$(grep -o 'Need to get [^ ]* [kMG]B' "$work/apt.log" | head -1 || true)
step "installed in $secs s with $((after - before)) packages ($downloaded)"
in_root getent passwd animov >/dev/null || fail "no animov user"
[ "$(in_root stat -c %U:%a /var/lib/animov)" = animov:750 ] || fail "/var/lib/animov: $(in_root stat -c %U:%a /var/lib/animov)"

step "run from the installed files"
v=$(in_root animov --version) || fail "animov --version"
echo "  $v" >&2
grep -q "detector nanodet-g-416 (COCO) [0-9a-f]\{12\}" <<<"$v" || fail "--version: $v"
in_root sh -c 'printf "install-test-pw-1\n" | ANIMOV_SECRETS=file animov --data-dir /root/data user add --username admin --role admin --password-stdin' \
    || fail "user add"
in_root sh -c 'ANIMOV_SECRETS=file animov --data-dir /root/data serve --demo --listen 127.0.0.1:0' > "$work/serve.log" 2>&1 &
pids+=($!)
url=$(wait_for_url "$work/serve.log")
[ "$(curl -sf "$url/health")" = '{"status":"ok"}' ] || fail "/health"
curl -sf "$url/" | grep -q animov_ui || fail "the page"
in_root sh -c "ANIMOV_SECRETS=file animov --data-dir /root/data health --url $url/health" >/dev/null || fail "animov health"
pkill -f "animov --data-dir /root/data serve" || true
cp crates/animov-vision/tests/fixtures/chelsea.png "$root/tmp/"
out=$(in_root animov detect --json /tmp/chelsea.png) || fail "detect: $out"
tr -d ' \n' <<<"$out" | grep -q '"class":"cat","role":"animal"' || fail "detect: $out"

step "remove and purge keep the data"
in_root apt-get purge -y -q animov >/dev/null 2>&1 || fail "purge"
[ -f "$root/root/data/animov.sqlite" ] || fail "purge removed the user's data"
[ -d "$root/var/lib/animov" ] || fail "purge removed /var/lib/animov"
[ ! -e "$root/usr/bin/animov" ] || fail "/usr/bin/animov is still there"
step "ok: $(basename "$deb") installs in $secs s"
