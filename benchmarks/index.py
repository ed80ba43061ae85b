"""Hamming index: multi-index hashing vs numpy brute force (XOR + popcount), same queries, same run.

For each size N: N random 64-bit hashes with 1% planted near copies; per radius (4 and 8) the
median and mean time of one :meth:`MultiIndex.query` over ``--queries`` queries (stored hashes with
0-8 bits flipped), the time per query of one batched :meth:`MultiIndex.query_many` call over
``--batch`` queries, and the median and mean time of brute force over the whole array for the same
queries; recall of the index against brute force (must be 1.0), bytes per stored hash (hashes,
row orders and bucket directories), build time. For N <= ``--pairs-max``: all near pairs among N
at each radius (one process; one thread, then two; wall and, for one thread, CPU seconds, which
a loaded machine inflates less), checked against per-row queries on a sample.
Every line carries the 1-minute load average.

Run: ``nice python -m benchmarks.index [--sizes 100000 1000000 10000000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any

import numpy as np

from profilecheck.index.hamming import popcount64
from profilecheck.index.mih import MultiIndex, default_m


def _load() -> float:
    return round(os.getloadavg()[0], 2)


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


def _queries(hashes: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """Stored hashes with 0-8 random bits flipped (so every radius has true hits)."""
    rng = np.random.default_rng(seed)
    qs = hashes[rng.integers(0, len(hashes), size=count)].copy()
    for i, k in enumerate(rng.integers(0, 9, size=count).tolist()):
        for b in rng.choice(64, size=k, replace=False).tolist():
            qs[i] ^= np.uint64(1) << np.uint64(b)
    return qs


def run_size(n: int, queries: int, batch: int, pairs_max: int) -> dict[str, Any]:
    hashes = _data(n)
    qs = _queries(hashes, max(queries, batch))
    t = time.perf_counter()
    idx = MultiIndex(m=default_m(n), merge_at=1)
    idx.add(hashes)
    build = time.perf_counter() - t
    out: dict[str, Any] = {
        "n": n,
        "m": idx.m,
        "bytes_per_hash": round(idx.nbytes / n, 2),
        "build_s": round(build, 2),
        "load": _load(),
    }
    for radius in (4, 8):
        single = []
        for q in qs[:queries]:
            t = time.perf_counter()
            idx.query(int(q), radius)
            single.append(time.perf_counter() - t)
        t = time.perf_counter()
        qi, rows, _d = idx.query_many(qs[:batch], radius)
        many = (time.perf_counter() - t) / batch
        bf_t, found, want_total = [], 0, 0
        n_bf = min(batch, max(50, int(2e9 // n)))  # brute force is the slow part at 10^7
        for k, q in enumerate(qs[:n_bf]):
            t = time.perf_counter()
            want = np.flatnonzero(popcount64(hashes ^ q) <= radius)
            bf_t.append(time.perf_counter() - t)
            got = set(rows[qi == k].tolist())
            found += len(got & set(want.tolist()))
            want_total += len(want)
            assert got <= set(want.tolist())
        mq, bq = statistics.median(single), statistics.median(bf_t)
        mean_q, mean_b = statistics.fmean(single), statistics.fmean(bf_t)
        out[f"r{radius}"] = {
            "plan": idx.plan(radius),
            "query_ms": round(1000 * mq, 4),
            "query_ms_mean": round(1000 * mean_q, 4),
            "query_many_ms_per_query": round(1000 * many, 4),
            "brute_force_ms": round(1000 * bq, 3),
            "brute_force_ms_mean": round(1000 * mean_b, 3),
            "speedup_query": round(bq / mq, 1),
            "speedup_query_mean": round(mean_b / mean_q, 1),
            "speedup_query_many": round(bq / many, 1),
            "recall": found / max(1, want_total),
            "true_hits_checked": want_total,
            "load": _load(),
        }
    if n <= pairs_max:
        for radius in (4, 8):
            t, c = time.perf_counter(), time.process_time()
            i, j, _dist = idx.near_pairs(radius)
            secs, cpu = time.perf_counter() - t, time.process_time() - c
            t = time.perf_counter()
            i2, _j2, _d2 = idx.near_pairs(radius, workers=2)
            secs2 = time.perf_counter() - t
            assert i2.tolist() == i.tolist()
            # check: the pairs of a sample of rows equal those rows' query results
            sample = np.random.default_rng(2).choice(n, size=min(n, 2000), replace=False)
            qi, rows, _d = idx.query_many(hashes[sample], radius)
            got = {(int(a), int(b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
            for k, s in enumerate(sample.tolist()):
                mine = {int(r) for r in rows[qi == k].tolist() if r != s}
                assert mine == {b for a, b in got if a == s} | {a for a, b in got if b == s}, s
            out[f"near_pairs_r{radius}"] = {
                "pairs": len(i),
                "seconds_1_thread": round(secs, 2),
                "cpu_seconds_1_thread": round(cpu, 2),
                "seconds_2_threads": round(secs2, 2),
                "load": _load(),
            }
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.index")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--pairs-max", type=int, default=1_000_000)
    a = ap.parse_args(argv)
    for n in a.sizes:
        print(json.dumps(run_size(n, a.queries, a.batch, a.pairs_max)), flush=True)


if __name__ == "__main__":
    main()
