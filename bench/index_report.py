#!/usr/bin/env python3
"""Formats bench/index.sh's results (JSON lines from the Go benchmarks and bench/index_peers.py) as
bench/results/index.md.

Usage: index_report.py --results F --command CMD --faces DIR --hnsw-max N > index.md

Every figure, ratio and goal verdict is computed from the results file; nothing is filled in by hand.
"""
import argparse
import json
import os
import platform
import subprocess
import time

NAMES = {
    "childmatch": "childmatch",
    "faiss-cpu": "faiss-cpu (PyPI), IndexFlatL2",
    "faiss-debian": "faiss (Debian python3-faiss), IndexFlatL2",
    "hnswlib": "hnswlib (Debian python3-hnswlib), HNSW",
}
ORDER = ["childmatch", "faiss-cpu", "faiss-debian", "hnswlib"]
GOAL_N = 1_000_000  # the goals are stated for 1M faces on 2 cores


def machine():
    model, mem = "unknown CPU", None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return model, os.cpu_count(), nproc, mem, last_level_cache()


def last_level_cache():
    """(level, bytes) of CPU 0's largest cache (the L3 on most machines), or None."""
    best = None
    root = "/sys/devices/system/cpu/cpu0/cache"
    for d in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        try:
            with open(os.path.join(root, d, "size")) as f:
                size = f.read().strip()
            with open(os.path.join(root, d, "level")) as f:
                level = int(f.read())
        except (OSError, ValueError):
            continue
        unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1:], 1)
        value = int(size.rstrip("KMG")) * unit
        if best is None or level > best[0]:
            best = (level, value)
    return best


def fmt(v, spec, none="–"):
    return none if v is None else format(v, spec)


def pct(v):
    return "–" if v is None else f"{100 * v:.1f}%"


def cores(t):
    return f"{t} core{'s' if t > 1 else ''}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--faces", required=True)
    ap.add_argument("--hnsw-max", type=int, required=True)
    args = ap.parse_args()

    # A benchmark run more than once (e.g. -benchtime 20x) appends a line per run: keep the last.
    latest = {}
    with open(args.results) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                latest[(r["peer"], r.get("n"), r["threads"])] = r
    rows = list(latest.values())
    mem = {r["threads"]: r for r in rows if r["peer"] == "memory"}
    loads = sorted((r for r in rows if r["peer"] == "load"), key=lambda r: r["threads"])
    idx = [r for r in rows if r["peer"] not in ("memory", "load")]
    sizes = sorted({r["n"] for r in idx})

    def pick(peer, n, t):
        return latest.get((peer, n, t))

    def best_faiss(n, key):
        """faiss-cpu's line with the highest figure for key at n, on 1 or 2 threads (both fit 2 cores)."""
        lines = [r for r in (pick("faiss-cpu", n, t) for t in (1, 2)) if r and r.get(key)]
        return max(lines, key=lambda r: r[key], default=None)

    model, cpus, nproc, memory, cache = machine()
    print("# The index at national scale, beside FAISS and hnswlib\n")
    cache_text = f", L{cache[0]} cache {cache[1] / 2**20:.0f} MiB" if cache else ""
    print(f"Machine: {model}, {cpus} CPUs (`nproc`: {nproc}){cache_text}, {memory / 2**30:.0f} GiB RAM, "
          f"{platform.system()} {platform.release()}. Run on {time.strftime('%Y-%m-%d %H:%M %Z')}.\n")
    print(f"Produced by `{args.command}` (part of `make bench`).\n")
    cm_any = next((r for r in idx if r["peer"] == "childmatch"), None)
    if cm_any:
        print(f"Data: N synthetic dlib-shaped descriptors (each component normal with the mean and spread of "
              f"real dlib descriptors, `shape.go`, drawn by `fixtures.RandomDescriptor`), one face per case, with the {cm_any['genuine_pairs']} real descriptors "
              f"of the shared photos (`{args.faces}`, one face each, by the real matcher) planted at "
              f"random rows: every photo but the first of each person. Queries: {cm_any['queries']}, the first photo "
              f"of each of the {cm_any['real_queries']} people, then synthetic ones. Top 10, no filter. Every "
              f"implementation gets the same vectors and queries.\n")
    print("- **recall@10**: against a naive float32 scan written in the Go benchmark (ties by row); the benchmark "
          "fails unless childmatch's answers are identical to it, row for row.")
    print("- **genuine recall**: of the (real query, other photo of the same person) pairs, the fraction whose photo "
          "is in the top 10. The exact scan's own figure is the ceiling (a person may have more than 10 other "
          "photos, or a look-alike nearer than their own).")
    print("- **single p50/p99**: one query per call; childmatch over 3 rounds of all queries, the Python peers over "
          "one round, after 5 warm-up queries. **batch**: all queries in one call (median of up to 5 calls).")
    print("- **FAISS settings**: faiss-cpu's `distance_compute_blas_threshold` is set back to 20 queries (1.15 "
          "uses BLAS only from 1000 queries at d=128, so a batch of 100 was 100 full scans), and a query batch "
          "smaller than the thread count runs on one thread (its split of one query over threads calls a one-column "
          "sgemm per block, 2× slower here): its 2-thread single query is its best, on one core. Debian's faiss "
          "runs with `OMP_WAIT_POLICY=PASSIVE` (its OpenMP and OpenBLAS threads otherwise spin against each other).")
    print("- **all pairs**: a dedupe pass's search (`childmatch dedupe`): every face of the index as a query, "
          "its 12 nearest (the 11 other cases the proposal rule weighs and its own); childmatch on 2 workers, "
          "100 faces a call (`DedupeBatch`, as the pass does), faiss-cpu all in one call (its best), on 1 and 2 "
          "threads. Ratios to faiss-cpu on 2 cores take its better thread count.")
    print("- **bytes/face**: childmatch's `Index.Bytes()` / N (every column and the id table); the peers' growth in "
          "process RSS while building / N.")
    print("- **snapshot load**: childmatch's `ReadSnapshot` from a just-written file (so from the page cache) into "
          "an empty index, checksum and id table included.\n")

    first = mem[min(mem)]["first_pass_bytes_per_face"] if mem else None
    for n in sizes:
        print(f"## {n:,} faces\n")
        print("| implementation | threads | build s | single p50 ms | single p99 ms | batch queries/s | recall@10 "
              "| genuine recall | bytes/face | snapshot load s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        versions = {}
        for peer in ORDER + sorted({r["peer"] for r in idx} - set(ORDER)):
            for t in (1, 2):
                r = pick(peer, n, t)
                if not r:
                    continue
                versions[NAMES.get(peer, peer)] = r["version"]
                print(f"| {NAMES.get(peer, peer)} | {t} | {r['build_seconds']:.2f} "
                      f"| {r['single_p50_ms']:.2f} | {r['single_p99_ms']:.2f} | {r['batch_queries_per_second']:,.0f} "
                      f"| {r['recall_at_10']:.4f} | {pct(r.get('genuine_recall'))} "
                      f"| {fmt(r.get('bytes_per_face'), '.0f')} | {fmt(r.get('snapshot_load_seconds'), '.2f')} |")
        print()
        print("Versions: " + "; ".join(f"{name}: {v}" for name, v in versions.items()) + ".\n")
        cm1 = pick("childmatch", n, 1)
        if cm1:
            print(f"- The exact top 10 holds {pct(cm1['exact_genuine_recall'])} of the {cm1['genuine_pairs']} genuine "
                  f"pairs. childmatch's p50 on 1 worker: {cm1['real_query_p50_ms']:.2f} ms for the "
                  f"{cm1['real_queries']} real queries, {cm1['synthetic_query_p50_ms']:.2f} ms for the synthetic ones.")
        for t in (1, 2):
            cm, fc = pick("childmatch", n, t), pick("faiss-cpu", n, t)
            if cm and fc:
                print(f"- {t} thread{'s' if t > 1 else ''}: childmatch answers a single query "
                      f"**{fc['single_p50_ms'] / cm['single_p50_ms']:.2f}×** as fast as faiss-cpu (p50) and a batch at "
                      f"**{cm['batch_queries_per_second'] / fc['batch_queries_per_second']:.2f}×** its throughput.")
        cm, fb = pick("childmatch", n, 2), best_faiss(n, "batch_queries_per_second")
        if cm and fb:
            print(f"- On 2 cores, faiss-cpu's best batch is on {cores(fb['threads'])} "
                  f"({fb['batch_queries_per_second']:,.0f} queries/s): childmatch's batch on 2 workers is "
                  f"**{cm['batch_queries_per_second'] / fb['batch_queries_per_second']:.2f}×** that.")
        fa = best_faiss(n, "allpairs_faces_per_second")
        if cm and fa and cm.get("allpairs_faces_per_second"):
            a, b = cm["allpairs_faces_per_second"], fa["allpairs_faces_per_second"]
            print(f"- All pairs on 2 cores: childmatch **{a:,.0f} faces/s** on 2 workers (the pass over {n:,} faces "
                  f"in {n / a:.0f} s), faiss-cpu at its best ({cores(fa['threads'])}) {b:,.0f} faces/s "
                  f"({n / b:.0f} s): **{a / b:.2f}×**.")
        if n > args.hnsw_max:
            hn = max((r for r in idx if r["peer"] == "hnswlib"), key=lambda r: r["n"], default=None)
            if hn:
                cost = (f"its build time grows at least linearly with N ({hn['build_seconds'] / 60:.1f} minutes at "
                        f"{hn['n']:,} in this run, on 2 threads), so {n:,} would take at least "
                        f"{hn['build_seconds'] * n / hn['n'] / 60:.0f} minutes")
            else:
                cost = "its build takes about 8 minutes at 1M on 2 cores and grows at least linearly with N"
            print(f"- hnswlib is not run at this size (HNSW_MAX_N={args.hnsw_max:,}): {cost}.")
        if mem and cm1:
            floors = ", ".join(f"{n * first / (m['gb_per_second'] * 1e9) * 1e3:.2f} ms on {cores(t)}"
                               for t, m in sorted(mem.items()))
            note = ""
            if cache and n * first <= cache[1]:
                note = (f"; but {n * first / 2**20:.1f} MiB fit in the {cache[1] / 2**20:.0f} MiB L{cache[0]} cache, "
                        f"so at this size the scan runs from cache and this floor does not bind")
            print(f"- Memory floor at this size: reading the first pass's {n * first / 1e6:,.1f} MB takes at least "
                  f"{floors}{note}.")
        print()

    if mem:
        vec = mem[min(mem)]["vector_bytes_per_face"]
        print("## Memory bandwidth and the floor it sets\n")
        print(f"A streaming read of {mem[min(mem)]['buffer_bytes'] / 2**30:.0f} GiB (`bytes.IndexByte`, the Go "
              "runtime's AVX2 scan, over pages written first), best of 3: "
              + ", ".join(f"**{m['gb_per_second']:.1f} GB/s** on {cores(t)}" for t, m in sorted(mem.items()))
              + ". A scan of N faces cannot take less than the bytes it reads divided by this rate.\n")
        print("| reading, for 1M faces | bytes | " + " | ".join(f"floor on {cores(t)}" for t in sorted(mem)) + " |")
        print("|---|---|" + "---|" * len(mem))
        for what, per in ((f"float32 vectors ({vec} B/face): a plain exact scan", vec),
                          (f"first-pass codes + error byte ({first} B/face): childmatch's first pass", first)):
            print(f"| {what} | {GOAL_N * per / 1e6:,.0f} MB | "
                  + " | ".join(f"{GOAL_N * per / (m['gb_per_second'] * 1e9) * 1e3:.1f} ms" for _, m in sorted(mem.items()))
                  + " |")
        cm = pick("childmatch", GOAL_N, max(mem))
        if cm:
            floor = GOAL_N * first / (mem[max(mem)]["gb_per_second"] * 1e9) * 1e3
            print(f"\nAt 1M faces on {max(mem)} workers childmatch's single-query p50 is {cm['single_p50_ms']:.2f} ms, "
                  f"{cm['single_p50_ms'] / floor:.2f}× the first pass's floor on {cores(max(mem))} ({floor:.1f} ms).")
        print()

    if loads:
        print("## The machine during the run\n")
        print("The comparisons are ratios within this one run; other work on the machine slows both sides, "
              "not always equally. Load average (1, 5, 15 minutes) on the machine's "
              f"{nproc} CPUs:\n")
        print("| when (UTC) | point of the run | load average |")
        print("|---|---|---|")
        for r in loads:
            print(f"| {r['at']} | {r['what']} | {r['loadavg']} |")
        print()

    print(f"## Goals at {GOAL_N:,} faces on 2 cores\n")
    cm, fc = pick("childmatch", GOAL_N, 2), pick("faiss-cpu", GOAL_N, 2)
    if not cm:
        print(f"Not measured in this run (sizes: {', '.join(f'{n:,}' for n in sizes)}); run with the default sizes.")
        return

    def verdict(ok):
        return "met" if ok else "**not met**"

    goals = [
        ("single query p50 ≤ 8 ms", f"{cm['single_p50_ms']:.2f} ms", cm["single_p50_ms"] <= 8),
        ("≥ 2× faster than faiss-cpu, single query p50 (both on 2 threads)",
         f"{fc['single_p50_ms'] / cm['single_p50_ms']:.2f}×" if fc else "faiss-cpu not run",
         bool(fc) and fc["single_p50_ms"] / cm["single_p50_ms"] >= 2),
    ]
    for n in (100_000, GOAL_N):
        c, f = pick("childmatch", n, 2), best_faiss(n, "batch_queries_per_second")
        if c and f:
            ratio = c["batch_queries_per_second"] / f["batch_queries_per_second"]
            goals.append((f"batch of 100 at {n:,} faces ≥ 2× faiss-cpu's best throughput on 2 cores",
                          f"{ratio:.2f}×", ratio >= 2))
    goals += [
        ("≤ 700 bytes/face", f"{cm['bytes_per_face']:.0f}", cm["bytes_per_face"] <= 700),
        ("recall@10 = 1.0", f"{cm['recall_at_10']:.4f}", cm["recall_at_10"] == 1.0),
    ]
    print("| goal | measured | |")
    print("|---|---|---|")
    for g, v, ok in goals:
        print(f"| {g} | {v} | {verdict(ok)} |")


if __name__ == "__main__":
    main()
