#!/usr/bin/env bash
# Writes MTCNN's three networks (the face detector run before dlib's HOG, matcher/mtcnn.go) into models/ as
# ONNX files: the weights from PyPI's mtcnn==0.1.1 (MIT licence), its wheel verified against
# models/MTCNN_SHA256SUMS, turned into ONNX graphs by scripts/mtcnn-onnx.py with the onnx package of
# bin/pyvenv-onnx (scripts/install-onnxruntime.sh), and the graphs verified too. Never committed. Idempotent
# and quiet: does nothing when the networks are there and match.
set -euo pipefail
cd "$(dirname "$0")/.."
sums=models/MTCNN_SHA256SUMS
if (cd models && grep onnx MTCNN_SHA256SUMS | sha256sum --status --check) 2>/dev/null; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wheel=mtcnn-0.1.1-py3-none-any.whl
python3 -m pip download --quiet --no-deps --only-binary :all: -d "$tmp" mtcnn==0.1.1
(cd "$tmp" && grep "$wheel" "$OLDPWD/$sums" | sha256sum --quiet --check) ||
  { echo "$wheel does not match $sums" >&2; exit 1; }
python3 -c "import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extract('mtcnn/data/mtcnn_weights.npy', sys.argv[2])" \
  "$tmp/$wheel" "$tmp"
bin/pyvenv-onnx/bin/python scripts/mtcnn-onnx.py "$tmp/mtcnn/data/mtcnn_weights.npy" "$tmp"
for f in mtcnn_pnet.onnx mtcnn_rnet.onnx mtcnn_onet.onnx; do
  mv "$tmp/$f" "models/$f"
done
if ! (cd models && grep onnx MTCNN_SHA256SUMS | sha256sum --quiet --check); then
  echo "the MTCNN networks written do not match $sums; removed" >&2
  rm -f models/mtcnn_*.onnx
  exit 1
fi
