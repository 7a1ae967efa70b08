#!/usr/bin/env bash
# `childmatch import` at scale (issue 18): IMPORT_ROWS (default 1,000) cases with one photo each, the
# photos of the shared set's person folders reused in turn (each case a new record; missing reports and
# found children alternating, so the imported faces are matched and proposed as they arrive), imported
# over HTTP into a fresh service with its own MinIO on 127.0.0.1 (scripts/run.sh, as `make run` starts
# it). Beside it, the enrolment rate of the pipeline alone on the same machine (matcher's BenchmarkEnrol,
# which bench/enrol.sh runs): the import is measured against it. Writes bench/results/import.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd "${1:-../shared/testdata/faces}" && pwd)
out=${2:-bench/results/import.md}
rows=${IMPORT_ROWS:-1000}
GO=${GO:-go}
"$GO" build -o bin/childmatch ./cmd/childmatch
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The service's own MinIO and token: none of the caller's MinIO variables.
env $(env | grep -o '^MINIO_[A-Z_]*' | sed 's/^/-u /') -u CHILDMATCH_ADMIN_TOKEN_FILE \
  CHILDMATCH_DATA_DIR="$tmp/data" CHILDMATCH_ADDR="127.0.0.1:$port" CHILDMATCH_ADMIN_TOKEN="$token" \
  scripts/run.sh >"$tmp/service.log" 2>&1 &
svc=$!
trap 'kill -TERM $svc 2>/dev/null; wait $svc 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 240); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] && break
  kill -0 $svc 2>/dev/null || { cat "$tmp/service.log" >&2; exit 1; }
  sleep 0.5
done

python3 - "$data" "$rows" > "$tmp/cases.csv" <<'PY'
import csv, os, sys
data, rows = sys.argv[1], int(sys.argv[2])
photos = sorted(os.path.join(p, f) for p in os.listdir(data) if not p.startswith("_") and os.path.isdir(os.path.join(data, p))
                for f in os.listdir(os.path.join(data, p)))
w = csv.writer(sys.stdout)
w.writerow(["source", "reference", "kind", "age", "state", "reporter_organisation", "photos"])
for i in range(rows):
    w.writerow(["bench", f"B{i:05d}", "missing" if i % 2 else "found", 5 + i % 12, "Madhya Pradesh", "GRP Bhopal", photos[i % len(photos)]])
PY
load_before=$(cut -d' ' -f1 /proc/loadavg)
workers=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/deployment" | python3 -c 'import json,sys; print(json.load(sys.stdin)["workers"])')
CHILDMATCH_TOKEN=$token bin/childmatch import --server "http://127.0.0.1:$port" --csv "$tmp/cases.csv" --photos "$data" \
  --summary "$tmp/summary.json" > "$tmp/import.log"
load_import=$(cut -d' ' -f1 /proc/loadavg)
enrol=$(CHILDMATCH_FACES="$data" "$GO" test -run '^$' -bench 'BenchmarkEnrol$' -benchtime 3x ./matcher/ | grep '^BenchmarkEnrol')
enrol_pps=$(echo "$enrol" | awk '{for (i=1;i<=NF;i++) if ($i=="photos/s") print $(i-1)}')

load_enrol=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$tmp/summary.json" "$enrol_pps" "$workers" "$(nproc)" "$rows" "$load_before" "$load_import" "$load_enrol" > "$out" <<'PY'
import json, sys
s, enrol, workers, cores, rows = json.load(open(sys.argv[1])), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
load_before, load_import, load_enrol = sys.argv[6:9]
cps, pps = s["cases_created"] / s["seconds"], s["photos_stored"] / s["seconds"]
share = max(1, int(workers * 0.5))
print(f"`childmatch import` of {rows} cases with one photo each (the shared photos of the person folders reused in turn, missing and")
print(f"found alternating) into a fresh service with its own MinIO on 127.0.0.1, {cores} cores, {workers} face workers, the import's")
print("default --workers (the service's). Produced by `bench/import.sh` (part of `make bench`); the machine is shared, so the figures")
print("move with whatever else runs on it.\n")
print("| | cases/s | photos/s |")
print("|---|---|---|")
print(f"| childmatch import, end to end (CSV checked, cases created, photos analysed, stored, indexed, matched, proposed) | {cps:.2f} | {pps:.2f} |")
print(f"| the pipeline alone (matcher BenchmarkEnrol: decode to descriptor, one recognizer per core) | | {enrol:.2f} |")
print(f"| the pipeline alone on the workers one user may hold ({share} of {workers}: AdmissionUserShare) | | {enrol * share / workers:.2f} |")
print(f"\nThe import ran {s['seconds']:.1f} s: {s['cases_created']} cases created, {s['photos_stored']} photos stored, {s['faces_found']} faces found, "
      f"{len(s['photos_without_face'])} photos without a face, {s['candidates_proposed']} candidates proposed for review, {s['cases_failed']} failed.")
held = enrol * share / workers
print(f"It reached {100 * pps / enrol:.0f}% of the pipeline's rate on every worker and {100 * pps / held:.0f}% of its rate on the")
print(f"workers one user may hold. Load average (1 min) before the import {load_before}, after it {load_import}, after the")
print(f"pipeline's run {load_enrol}: the two rates were measured one after the other, each under whatever else ran then.")
if pps >= 0.8 * held:
    print("\nThe import kept up with the pipeline on the workers one user may hold: its own work (reading, checking, HTTP,")
    print("storing, matching, proposing) is not the bottleneck.")
else:
    print(f"\nThe import fell {100 - 100 * pps / held:.0f}% short of the pipeline on the workers one user may hold: that is its")
    print("own work (HTTP, storing, matching, proposing) beside the analysis.")
PY
cat "$out"
