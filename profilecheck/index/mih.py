"""Multi-index hashing (Norouzi et al.) over 64-bit hashes, in numpy.

Each 64-bit hash is cut into ``m`` disjoint substrings. Generalised pigeonhole: if per-table
radii ``r_t`` satisfy ``sum(r_t + 1) > r``, two hashes within ``r`` bits agree within ``r_t``
bits on at least one substring ``t`` (else their distance is at least ``sum(r_t + 1)``). A
query probes, in each table, every key within ``r_t`` bits of its own substring (a table with
``r_t = -1`` is skipped), then checks the full Hamming distance of the candidates exactly:
recall is 1.0 by construction. The radii are chosen per query radius by a small dynamic
programme over a cost model (probes plus expected candidates), so e.g. ``m = 3, r = 4`` probes
radii ``(1, 1, 0)`` instead of ``(1, 1, 1)``.

Storage is flat numpy: the hashes (8 bytes each) and per table the row order sorted by the
substring (``uint32``, 4 bytes). Buckets are found through a per-table directory (counting
sort: ``uint32`` offsets, ``2**w + 1`` of them) when the substring is at most 24 bits wide and
the directory is not much larger than the data; otherwise through ``searchsorted`` over the
sorted substring keys (4 more bytes per hash). At ``m = 3`` and 10^7 hashes that is
``8 + 12`` bytes per hash plus the directories (3.4 bytes per hash).

:meth:`query_many` answers many queries at once (arrays of query index, row, distance);
:meth:`near_pairs` finds every stored pair within a radius without a Python loop per hash
(pairs inside a bucket and between probe-neighbour buckets, exact check, dedupe by sort).
Adding hashes appends to a small unsorted tail, searched by brute force, and merged when it
grows past ``merge_at``; :meth:`save` / :meth:`load` persist to one ``.npz`` file (no pickle).

>>> import numpy as np
>>> idx = MultiIndex(m=4)
>>> idx.add(np.array([0, 0xFF, 0xFFFF_0000_0000_0000], dtype=np.uint64))
>>> idx.query(0x3, radius=8)
[(0, 2), (1, 6)]
>>> qi, rows, dist = idx.query_many(np.array([0x3, 0xFFFF_0000_0000_0001], dtype=np.uint64), radius=8)
>>> list(zip(qi.tolist(), rows.tolist(), dist.tolist()))
[(0, 0, 2), (0, 1, 6), (1, 2, 1)]
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from itertools import combinations
from math import comb
from pathlib import Path

import numpy as np

from profilecheck.index.hamming import popcount64

__all__ = ["FORMAT", "MultiIndex", "default_m"]

#: On-disk format of :meth:`MultiIndex.save` (format 1, before directories, had no ``format`` array).
FORMAT = 2

#: Widest substring served by a directory (``2**24 + 1`` offsets, 64 MiB).
DIRECTORY_MAX_BITS = 24
#: A directory is built only when it has at most this many entries per stored hash.
DIRECTORY_PER_HASH = 8
#: Candidates (rows) handled per vectorised batch: bounds the temporary arrays.
BATCH = 1 << 22

_I64 = np.int64


def default_m(n: int) -> int:
    """Substring count for ``n`` stored hashes: about ``64 / log2(n)`` (buckets near one item)."""
    if n < 1 << 16:
        return 4
    return int(max(2, min(8, round(64 / np.log2(n)))))


@lru_cache(maxsize=64)
def _splits(m: int) -> tuple[tuple[int, int], ...]:
    base, extra = divmod(64, m)
    out, start = [], 0
    for t in range(m):
        width = base + (1 if t < extra else 0)
        out.append((start, width))
        start += width
    return tuple(out)


@lru_cache(maxsize=4096)
def _ball_size(width: int, radius: int) -> int:
    return sum(comb(width, i) for i in range(min(radius, width) + 1))


@lru_cache(maxsize=256)
def _ball(width: int, radius: int) -> np.ndarray:
    """Every ``width``-bit mask with at most ``radius`` bits set, by popcount (0 first); int64."""
    masks = [0]
    for r in range(1, min(radius, width) + 1):
        for bits in combinations(range(width), r):
            v = 0
            for b in bits:
                v |= 1 << b
            masks.append(v)
    out = np.array(masks, dtype=_I64)
    out.setflags(write=False)
    return out


def plan_radii(widths: list[int], n: int, radius: int) -> list[int]:
    """Per-table probe radii ``r_t`` (``-1``: table skipped) with ``sum(r_t + 1) > radius``.

    Minimises ``sum(probes_t * (1 + n / 2**w_t))`` (probe keys plus expected candidates) by
    dynamic programming over the tables. Any choice with ``sum(r_t + 1) >= radius + 1`` keeps
    recall 1.0: a pair more than ``r_t`` bits apart on every substring is at least
    ``sum(r_t + 1)`` bits apart.

    >>> plan_radii([22, 21, 21], 10**7, 8)
    [2, 2, 2]
    >>> sorted(plan_radii([22, 21, 21], 10**7, 4))
    [0, 1, 1]
    >>> sorted(plan_radii([16, 16, 16, 16], 10**6, 0))  # radius 0: one exact lookup
    [-1, -1, -1, 0]
    """
    need = radius + 1
    # best[s]: (cost, radii) for the tables so far with sum(r_t + 1) == s (capped at need)
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for w in widths:
        nxt: dict[int, tuple[float, list[int]]] = {}
        for s, (cost, rs) in best.items():
            for rt in range(-1, min(w, need - s - 1) + 1):
                c = cost + (0.0 if rt < 0 else _ball_size(w, rt) * (1.0 + n / 2.0**w))
                s2 = min(need, s + rt + 1)
                if s2 not in nxt or c < nxt[s2][0]:
                    nxt[s2] = (c, [*rs, rt])
        best = nxt
    if need not in best:
        raise ValueError(f"radius {radius} is beyond what {len(widths)} tables can cover")
    return best[need][1]


def _plan_cost(widths: list[int], n: int, radii: list[int]) -> float:
    return sum(_ball_size(w, r) * (1.0 + n / 2.0**w) for w, r in zip(widths, radii, strict=True) if r >= 0)


def _ranges(lo: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], lo[i] + cnt[i])`` over ``i`` (int64)."""
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, dtype=_I64)
    ends = np.cumsum(cnt)
    out: np.ndarray = np.arange(total, dtype=_I64) + np.repeat(lo - (ends - cnt), cnt)
    return out


def _empty3() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=_I64), np.zeros(0, dtype=_I64), np.zeros(0, dtype=_I64)


class MultiIndex:
    """A Hamming-radius index over uint64 hashes; row numbers are the ids.

    Args:
        m: number of substring tables (``None``: chosen from the size at the first merge).
        merge_at: tail size at which appended hashes are merged into the sorted tables.

    ``exhaustive_ok`` (default True): queries whose probe plan would cost more than scanning
    every stored hash (by a cost model, see :meth:`query_many`) scan them instead (same answer).
    Tests set it False to exercise probing.
    """

    def __init__(self, m: int | None = None, merge_at: int = 4096) -> None:
        self.m = m
        self.merge_at = merge_at
        self.exhaustive_ok = True
        self.hashes_ = np.zeros(0, dtype=np.uint64)
        self._order: list[np.ndarray] = []
        self._dir: list[np.ndarray | None] = []
        self._keys: list[np.ndarray | None] = []
        self._sorted_n = 0
        self._plans: dict[int, tuple[list[int], float]] = {}
        # One-pass probing when every table has a directory: the row orders concatenated (the
        # per-table orders are views of it) and the directories concatenated, table t's offsets
        # shifted by t * n so they index the concatenation (``_shift``) -- no extra memory.
        self._shift: list[int] = []
        self._flat: tuple[np.ndarray, np.ndarray, list[int]] | None = None
        self._flat_plans: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return int(self.hashes_.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the hashes and the tables (row orders, directories or sorted keys)."""
        arrays = [self.hashes_, *self._order, *(d for d in self._dir if d is not None)]
        arrays += [k for k in self._keys if k is not None]
        return int(sum(a.nbytes for a in arrays))

    # -- building -----------------------------------------------------------------------------
    def add(self, hashes: np.ndarray) -> None:
        """Append hashes (their ids continue from ``len(self)``)."""
        hashes = np.asarray(hashes, dtype=np.uint64).ravel()
        self.hashes_ = np.concatenate([self.hashes_, hashes])
        if len(self) - self._sorted_n >= self.merge_at:
            self._merge()

    def _sub(self, h: np.ndarray, t: int) -> np.ndarray:
        assert self.m is not None
        start, width = _splits(self.m)[t]
        return ((h >> np.uint64(start)) & np.uint64((1 << width) - 1)).astype(_I64)

    def _use_directory(self, width: int, n: int) -> bool:
        return width <= DIRECTORY_MAX_BITS and (1 << width) <= DIRECTORY_PER_HASH * max(n, 1)

    def _merge(self) -> None:
        n = len(self)
        if self.m is None:
            self.m = default_m(n)
        self._order, self._dir, self._keys, self._plans = [], [], [], {}
        for t, (_start, width) in enumerate(_splits(self.m)):
            sub = self._sub(self.hashes_, t)
            order = np.argsort(sub, kind="stable").astype(np.uint32)
            self._order.append(order)
            self._set_lookup(t, width, sub, order, n)
        self._sorted_n = n
        self._build_flat()

    def _build_flat(self) -> None:
        """Concatenate the row orders and directories (see ``_flat``) when every table has one."""
        n, m = self._sorted_n, len(self._order)
        self._shift, self._flat, self._flat_plans = [0] * m, None, {}
        dirs = [d for d in self._dir if d is not None]
        if m == 0 or len(dirs) < m or m * n + 1 >= 1 << 32:
            return
        order_all = np.concatenate(self._order)
        bases = np.cumsum([0] + [len(d) for d in dirs]).tolist()
        dir_all = np.concatenate(dirs)
        for t in range(m):
            dir_all[bases[t] : bases[t + 1]] += np.uint32(t * n)
        self._order = [order_all[t * n : (t + 1) * n] for t in range(m)]
        self._dir = [dir_all[bases[t] : bases[t + 1]] for t in range(m)]
        self._shift = [t * n for t in range(m)]
        self._flat = (order_all, dir_all, bases[:m])

    def _set_lookup(self, t: int, width: int, sub: np.ndarray, order: np.ndarray, n: int) -> None:
        """The directory (or sorted keys) of table ``t`` from its substrings and row order."""
        if self._use_directory(width, n):
            offs = np.zeros((1 << width) + 1, dtype=np.uint32)
            np.cumsum(np.bincount(sub, minlength=1 << width), out=offs[1:])
            self._dir.append(offs)
            self._keys.append(None)
        else:
            self._dir.append(None)
            self._keys.append(sub[order].astype(np.uint32))

    def _lookup(self, t: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(start, count)`` in table ``t``'s row order of each substring key (int64 arrays)."""
        offs = self._dir[t]
        if offs is not None:
            lo = offs[keys].astype(_I64)
            return lo - self._shift[t], offs[keys + 1].astype(_I64) - lo
        sk = self._keys[t]
        assert sk is not None
        k32 = keys.astype(np.uint32)
        lo = np.searchsorted(sk, k32, side="left").astype(_I64)
        return lo, np.searchsorted(sk, k32, side="right").astype(_I64) - lo

    def plan(self, radius: int) -> list[int]:
        """The per-table probe radii used for ``radius`` over the sorted tables (see :func:`plan_radii`)."""
        return self._plan(radius)[0]

    def _plan(self, radius: int) -> tuple[list[int], float]:
        """Probe radii and their cost for the sorted tables, cached until the next merge."""
        if radius not in self._plans:
            assert self.m is not None
            widths = [w for _s, w in _splits(self.m)]
            radii = plan_radii(widths, self._sorted_n, radius)
            self._plans[radius] = (radii, _plan_cost(widths, self._sorted_n, radii))
        return self._plans[radius]

    # -- queries ------------------------------------------------------------------------------
    def candidates(self, q: int, radius: int) -> np.ndarray:
        """Row ids whose hash may be within ``radius`` of ``q`` (a superset; unique)."""
        qs = np.array([q], dtype=np.uint64)
        parts = [rows.astype(_I64) for _qi, rows in self._probe(qs, self.plan(radius))] if self._sorted_n else []
        parts.append(np.arange(self._sorted_n, len(self), dtype=_I64))
        return np.unique(np.concatenate(parts))

    def _probe(self, qs: np.ndarray, radii: list[int]) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """Per table, ``(query index, row)`` of every candidate (a row may recur across tables).

        Rows are ``uint32``; the query index is ``None`` for a single query (all zeros)."""
        out = []
        nq = len(qs)
        for t, rt in enumerate(radii):
            if rt < 0:
                continue
            masks = _ball(_splits(self.m or 1)[t][1], rt)
            keys = (self._sub(qs, t)[:, None] ^ masks[None, :]).ravel()
            lo, cnt = self._lookup(t, keys)
            hit = np.flatnonzero(cnt)
            lo, cnt = lo[hit], cnt[hit]
            qi = np.repeat(hit // len(masks), cnt) if nq > 1 else None
            out.append((qi, self._order[t][_ranges(lo, cnt)]))
        return out

    def _probe_flat(self, qs: np.ndarray, radius: int) -> tuple[np.ndarray | None, np.ndarray]:
        """:meth:`_probe` over every table in one pass (``_flat``): ``(query index or None, rows)``."""
        assert self._flat is not None and self.m is not None
        order_all, dir_all, bases = self._flat
        if radius not in self._flat_plans:
            parts = []
            for t, rt in enumerate(self.plan(radius)):
                if rt >= 0:
                    start, width = _splits(self.m)[t]
                    masks = _ball(width, rt)
                    k = len(masks)
                    parts.append(
                        (
                            np.full(k, start, np.uint64),
                            np.full(k, (1 << width) - 1, np.uint64),
                            masks,
                            np.full(k, bases[t]),
                        )
                    )
            shift, wmask, flips, base = (np.concatenate([p[i] for p in parts]) for i in range(4))
            self._flat_plans[radius] = (shift, wmask, flips, base.astype(_I64))
        shift, wmask, flips, base = self._flat_plans[radius]
        if len(qs) == 1:
            keys = (((qs[0] >> shift) & wmask).astype(_I64) ^ flips) + base
        else:
            keys = ((((qs[:, None] >> shift) & wmask).astype(_I64) ^ flips) + base).ravel()
        lo = dir_all[keys]
        cnt = dir_all[keys + 1] - lo
        hit = np.flatnonzero(cnt)
        lo, cnt = lo[hit].astype(_I64), cnt[hit].astype(_I64)
        qi = np.repeat(hit // len(flips), cnt) if len(qs) > 1 else None
        return qi, order_all[_ranges(lo, cnt)]

    def query_many(self, qs: np.ndarray, radius: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every stored hash within ``radius`` bits of each query, vectorised over the queries.

        Returns ``(query_index, row, distance)`` int64 arrays sorted by query then row.
        """
        qs = np.asarray(qs, dtype=np.uint64).ravel()
        n = len(self)
        if n == 0 or len(qs) == 0 or radius < 0:
            return _empty3()
        radius = min(radius, 64)
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        probe_upto = 0
        if self._sorted_n:
            assert self.m is not None
            radii, cost = self._plan(radius) if radius < 64 else ([], float("inf"))
            # probing costs a fixed ~60 us per call plus ~20 ns per probe or candidate; the scan
            # ~0.6 ns per stored hash (measured at 10^5-10^6): scan when that is cheaper
            scan = self.exhaustive_ok and self._sorted_n < 100_000 / len(qs) + 33 * cost
            if radius < 64 and not scan:
                probe_upto = self._sorted_n
                step = max(1, int(BATCH // max(cost, 1.0)))
                for s in range(0, len(qs), step):
                    q = qs[s : s + step]
                    probed = [self._probe_flat(q, radius)] if self._flat is not None else self._probe(q, radii)
                    for qi, rows in probed:
                        d = popcount64(self.hashes_[rows] ^ (q[0] if qi is None else q[qi]))
                        keep = np.flatnonzero(d <= radius)
                        qk = np.full(len(keep), s, dtype=_I64) if qi is None else qi[keep] + s
                        parts.append((qk, rows[keep].astype(_I64)))
        if probe_upto < n:  # the tail (or everything, when scanning is cheaper): brute force
            rest = self.hashes_[probe_upto:]
            step = max(1, BATCH // len(rest))
            for s in range(0, len(qs), step):
                d = popcount64(qs[s : s + step, None] ^ rest[None, :])
                qi, rows = np.divmod(np.flatnonzero(d <= radius), len(rest))  # (2-d nonzero is slow)
                parts.append((qi + s, rows + probe_upto))
        if not parts:
            return _empty3()
        qi = np.concatenate([p[0] for p in parts])
        rows = np.concatenate([p[1] for p in parts])
        key = np.unique(qi * n + rows)  # dedupe (a row found by several tables) and sort
        qi, rows = key // n, key % n
        dist = popcount64(self.hashes_[rows] ^ qs[qi]).astype(_I64)
        return qi, rows, dist

    def query(self, q: int, radius: int = 8) -> list[tuple[int, int]]:
        """``[(row, distance), ...]`` of every stored hash within ``radius`` bits, by row."""
        _qi, rows, dist = self.query_many(np.array([q], dtype=np.uint64), radius)
        return list(zip(rows.tolist(), dist.tolist(), strict=True))

    def near_pairs(self, radius: int = 8, workers: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every stored pair within ``radius`` bits: ``(i, j, distance)`` int64 arrays, ``i < j``, sorted.

        Per table with probe radius ``r_t`` (see :meth:`plan`), the pairs whose substrings are
        within ``r_t`` bits are the pairs inside one bucket and the pairs between buckets whose
        keys differ by a mask of 1..``r_t`` bits; both are generated in numpy from the sorted
        row order, checked exactly, and deduplicated across tables by one sort. The work is cut
        into tasks (per table: the buckets themselves, then batches of masks); ``workers > 1``
        runs them on that many threads (numpy releases the GIL in its loops).
        """
        if self._sorted_n < len(self):
            self._merge()
        n = len(self)
        if n < 2 or radius < 0:
            return _empty3()
        assert self.m is not None
        found: list[np.ndarray] = []  # keys i * n + j of the pairs within radius
        radii = self.plan(radius) if radius < 64 else None
        if radii is None or (self.exhaustive_ok and n <= 2048):
            for s in range(0, n, 256):
                d = popcount64(self.hashes_[s : s + 256, None] ^ self.hashes_[None, :])
                ii, jj = np.nonzero(d <= radius)
                ii = ii.astype(_I64) + s
                keep = ii < jj
                found.append(ii[keep] * n + jj[keep])
        else:
            tasks: list[tuple[_Table, np.ndarray | None]] = []
            for t, rt in enumerate(radii):
                if rt < 0:
                    continue
                table = self._table(t, radius)
                tasks.append((table, None))
                masks = _ball(_splits(self.m)[t][1], rt)[1:]
                step = max(1, BATCH // (4 * len(table.keys)))
                tasks += [(table, masks[s : s + step]) for s in range(0, len(masks), step)]
            if workers > 1:
                with ThreadPoolExecutor(workers) as pool:
                    for part in pool.map(lambda task: task[0].pairs(task[1]), tasks):
                        found.extend(part)
            else:
                for table, batch in tasks:
                    found.extend(table.pairs(batch))
        if not found:
            return _empty3()
        key = np.unique(np.concatenate(found))
        i, j = key // n, key % n
        return i, j, popcount64(self.hashes_[i] ^ self.hashes_[j]).astype(_I64)

    def _table(self, t: int, radius: int) -> _Table:
        """Table ``t`` prepared for :meth:`near_pairs`."""
        order = self._order[t]
        hs = self.hashes_[order]  # hashes in the table's order: candidate checks read near each other
        sub = self._sub(hs, t)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(sub)) + 1]).astype(_I64)
        cnts = np.diff(np.append(starts, len(order)))
        return _Table(self, t, radius, order, hs, starts, cnts, sub[starts])

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write the index to one ``.npz`` file (atomically): hashes, ``m`` and the row orders."""
        if self._sorted_n < len(self):
            self._merge()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        arrays = {"format": np.array([FORMAT]), "hashes": self.hashes_, "m": np.array([self.m or 0])}
        for t, o in enumerate(self._order):
            arrays[f"order{t}"] = o
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> MultiIndex:
        """Read an index written by :meth:`save` (arrays only, no pickle).

        A file of the first format (sorted keys, no directories) is read for its hashes and the
        tables are rebuilt. Raises ``ValueError`` or ``KeyError`` on a malformed file.
        """
        with np.load(Path(path), allow_pickle=False) as z:
            fmt = int(z["format"][0]) if "format" in z.files else 1
            if fmt not in (1, FORMAT):
                raise ValueError(f"unknown multi-index format {fmt}")
            m = int(z["m"][0]) or None
            if m is not None and not 1 <= m <= 64:
                raise ValueError(f"bad substring count {m}")
            hashes = z["hashes"]
            if hashes.dtype != np.uint64 or hashes.ndim != 1:
                raise ValueError("hashes must be a 1-d uint64 array")
            idx = cls(m=m)
            idx.hashes_ = hashes
            if m is None or len(hashes) == 0:
                return idx
            if fmt == 1:
                idx._merge()
                return idx
            n = len(hashes)
            for t, (_start, width) in enumerate(_splits(m)):
                order = z[f"order{t}"]
                if order.dtype != np.uint32 or order.shape != (n,):
                    raise ValueError(f"order{t} does not match the hashes")
                sub = idx._sub(hashes, t)
                if int(order.max()) >= n or np.bincount(order, minlength=n).max() != 1:
                    raise ValueError(f"order{t} is not a permutation of the rows")
                if np.any(np.diff(sub[order]) < 0):
                    raise ValueError(f"order{t} is not the sorted order of its substrings")
                idx._order.append(order)
                idx._set_lookup(t, width, sub, order, n)
            idx._sorted_n = n
            idx._build_flat()
        return idx


class _Table:
    """One table of a :class:`MultiIndex` in bucket form, for :meth:`MultiIndex.near_pairs`."""

    def __init__(
        self,
        idx: MultiIndex,
        t: int,
        radius: int,
        order: np.ndarray,
        hs: np.ndarray,
        starts: np.ndarray,
        cnts: np.ndarray,
        keys: np.ndarray,
    ) -> None:
        self.idx, self.t, self.radius = idx, t, radius
        self.order, self.hs, self.starts, self.cnts, self.keys = order, hs, starts, cnts, keys

    def _check(self, left: np.ndarray, right: np.ndarray, out: list[np.ndarray]) -> None:
        """Keep the candidate pairs (positions in the table's order) within the radius, as row keys."""
        keep = np.flatnonzero(popcount64(self.hs[left] ^ self.hs[right]) <= self.radius)
        if keep.size:
            n = len(self.order)
            a = self.order[left[keep]].astype(_I64)
            b = self.order[right[keep]].astype(_I64)
            out.append(np.minimum(a, b) * n + np.maximum(a, b))

    def pairs(self, masks: np.ndarray | None) -> list[np.ndarray]:
        """Keys ``i * n + j`` (``i < j``) of the pairs within the radius: inside one bucket
        (``masks`` None), or between buckets ``k < k ^ mask`` for each mask given."""
        out: list[np.ndarray] = []
        starts, cnts, keys = self.starts, self.cnts, self.keys
        if masks is None:  # each position with every later position of its bucket
            multi = np.flatnonzero(cnts > 1)
            if multi.size:
                pos = _ranges(starts[multi], cnts[multi])
                after = np.repeat(starts[multi] + cnts[multi], cnts[multi]) - pos - 1
                step = max(1, BATCH // max(1, int(after.max())))
                for s in range(0, len(pos), step):
                    p, a = pos[s : s + step], after[s : s + step]
                    left = np.repeat(p, a)
                    self._check(left, left + 1 + _ranges(np.zeros(len(a), dtype=_I64), a), out)
            return out
        partner = (keys[:, None] ^ masks[None, :]).ravel()
        src = np.repeat(np.arange(len(keys), dtype=_I64), len(masks))
        up = np.flatnonzero(partner > keys[src])
        src, partner = src[up], partner[up]
        lo, cnt = self.idx._lookup(self.t, partner)
        hit = np.flatnonzero(cnt)
        src, lo, cnt = src[hit], lo[hit], cnt[hit]
        # every row of bucket src with every row of the partner's range
        left_pos = _ranges(starts[src], cnts[src])
        per = np.repeat(np.arange(len(src), dtype=_I64), cnts[src])
        reps = cnt[per]
        self._check(np.repeat(left_pos, reps), _ranges(lo[per], reps), out)
        return out
