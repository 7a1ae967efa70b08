#!/usr/bin/env bash
# Sets up the nearest-neighbour peers that bench/index_peers.py compares with the Go index:
#   - bin/pyvenv-index: faiss-cpu from PyPI (AVX2 build) with numpy, under Debian's /usr/bin/python3;
#   - Debian's python3-faiss (generic build), python3-hnswlib and python3-numpy for /usr/bin/python3.
# Idempotent: does nothing when both are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bin/pyvenv-index
faiss_cpu=1.15.1
numpy=2.4.6

missing=()
for pkg in python3-faiss python3-hnswlib python3-numpy python3-venv; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import faiss, numpy, sys
sys.exit(not (faiss.__version__ == '$faiss_cpu' and numpy.__version__ == '$numpy'))" 2>/dev/null; then
  exit 0
fi
/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "faiss-cpu==$faiss_cpu" "numpy==$numpy"
"$venv/bin/python" -c 'import faiss, numpy; print("faiss-cpu", faiss.__version__, "numpy", numpy.__version__)'
/usr/bin/python3 -c 'import faiss, hnswlib, numpy; print("debian faiss", faiss.__version__, "hnswlib, numpy", numpy.__version__)'
