#!/usr/bin/env python3
"""deephash from Python against its peers, side by side in one process.

1. Search: deephash.search and deephash.Index.search against faiss.IndexBinaryFlat
   (exact k-NN) on the data of the peer script shared/bench/faiss_hamming.py (beside the repository): N uniform random
   packed codes, Q queries, k neighbours, 1 thread each.
2. Metrics: deephash.evaluate against the numpy mAP loop of map_eval.py (the
   deep-hashing toolboxes' loop, stable ranking) on its label-correlated codes.

Each side is timed in alternating rounds; the best round counts (the machine may be
shared). Prints a markdown table and whether the results are equal.

Usage: bench_vs_peers.py [--n 1000000] [--bits 64] [--queries 1000] [--k 100]
       [--nq 5794] [--ndb 5994] [--classes 200] [--rounds 5]
Needs: numpy, faiss-cpu, and the deephash package (pip install crates/deephash-py).
"""

import argparse
import platform
import time

import faiss
import numpy as np

import deephash


def cpu():
    """The CPU model and its popcount-relevant SIMD extensions."""
    model, flags = platform.processor(), set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = [f for f in ("avx512f", "avx512bw", "avx512vl", "avx512_vpopcntdq", "avx2", "popcnt") if f in flags]
    return f"{model} ({', '.join(simd)})"


def best_of(rounds, calls):
    """Runs every call once per round, alternating; returns the best seconds and last result of each."""
    best = {name: float("inf") for name in calls}
    results = {}
    for _ in range(rounds):
        for name, call in calls.items():
            t = time.perf_counter()
            results[name] = call()
            best[name] = min(best[name], time.perf_counter() - t)
    return best, results


def search_case(n, bits, q, k, rounds):
    rng = np.random.default_rng(12345)  # faiss_hamming.py's data
    db = rng.integers(0, 256, size=(n, bits // 8), dtype=np.uint8)
    qs = rng.integers(0, 256, size=(q, bits // 8), dtype=np.uint8)
    faiss.omp_set_num_threads(1)
    flat = faiss.IndexBinaryFlat(bits)
    flat.add(db)
    flat.search(qs[:10], k)  # warm-up, as faiss_hamming.py
    index = deephash.Index(db, index="scan")
    calls = {
        "faiss IndexBinaryFlat.search": lambda: flat.search(qs, k),
        "deephash.search (one call: copy, index, search)": lambda: deephash.search(db, qs, k, threads=1, index="scan"),
        "deephash.Index.search (index built once)": lambda: index.search(qs, k, threads=1),
    }
    best, res = best_of(rounds, calls)
    fd, fi = res["faiss IndexBinaryFlat.search"]
    di, dd = res["deephash.search (one call: copy, index, search)"]
    return best, equal_knn(fi, fd, di, dd)


def equal_knn(fi, fd, di, dd):
    """Distances identical; ids identical up to the order of equal distances
    (deephash orders ties by the lower id, faiss does not promise an order)."""
    same_dist = np.array_equal(fd.astype(np.int64), dd.astype(np.int64))
    same_ids = int((fi == di).all(axis=1).sum())
    tie_only = True
    for row in range(len(fi)):
        top = dd[row].max()
        inner = dd[row] < top
        if set(fi[row][inner]) != set(di[row][inner]):
            tie_only = False
    return (f"distances identical: {same_dist}; rows with identical ids: {same_ids}/{len(fi)}; "
            f"ids differ only among the ties at the k-th distance: {tie_only}")


def make(rng, protos, n, bits, classes):
    """map_eval.py's label-correlated codes."""
    labels = rng.integers(0, classes, size=n)
    flips = (rng.random((n, bits)) < 0.2).astype(np.uint8)
    b = protos[labels] ^ flips
    return np.packbits(b, axis=1), labels.astype(np.int64), b


def numpy_map(qb, ql, db, dl, bits):
    """map_eval.py's loop (TOPK = 0: the whole ranking), verbatim."""
    qs = qb.astype(np.float32) * 2 - 1
    ds = db.astype(np.float32) * 2 - 1
    aps = []
    for i in range(len(qb)):
        ham = 0.5 * (bits - ds @ qs[i])
        order = np.argsort(ham, kind="stable")
        rel = (dl[order] == ql[i]).astype(np.float64)
        nrel = rel.sum()
        if nrel == 0:
            aps.append(0.0)
            continue
        prec = np.cumsum(rel) / np.arange(1, len(rel) + 1)
        aps.append(float((prec * rel).sum() / nrel))
    return float(np.mean(aps))


def eval_case(nq, ndb, bits, classes, rounds):
    rng = np.random.default_rng(7)  # map_eval.py's data
    protos = rng.integers(0, 2, size=(classes, bits), dtype=np.uint8)
    q_codes, q_labels, qb = make(rng, protos, nq, bits, classes)
    d_codes, d_labels, db = make(rng, protos, ndb, bits, classes)
    calls = {
        "numpy mAP loop (map_eval.py)": lambda: numpy_map(qb, q_labels, db, d_labels, bits),
        "deephash.evaluate, 1 thread (every metric)": lambda: deephash.evaluate(q_codes, q_labels, d_codes, d_labels, threads=1)["map"],
        "deephash.evaluate, all cores (every metric)": lambda: deephash.evaluate(q_codes, q_labels, d_codes, d_labels)["map"],
    }
    best, res = best_of(rounds, calls)
    maps = list(res.values())
    return best, f"mAP: " + ", ".join(f"{m:.12f}" for m in maps) + f"; max difference {max(maps) - min(maps):.2e}"


def table(title, best, peer):
    print(f"\n{title}\n")
    print("| | best seconds | speed-up over the peer |")
    print("|---|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.4f} | {best[peer] / seconds:.1f}x |")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in [("n", 1_000_000), ("bits", 64), ("queries", 1000), ("k", 100),
                          ("nq", 5794), ("ndb", 5994), ("classes", 200), ("rounds", 5)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    print(f"CPU: {cpu()}; numpy {np.__version__}, faiss {faiss.__version__}, deephash {deephash.__version__}")
    best, equal = search_case(a.n, a.bits, a.queries, a.k, a.rounds)
    table(f"Search: {a.n:,} x {a.bits} bits, {a.queries:,} queries, k = {a.k}, 1 thread", best, "faiss IndexBinaryFlat.search")
    print(f"\n{equal}")
    best, equal = eval_case(a.nq, a.ndb, a.bits, a.classes, max(1, a.rounds // 2))
    table(f"Metrics: {a.nq:,} queries x {a.ndb:,} items x {a.bits} bits, {a.classes} classes", best, "numpy mAP loop (map_eval.py)")
    print(f"\n{equal}")


if __name__ == "__main__":
    main()
