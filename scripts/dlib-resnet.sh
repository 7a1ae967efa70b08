#!/usr/bin/env bash
# Writes dlib's face recognition network as ONNX into models/ (dlib_face_recognition_resnet_model_v1.onnx),
# which the matcher runs through ONNX Runtime where it is configured (matcher/resnet.go): its parameters as
# Debian's dlib loads them from the verified .dat (scripts/dlib-resnet-dump.cc, built here), the graph by
# scripts/dlib-resnet-onnx.py with the onnx package of bin/pyvenv-onnx, verified against
# models/RESNET_SHA256SUMS. Never committed. Idempotent and quiet: does nothing when the file is there and
# matches.
set -euo pipefail
cd "$(dirname "$0")/.."
if (cd models && sha256sum --status --check RESNET_SHA256SUMS) 2>/dev/null; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -std=c++17 -O1 -o "$tmp/dump" scripts/dlib-resnet-dump.cc -ldlib -lblas -lcblas -llapack
"$tmp/dump" models/dlib_face_recognition_resnet_model_v1.dat "$tmp/params.bin" >/dev/null
bin/pyvenv-onnx/bin/python scripts/dlib-resnet-onnx.py "$tmp/params.bin" "$tmp/resnet.onnx"
mv "$tmp/resnet.onnx" models/dlib_face_recognition_resnet_model_v1.onnx
if ! (cd models && sha256sum --quiet --check RESNET_SHA256SUMS); then
  echo "dlib's network written as ONNX does not match models/RESNET_SHA256SUMS; removed" >&2
  rm -f models/dlib_face_recognition_resnet_model_v1.onnx
  exit 1
fi
