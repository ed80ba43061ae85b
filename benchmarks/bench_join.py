"""Cross-profile photo matching: band join against the all-pairs baseline, in one run.

Hashes: uniform random 64-bit values (one photo per profile, with its mirror hash) plus a
planted near copy (0-4 bits flipped) for 1% of them, the shape of the matching stage's input.
The all-pairs baseline (:func:`profilecheck.index.hamming.near_pairs`, blocked XOR + popcount)
is timed on a subset and, above that size, extrapolated quadratically (said so in the output).

    python -m benchmarks.bench_join            # quick: 20 000 photos, both measured
    python -m benchmarks.bench_join --full     # 10^6 photos band join; all-pairs at 40 000
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks._util import load_note, median_of, timed
from profilecheck.engine.matching import photo_pairs
from profilecheck.index.hamming import near_pairs


def hashes(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    m = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    k = n // 100
    src = rng.choice(n - k, size=k, replace=False)
    for t, s in enumerate(src):  # the last k photos are near copies of earlier ones
        x = int(h[s])
        for bit in rng.choice(64, size=t % 5, replace=False):
            x ^= 1 << int(bit)
        h[n - k + t] = np.uint64(x)
    return np.arange(n, dtype=np.int64), h, m


def all_pairs(data: tuple[np.ndarray, np.ndarray, np.ndarray], radius: int = 4) -> int:
    _r, h, m = data
    return sum(1 for _ in near_pairs(h, h, radius=radius, block=1024)) + sum(
        1 for _ in near_pairs(h, m, radius=radius, block=1024)
    )


def main(quick: bool = True) -> None:
    print(load_note())
    n_band = 20_000 if quick else 1_000_000
    n_base = 20_000 if quick else 40_000
    runs = 3 if quick else 1
    data = hashes(n_base)
    t_base, found_base = timed(lambda: all_pairs(data))
    t_band_small, times = median_of(3, lambda: photo_pairs(data))
    pairs_small = photo_pairs(data)
    print(
        f"all-pairs over {n_base} photos: {t_base:.2f} s ({found_base} pairs incl. self); "
        f"band join: median {t_band_small:.3f} s of {len(times)} -> {t_base / t_band_small:.0f}x faster, "
        f"{len(pairs_small[0])} cross-profile pairs"
    )
    if n_band != n_base:
        big = hashes(n_band)
        t_band, ts = median_of(runs, lambda: photo_pairs(big))
        est = t_base * (n_band / n_base) ** 2
        print(
            f"band join over {n_band} photos: median {t_band:.1f} s of {len(ts)} (target < 60 s); "
            f"all-pairs extrapolated quadratically from {n_base}: {est / 3600:.1f} h -> {est / t_band:.0f}x"
        )


if __name__ == "__main__":
    main(quick="--full" not in sys.argv)
