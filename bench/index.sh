#!/usr/bin/env bash
# The index at national scale beside its peers, on the same vectors and queries (bench/results/index.md):
#   1. matcher's TestWriteDescriptors embeds every photo of the shared person folders (one face each);
#   2. index's BenchmarkScale plants those real faces among N synthetic dlib-shaped ones for each size,
#      measures childmatch's index (build, single-query p50/p99 on 1 and 2 workers, batch, exactness against
#      a naive scan, genuine pairs found, bytes/face, snapshot load, and up to INDEX_ALLPAIRS_MAX faces
#      (default 100000) a dedupe pass's all-pairs search) and writes the data set for the peers;
#      BenchmarkMemoryBandwidth measures the streaming read rate that bounds any scan;
#   3. bench/index_peers.py measures FAISS IndexFlatL2 (PyPI faiss-cpu and Debian's python3-faiss) at every
#      size (faiss-cpu also the all-pairs search up to INDEX_ALLPAIRS_MAX) and hnswlib (M=16, ef=64) up to
#      HNSW_MAX_N (default 1M: its build takes ~8 minutes at 1M);
#   The machine's load average is recorded before, between and after the parts: the ratios come from one
#   run, so other work slows both sides, but not always equally.
#   4. bench/index_report.py writes the tables, ratios and goals.
# Usage: bench/index.sh [faces dir (default ../shared/testdata/faces)] [output (default bench/results/index.md)]
# INDEX_BENCH_SIZES (default "100000 1000000 4000000") chooses the sizes. The full run takes about a quarter
# of an hour on 2 cores and needs about 8 GB of memory and 3 GB in the temporary folder at 4M.
# INDEX_BENCH_RAW, if set, names a file that receives a copy of the raw results (JSON lines).
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd "${1:-../shared/testdata/faces}" && pwd)
shown=${1:-../shared/testdata/faces} # as given, for the report
out=${2:-bench/results/index.md}
GO=${GO:-go}
sizes=${INDEX_BENCH_SIZES:-100000 1000000 4000000}
hnsw_max=${HNSW_MAX_N:-1000000}
bench/index-venv.sh >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
allpairs_max=${INDEX_ALLPAIRS_MAX:-100000}
log() { echo "index.sh: $(date +%T) $*" >&2; }
loads=0
load() { # appends the load average at this point of the run to the results
  loads=$((loads + 1))
  printf '{"peer": "load", "n": null, "threads": %d, "at": "%s", "what": "%s", "loadavg": "%s"}\n' \
    "$loads" "$(date -u +%H:%M:%S)" "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$tmp/results.jsonl"
}

log "descriptors of $data"
CHILDMATCH_FACES="$data" CHILDMATCH_DESCRIPTORS_OUT="$tmp/descriptors.json" \
  "$GO" test -count=1 -run '^TestWriteDescriptors$' ./matcher/ >/dev/null

log "Go benchmarks at $sizes"
load "before the Go benchmarks"
if ! CHILDMATCH_DESCRIPTORS="$tmp/descriptors.json" INDEX_BENCH_SIZES="$sizes" CHILDMATCH_PEERS_DIR="$tmp/peers" \
  CHILDMATCH_BENCH_OUT="$tmp/results.jsonl" INDEX_ALLPAIRS_MAX="$allpairs_max" \
  "$GO" test -run '^$' -bench 'BenchmarkScale|BenchmarkMemoryBandwidth' -benchtime 1x -timeout 60m ./index/ \
  >"$tmp/go.txt" 2>&1; then
  cat "$tmp/go.txt" >&2
  exit 1
fi
grep -E '^Benchmark' "$tmp/go.txt" >&2 || true

for n in $sizes; do
  dir="$tmp/peers/$n"
  load "before the peers at $n"
  log "faiss-cpu at $n"
  bin/pyvenv-index/bin/python bench/index_peers.py --dir "$dir" --peer faiss-cpu --out "$tmp/results.jsonl" \
    --allpairs-max "$allpairs_max"
  log "faiss-debian at $n"
  # Debian's faiss runs OpenMP and the system OpenBLAS's own threads side by side; both busy-wait unless told
  # otherwise, and on 2 cores its 2-thread batch then falls to a third of its 1-thread rate.
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/index_peers.py --dir "$dir" --peer faiss-debian --out "$tmp/results.jsonl"
  if [ "$n" -le "$hnsw_max" ]; then
    log "hnswlib at $n"
    /usr/bin/python3 bench/index_peers.py --dir "$dir" --peer hnswlib --out "$tmp/results.jsonl"
  fi
  rm -rf "$dir"
done
load "at the end"

command="INDEX_BENCH_SIZES=\"$sizes\" bench/index.sh $shown"
[ "$hnsw_max" = 1000000 ] || command="HNSW_MAX_N=$hnsw_max $command"
[ -z "${INDEX_BENCH_RAW:-}" ] || cp "$tmp/results.jsonl" "$INDEX_BENCH_RAW"
mkdir -p "$(dirname "$out")"
/usr/bin/python3 bench/index_report.py --results "$tmp/results.jsonl" --command "$command" --faces "$shown" \
  --hnsw-max "$hnsw_max" >"$out"
log "wrote $out"
cat "$out"
