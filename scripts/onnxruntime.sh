#!/usr/bin/env bash
# Installs ONNX Runtime's shared library from the PyPI `onnxruntime` wheel (the
# registry package; nothing else is downloaded) and prints its path. Fast when
# it is already there. The engine finds it there, or wherever ORT_DYLIB_PATH says.
set -euo pipefail
version=1.24.4
dir=${ANIMOV_ORT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/animov/onnxruntime-$version}
lib=$dir/libonnxruntime.so.$version
if [ ! -f "$lib" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download -q --no-deps --only-binary=:all: --dest "$tmp" "onnxruntime==$version" >&2
    mkdir -p "$dir"
    python3 - "$tmp" "$dir" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/onnxruntime-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith("onnxruntime/capi/libonnxruntime.so"):
            open(sys.argv[2] + "/" + n.rsplit("/", 1)[1], "wb").write(z.read(n))
        if n.endswith("LICENSE") or n.endswith("ThirdPartyNotices.txt"):
            open(sys.argv[2] + "/" + n.rsplit("/", 1)[1], "wb").write(z.read(n))
PY
fi
echo "$lib"
