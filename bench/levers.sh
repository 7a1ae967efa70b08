#!/usr/bin/env bash
# Runs `childmatch eval` once per lever setting on one photo folder and writes a Markdown table comparing
# detection, identification, verification and time. Usage: bench/levers.sh [faces folder] [output file]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/testdata/faces}
out=${2:-bench/results/levers.md}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

row() { # name, then eval flags
  local name=$1; shift
  bin/childmatch eval --data "$data" --out "$tmp/run" "$@" >/dev/null
  python3 - "$name" "$tmp/run/report.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
tar = {round(op["far"], 4): op["tar"] for op in r["verification"]}
print(f'| {name} | {100*r["detection_rate"]:.1f}% | {100*r["cmc"][0]:.1f}% | {r["genuine"]["median"]:.3f} / {r["genuine"]["max"]:.3f} '
      f'| {r["impostor"]["min"]:.3f} | {100*r["genuine"]["under_threshold"]:.1f}% | {100*tar[0.001]:.1f}% | {1000*r["seconds_per_photo"]:.0f} ms |')
PY
}

{
  echo "Levers of the face pipeline on \`$data\` ($(nproc) cores). Produced by \`bench/levers.sh\`; each row is one"
  echo "\`childmatch eval\` run with the flags shown, the first photo of each person enrolled unless said."
  echo
  echo "| setting | detected | rank-1 | genuine median / max | impostor min | genuine < 0.6 | TAR at FAR 0.1% | time per photo |"
  echo "|---|---|---|---|---|---|---|---|"
  row "default: HOG, CNN if none; 1600 px; ×2 under 800 px; JPEG 95; no jitter"
  row "detector: HOG only" --detector hog
  row "detector: CNN always" --detector cnn
  row "no upsampling of small photos" --upsample-below 0
  row "working size 800 px" --working-side 800
  row "working size 2400 px" --working-side 2400
  row "working JPEG quality 75" --jpeg-quality 75
  row "jitter 10" --jitter 10
  row "2 photos enrolled: best face pair" --enrol 2 --strategy best
  row "2 photos enrolled: mean descriptor" --enrol 2 --strategy mean
  row "2 photos enrolled: both" --enrol 2 --strategy both
} > "$out"
cat "$out"
