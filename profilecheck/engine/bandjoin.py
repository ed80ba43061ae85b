"""Cross-profile photo matching as a band join over hash chunks, not as all pairs.

Two 64-bit hashes within ``r`` bits differ in at most ``r`` of ``m`` disjoint chunks, so they
agree exactly on at least ``m - r`` chunks (the pigeonhole principle; Manku et al., WWW 2007).
Every choice of ``m - r`` chunks is a *band*: a mask over the hash. Two hashes within ``r`` bits
share the masked value in at least one band, so the join is: for each band, an exact equi-join
on ``hash & mask`` (sort + binary search, or a hash partition per band on a cluster), then a
Hamming check on the candidates. With ``r = 4`` and ``m = 6`` chunks there are 15 bands of ~21
bits each: over 10^6 uniform hashes a bucket holds ~0.5 others, so candidates stay near the
true pairs instead of 10^12.

Each pair is reported once, by its *canonical* band: the first ``m - r`` chunks on which it
agrees. The functions here are pure and work on numpy arrays, so the same per-partition
function runs serially, in a process pool or on Dask (:mod:`profilecheck.engine.dask`).

>>> import numpy as np
>>> a = np.array([0, 0b111, 1 << 63, 0xFFFF], dtype=np.uint64)
>>> qi, dj, dist = band_join(a, a, radius=3)
>>> sorted(zip(qi.tolist(), dj.tolist(), dist.tolist()))
[(0, 0, 0), (0, 1, 3), (0, 2, 1), (1, 0, 3), (1, 1, 0), (2, 0, 1), (2, 2, 0), (3, 3, 0)]
"""

from __future__ import annotations

from functools import cache
from itertools import combinations, pairwise

import numpy as np

from profilecheck.index.hamming import popcount64

__all__ = ["Bands", "band_join", "bands", "join_band", "partition_of"]

_EMPTY = np.zeros(0, dtype=np.int64)


class Bands:
    """The chunk masks and band masks for one radius.

    Attributes:
        radius: the Hamming radius the bands guarantee to find.
        chunks: ``m`` disjoint chunk masks covering the 64 bits.
        masks: one mask per band (the OR of ``m - radius`` chunks).
        canonical: for each bitmap of agreeing chunks, the index of the first band it contains.
    """

    def __init__(self, radius: int, m: int | None = None) -> None:
        if not 0 <= radius < 32:
            raise ValueError(f"radius must be in 0..31, got {radius}")
        m = m if m is not None else radius + 2
        if not radius < m <= 16:
            raise ValueError(f"need radius < chunks <= 16, got radius {radius}, chunks {m}")
        self.radius = radius
        edges = [round(64 * k / m) for k in range(m + 1)]
        self.chunks = [np.uint64(((1 << (b - a)) - 1) << a) for a, b in pairwise(edges)]
        combos = list(combinations(range(m), m - radius))
        self.masks = [np.uint64(sum(int(self.chunks[c]) for c in combo)) for combo in combos]
        index = {combo: k for k, combo in enumerate(combos)}
        canonical = np.full(1 << m, -1, dtype=np.int16)
        for bitmap in range(1 << m):
            agree = [c for c in range(m) if bitmap >> c & 1]
            if len(agree) >= m - radius:
                canonical[bitmap] = index[tuple(agree[: m - radius])]
        self.canonical = canonical

    def canonical_band(self, x: np.ndarray) -> np.ndarray:
        """For XORs ``x`` of candidate pairs, the band that reports them (-1: too far apart)."""
        bitmap = np.zeros(len(x), dtype=np.int64)
        for c, mask in enumerate(self.chunks):
            bitmap |= ((x & mask) == 0).astype(np.int64) << c
        out: np.ndarray = self.canonical[bitmap]
        return out


@cache
def bands(radius: int) -> Bands:
    """The (cached) :class:`Bands` for ``radius``."""
    return Bands(radius)


def partition_of(keys: np.ndarray, parts: int) -> np.ndarray:
    """Partition number of each masked key: a multiplicative hash, so masked-out bits do not bias it."""
    mixed = (keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    out: np.ndarray = (mixed % np.uint64(parts)).astype(np.int64)
    return out


def join_band(
    q: np.ndarray,
    d: np.ndarray,
    band: int,
    radius: int,
    q_ids: np.ndarray | None = None,
    d_ids: np.ndarray | None = None,
    block: int = 1 << 16,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One band's equi-join of queries ``q`` and data ``d``, verified and deduplicated.

    Returns ``(qi, dj, dist)``: for every ``q[i]`` within ``radius`` bits of ``d[j]`` whose
    canonical band is ``band``, the ids (``q_ids[i]``, ``d_ids[j]``; default the positions)
    and the distance. Memory is bounded by ``block`` queries at a time plus their candidates.
    """
    b = bands(radius)
    mask = b.masks[band]
    q_ids = np.arange(len(q), dtype=np.int64) if q_ids is None else q_ids
    d_ids = np.arange(len(d), dtype=np.int64) if d_ids is None else d_ids
    if len(q) == 0 or len(d) == 0:
        return _EMPTY, _EMPTY, _EMPTY
    dk = d & mask
    order = np.argsort(dk, kind="stable")
    dk_sorted = dk[order]
    out_q, out_d, out_x = [], [], []
    for s in range(0, len(q), block):
        qb = q[s : s + block]
        qk = qb & mask
        lo = np.searchsorted(dk_sorted, qk, side="left")
        hi = np.searchsorted(dk_sorted, qk, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        qpos = np.repeat(np.arange(len(qb)), counts)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        dpos = order[starts + np.arange(total)]
        x = qb[qpos] ^ d[dpos]
        keep = b.canonical_band(x) == band
        dist = popcount64(x[keep]).astype(np.int64)
        near = dist <= radius
        out_q.append(q_ids[s + qpos[keep][near]])
        out_d.append(d_ids[dpos[keep][near]])
        out_x.append(dist[near])
    if not out_q:
        return _EMPTY, _EMPTY, _EMPTY
    return np.concatenate(out_q), np.concatenate(out_d), np.concatenate(out_x)


def band_join(q: np.ndarray, d: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ``(i, j, distance)`` with ``q[i]`` within ``radius`` bits of ``d[j]``, each pair once."""
    parts = [join_band(q, d, k, radius) for k in range(len(bands(radius).masks))]
    return tuple(np.concatenate([p[n] for p in parts]) for n in range(3))  # type: ignore[return-value]
