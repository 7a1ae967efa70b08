#!/usr/bin/env python3
"""Nearest-neighbour peers of the Go index, measured on the vectors the Go benchmark wrote.

Usage: python index_peers.py --dir D --peer {faiss-cpu,faiss-debian,hnswlib} --out F [--allpairs-max N]

D holds vectors.f32 (n x 128 float32 little-endian, row-major), queries.f32 (m x 128) and
truth.i32 (m x 10 int32 row indices of the exact top-10, nearest first), and optionally genuine.i32
(pairs of int32: query, row of another photo of the query's person). One index is built, then
measured with 1 and then 2 threads; each measurement is appended to F as one JSON line, with
genuine_recall (the fraction of genuine pairs whose row is in the query's top-10) when genuine.i32
is there. With --allpairs-max N, a FAISS peer at n <= N also runs a dedupe pass's search on 1 and 2
threads: every vector as a query, its 12 nearest (what childmatch's pass asks: ProposalsMax+1 other cases and its
own), in one call (FAISS's best: it blocks the queries itself), reported as allpairs_faces_per_second.

The script only imports faiss or hnswlib: which build it gets depends on the interpreter that runs it
(bin/pyvenv-index/bin/python for faiss-cpu, /usr/bin/python3 for Debian's faiss and hnswlib).
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

DIM = 128
K = 10
ALLPAIRS_K = 12
WARMUP = 5
THREADS = (1, 2)


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def set_blas_threads(n):
    """Cap every OpenBLAS loaded in this process at n threads.

    Debian's faiss does batch searches (20 queries or more) through the system OpenBLAS, whose pthread
    build ignores omp_set_num_threads; without this, threads=1 would still use every core.
    """
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "openblas" in os.path.basename(parts[5]):
                libs.add(parts[5])
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
                    "scipy_openblas_set_num_threads_64_"):
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn.argtypes = [ctypes.c_int]
                fn(n)
                break


def load(d):
    def f32(name):
        a = np.fromfile(os.path.join(d, name), dtype="<f4")
        if a.size % DIM:
            sys.exit(f"{name}: {a.size * 4} bytes is not a multiple of {DIM * 4}")
        return np.ascontiguousarray(a.reshape(-1, DIM), dtype=np.float32)

    vectors = f32("vectors.f32")
    queries = f32("queries.f32")
    truth = np.fromfile(os.path.join(d, "truth.i32"), dtype="<i4")
    if truth.size != len(queries) * K:
        sys.exit(f"truth.i32 has {truth.size} ids, want {len(queries)} x {K}")
    return vectors, queries, truth.reshape(-1, K).astype(np.int64)


def load_genuine(d, m):
    path = os.path.join(d, "genuine.i32")
    if not os.path.exists(path):
        return None
    pairs = np.fromfile(path, dtype="<i4").reshape(-1, 2).astype(np.int64)
    if len(pairs) and (pairs[:, 0].min() < 0 or pairs[:, 0].max() >= m):
        sys.exit(f"genuine.i32 names a query outside 0..{m - 1}")
    return pairs


class Faiss:
    def __init__(self):
        import faiss
        self.faiss = faiss
        self.n_threads = faiss.omp_get_max_threads()
        # faiss >= 1.15 only uses BLAS when nq*d >= 128000 (nq >= 1000 at d=128), so a batch of 100 ran as
        # 100 separate scans. Restore BLAS from 20 queries up (faiss 1.7.3's nq >= 20; no-op on Debian's 20).
        faiss.cvar.distance_compute_blas_threshold = min(faiss.cvar.distance_compute_blas_threshold, 20 * DIM)
        opts = faiss.get_compile_options() if hasattr(faiss, "get_compile_options") else ""
        self.version = f"faiss {faiss.__version__} ({opts.strip()})"

    def build(self, vectors):
        self.index = self.faiss.IndexFlatL2(DIM)
        self.index.add(vectors)

    def threads(self, n):
        self.faiss.omp_set_num_threads(n)
        set_blas_threads(n)
        self.n_threads = n

    def search(self, q, k=K):
        # With fewer queries than threads faiss >= 1.15 splits the database over threads with one sgemm per
        # 1024-row block (n=1 GEMM in the bundled OpenBLAS 0.3.15): ~80 ms on 2 cores vs ~36 ms for the
        # 1-thread AVX2 scan. Run such searches on one thread, which is faiss's fastest way on this machine.
        few = len(q) < self.n_threads
        if few:
            self.faiss.omp_set_num_threads(1)
        _, ids = self.index.search(q, k)  # squared L2 distances; only ids are used
        if few:
            self.faiss.omp_set_num_threads(self.n_threads)
        return ids


class Hnsw:
    M = 16
    EF_CONSTRUCTION = 200
    EF = 64
    BUILD_THREADS = 2

    def __init__(self):
        import hnswlib
        self.hnswlib = hnswlib
        try:
            from importlib.metadata import version
            v = version("hnswlib")
        except Exception:
            v = getattr(hnswlib, "__version__", "?")
        self.version = f"hnswlib {v} (M={self.M} ef_construction={self.EF_CONSTRUCTION} ef={self.EF})"

    def build(self, vectors):
        self.index = self.hnswlib.Index(space="l2", dim=DIM)
        self.index.init_index(max_elements=len(vectors), M=self.M, ef_construction=self.EF_CONSTRUCTION)
        self.index.add_items(vectors, np.arange(len(vectors)), num_threads=self.BUILD_THREADS)
        self.index.set_ef(self.EF)

    def threads(self, n):
        self.index.set_num_threads(n)
        set_blas_threads(n)

    def search(self, q):
        ids, _ = self.index.knn_query(q, k=K)
        return ids


def recall(ids, truth):
    return float(np.mean([len(set(a.tolist()) & set(t.tolist())) / K for a, t in zip(ids, truth)]))


def genuine_recall(ids, pairs):
    if pairs is None or len(pairs) == 0:
        return None
    return float(np.mean([row in ids[q] for q, row in pairs]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--peer", required=True, choices=["faiss-cpu", "faiss-debian", "hnswlib"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--allpairs-max", type=int, default=0)
    args = ap.parse_args()

    vectors, queries, truth = load(args.dir)
    n, m = len(vectors), len(queries)
    genuine = load_genuine(args.dir, m)
    peer = Hnsw() if args.peer == "hnswlib" else Faiss()

    before = rss_bytes()
    t0 = time.perf_counter()
    peer.build(vectors)
    build_seconds = time.perf_counter() - t0
    after = rss_bytes()
    bytes_per_face = round((after - before) / n, 1) if before and after and after > before else None

    for t in THREADS:
        peer.threads(t)
        for i in range(min(WARMUP, m)):
            peer.search(queries[i:i + 1])
        single = []
        for i in range(m):
            q = queries[i:i + 1]
            s = time.perf_counter()
            peer.search(q)
            single.append(time.perf_counter() - s)
        single_ms = np.array(single) * 1e3

        # All m queries in one call; repeated (up to 5 times, while under a second in all) for the median.
        runs, ids = [], None
        while not runs or (len(runs) < 5 and sum(runs) < 1.0):
            s = time.perf_counter()
            got = peer.search(queries)
            runs.append(time.perf_counter() - s)
            if ids is None:
                ids = got

        row = {
            "peer": args.peer,
            "version": peer.version,
            "n": n,
            "threads": t,
            "build_seconds": round(build_seconds, 3),
            "single_p50_ms": round(float(np.percentile(single_ms, 50)), 3),
            "single_p99_ms": round(float(np.percentile(single_ms, 99)), 3),
            "batch_queries_per_second": round(m / float(np.median(runs)), 1),
            "recall_at_10": round(recall(ids, truth), 4),
            "genuine_recall": genuine_recall(ids, genuine),
            "bytes_per_face": bytes_per_face,
        }
        if n <= args.allpairs_max and isinstance(peer, Faiss):
            s = time.perf_counter()
            peer.search(vectors, ALLPAIRS_K)
            row["allpairs_faces_per_second"] = round(n / (time.perf_counter() - s), 1)
            row["allpairs_k"] = ALLPAIRS_K
        with open(args.out, "a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
