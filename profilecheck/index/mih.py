"""Multi-index hashing (Norouzi et al.) over 64-bit hashes, in numpy.

Each 64-bit hash is cut into ``m`` disjoint substrings. By the pigeonhole principle, two
hashes within ``r`` bits agree within ``r // m`` bits on at least one substring, so a query
probes, in each substring table, every key within ``r // m`` bits of its own substring, then
checks the full Hamming distance of the candidates exactly (recall is 1.0 by construction).

Storage is flat numpy: the hashes (8 bytes each), and per table the substring keys sorted
(``uint32``) with the row order (``uint32``): ``8 + 8 m`` bytes per hash, 32 at ``m = 3``.
Lookup of all probe keys is one vectorised ``searchsorted`` per table. Adding hashes appends
to a small unsorted tail, searched by brute force, and merged when it grows past
``merge_at``; :meth:`save` / :meth:`load` persist to one ``.npz`` file (no pickle).

>>> import numpy as np
>>> idx = MultiIndex(m=4)
>>> idx.add(np.array([0, 0xFF, 0xFFFF_0000_0000_0000], dtype=np.uint64))
>>> idx.query(0x3, radius=8)
[(0, 2), (1, 6)]
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np

from profilecheck.index.hamming import popcount64

__all__ = ["MultiIndex", "default_m"]


def default_m(n: int) -> int:
    """Substring count for ``n`` stored hashes: about ``64 / log2(n)`` (buckets near one item)."""
    if n < 1 << 16:
        return 4
    return int(max(2, min(8, round(64 / np.log2(n)))))


def _splits(m: int) -> list[tuple[int, int]]:
    base, extra = divmod(64, m)
    out, start = [], 0
    for t in range(m):
        width = base + (1 if t < extra else 0)
        out.append((start, width))
        start += width
    return out


def _flip_masks(width: int, radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        for bits in combinations(range(width), r):
            v = 0
            for b in bits:
                v |= 1 << b
            masks.append(v)
    return np.array(masks, dtype=np.uint64)


class MultiIndex:
    """A Hamming-radius index over uint64 hashes; row numbers are the ids.

    Args:
        m: number of substring tables (``None``: chosen from the size at the first merge).
        merge_at: tail size at which appended hashes are merged into the sorted tables.
    """

    def __init__(self, m: int | None = None, merge_at: int = 4096) -> None:
        self.m = m
        self.merge_at = merge_at
        self.hashes_ = np.zeros(0, dtype=np.uint64)
        self._keys: list[np.ndarray] = []
        self._order: list[np.ndarray] = []
        self._sorted_n = 0
        self._masks: dict[tuple[int, int], np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.hashes_.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the hashes and the tables."""
        return int(self.hashes_.nbytes + sum(k.nbytes for k in self._keys) + sum(o.nbytes for o in self._order))

    def add(self, hashes: np.ndarray) -> None:
        """Append hashes (their ids continue from ``len(self)``)."""
        hashes = np.asarray(hashes, dtype=np.uint64).ravel()
        self.hashes_ = np.concatenate([self.hashes_, hashes])
        if len(self) - self._sorted_n >= self.merge_at:
            self._merge()

    def _merge(self) -> None:
        n = len(self)
        if self.m is None or self._sorted_n == 0:
            self.m = self.m or default_m(n)
        self._keys, self._order = [], []
        for start, width in _splits(self.m):
            sub = ((self.hashes_ >> np.uint64(start)) & np.uint64((1 << width) - 1)).astype(np.uint32)
            order = np.argsort(sub, kind="stable").astype(np.uint32)
            self._keys.append(sub[order])
            self._order.append(order)
        self._sorted_n = n

    def _probe_masks(self, width: int, r: int) -> np.ndarray:
        key = (width, r)
        if key not in self._masks:
            self._masks[key] = _flip_masks(width, r)
        return self._masks[key]

    def candidates(self, q: int, radius: int) -> np.ndarray:
        """Row ids whose hash may be within ``radius`` of ``q`` (a superset; unique)."""
        rows = self._candidate_rows(q, radius)
        return np.unique(rows) if rows.size else rows

    def _candidate_rows(self, q: int, radius: int) -> np.ndarray:
        """:meth:`candidates` with repeats (a row found by several tables appears once per table)."""
        parts = []
        if self._sorted_n:
            assert self.m is not None
            sub_r = radius // self.m
            qq = np.uint64(q)
            for (start, width), keys, order in zip(_splits(self.m), self._keys, self._order, strict=True):
                qs = (qq >> np.uint64(start)) & np.uint64((1 << width) - 1)
                probes = (self._probe_masks(width, sub_r) ^ qs).astype(np.uint32)
                lo = np.searchsorted(keys, probes, side="left")
                hi = np.searchsorted(keys, probes, side="right")
                n = hi - lo
                total = int(n.sum())
                if total:
                    # All rows of all hit ranges at once: lo repeated per row, plus the offset in its range.
                    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
                    parts.append(order[starts + np.arange(total)])
        if self._sorted_n < len(self):
            parts.append(np.arange(self._sorted_n, len(self), dtype=np.uint32))
        if not parts:
            return np.zeros(0, dtype=np.uint32)
        return np.concatenate(parts)

    def query(self, q: int, radius: int = 8) -> list[tuple[int, int]]:
        """``[(row, distance), ...]`` of every stored hash within ``radius`` bits, by row."""
        # The distance check runs on the raw candidates (repeats included) and only the few
        # that pass are deduplicated: sorting every candidate was most of a query's time.
        cand = self._candidate_rows(q, radius)
        if cand.size == 0:
            return []
        d = popcount64(self.hashes_[cand] ^ np.uint64(q))
        keep = d <= radius
        rows, first = np.unique(cand[keep], return_index=True)
        return list(zip(rows.tolist(), d[keep][first].astype(int).tolist(), strict=True))

    def near_pairs(self, radius: int = 8) -> list[tuple[int, int, int]]:
        """Every stored pair ``(i, j, distance)`` with ``i < j`` within ``radius`` bits.

        Each table is sorted on its substring, so pairs that agree exactly on a substring are
        runs of equal keys; for ``radius // m > 0`` every row is probed instead.
        """
        self._merge() if self._sorted_n < len(self) else None
        assert self.m is not None
        out: set[tuple[int, int]] = set()
        res: list[tuple[int, int, int]] = []
        if radius // self.m == 0:
            for keys, order in zip(self._keys, self._order, strict=True):
                bounds = np.flatnonzero(np.diff(keys.astype(np.int64))) + 1
                starts = np.concatenate([[0], bounds])
                ends = np.concatenate([bounds, [len(keys)]])
                multi = ends - starts > 1
                for a, b in zip(starts[multi].tolist(), ends[multi].tolist(), strict=True):
                    rows = np.sort(order[a:b])
                    h = self.hashes_[rows]
                    d = popcount64(h[:, None] ^ h[None, :])
                    ii, jj = np.nonzero(np.triu(d <= radius, 1))
                    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
                        pair = (int(rows[i]), int(rows[j]))
                        if pair not in out:
                            out.add(pair)
                            res.append((*pair, int(d[i, j])))
            return sorted(res)
        for i in range(len(self)):
            for j, dist in self.query(int(self.hashes_[i]), radius):
                if j > i:
                    res.append((i, j, dist))
        return sorted(res)

    def save(self, path: Path | str) -> None:
        """Write the index to one ``.npz`` file (atomically)."""
        if self._sorted_n < len(self):
            self._merge()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        arrays = {"hashes": self.hashes_, "m": np.array([self.m or 0])}
        for t, (k, o) in enumerate(zip(self._keys, self._order, strict=True)):
            arrays[f"keys{t}"] = k
            arrays[f"order{t}"] = o
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> MultiIndex:
        """Read an index written by :meth:`save` (arrays only, no pickle)."""
        with np.load(Path(path), allow_pickle=False) as z:
            m = int(z["m"][0]) or None
            idx = cls(m=m)
            idx.hashes_ = z["hashes"].astype(np.uint64)
            if m:
                idx._keys = [z[f"keys{t}"] for t in range(m)]
                idx._order = [z[f"order{t}"] for t in range(m)]
                idx._sorted_n = len(idx.hashes_)
        return idx
