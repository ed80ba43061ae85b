"""Multi-index hashing: probe plans, vectorised queries and near pairs against brute force, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from profilecheck.index.hamming import popcount64
from profilecheck.index.mih import MultiIndex, _ball_size, _splits, plan_radii
from profilecheck.index.photos import PhotoIndex


def _planted(n: int, radius: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random hashes plus, per distance 0..radius, copies of some of them at exactly that distance;
    and queries: copies of stored hashes at every distance 0..radius + 2."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)

    def flip(h: np.ndarray, k: int) -> np.ndarray:
        out = h.copy()
        for i in range(len(out)):
            for b in rng.choice(64, size=k, replace=False):
                out[i] ^= np.uint64(1) << np.uint64(int(b))
        return out

    near = [flip(base[rng.integers(0, n, size=8)], k) for k in range(radius + 1)]
    hashes = np.concatenate([base, *near, base[:5]])  # base[:5]: exact duplicates too
    queries = np.concatenate([flip(hashes[rng.integers(0, len(hashes), size=6)], k) for k in range(radius + 3)])
    return hashes, queries


@pytest.mark.parametrize("m", [2, 3, 4, 5, 8])
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 4, 5, 6, 7, 8])
def test_query_many_recall_is_one_at_every_distance(m: int, radius: int) -> None:
    """Planted neighbours at every distance 0..r are all found, and nothing beyond r (vs brute force)."""
    if m == 2 and radius > 6:
        pytest.skip("32-bit substrings at radius > 6: probe sets of 10^5 keys, slow and not a real configuration")
    hashes, queries = _planted(2000, radius, seed=10 * m + radius)
    idx = MultiIndex(m=m, merge_at=1500)
    idx.exhaustive_ok = False  # always probe, however small the index
    idx.add(hashes[:1700])
    idx.add(hashes[1700:])  # part merged, part in the tail
    radii = idx.plan(radius)
    assert sum(r + 1 for r in radii) > radius
    qi, rows, dist = idx.query_many(queries, radius)
    d = popcount64(queries[:, None] ^ hashes[None, :])
    want_q, want_r = np.nonzero(d <= radius)
    assert want_q.tolist() == qi.tolist()
    assert want_r.tolist() == rows.tolist()
    assert d[want_q, want_r].tolist() == dist.tolist()
    # one query at a time gives the same; candidates() is a superset of the answer
    for k in range(0, len(queries), 7):
        assert set(rows[qi == k].tolist()) <= set(idx.candidates(int(queries[k]), radius).tolist())
        assert [(int(r), int(x)) for r, x in zip(rows[qi == k], dist[qi == k], strict=True)] == idx.query(
            int(queries[k]), radius
        )


def test_probe_plans_are_tighter_than_plain_pigeonhole() -> None:
    """The generalised pigeonhole probes fewer keys than floor(r / m) everywhere, never below coverage."""
    widths = [w for _s, w in _splits(3)]
    assert [2, 2, 2] == plan_radii(widths, 10**7, 8)
    r4 = plan_radii(widths, 10**7, 4)
    assert sorted(r4) == [0, 1, 1]  # plain pigeonhole probes (1, 1, 1)
    assert sum(_ball_size(w, r) for w, r in zip(widths, r4, strict=True)) < sum(_ball_size(w, 1) for w in widths)
    assert [0, -1, -1] == plan_radii(widths, 10**7, 0)  # radius 0: one exact lookup
    for m in (2, 3, 4, 8):
        w = [x for _s, x in _splits(m)]
        for r in range(0, 13):
            radii = plan_radii(w, 10**6, r)
            assert sum(x + 1 for x in radii) >= r + 1 and all(-1 <= x <= r for x in radii)


@pytest.mark.parametrize(("m", "radius"), [(2, 3), (3, 0), (3, 4), (3, 8), (4, 6), (8, 6), (4, 16)])
def test_near_pairs_equal_brute_force(m: int, radius: int) -> None:
    """Every pair within the radius, once, ``i < j``, sorted: exactly what XOR + popcount finds."""
    hashes, _q = _planted(2500, max(radius, 8), seed=m + radius)
    hashes = np.concatenate([hashes, np.repeat(hashes[7], 30)])  # a crowded bucket of equal hashes
    idx = MultiIndex(m=m, merge_at=10**6)
    idx.exhaustive_ok = False
    idx.add(hashes)
    i, j, dist = idx.near_pairs(radius)
    d = popcount64(hashes[:, None] ^ hashes[None, :])
    wi, wj = np.nonzero(np.triu(d <= radius, 1))
    assert wi.tolist() == i.tolist()
    assert wj.tolist() == j.tolist()
    assert d[wi, wj].tolist() == dist.tolist()
    assert len(i) > 30 * 29 // 2  # the crowded bucket's pairs at least
    for x, y in zip((i, j, dist), idx.near_pairs(radius, workers=2), strict=True):  # threads: the same
        assert x.tolist() == y.tolist()


def test_directory_and_sorted_keys_agree() -> None:
    """Directory tables (counting sort) and searchsorted tables give the same answers."""
    hashes, queries = _planted(3000, 6, seed=3)
    a = MultiIndex(m=8, merge_at=1)
    a.add(hashes)
    b = MultiIndex(m=8, merge_at=1)
    b.add(hashes)
    assert all(d is not None for d in a._dir) and a._flat is not None  # one-pass probing over all tables
    b._dir, b._flat = [None] * 8, None  # per-table probing through sorted keys
    b._keys = [a._sub(hashes, t)[a._order[t]].astype(np.uint32) for t in range(8)]
    a.exhaustive_ok = b.exhaustive_ok = False
    for x, y in zip(a.query_many(queries, 6), b.query_many(queries, 6), strict=True):
        assert x.tolist() == y.tolist()
    for x, y in zip(a.near_pairs(6), b.near_pairs(6), strict=True):
        assert x.tolist() == y.tolist()


def test_bytes_per_hash_at_ten_million_is_under_32() -> None:
    """At 10^7 hashes (m = 3: 22, 21, 21-bit directories) the index holds <= 32 bytes per hash."""
    n = 10**7
    widths = [w for _s, w in _splits(3)]
    total = 8 * n + 3 * 4 * n + sum(4 * ((1 << w) + 1) for w in widths)
    assert total / n < 23.4


def test_save_load_round_trip_and_old_format(tmp_path: Path) -> None:
    """The .npz round-trips without pickle; a first-format file (sorted keys) is rebuilt from its hashes."""
    hashes, queries = _planted(3000, 6, seed=5)
    idx = MultiIndex(m=4, merge_at=1)
    idx.add(hashes)
    idx.save(tmp_path / "i.npz")
    back = MultiIndex.load(tmp_path / "i.npz")
    for x, y in zip(idx.query_many(queries, 6), back.query_many(queries, 6), strict=True):
        assert x.tolist() == y.tolist()
    # the first format: hashes, m, keys{t} and order{t}, no "format" array
    old = {"hashes": hashes, "m": np.array([4])}
    for t in range(4):
        old[f"keys{t}"] = np.sort(idx._sub(hashes, t)).astype(np.uint32)
        old[f"order{t}"] = idx._order[t]
    np.savez(tmp_path / "old.npz", **old)  # type: ignore[arg-type]
    rebuilt = MultiIndex.load(tmp_path / "old.npz")
    for x, y in zip(idx.query_many(queries, 6), rebuilt.query_many(queries, 6), strict=True):
        assert x.tolist() == y.tolist()


@pytest.mark.parametrize("damage", ["order", "format", "dtype", "pickle", "missing"])
def test_a_malformed_index_file_raises_and_the_photo_index_resets(tmp_path: Path, damage: str) -> None:
    """A damaged or foreign photo_sig.npz is a ValueError/KeyError, and PhotoIndex starts afresh."""
    root = tmp_path / "index"
    pidx = PhotoIndex(root)
    for k in range(20):
        pidx.add(f"{k:064x}", [k * 1000 + 1, k * 1000 + 2], None)
    pidx.save()
    assert 20 == len(PhotoIndex(root).known)
    path = root / "photo_sig.npz"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if damage == "order":
        arrays["order1"] = np.zeros_like(arrays["order1"])
    elif damage == "format":
        arrays["format"] = np.array([99])
    elif damage == "dtype":
        arrays["hashes"] = arrays["hashes"].astype(np.float64)
    elif damage == "missing":
        del arrays["order2"]
    if damage == "pickle":
        path.write_bytes(b"\x80\x04not an npz")
    else:
        np.savez(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises((ValueError, KeyError, OSError)):
        MultiIndex.load(path)
    again = PhotoIndex(root)
    assert {} == again.known and 0 == len(again.hashes)


def test_photo_index_hash_neighbours_uses_all_probes(tmp_path: Path) -> None:
    """hash_neighbours: the nearest distance per photo over all probes (one vectorised call)."""
    pidx = PhotoIndex(tmp_path / "index")
    pidx.add("a" * 64, [0b1111, 1 << 40], None)
    pidx.add("b" * 64, [0b1], None)
    assert {"a" * 64: 1, "b" * 64: 0} == pidx.hash_neighbours([0b1, (1 << 40) | 1], radius=3)
    assert {} == pidx.hash_neighbours([], radius=3)
    assert json.dumps(pidx.hash_neighbours([0b111], radius=1)) == json.dumps({"a" * 64: 1})
