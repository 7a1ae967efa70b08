#!/usr/bin/env bash
# Enrolment speed side by side with the reference implementation, in one run on the same photos: childmatch's
# pipeline (decode to descriptor, a recognizer per core) against Python's face_recognition (a process per
# core), and a check that both give the same descriptor for the same crop. Writes bench/results/enrol.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd "${1:-../shared/testdata/faces}" && pwd)
out=${2:-bench/results/enrol.md}
GO=${GO:-go}
bench/python-venv.sh >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go_line=$(CHILDMATCH_FACES="$data" "$GO" test -run '^$' -bench 'BenchmarkEnrol$' -benchtime 3x ./matcher/ | grep '^BenchmarkEnrol')
go_pps=$(echo "$go_line" | awk '{for (i=1;i<=NF;i++) if ($i=="photos/s") print $(i-1)}')
go_det=$(echo "$go_line" | awk '{for (i=1;i<=NF;i++) if ($i=="detected") print $(i-1)}')
re_line=$(CHILDMATCH_FACES="$data" "$GO" test -run '^$' -bench 'BenchmarkReembed$' -benchtime 3x ./matcher/ | grep '^BenchmarkReembed')
re_pps=$(echo "$re_line" | awk '{for (i=1;i<=NF;i++) if ($i=="photos/s") print $(i-1)}')
re_found=$(echo "$re_line" | awk '{for (i=1;i<=NF;i++) if ($i=="found") print $(i-1)}')
py=$(bin/pyvenv/bin/python bench/face_recognition_bench.py throughput "$data")
CHILDMATCH_FACES="$data" CHILDMATCH_REFERENCE_OUT="$tmp" "$GO" test -count=1 -run TestWriteReferenceCrops ./matcher/ >/dev/null
same=$(bin/pyvenv/bin/python bench/face_recognition_bench.py check "$tmp")

python3 - "$go_pps" "$go_det" "$py" "$same" "$data" "$(nproc)" "$re_pps" "$re_found" > "$out" <<'PY'
import json, sys
go_pps, go_det, py, same, data, cores = float(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5], sys.argv[6]
re_pps, re_found = float(sys.argv[7]), float(sys.argv[8])
print(f"Enrolment, decode to descriptor, on the person folders of `{data}` ({py['photos']} photos, {cores} cores).")
print("Produced by `bench/enrol.sh` (part of `make bench`).\n")
print("| implementation | photos/s | faces detected |")
print("|---|---|---|")
print(f"| childmatch as the service runs (MTCNN first, then Debian dlib 19.24's HOG; dlib's network in ONNX Runtime; a worker per core) | {go_pps:.2f} | {100*go_det:.1f}% |")
print(f"| face_recognition 1.3.0 (dlib-bin 19.24.6, one process per core) | {py['photos_per_second']:.2f} | {100*py['detected']/py['photos']:.1f}% |")
print(f"| childmatch reembed (stored photos and boxes: no detection over the whole photo) | {re_pps:.2f} | {100*re_found:.1f}% of the faces found again |")
print(f"\nRatio: childmatch runs **{go_pps/py['photos_per_second']:.2f}x** the photos per second of face_recognition;"
      f" re-embedding stored photos runs **{re_pps/py['photos_per_second']:.2f}x**.")
print(f"\nSame crop, same model: over {same['crops']} faces the two descriptors differ by at most {same['max_distance']:.2e} "
      f"(mean {same['mean_distance']:.2e}) in Euclidean distance.")
# The same model on the same pixels gives the same descriptor, within float rounding: anything more means
# one side no longer computes what it says (a zero or a different model's vector), and the speeds above
# would compare different work.
if same["max_distance"] > 1e-3:
    sys.exit(f"the two descriptors of the same crop differ by {same['max_distance']:.3g}: not the same computation")
PY
cat "$out"
