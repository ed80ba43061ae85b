"""The matching stage: which profiles share an artifact, exactly or nearly.

:func:`compute_matches` writes the scan's matches into the store's working table, so memory
stays bounded: exact matches (same e-mail, wallet, photo bytes ...) are a self-join in SQL, and
near-duplicate photos a band join (:mod:`profilecheck.engine.bandjoin`) over compact arrays of
64-bit hashes (24 bytes a photo), never all pairs. :func:`find_matches_allpairs` is the old
all-pairs version, kept as the measured baseline and as the oracle the tests compare against.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.analysis import EXACT_KINDS
from profilecheck.engine.bandjoin import bands, join_band
from profilecheck.engine.photomatch import MapFn, verified_photo_matches
from profilecheck.engine.screening import SCREEN_KINDS, screening_matches
from profilecheck.index.hamming import hex_to_u64, near_pairs
from profilecheck.index.minhash import (
    LSHIndex,
    ShingleSets,
    jaccard_estimates,
    leader_pairs,
    shared_passage,
    shingles,
    unique_rows,
)
from profilecheck.signals import Match
from profilecheck.store import Store

__all__ = [
    "PHASH_RADIUS",
    "TEMPLATE_BUCKET_CAP",
    "TEMPLATE_JACCARD",
    "TEMPLATE_LEADERS",
    "TEMPLATE_NEIGHBOURS",
    "TEXT_INDEX_CHUNK",
    "TEXT_INDEX_PATH",
    "PhotoHashes",
    "compute_matches",
    "find_matches",
    "find_matches_allpairs",
    "join_task",
    "load_photo_hashes",
    "photo_pairs",
    "serial_band_join",
    "sync_text_index",
]

#: Word-3-gram Jaccard at or above which two texts count as one template. Ring bios of the
#: bundled sample (names, years and synonyms swapped, sentences reordered) sit at 0.55-0.95;
#: the closest pair of genuine bios at 0.2 (see tests/test_text_template.py).
TEMPLATE_JACCARD = 0.5
#: Largest LSH band bucket expanded into all its pairs, and largest template cluster that emits
#: every verified pair. A bucket of ``s`` texts would cost ``s**2 / 2`` pairs: a template pasted
#: into thousands of accounts (or a sentence every genuine bio of a large sample shares) made
#: the join quadratic. Larger buckets give leader pairs (at most ``s``), larger clusters
#: :data:`TEMPLATE_NEIGHBOURS` pairs per text. The bundled sample's largest bucket holds 12 texts,
#: so it is matched exactly as before; see :func:`_template_matches`.
TEMPLATE_BUCKET_CAP = 64
#: Leaders tried per oversized bucket (:func:`profilecheck.index.minhash.leader_pairs`).
TEMPLATE_LEADERS = 8
#: In a template cluster of more than :data:`TEMPLATE_BUCKET_CAP` texts, each text is matched
#: with this many successors (in id order), at most, instead of with every member.
TEMPLATE_NEIGHBOURS = 3
#: The template LSH index, relative to the workspace (kept in step with ``text_docs``).
TEXT_INDEX_PATH = Path("index") / "text_lsh.npz"
#: New texts added to that index per step (bounds the rows held while syncing it).
TEXT_INDEX_CHUNK = 50_000

#: Hamming radius (of 64 bits) at which two pHashes count as the same photo. On the bundled
#: sample, re-encoded, resized and mirrored copies sit at 0-2 bits, crops at 8-12, and a few
#: pairs of different synthetic faces at 6: plain pHash cannot separate crops from look-alikes,
#: so this tier stays tight and the robust photo matcher handles edited copies.
PHASH_RADIUS = 4

#: ``(rowid, plain, mirrored)`` arrays: one row per distinct (profile, pHash).
PhotoHashes = tuple[np.ndarray, np.ndarray, np.ndarray]
#: ``(q, d, radius) -> (i, j, distance)``: a band join, serial, in a pool or as a shuffle on a cluster.
JoinFn = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray, np.ndarray]]


def load_photo_hashes(store: Store) -> PhotoHashes:
    """Every decoded photo's pHash and mirrored pHash, as compact arrays keyed by profile rowid."""
    rid: list[int] = []
    plain: list[str] = []
    mirror: list[str] = []
    for r, h, m in store.photo_hash_rows():
        rid.append(r)
        plain.append(h)
        mirror.append(m)
    rids = np.asarray(rid, dtype=np.int64)
    hs, ms = hex_to_u64(plain), hex_to_u64(mirror)
    del rid, plain, mirror
    if len(rids) == 0:
        return rids, hs, ms
    # One row per (profile, hash); a repeated hash keeps its last mirror, as a dict would.
    order = np.lexsort((np.arange(len(rids)), hs, rids))
    r_s, h_s = rids[order], hs[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (r_s[1:] != r_s[:-1]) | (h_s[1:] != h_s[:-1])
    keep = order[last]
    return rids[keep], hs[keep], ms[keep]


def join_task(args: tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The per-partition function: one band's join of ``(q, q_ids)`` against ``(d, d_ids)``."""
    band, radius, q, q_ids, d, d_ids = args
    return join_band(q, d, band, radius, q_ids, d_ids)


def serial_band_join(q: np.ndarray, d: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The band join in this process, band after band."""
    ids = np.arange(max(len(q), len(d)), dtype=np.int64)
    parts = [join_task((b, radius, q, ids[: len(q)], d, ids[: len(d)])) for b in range(len(bands(radius).masks))]
    return tuple(np.concatenate([p[n] for p in parts]) for n in range(3))  # type: ignore[return-value]


def photo_pairs(
    hashes: PhotoHashes, radius: int = PHASH_RADIUS, join_fn: JoinFn | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Near-duplicate photo pairs, as the all-pairs version finds them, by a band join.

    Returns ``(i, j, dist, flip)`` over rows of ``hashes``: photo ``i`` of one profile is within
    ``radius`` bits of photo ``j`` of another (``flip``: of ``j``'s mirror image), one row per
    ``(profile of i, j)`` at the smallest distance (a plain copy wins a tie over a mirrored one).
    """
    rids, hs, ms = hashes
    join = join_fn or serial_band_join
    results = [join(hs, hs, radius), join(hs, ms, radius)]
    flips = [np.full(len(r[0]), k, dtype=np.int64) for k, r in enumerate(results)]
    return _best_pairs(rids, [r[0] for r in results], [r[1] for r in results], [r[2] for r in results], flips)


def _best_pairs(
    rids: np.ndarray, qi: list[np.ndarray], dj: list[np.ndarray], dist: list[np.ndarray], flip: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    i = np.concatenate(qi) if qi else np.zeros(0, np.int64)
    j = np.concatenate(dj) if dj else np.zeros(0, np.int64)
    d = np.concatenate(dist) if dist else np.zeros(0, np.int64)
    f = np.concatenate(flip) if flip else np.zeros(0, np.int64)
    other = rids[i] != rids[j]
    i, j, d, f = i[other], j[other], d[other], f[other]
    order = np.lexsort((f, d, j, rids[i]))
    i, j, d, f = i[order], j[order], d[order], f[order]
    a = rids[i]
    first = np.ones(len(i), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (j[1:] != j[:-1])
    return i[first], j[first], d[first], f[first]


def _photo_rows(hashes: PhotoHashes, pairs: tuple[np.ndarray, ...]) -> Iterator[tuple[int, str, str, int, float, str]]:
    rids, hs, _ms = hashes
    i, j, d, f = pairs
    for a, b, value, dist, flip in zip(
        rids[i].tolist(), rids[j].tolist(), hs[j].tolist(), d.tolist(), f.tolist(), strict=True
    ):
        detail = "mirrored copy" if flip else "near copy"
        v = f"{value:016x}"
        yield a, "photo_phash", v, b, float(dist), detail
        yield b, "photo_phash", v, a, float(dist), detail


def compute_matches(
    store: Store, phash_radius: int = PHASH_RADIUS, join_fn: JoinFn | None = None, map_fn: MapFn | None = None
) -> int:
    """Write every profile's matches into the store's scan table; returns the number of rows.

    ``join_fn`` runs the band join (default: :func:`serial_band_join`, in this process);
    ``map_fn`` the photo verifier's batches (default: in this process).
    """
    store.reset_matches()
    store.add_exact_matches(EXACT_KINDS)
    hashes = load_photo_hashes(store)
    if len(hashes[0]) > 1:
        pairs = photo_pairs(hashes, phash_radius, join_fn)
        rows = _photo_rows(hashes, pairs)
        while chunk := [r for _, r in zip(range(50_000), rows, strict=False)]:
            store.add_matches(chunk)
    # Edited copies of one photograph and reference-set photos: index candidates, then verified.
    _add_by_rowid(store, verified_photo_matches(store, map_fn=map_fn))
    # Published lists (SDN wallets and names, domain lists) and cited domains' RDAP answers.
    _add_by_rowid(store, screening_matches(store))
    # Bio and portfolio templates (MinHash LSH): sparse, so gathered per pair, then stored by rowid.
    names = _LazyNames(store)
    tpl: dict[str, set[Match]] = defaultdict(set)
    _template_matches(store, tpl, names)
    if tpl:
        ids = store.rowids(sorted({*tpl, *(m.other_id for ms in tpl.values() for m in ms)}))
        store.add_matches(
            (ids[pid], m.kind, m.value, ids[m.other_id], m.distance, m.detail) for pid, ms in tpl.items() for m in ms
        )
    return store.count_matches()


def _add_by_rowid(store: Store, matches: Mapping[str, set[Match]]) -> None:
    if not matches:
        return
    ids = store.rowids(sorted({*matches, *(m.other_id for ms in matches.values() for m in ms)}))
    # Reference photos are not profiles: they keep their "ref:label:sha" id, stored as rowid -1
    # with the id in the detail (see Store.iter_scan_batches).
    store.add_matches(
        (ids[pid], m.kind, m.value, ids.get(m.other_id, -1), m.distance, _pack_other(m))
        for pid, ms in matches.items()
        for m in ms
    )


def _pack_other(m: Match) -> str:
    if m.kind != "photo_reference" and m.kind not in SCREEN_KINDS:
        return m.detail
    return json.dumps({"id": m.other_id, "name": m.other_name, "detail": m.detail}, sort_keys=True)


class _LazyNames(Mapping[str, str | None]):
    """Profile names looked up on demand, so no dict of every profile is built."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, str | None] = {}

    def __getitem__(self, pid: str) -> str | None:
        if pid not in self.cache:
            self.cache[pid] = self.store.rowids_and_names([pid])[pid][1]
        return self.cache[pid]

    def get(self, pid: str, default: Any = None) -> Any:
        try:
            return self[pid]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)


def find_matches(store: Store, phash_radius: int = PHASH_RADIUS) -> dict[str, list[Match]]:
    """Every profile's matches with other profiles, as a dict (small stores; the scan streams)."""
    compute_matches(store, phash_radius)
    out: dict[str, list[Match]] = {}
    for batch in store.iter_scan_batches(1000):
        for item in batch:
            if item["matches"]:
                out[item["id"]] = [Match(*m) for m in item["matches"]]
    return out


def find_matches_allpairs(store: Store, phash_radius: int = PHASH_RADIUS) -> dict[str, list[Match]]:
    """The all-pairs baseline: every photo hash against every other (O(n^2) XORs)."""
    names = store.names()
    out: dict[str, set[Match]] = defaultdict(set)
    for kind, value, ids in store.shared_artifacts(EXACT_KINDS):
        for pid in ids:
            for other in ids:
                if other != pid:
                    out[pid].add(Match(kind, value, other, names.get(other)))

    # Near-duplicate photos: a photo's hash against every other photo's hash and its mirror.
    rows = list(store.artifacts_of_kind("photo_phash"))
    if len(rows) > 1:
        mirrors = _mirror_hashes(store, [pid for pid, _ in rows])
        pids = [pid for pid, _ in rows]
        hashes = hex_to_u64([h for _, h in rows])
        mirror_hex = [mirrors.get((pid, h), h) for pid, h in rows]
        mirrored = hex_to_u64(mirror_hex)
        best: dict[tuple[str, str, str], tuple[int, bool]] = {}
        for flip, other_arr in ((False, hashes), (True, mirrored)):
            for i, j, dist in near_pairs(hashes, other_arr, radius=phash_radius):
                if pids[i] == pids[j]:
                    continue
                key = (pids[i], pids[j], rows[j][1])
                if key not in best or dist < best[key][0]:
                    best[key] = (dist, flip)
        for (a, b, value), (dist, flip) in best.items():
            detail = "mirrored copy" if flip else "near copy"
            out[a].add(Match("photo_phash", value, b, names.get(b), float(dist), detail))
            out[b].add(Match("photo_phash", value, a, names.get(a), float(dist), detail))
    for pid, ms in verified_photo_matches(store).items():
        out[pid].update(ms)
    for pid, ms in screening_matches(store).items():
        out[pid].update(ms)
    _template_matches(store, out, names)
    return {
        pid: sorted(ms, key=lambda m: (m.kind, m.other_id, m.value, m.distance, m.detail)) for pid, ms in out.items()
    }


def sync_text_index(store: Store) -> LSHIndex:
    """Bring the workspace's template LSH index in step with the store's texts and save it.

    Only texts added since the last sync are hashed into it; texts of changed or deleted
    profiles are dropped (their ids never come back: the table's ids only grow). A missing or
    unreadable index file is rebuilt from the store.
    """
    path = store.workspace / TEXT_INDEX_PATH
    idx: LSHIndex | None = None
    if path.exists():
        try:
            idx = LSHIndex.load(path)
        except (OSError, ValueError, KeyError):
            idx = None  # rebuilt below from the store, which holds every signature
    if idx is None:
        idx = LSHIndex()
    current = set(store.text_doc_ids())
    have = set(idx.live_ids())
    gone = have - current
    new = sorted(current - have)
    changed = bool(gone or new or not path.exists())
    idx.remove(gone)
    # New documents go in TEXT_INDEX_CHUNK at a time: a first scan of 10^6 profiles would
    # otherwise hold every text and signature row at once (about 2 KB each).
    for i in range(0, len(new), TEXT_INDEX_CHUNK):
        ids: list[int] = []
        sigs: list[np.ndarray] = []
        for r in store.text_docs(new[i : i + TEXT_INDEX_CHUNK]):
            ids.append(r[0])
            sigs.append(np.frombuffer(r[5], dtype="<u4"))
        if ids:
            idx.add(ids, np.stack(sigs))
    if idx.dead > len(idx):
        idx.compact()
    if changed:
        idx.save(path)
    return idx


def _template_matches(store: Store, out: dict[str, set[Match]], names: Mapping[str, str | None]) -> None:
    """Template matches of every indexed text: LSH candidates, verified, clustered, emitted bounded.

    1. **Candidates**: pairs that share a band bucket of at most :data:`TEMPLATE_BUCKET_CAP`
       texts; a larger bucket gives only its *leader* pairs (:func:`~profilecheck.index.minhash.
       leader_pairs`), so a template pasted into thousands of accounts costs thousands of pairs,
       not millions.
    2. **Verification**, in batches: the signature estimate (numpy, with slack), then the exact
       shingle Jaccard at :data:`TEMPLATE_JACCARD`. Texts of one profile never match each other.
    3. **Clusters**: connected components of the verified pairs, named by their smallest digest.
    4. **Matches**: a cluster of at most :data:`TEMPLATE_BUCKET_CAP` texts emits every verified
       pair (all of them, as before); a larger one emits, for each text, the verified pairs with
       its :data:`TEMPLATE_NEIGHBOURS` successors in id order, and its best verified pair if
       none of those holds, so each member keeps a partner and the matches grow linearly.
    """
    idx = sync_text_index(store)
    slack = TEMPLATE_JACCARD - 0.15
    small, big = idx.candidates(TEMPLATE_BUCKET_CAP, min_estimate=slack)  # filtered band by band
    rows = np.concatenate([small, leader_pairs(idx.sigs, big, slack, idx.sig_bits, TEMPLATE_LEADERS)])
    if not len(rows):
        return
    rows = unique_rows(rows) if len(big) else rows  # sorted, as np.unique(axis=0) gave them
    # Estimated a chunk at a time: gathering both signatures of ~10^7 pairs at once took GBs.
    rows = rows[jaccard_estimates(idx.sigs, rows, idx.sig_bits) >= slack]
    ids = idx.ids[rows]
    cand = np.stack([ids.min(axis=1), ids.max(axis=1)], axis=1)
    del rows, ids
    if not len(cand):
        return
    meta: dict[int, tuple[str, str, str]] = {}  # doc id -> (profile id, field, digest)
    edges, sets = _verify_pairs(store, cand, meta)
    if not edges:
        return
    emitted = _bounded_edges(store, edges, meta, sets)
    cluster = _cluster_names(edges, meta)
    texts = _DocTexts(store)
    for a, b, j in emitted:
        pa, fa, _ = meta[a]
        pb, fb, _ = meta[b]
        passage = shared_passage(texts[a], texts[b])
        out[pa].add(Match("text_template", cluster[a], pb, names.get(pb), round(1 - j, 4), f"{fa}~{fb}: {passage}"))
        out[pb].add(Match("text_template", cluster[a], pa, names.get(pa), round(1 - j, 4), f"{fb}~{fa}: {passage}"))


class _DocTexts:
    """Texts of the template table by doc id, read in batches and cached a batch at a time."""

    def __init__(self, store: Store, batch: int = 2000) -> None:
        self.store, self.batch = store, batch
        self.cache: dict[int, str] = {}

    def prefetch(self, ids: list[int]) -> None:
        need = sorted({i for i in ids if i not in self.cache})
        if len(self.cache) + len(need) > 4 * self.batch:
            self.cache.clear()
        for r in self.store.text_docs(need):
            self.cache[r[0]] = r[4]

    def __getitem__(self, doc: int) -> str:
        if doc not in self.cache:
            self.prefetch([doc])
        return self.cache[doc]


def _verify_pairs(
    store: Store, cand: np.ndarray, meta: dict[int, tuple[str, str, str]], batch: int = 50_000
) -> tuple[list[tuple[int, int, float]], ShingleSets]:
    """Exact Jaccard of candidate doc pairs; the pairs at ``TEMPLATE_JACCARD``, and the docs' shingle sets.

    The shingles of every doc in a candidate are hashed once (:class:`ShingleSets`), not once
    per batch of pairs, and the Jaccards computed ``batch`` pairs at a time with sparse row
    products. Pairs of a doc no longer in the store, and of two texts of one profile, are
    skipped. The edges come in the order of ``cand``.
    """
    flat = np.sort(cand.ravel())
    need = flat[np.concatenate([[True], flat[1:] != flat[:-1]])].tolist() if len(flat) else []
    del flat
    owner: dict[int, tuple[str, str, str]] = {}

    def docs() -> Iterator[tuple[int, list[bytes]]]:
        for r in store.text_docs(need):
            owner[r[0]] = (r[1], r[2], r[3])
            yield r[0], shingles(r[4])

    sets = ShingleSets(docs())
    # One profile repeating itself is no template across accounts: profiles numbered per doc.
    pnum: dict[str, int] = {}
    prof = np.asarray([pnum.setdefault(o[0], len(pnum)) for o in owner.values()], dtype=np.int64)  # by sets row
    ra, rb = sets.rows(cand[:, 0]), sets.rows(cand[:, 1])
    keep = (ra >= 0) & (rb >= 0)
    keep[keep] = prof[ra[keep]] != prof[rb[keep]]
    cand = cand[keep]
    del ra, rb, keep
    edges: list[tuple[int, int, float]] = []
    for s in range(0, len(cand), batch):
        chunk = cand[s : s + batch]
        j = sets.jaccard(chunk[:, 0], chunk[:, 1])
        ok = j >= TEMPLATE_JACCARD
        for a, b, jj in zip(chunk[ok, 0].tolist(), chunk[ok, 1].tolist(), j[ok].tolist(), strict=True):
            edges.append((a, b, jj))
            meta[a], meta[b] = owner[a], owner[b]
    return edges, sets


def _components(edges: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """``(docs, label)``: the sorted doc ids in any edge and each one's component number."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    e = np.asarray([(a, b) for a, b, _ in edges], dtype=np.int64)
    docs = np.unique(e)
    ix = np.searchsorted(docs, e)
    graph = coo_matrix((np.ones(len(ix), dtype=np.int8), (ix[:, 0], ix[:, 1])), shape=(len(docs), len(docs)))
    _n, label = connected_components(graph, directed=False)
    return docs, label


def _cluster_names(edges: list[tuple[int, int, float]], meta: Mapping[int, tuple[str, str, str]]) -> dict[int, str]:
    """Each text's template cluster: ``tpl-`` and a hash of the cluster's smallest digest."""
    docs, label = _components(edges)
    smallest: dict[int, str] = {}
    for d, c in zip(docs.tolist(), label.tolist(), strict=True):
        dg = meta[d][2]
        if c not in smallest or dg < smallest[c]:
            smallest[c] = dg
    names = {c: "tpl-" + hashlib.sha256(dg.encode()).hexdigest()[:12] for c, dg in smallest.items()}
    return {d: names[c] for d, c in zip(docs.tolist(), label.tolist(), strict=True)}


def _bounded_edges(
    store: Store,
    edges: list[tuple[int, int, float]],
    meta: Mapping[int, tuple[str, str, str]],
    sets: ShingleSets | None = None,
) -> list[tuple[int, int, float]]:
    """The verified pairs to emit as matches (see :func:`_template_matches`, step 4)."""
    docs, label = _components(edges)
    comp = dict(zip(docs.tolist(), label.tolist(), strict=True))
    sizes = np.bincount(label)
    large = {int(c) for c in np.flatnonzero(sizes > TEMPLATE_BUCKET_CAP)}
    out = [e for e in edges if comp[e[0]] not in large]
    if not large:
        return out
    best: dict[int, tuple[float, int, int, float]] = {}  # doc -> its best verified pair (for the fallback)
    for a, b, j in edges:
        if comp[a] in large:
            for x in (a, b):
                key = (-j, a, b, j)
                if x not in best or key < best[x]:
                    best[x] = key
    members: dict[int, list[int]] = defaultdict(list)
    for d in docs.tolist():
        if comp[d] in large:
            members[comp[d]].append(d)
    if sets is None:  # every member is in an edge: its shingles are these docs'
        sets = ShingleSets((r[0], shingles(r[4])) for r in store.text_docs(sorted(meta)))
    for c in sorted(members):
        ms = members[c]  # ascending doc ids
        lattice = [
            (ms[p], ms[q])
            for p in range(len(ms))
            for q in range(p + 1, min(len(ms), p + 1 + TEMPLATE_NEIGHBOURS))
            if meta[ms[p]][0] != meta[ms[q]][0]
        ]
        got: set[tuple[int, int]] = set()
        partnered: set[int] = set()
        if lattice:
            lat = np.asarray(lattice, dtype=np.int64)
            js = sets.jaccard(lat[:, 0], lat[:, 1]).tolist()
            for (a, b), j in zip(lattice, js, strict=True):
                if j >= TEMPLATE_JACCARD:
                    out.append((a, b, j))
                    got.add((a, b))
                    partnered.update((a, b))
        for d in ms:
            if d not in partnered:
                _k, a, b, j = best[d]
                if (a, b) not in got:
                    out.append((a, b, j))
                    got.add((a, b))
                partnered.update((a, b))
    return out


def _mirror_hashes(store: Store, pids: list[str]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for pid, _h, features in store.iter_features(sorted(set(pids))):
        for ph in features.get("photos", []):
            if ph.get("status") == "ok":
                out[(pid, ph["phash"])] = ph["phash_mirror"]
    return out
