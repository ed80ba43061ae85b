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

import json
import os
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator
from pathlib import Path
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
from profilecheck.store.media import MediaStore

__all__ = [
    "FACE_RADIUS",
    "HASH_RADIUS",
    "MATCH_BATCH",
    "MAX_CANDIDATES",
    "PREP_CACHE",
    "VERIFY_BATCH",
    "VERIFY_VERSION",
    "PhotoRecord",
    "cross_profile_enabled",
    "verified_photo_matches",
    "verified_photo_pairs",
    "verify_task",
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
#: Prepared photos kept by the verifier's cache (~1.4 MB each), per process.
PREP_CACHE = 256
#: Photos searched together by the matching stage (their signatures, ~2.3 KB each, held at once).
MATCH_BATCH = 10_000
#: Candidate pairs per verification task.
VERIFY_BATCH = 256
#: Bump when the verifier's decision changes: cached pair verdicts of another version are ignored.
VERIFY_VERSION = "verify@1"

PhotoRecord = tuple[Signature, np.ndarray | None]
#: ``map(fn, items)`` of a runner: results in order.
MapFn = Callable[[Callable[[Any], Any], list[Any]], Iterable[Any]]


def cross_profile_enabled() -> bool:
    """The robust tier searches profile photos against each other unless ``PROFILECHECK_PHOTO_VERIFY=0``.

    Its recall step looks every photo's views up within :data:`HASH_RADIUS` (16 of 64) bits: at
    that radius the multi-index probes a few percent of all stored hashes per lookup, so the
    step grows as the square of the number of photos (measured in ``benchmarks/README.md``).
    For a very large first scan, ``PROFILECHECK_PHOTO_VERIFY=0`` keeps the plain near-copy band
    join (pHash within 4 bits, mirrors included) and the reference sets, and skips this search:
    edited copies (crops, banners) of one photo on two profiles are then not found.
    """
    return os.environ.get("PROFILECHECK_PHOTO_VERIFY", "1") != "0"


def verified_photo_matches(
    store: Store, hash_radius: int = HASH_RADIUS, map_fn: MapFn | None = None
) -> dict[str, set[Match]]:
    """Verified same-photograph matches between profiles and with reference photos, by profile id.

    ``map_fn`` runs the verifier's batches (:func:`verify_task`), e.g. a process pool's or a Dask
    client's ``map``; by default they run in this process. The results are the same either way.

    Memory is bounded by :data:`MATCH_BATCH`, not by the number of photos: the store's rows are
    read in passes. (1) New photos are added to the index (only their hashes are held until
    the one ``add_many``) and the live photos are noted as 8-byte keys. (2) The photos are
    searched :data:`MATCH_BATCH` at a time, their signatures parsed per batch. (3) The owners of
    the few photos that matched, and the signatures of face-only pairs (whose distance in bits
    is measured between the two signatures), are read back. The index itself (about 0.8 KB a
    photo) is the one structure that grows with the store, as the store does.
    """
    out: dict[str, set[Match]] = defaultdict(set)
    index = PhotoIndex(store.workspace / "index", version=f"{INDEX_VERSION}/{VERIFY_VERSION}")
    live = _LiveSet()

    def new_photos() -> Iterator[tuple[str, list[int], np.ndarray | None]]:
        for _pid, sha, sig_json, emb_json in store.photo_signature_texts():
            live.add(sha)
            if sha not in index.known:  # a photo indexed by an earlier scan is not parsed again
                sig, emb = _parse(sig_json, emb_json)
                yield sha, [h for _v, h in sig.stored()], emb

    index.add_many(new_photos())
    if not live.freeze():
        return out
    cache = _PrepCache(store)
    cross = cross_profile_enabled()
    # Reference sets (``profilecheck refs add``): small, held whole, indexed in memory.
    ref_meta: dict[str, dict[str, Any]] = {}
    ref_recs: dict[str, PhotoRecord] = {}
    ref_index = PhotoIndex(None)
    for r in store.iter_photo_refs():
        ref_emb = r["features"].get("embedding")
        ref_recs[r["sha256"]] = (
            Signature.from_json(r["features"]["sig"]),
            np.asarray(ref_emb, np.float32) if ref_emb else None,
        )
        ref_meta[r["sha256"]] = r
    ref_index.add_many((sha, [h for _v, h in sig.stored()], emb) for sha, (sig, emb) in ref_recs.items())
    ref_sigs = {sha: sig for sha, (sig, _e) in ref_recs.items()}

    pairs: dict[tuple[str, str], tuple[int, Verdict]] = {}
    hits: dict[tuple[str, str], tuple[int, Verdict]] = {}
    # Face-only candidates (64 bits) whose distance needs the other photo's signature: (probe, other).
    pending: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    media_root = str(store.media.root)
    if cross or ref_recs:
        for records in _record_batches(store, MATCH_BATCH):
            if cross:
                found, new_pending = verified_photo_pairs(
                    index, records, cache, hash_radius, map_fn=map_fn, media_root=media_root, live=live
                )
                for pk, (bits, v) in found.items():
                    if pk not in pairs or bits < pairs[pk][0]:
                        pairs[pk] = (bits, v)
                for pk, dirs in new_pending.items():
                    pending[pk] |= dirs
            for sha, (psig, pemb) in sorted(records.items()) if ref_recs else ():
                for ref_sha, bv in _candidates_verified(
                    ref_index, sha, psig, pemb, cache, hash_radius, ref_sigs, keep_self=True
                ).items():
                    hits[(sha, ref_sha)] = bv
    # ... and the other way: each reference photo's probes against the profile photos' index.
    ref_pending: set[tuple[str, str]] = set()
    for ref_sha, (rsig, remb) in ref_recs.items():
        found_ref = _candidates_verified(index, ref_sha, rsig, remb, cache, hash_radius, None, keep_self=True)
        for sha, (bits, v) in found_ref.items():
            if sha in live and (sha, ref_sha) not in hits:
                hits[(sha, ref_sha)] = (bits, v)
                if bits >= 64:
                    ref_pending.add((sha, ref_sha))

    wanted = {sha for pk in pairs for sha in pk} | {sha for sha, _r in hits}
    need_sig = {sha for dirs in pending.values() for pair in dirs for sha in pair} | {s for s, _r in ref_pending}
    owners, sigs = _owners_and_signatures(store, wanted, need_sig)
    for pk, dirs in pending.items():
        bits, v = pairs[pk]
        pairs[pk] = (min([bits] + [sigs[a].distance(sigs[b]) for a, b in sorted(dirs)]), v)
    for sha, ref_sha in ref_pending:
        bits, v = hits[(sha, ref_sha)]
        hits[(sha, ref_sha)] = (ref_sigs[ref_sha].distance(sigs[sha]), v)
    names = store.rowids_and_names(sorted({p for ps in owners.values() for p in ps}))
    for (a, b), (bits, v) in sorted(pairs.items()):
        detail = _detail(v)
        for pa in owners[a]:
            for pb in owners[b]:
                if pa != pb:
                    out[pa].add(Match("photo_phash", b, pb, names[pb][1], float(bits), detail))
                    out[pb].add(Match("photo_phash", a, pa, names[pa][1], float(bits), detail))
    for (sha, ref_sha), (bits, v) in sorted(hits.items()):
        r = ref_meta[ref_sha]
        for pid in owners[sha]:
            other = f"ref:{r['label']}:{ref_sha[:12]}"
            out[pid].add(Match("photo_reference", r["label"], other, r["name"], float(bits), _detail(v)))
    index.save()
    return out


class _LiveSet:
    """The sha256s of the photos profiles use now, as sorted 8-byte prefixes (not a set of strings).

    The index also holds photos no profile uses any more; a candidate counts only if live. Two
    photos sharing a 64-bit prefix of their sha256 is a chance of about 10^-8 at 10^6 photos,
    and harmless: a dead photo taken for live costs one verification, then has no owner to
    match.
    """

    def __init__(self) -> None:
        self._new = array("Q")
        self.keys = np.zeros(0, dtype=np.uint64)

    def add(self, sha: str) -> None:
        self._new.append(int(sha[:16], 16))

    def freeze(self) -> int:
        """Sort what was added; returns how many distinct photos are live."""
        self.keys = np.unique(np.frombuffer(self._new, dtype=np.uint64)) if len(self._new) else self.keys
        self._new = array("Q")
        return len(self.keys)

    def __contains__(self, sha: object) -> bool:
        if not isinstance(sha, str) or len(self.keys) == 0:
            return False
        key = np.uint64(int(sha[:16], 16))
        i = int(np.searchsorted(self.keys, key))
        return i < len(self.keys) and self.keys[i] == key


def _parse(sig_json: str, emb_json: str | None) -> PhotoRecord:
    sig = Signature.from_json(json.loads(sig_json))
    return sig, (np.asarray(json.loads(emb_json), dtype=np.float32) if emb_json else None)


def _record_batches(store: Store, size: int) -> Iterator[dict[str, PhotoRecord]]:
    """The live photos' signatures, ``size`` photos at a time (a photo two profiles share may
    come in two batches: searching it twice finds the same pairs)."""
    batch: dict[str, PhotoRecord] = {}
    for _pid, sha, sig_json, emb_json in store.photo_signature_texts():
        if sha not in batch:
            batch[sha] = _parse(sig_json, emb_json)
            if len(batch) >= size:
                yield batch
                batch = {}
    if batch:
        yield batch


def _owners_and_signatures(
    store: Store, wanted: set[str], need_sig: set[str]
) -> tuple[dict[str, set[str]], dict[str, Signature]]:
    """One more pass over the rows: the profiles owning ``wanted`` photos, and the signatures of
    ``need_sig`` (only those are parsed)."""
    owners: dict[str, set[str]] = defaultdict(set)
    sigs: dict[str, Signature] = {}
    if not wanted and not need_sig:
        return owners, sigs
    for pid, sha, sig_json, _emb in store.photo_signature_texts():
        if sha in wanted:
            owners[sha].add(pid)
        if sha in need_sig and sha not in sigs:
            sigs[sha] = Signature.from_json(json.loads(sig_json))
    return owners, sigs


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
    """Decode-and-prepare for the verifier (from the store's media or given bytes), the last few kept.

    A prepared photo holds ~1.4 MB (gray and colour planes at 384 pixels, keypoints): keeping
    every one made the matching stage's memory grow with the store (8 GB at 10^4 scale-sample
    photos). At most ``size`` are kept, least recently used out first; pairs are verified
    grouped by their first photo, so the cache mostly hits.
    """

    def __init__(self, store: Store | None, size: int = PREP_CACHE, media_root: str | None = None) -> None:
        self.store = store
        self.media = MediaStore(Path(media_root)) if media_root else (store.media if store is not None else None)
        self.size = size
        self.items: OrderedDict[str, Prepared | None] = OrderedDict()
        self.extra: dict[str, bytes] = {}

    def get(self, sha: str) -> Prepared | None:
        if sha in self.items:
            self.items.move_to_end(sha)
            return self.items[sha]
        try:
            data = self.extra[sha] if sha in self.extra else self.media.get(sha)  # type: ignore[union-attr]
            img, _ = load_image(data, draft_size=DRAFT, name=sha)
            prep: Prepared | None = prepare(img)
        except (MediaError, StorageError, AttributeError, OSError):
            prep = None
        self.items[sha] = prep
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return prep


def _record(v: Verdict) -> dict[str, Any]:
    """What the index keeps of a verdict (rounded: what every later scan sees)."""
    return {
        "same": v.same,
        "score": round(v.score, 4),
        "inliers": v.inliers,
        "overlap": round(v.overlap, 4),
        "mirrored": v.mirrored,
        "scale": round(v.scale, 4),
        "angle": round(v.angle, 3),
    }


def verify_task(args: tuple[str, list[tuple[str, str]]]) -> list[dict[str, Any] | None]:
    """The verifier's per-batch function: ``(media_root, [(sha_a, sha_b), ...])`` -> one record each.

    A record is what the pair index keeps (:func:`_record`), or ``None`` when a photo cannot be
    read. Pure: it reads the media folder only, so it runs in a pool or on a Dask worker.
    """
    media_root, pairs = args
    cache = _PrepCache(None, media_root=media_root)
    out: list[dict[str, Any] | None] = []
    for a, b in pairs:
        pa, pb = cache.get(a), cache.get(b)
        out.append(None if pa is None or pb is None else _record(compare(pa, pb)))
    return out


def _verify(index: PhotoIndex, a: str, b: str, cache: _PrepCache) -> Verdict | None:
    if a == b:  # the same bytes (a reference photo used as it is)
        return Verdict(True, 1.0, 0, 1.0, False)
    key = index.pair_key(a, b)
    if key in index.verified:
        d = index.verified[key]
        return Verdict(**d) if d.get("same") else None
    if b < a:  # one direction per pair, whichever photo proposed it (compare is not exactly symmetric)
        a, b = b, a
    pa, pb = cache.get(a), cache.get(b)
    if pa is None or pb is None:
        return None
    index.verified[key] = _record(compare(pa, pb))
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
    cands: dict[str, int] | None = None,
) -> dict[str, tuple[int, Verdict]]:
    if cands is None:
        cands = _candidates(index, sig, emb, hash_radius)
    cands = dict(cands)
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


def _candidates(index: PhotoIndex, sig: Signature, emb: np.ndarray | None, hash_radius: int) -> dict[str, int]:
    return index.candidates(
        [h for _v, h, _m in sig.probes()], emb, radius=hash_radius, face_radius=FACE_RADIUS, limit=MAX_CANDIDATES + 1
    )


def verified_photo_pairs(
    index: PhotoIndex,
    records: dict[str, PhotoRecord],
    cache: _PrepCache,
    hash_radius: int = HASH_RADIUS,
    *,
    map_fn: MapFn | None = None,
    media_root: str | None = None,
    live: Container[str] | None = None,
) -> tuple[dict[tuple[str, str], tuple[int, Verdict]], dict[tuple[str, str], set[tuple[str, str]]]]:
    """Every verified same-photograph pair between ``records`` (one batch, already in ``index``)
    and the ``live`` photos (default: ``records``).

    Returns ``({(sha_a, sha_b): (bits, verdict)}, pending)`` with ``sha_a < sha_b``; ``bits`` is
    the smallest Hamming distance between their views found by the index. A pair only the faces
    proposed has 64 bits and is listed in ``pending`` as ``{pair: {(probe, other)}}``: its
    distance is measured from the two signatures by the caller. Candidates are gathered first;
    the pairs not yet in the index's verdict cache are then verified in batches of
    :data:`VERIFY_BATCH` through ``map_fn`` (each pair in sha256 order, as :func:`_verify`
    compares it, so the verdicts do not depend on the batches), and read back.
    """
    alive: Container[str] = set(records) if live is None else live
    found = {sha: _candidates(index, sig, emb, hash_radius) for sha, (sig, emb) in sorted(records.items())}
    if media_root is not None:
        todo: dict[str, tuple[str, str]] = {}
        for sha in sorted(found):
            for other in sorted(found[sha]):
                key = index.pair_key(sha, other)
                if other != sha and key not in index.verified and key not in todo and other in alive:
                    todo[key] = (sha, other) if sha < other else (other, sha)
        if todo:
            keys = sorted(todo, key=lambda k: todo[k])  # grouped by first photo: the workers' caches hit
            batches = [keys[i : i + VERIFY_BATCH] for i in range(0, len(keys), VERIFY_BATCH)]
            run = map_fn or (lambda fn, items: map(fn, items))
            results = run(verify_task, [(media_root, [todo[k] for k in b]) for b in batches])
            for b, recs in zip(batches, results, strict=True):
                for k, rec in zip(b, recs, strict=True):
                    if rec is not None:  # unreadable: left for _verify, which says None the same way
                        index.verified[k] = rec
    pairs: dict[tuple[str, str], tuple[int, Verdict]] = {}
    pending: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for sha, (sig, emb) in sorted(records.items()):
        cands = {o: b for o, b in found[sha].items() if o in alive}
        verified = _candidates_verified(index, sha, sig, emb, cache, hash_radius, None, cands=cands)
        for other, (bits, v) in verified.items():
            pk = (sha, other) if sha < other else (other, sha)
            if bits >= 64:
                pending[pk].add((sha, other))
            if pk not in pairs or bits < pairs[pk][0]:
                pairs[pk] = (bits, v)
    return pairs, dict(pending)
