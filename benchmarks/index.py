"""Hamming index: multi-index hashing vs numpy brute force (XOR + popcount), same queries, same run.

For each size N: N random 64-bit hashes with planted near copies; median query time at
radius 8 (and 4) over ``--queries`` queries for the multi-index and for brute force over the
whole array, recall of the multi-index against brute force (must be 1.0), bytes per stored
hash, build time; and the time to find all near pairs among N (radius ``--pairs-radius``).

Run: ``nice python -m benchmarks.index [--sizes 100000 1000000 10000000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import numpy as np

from profilecheck.index.hamming import popcount64
from profilecheck.index.mih import MultiIndex, default_m


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, np.iinfo(np.int64).max, size=n, dtype=np.int64).astype(np.uint64) << np.uint64(1)
    h |= rng.integers(0, 2, size=n, dtype=np.int64).astype(np.uint64)
    k = n // 100  # 1% near copies, 1-8 bits away from another hash
    src = rng.integers(0, n, size=k)
    flips = np.zeros(k, dtype=np.uint64)
    for _ in range(8):
        on = rng.random(k) < 0.6
        flips |= np.where(on, np.uint64(1) << rng.integers(0, 64, size=k).astype(np.uint64), np.uint64(0))
    h[rng.integers(0, n, size=k)] = h[src] ^ flips
    return h


def run_size(n: int, queries: int, pairs_radius: int) -> dict[str, Any]:
    hashes = _data(n)
    rng = np.random.default_rng(1)
    qs = hashes[rng.integers(0, n, size=queries)] ^ (
        np.uint64(1) << rng.integers(0, 64, size=queries).astype(np.uint64)
    )
    t = time.perf_counter()
    idx = MultiIndex(m=default_m(n), merge_at=1)
    idx.add(hashes)
    build = time.perf_counter() - t
    out: dict[str, Any] = {"n": n, "m": idx.m, "bytes_per_hash": idx.nbytes / n, "build_s": round(build, 2)}
    for radius in (4, 8):
        mih_t, bf_t, recall = [], [], []
        for q in qs:
            t = time.perf_counter()
            idx.query(int(q), radius)
            mih_t.append(time.perf_counter() - t)
        for q in qs[: max(5, queries // 10)]:
            t = time.perf_counter()
            d = popcount64(hashes ^ q)
            want = np.flatnonzero(d <= radius)
            bf_t.append(time.perf_counter() - t)
            got_rows = {r for r, _d in idx.query(int(q), radius)}
            recall.append(len(got_rows & set(want.tolist())) / max(1, len(want)))
        mq, bq = statistics.median(mih_t), statistics.median(bf_t)
        out[f"r{radius}"] = {
            "mih_ms_per_query": round(1000 * mq, 4),
            "brute_force_ms_per_query": round(1000 * bq, 3),
            "speedup": round(bq / mq, 1),
            "recall": min(recall),
        }
    if n <= 1_000_000:
        t = time.perf_counter()
        pidx = MultiIndex(m=pairs_radius + 1, merge_at=1)
        pidx.add(hashes)
        pairs = pidx.near_pairs(pairs_radius)
        secs = round(time.perf_counter() - t, 2)
        out["all_pairs"] = {"radius": pairs_radius, "pairs": len(pairs[0]), "seconds": secs}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.index")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--pairs-radius", type=int, default=4)
    a = ap.parse_args(argv)
    for n in a.sizes:
        print(json.dumps(run_size(n, a.queries, a.pairs_radius)), flush=True)


if __name__ == "__main__":
    main()
