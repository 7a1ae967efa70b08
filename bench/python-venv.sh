#!/usr/bin/env bash
# Creates bin/pyvenv with Python's face_recognition, the reference implementation over the same dlib model,
# for `make bench`. dlib-bin is a prebuilt wheel of dlib 19.24 (Debian's version), so there is no long
# compile; face_recognition is installed without its dependencies, which would build dlib from source.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bin/pyvenv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import face_recognition, dlib' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet dlib-bin==19.24.6 numpy pillow
"$venv/bin/pip" install --quiet --no-deps face_recognition==1.3.0 face_recognition_models==0.3.0
"$venv/bin/python" -c 'import face_recognition, dlib; print("face_recognition with dlib", dlib.__version__)'
