#!/usr/bin/env bash
# Installs ONNX Runtime's shared library, for the optional second face model (README: a stronger face
# model), and the `onnx` package the tests write their small generated model with: both from PyPI, into
# bin/pyvenv-onnx. The onnxruntime wheel ships libonnxruntime.so; its version is the one whose C API
# github.com/yalue/onnxruntime_go (go.mod) is written against (its onnxruntime_c_api.h: ORT_API_VERSION 24,
# onnxruntime 1.24.1), so bump both together. Idempotent and quiet: does nothing when the pinned versions
# are there. Prints the library's path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bin/pyvenv-onnx
onnxruntime=1.24.1
onnx=1.20.1
numpy=2.4.6
lib="$venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.$onnxruntime"

installed() {
  "$venv/bin/python" -c "
import onnx, onnxruntime, numpy, sys
sys.exit(not (onnxruntime.__version__ == '$onnxruntime' and onnx.__version__ == '$onnx' and numpy.__version__ == '$numpy'))" 2>/dev/null
}
if ! { [ -x "$venv/bin/python" ] && installed; }; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "onnxruntime==$onnxruntime" "onnx==$onnx" "numpy==$numpy"
  installed || { echo "onnxruntime $onnxruntime / onnx $onnx did not install into $venv" >&2; exit 1; }
fi
# shellcheck disable=SC2086
path=$(ls $lib 2>/dev/null | head -n1)
[ -n "$path" ] || { echo "no libonnxruntime.so.$onnxruntime in $venv" >&2; exit 1; }
realpath "$path"
