"""The matching stage: which profiles share an artifact, exactly or nearly."""

from __future__ import annotations

from collections import defaultdict

from profilecheck.analysis import EXACT_KINDS
from profilecheck.index.hamming import hex_to_u64, near_pairs
from profilecheck.signals import Match
from profilecheck.store import Store

__all__ = ["PHASH_RADIUS", "find_matches"]

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
    return {pid: sorted(ms, key=lambda m: (m.kind, m.other_id, m.value, m.distance)) for pid, ms in out.items()}


def _mirror_hashes(store: Store, pids: list[str]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for pid, _h, features in store.iter_features(sorted(set(pids))):
        for ph in features.get("photos", []):
            if ph.get("status") == "ok":
                out[(pid, ph["phash"])] = ph["phash_mirror"]
    return out
