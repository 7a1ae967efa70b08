#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing; sudo only when not root.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates curl git python3 python3-pip python3-venv
  libdlib-dev          # dlib 19.24: HOG and CNN detectors, shape predictor, ResNet embedder
  libopenblas-dev      # the BLAS dlib uses at run time (libblas.so.3 alternative)
  libatlas-base-dev    # only for the libcblas.so name go-face links; OpenBLAS serves the calls (README)
  liblapack-dev
  libjpeg62-turbo-dev  # go-face decodes JPEG with libjpeg
  chromium             # the web app's browser tests
  fonts-lohit-deva     # Devanagari, so the Hindi pages render in the browser tests' screenshots
  fonts-noto-core      # Noto Sans and Noto Sans Devanagari (regular, bold): the alert card (card/)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing Debian packages: ${missing[*]}"
# apt's and dpkg's progress goes to a log, shown only when the installation fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $sudo apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "installing Debian packages failed" >&2
  exit 1
fi
