#!/usr/bin/env bash
# The index side by side with its peers on the same vectors and queries (bench/results/index.md):
# BenchmarkPeers writes N dlib-shaped random faces, 100 queries and the exact top 10, measures childmatch's
# index and the memory bandwidth; then FAISS IndexFlatL2 from PyPI's faiss-cpu and from Debian's
# python3-faiss, and hnswlib (M=16, ef=64), each build once and measured with 1 and 2 threads.
# N=1000000 by default; HNSW_N (default 100000) caps hnswlib, whose build at 1M takes over 8 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-1000000}
hnsw_n=${HNSW_N:-100000}
out=${1:-bench/results/index.md}
GO=${GO:-go}
bench/index-venv.sh >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_peers() { # dir
  bin/pyvenv-index/bin/python bench/index_peers.py --dir "$1" --peer faiss-cpu --out "$1/results.jsonl"
  /usr/bin/python3 bench/index_peers.py --dir "$1" --peer faiss-debian --out "$1/results.jsonl"
}
mkdir -p "$tmp/main"
CHILDMATCH_PEERS_DIR="$tmp/main" CHILDMATCH_PEERS_N="$n" "$GO" test -run '^$' -bench 'BenchmarkPeers$' -benchtime 1x -timeout 60m ./index/ | grep -E '^Benchmark|ok|FAIL'
run_peers "$tmp/main"
if [ "$hnsw_n" -ge "$n" ]; then
  /usr/bin/python3 bench/index_peers.py --dir "$tmp/main" --peer hnswlib --out "$tmp/main/results.jsonl"
else
  mkdir -p "$tmp/hnsw"
  CHILDMATCH_PEERS_DIR="$tmp/hnsw" CHILDMATCH_PEERS_N="$hnsw_n" "$GO" test -run '^$' -bench 'BenchmarkPeers$' -benchtime 1x -timeout 60m ./index/ >/dev/null
  run_peers "$tmp/hnsw"
  /usr/bin/python3 bench/index_peers.py --dir "$tmp/hnsw" --peer hnswlib --out "$tmp/hnsw/results.jsonl"
  grep -hv '"peer": "memory"' "$tmp/hnsw/results.jsonl" >> "$tmp/main/results.jsonl"
fi

python3 - "$tmp/main/results.jsonl" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" "$(nproc)" "N=$n HNSW_N=$hnsw_n" > "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cpu, cores, args = sys.argv[2].strip(), sys.argv[3], sys.argv[4]
mem = {r["threads"]: r["gb_per_second"] for r in rows if r["peer"] == "memory"}
idx = [r for r in rows if r["peer"] != "memory"]
print(f"Exact top-10 over dlib-shaped random faces (128-d, unit norm, one face per case), 100 random queries, on {cpu} ({cores} cores).")
print(f"Produced by `{args} bench/index.sh` (part of `make bench`); every implementation gets the same vectors and queries, and recall is measured against a naive float32 scan.\n")
for n in sorted({r["n"] for r in idx}, reverse=True):
    print(f"### {n:,} faces\n")
    print("| implementation | threads | build s | single query p50 ms | p99 ms | batch of 100, queries/s | recall@10 | bytes/face |")
    print("|---|---|---|---|---|---|---|---|")
    for r in [r for r in idx if r["n"] == n]:
        bpf = f"{r['bytes_per_face']:.0f}" if r.get("bytes_per_face") else "–"
        print(f"| {r['version']} | {r['threads']} | {r['build_seconds']:.1f} | {r['single_p50_ms']:.2f} | {r['single_p99_ms']:.2f} | {r['batch_queries_per_second']:.0f} | {r['recall_at_10']:.3f} | {bpf} |")
    print()
    def pick(peer, t):
        return next((r for r in idx if r["n"] == n and r["peer"] == peer and r["threads"] == t), None)
    cm, fc = pick("childmatch", 2), pick("faiss-cpu", 2)
    if cm and fc:
        speed = fc["single_p50_ms"] / cm["single_p50_ms"]
        batch = cm["batch_queries_per_second"] / fc["batch_queries_per_second"]
        print(f"On 2 threads childmatch answers a single query **{speed:.2f}×** as fast as faiss-cpu (p50) and a batch at **{batch:.2f}×** its throughput.\n")
        if n == 1_000_000:
            goals = [
                ("recall@10 = 1.0", cm["recall_at_10"] == 1.0),
                (f"p50 ≤ 8 ms on 2 cores ({cm['single_p50_ms']:.2f} ms)", cm["single_p50_ms"] <= 8),
                (f"≥ 2× faster than faiss-cpu single query ({speed:.2f}×)", speed >= 2),
                (f"batch throughput ≥ faiss-cpu's ({batch:.2f}×)", batch >= 1),
                (f"≤ 700 bytes/face ({cm['bytes_per_face']:.0f})", cm["bytes_per_face"] <= 700),
            ]
            print("Goals at 1M: " + "; ".join(f"{g}: {'met' if ok else '**not met**'}" for g, ok in goals) + ".\n")
if mem:
    print("### Memory bandwidth and the floor it sets\n")
    print("A streaming read of 2 GiB (`bytes.IndexByte`, the Go runtime's AVX2 scan):", ", ".join(f"{g:.1f} GB/s on {t} core{'s' if t > 1 else ''}" for t, g in sorted(mem.items())) + ".")
    for t, g in sorted(mem.items()):
        print(f"- {t} core{'s' if t > 1 else ''}: reading the float32 vectors of 1M faces (512 MB) takes at least {512/g:.1f} ms; the first pass's codes and error bytes (129 MB) at least {129/g:.1f} ms.")
PY
cat "$out"
