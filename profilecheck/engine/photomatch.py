"""Robust photo matching: the same photograph found through any edit, and reference sets.

The band join of :mod:`profilecheck.engine.matching` finds plain near copies (pHash within a
few bits). This stage finds edited copies, in two stages:

1. **recall**: every photo's signature views (image, centre crops, face crop; mirrors probed)
   are looked up in the workspace's multi-index within :data:`HASH_RADIUS` bits, and its face
   embedding in the FAISS index within :data:`FACE_RADIUS`;
2. **verification**: each candidate pair is decoded and checked by the keypoint verifier
   (:mod:`profilecheck.media.verify`), which tells the same photograph edited from another
   photo of the same person. Verdicts are kept per pair in the index, so a re-scan only
   verifies new pairs.

The matching stage calls :func:`verified_photo_matches`. A verified pair becomes
``Match(kind="photo_phash", value=<other photo's sha256>, distance=<the smallest Hamming
distance over the views, in bits>, detail=...)``, the same shape the ``photo_reuse`` signal
and the report have always read. Photos of the reference sets
(``profilecheck refs add``) are matched the same way and become ``photo_reference`` matches.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from profilecheck.errors import MediaError, StorageError
from profilecheck.index.photos import INDEX_VERSION, PhotoIndex
from profilecheck.media import load_image
from profilecheck.media.photo import DRAFT
from profilecheck.media.signature import Signature
from profilecheck.media.verify import Prepared, Verdict, compare, prepare
from profilecheck.signals import Match
from profilecheck.store import Store

__all__ = [
    "FACE_RADIUS",
    "HASH_RADIUS",
    "MAX_CANDIDATES",
    "VERIFY_VERSION",
    "PhotoRecord",
    "verified_photo_matches",
    "verified_photo_pairs",
]

#: Hamming radius (of 64 bits) at which a signature view proposes a candidate. Chosen on the
#: robustness benchmark (docs/photo-reuse.md): wide enough that every edited copy in the suite
#: has one view within it, narrow enough to keep verification to a few pairs per photo.
HASH_RADIUS = 16
#: At most this many candidates are verified per photo (face neighbours first, then the
#: nearest hashes), so the verifier's work stays bounded in a crowded index.
MAX_CANDIDATES = 8
#: Face-embedding distance for a candidate (dlib's same-person distance).
FACE_RADIUS = 0.6
#: Bump when the verifier's decision changes: cached pair verdicts of another version are ignored.
VERIFY_VERSION = "verify@1"

PhotoRecord = tuple[Signature, np.ndarray | None]


def verified_photo_matches(store: Store, hash_radius: int = HASH_RADIUS) -> dict[str, set[Match]]:
    """Verified same-photograph matches between profiles and with reference photos, by profile id."""
    out: dict[str, set[Match]] = defaultdict(set)
    owners: dict[str, set[str]] = defaultdict(set)
    records: dict[str, PhotoRecord] = {}
    for pid, sha, sig_json, emb in store.photo_signature_rows():
        owners[sha].add(pid)
        records[sha] = (Signature.from_json(sig_json), np.asarray(emb, dtype=np.float32) if emb else None)
    if not records:
        return out
    names = store.rowids_and_names(sorted({p for ps in owners.values() for p in ps}))
    index = PhotoIndex(store.workspace / "index", version=f"{INDEX_VERSION}/{VERIFY_VERSION}")
    cache = _PrepCache(store)
    pairs = verified_photo_pairs(index, records, cache, hash_radius)
    sigs = {sha: sig for sha, (sig, _e) in records.items()}
    for (a, b), (bits, v) in pairs.items():
        detail = _detail(v)
        for pa in owners[a]:
            for pb in owners[b]:
                if pa != pb:
                    out[pa].add(Match("photo_phash", b, pb, names[pb][1], float(bits), detail))
                    out[pb].add(Match("photo_phash", a, pa, names[pa][1], float(bits), detail))

    refs = list(store.iter_photo_refs())
    if refs:
        ref_index = PhotoIndex(None)
        ref_meta: dict[str, dict[str, Any]] = {}
        ref_sigs: dict[str, Signature] = {}
        for r in refs:
            sig = Signature.from_json(r["features"]["sig"])
            ref_emb = r["features"].get("embedding")
            ref_index.add(
                r["sha256"], [h for _v, h in sig.stored()], np.asarray(ref_emb, np.float32) if ref_emb else None
            )
            ref_meta[r["sha256"]] = r
            ref_sigs[r["sha256"]] = sig
        hits: dict[tuple[str, str], tuple[int, Verdict]] = {}
        for sha, (psig, pemb) in records.items():
            found = _candidates_verified(ref_index, sha, psig, pemb, cache, hash_radius, ref_sigs, keep_self=True)
            for ref_sha, bv in found.items():
                hits[(sha, ref_sha)] = bv
        # ... and the other way: each reference photo's probes against the profile photos' index.
        for ref_sha, rsig in ref_sigs.items():
            remb = ref_meta[ref_sha]["features"].get("embedding")
            remb_arr = np.asarray(remb, np.float32) if remb else None
            found = _candidates_verified(index, ref_sha, rsig, remb_arr, cache, hash_radius, sigs, keep_self=True)
            for sha, (bits, v) in found.items():
                if sha in records and (sha, ref_sha) not in hits:
                    hits[(sha, ref_sha)] = (bits, v)
        for (sha, ref_sha), (bits, v) in sorted(hits.items()):
            r = ref_meta[ref_sha]
            for pid in owners[sha]:
                other = f"ref:{r['label']}:{ref_sha[:12]}"
                out[pid].add(Match("photo_reference", r["label"], other, r["name"], float(bits), _detail(v)))
    index.save()
    return out


def _detail(v: Verdict) -> str:
    bits = [f"same photograph (r={v.score:.2f}, {v.inliers} keypoints"]
    if v.mirrored:
        bits.append("mirrored")
    if abs(v.scale - 1) > 0.05:
        bits.append(f"scale {v.scale:.2f}")
    if abs(v.angle) > 1:
        bits.append(f"rotated {v.angle:.0f} deg")
    return ", ".join(bits) + ")"


class _PrepCache:
    """Decode-and-prepare once per photo for the verifier (from the store's media or given bytes)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.items: dict[str, Prepared | None] = {}
        self.extra: dict[str, bytes] = {}

    def get(self, sha: str) -> Prepared | None:
        if sha not in self.items:
            try:
                data = self.extra[sha] if sha in self.extra else self.store.media.get(sha)  # type: ignore[union-attr]
                img, _ = load_image(data, draft_size=DRAFT, name=sha)
                self.items[sha] = prepare(img)
            except (MediaError, StorageError, AttributeError):
                self.items[sha] = None
        return self.items[sha]


def _verify(index: PhotoIndex, a: str, b: str, cache: _PrepCache) -> Verdict | None:
    if a == b:  # the same bytes (a reference photo used as it is)
        return Verdict(True, 1.0, 0, 1.0, False)
    key = index.pair_key(a, b)
    if key in index.verified:
        d = index.verified[key]
        return Verdict(**d) if d.get("same") else None
    pa, pb = cache.get(a), cache.get(b)
    if pa is None or pb is None:
        return None
    v = compare(pa, pb)
    index.verified[key] = {
        "same": v.same,
        "score": round(v.score, 4),
        "inliers": v.inliers,
        "overlap": round(v.overlap, 4),
        "mirrored": v.mirrored,
        "scale": round(v.scale, 4),
        "angle": round(v.angle, 3),
    }
    # What the cache holds is what every later scan sees: return that, not the unrounded verdict.
    v = Verdict(**index.verified[key])
    return v if v.same else None


def _candidates_verified(
    index: PhotoIndex,
    sha: str,
    sig: Signature,
    emb: np.ndarray | None,
    cache: _PrepCache,
    hash_radius: int,
    sigs: dict[str, Signature] | None = None,
    keep_self: bool = False,
) -> dict[str, tuple[int, Verdict]]:
    cands = index.candidates(
        [h for _v, h, _m in sig.probes()], emb, radius=hash_radius, face_radius=FACE_RADIUS, limit=MAX_CANDIDATES + 1
    )
    if not keep_self:
        cands.pop(sha, None)
    out: dict[str, tuple[int, Verdict]] = {}
    for other in sorted(cands):
        v = _verify(index, sha, other, cache)
        if v is not None:
            bits = cands[other]
            if bits >= 64 and sigs and other in sigs:
                bits = sig.distance(sigs[other])
            out[other] = (bits, v)
    return out


def verified_photo_pairs(
    index: PhotoIndex, records: dict[str, PhotoRecord], cache: _PrepCache, hash_radius: int = HASH_RADIUS
) -> dict[tuple[str, str], tuple[int, Verdict]]:
    """Add new photos to ``index`` and return every verified same-photograph pair among ``records``.

    Returns ``{(sha_a, sha_b): (bits, verdict)}`` with ``sha_a < sha_b``; ``bits`` is the
    smallest Hamming distance between their views (64 when only the faces proposed the pair).
    """
    for sha, (sig, emb) in sorted(records.items()):
        index.add(sha, [h for _v, h in sig.stored()], emb)
    live = set(records)
    sigs = {sha: sig for sha, (sig, _e) in records.items()}
    pairs: dict[tuple[str, str], tuple[int, Verdict]] = {}
    for sha, (sig, emb) in sorted(records.items()):
        for other, (bits, v) in _candidates_verified(index, sha, sig, emb, cache, hash_radius, sigs).items():
            if other not in live:
                continue
            key = (sha, other) if sha < other else (other, sha)
            if key not in pairs or bits < pairs[key][0]:
                pairs[key] = (bits, v)
    return pairs
