"""The matching stage: which profiles share an artifact, exactly or nearly."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from profilecheck.analysis import EXACT_KINDS
from profilecheck.index.hamming import hex_to_u64, near_pairs
from profilecheck.index.minhash import LSHIndex, exact_jaccard, shared_passage, shingles
from profilecheck.signals import Match
from profilecheck.store import Store

__all__ = ["PHASH_RADIUS", "TEMPLATE_JACCARD", "TEXT_INDEX_PATH", "find_matches", "sync_text_index"]

#: Word-3-gram Jaccard at or above which two texts count as one template. Ring bios of the
#: bundled sample (names, years and synonyms swapped, sentences reordered) sit at 0.55-0.95;
#: the closest pair of genuine bios at 0.2 (see tests/test_text_template.py).
TEMPLATE_JACCARD = 0.5
#: The template LSH index, relative to the workspace (kept in step with ``text_docs``).
TEXT_INDEX_PATH = Path("index") / "text_lsh.npz"

#: Hamming radius (of 64 bits) at which two pHashes count as the same photo. On the bundled
#: sample, re-encoded, resized and mirrored copies sit at 0-2 bits, crops at 8-12, and a few
#: pairs of different synthetic faces at 6: plain pHash cannot separate crops from look-alikes,
#: so this tier stays tight and the robust photo matcher handles edited copies.
PHASH_RADIUS = 4


def find_matches(store: Store, phash_radius: int = PHASH_RADIUS) -> dict[str, list[Match]]:
    """Every profile's matches with other profiles, sorted for a stable input hash."""
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
    _template_matches(store, out, names)
    return {pid: sorted(ms, key=lambda m: (m.kind, m.other_id, m.value, m.distance)) for pid, ms in out.items()}


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
    if new:
        rows = list(store.text_docs(new))
        sigs = np.stack([np.frombuffer(r[5], dtype="<u4") for r in rows])
        idx.add([r[0] for r in rows], sigs)
    if idx.dead > len(idx):
        idx.compact()
    if changed:
        idx.save(path)
    return idx


def _template_matches(store: Store, out: dict[str, set[Match]], names: dict[str, str | None]) -> None:
    idx = sync_text_index(store)
    # LSH candidates are verified on the signatures with some slack, then on the exact shingles.
    cand = list(idx.pairs(threshold=TEMPLATE_JACCARD - 0.15))
    if not cand:
        return
    ids = sorted({i for a, b, _ in cand for i in (a, b)})
    docs = {r[0]: r for r in store.text_docs(ids)}
    sh = {i: shingles(docs[i][4]) for i in ids}
    edges: list[tuple[int, int, float]] = []
    for a, b, _est in cand:
        if docs[a][1] == docs[b][1]:
            continue  # one profile repeating itself is no template across accounts
        j = exact_jaccard(sh[a], sh[b])
        if j >= TEMPLATE_JACCARD:
            edges.append((a, b, j))
    # Clusters of texts that share a template (connected components); named by their smallest digest.
    parent = {i: i for e in edges for i in e[:2]}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = defaultdict(list)
    for i in parent:
        members[find(i)].append(i)
    cluster = {}
    for ms in members.values():
        name = "tpl-" + hashlib.sha256(min(docs[m][3] for m in ms).encode()).hexdigest()[:12]
        for m in ms:
            cluster[m] = name
    for a, b, j in edges:
        pa, fa, ta = docs[a][1], docs[a][2], docs[a][4]
        pb, fb, tb = docs[b][1], docs[b][2], docs[b][4]
        passage = shared_passage(ta, tb)
        out[pa].add(Match("text_template", cluster[a], pb, names.get(pb), round(1 - j, 4), f"{fa}~{fb}: {passage}"))
        out[pb].add(Match("text_template", cluster[a], pa, names.get(pa), round(1 - j, 4), f"{fb}~{fa}: {passage}"))


def _mirror_hashes(store: Store, pids: list[str]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for pid, _h, features in store.iter_features(sorted(set(pids))):
        for ph in features.get("photos", []):
            if ph.get("status") == "ok":
                out[(pid, ph["phash"])] = ph["phash_mirror"]
    return out
