"""photo_reuse: the same headshot on other profiles.

Detects a photo whose bytes (``photo_sha256``) appear on another profile, or the same
photograph edited (``photo_phash``: re-encoded, resized, cropped, mirrored, recoloured,
framed, bannered, watermarked, slightly rotated): fraud rings reuse one stolen headshot
across accounts. Edited copies are found in two stages by the matching stage: candidates
from the signature index (pHash of image, centre crops and face crop, mirrors probed) and
face-embedding neighbours, then a keypoint verifier that fits a similarity transform and
correlates the warped pixels. A different photo of the same person is *not* a match. The
match distance is the smallest Hamming distance between the two photos' views, in bits.

Reason codes:
    PHOTO_REUSED_ACROSS_PROFILES   HIT: the photo is on profiles with other names
    PHOTO_REUSED_SAME_NAME         HIT (weak): only on profiles with the same name: on another
                                   platform usually one person's own accounts (0.21), on the
                                   same platform duplicate accounts (0.7)
    PHOTO_UNIQUE                   MISS: no other profile has it
    NO_PHOTO                       UNKNOWN: no photo, or none could be decoded

Known false positives: stock avatars and company logos used as headshots; one person's own
accounts (hence the weaker same-name code).
"""

from __future__ import annotations

from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, Match, register
from profilecheck.signals._util import link_weight, same_person_name

W_ACROSS = 3.0
W_SAME_NAME = 0.7
W_UNIQUE = -0.3


@register
class PhotoReuse:
    name = "photo_reuse"
    version = 2

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        ok = [p for p in ctx.features.get("photos", []) if p.get("status") == "ok"]
        if not ok:
            why = "no photo" if not ctx.features.get("photos") else "no photo could be decoded"
            yield Evidence(self.name, "NO_PHOTO", Status.UNKNOWN, 0.0, why)
            return
        matches = ctx.matches_of("photo_sha256", "photo_phash")
        by_other: dict[str, Match] = {}
        for m in matches:
            if m.other_id not in by_other or m.distance < by_other[m.other_id].distance:
                by_other[m.other_id] = m
        if not by_other:
            yield Evidence(self.name, "PHOTO_UNIQUE", Status.MISS, W_UNIQUE, f"{len(ok)} photo(s), on no other profile")
            return
        others = sorted(by_other.values(), key=lambda m: (m.distance, m.other_id))
        different = [m for m in others if not same_person_name(profile.name, m.other_name)]
        refs = tuple(f"{m.other_id}#{m.value[:16]}@{m.distance:g}" for m in others)
        if different:
            n = len(different)
            strength = W_ACROSS + min(1.0, 0.25 * (n - 1))
            worst = max(m.distance for m in different)
            how = (
                "identical bytes"
                if worst == 0 and all(m.kind == "photo_sha256" for m in different)
                else (
                    f"same photograph, edited; views within {worst:g} bits"
                    + (", mirrored" if any("mirrored" in m.detail for m in different) else "")
                )
            )
            yield Evidence(
                self.name,
                "PHOTO_REUSED_ACROSS_PROFILES",
                Status.HIT,
                strength,
                f"headshot also on {n} profile(s) under other names ({how})",
                refs,
            )
        else:
            rel = max(link_weight(profile.platform, profile.name, m.other_id, m.other_name) for m in others)
            yield Evidence(
                self.name,
                "PHOTO_REUSED_SAME_NAME",
                Status.HIT,
                W_SAME_NAME * rel * 3,
                f"headshot also on {len(others)} profile(s) with the same name",
                refs,
            )
