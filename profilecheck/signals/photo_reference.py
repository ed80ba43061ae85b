"""photo_reference: a profile photo that is a known photo from a reference set.

Reference sets are photos a team already knows: stock headshots, photos stolen from real
people in earlier cases, celebrities (``profilecheck refs add DIR --label stock``). The
matching stage finds a profile photo that is the same photograph as a reference photo,
through the same two stages as ``photo_reuse`` (signature index, face neighbours, keypoint
verifier), and this signal reports it with the set's label.

Reason codes:
    PHOTO_MATCHES_REFERENCE   HIT: the headshot is a (possibly edited) copy of a reference
                              photo; the detail names the label(s), refs the reference ids
    NO_REFERENCE_MATCH        MISS: reference sets are loaded and no photo matches them
    NO_REFERENCE_SETS         UNKNOWN: no photo to check, or no reference set loaded

Known false positives: a person's own photo that was later added to a reference set (their
press photo filed as "celebrity"); photographs of a public figure used with consent; a
reference set that holds a generic avatar or logo.
"""

from __future__ import annotations

from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

W_HIT = {"stolen": 3.5, "stock": 2.5, "celebrity": 3.0}
W_OTHER = 2.5
W_MISS = 0.0  # not matching a finite reference set says little


@register
class PhotoReference:
    name = "photo_reference"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        ok = [p for p in ctx.features.get("photos", []) if p.get("status") == "ok"]
        loaded = bool(ctx.settings.get("photo_refs_loaded", False))
        matches = ctx.matches_of("photo_reference")
        if not ok:
            yield Evidence(self.name, "NO_REFERENCE_SETS", Status.UNKNOWN, 0.0, "no photo to check")
            return
        if not matches:
            if loaded:
                yield Evidence(self.name, "NO_REFERENCE_MATCH", Status.MISS, W_MISS, "no photo matches a reference set")
            else:
                yield Evidence(self.name, "NO_REFERENCE_SETS", Status.UNKNOWN, 0.0, "no reference set loaded")
            return
        labels = sorted({m.value for m in matches})
        strength = max(W_HIT.get(label, W_OTHER) for label in labels)
        refs = tuple(f"{m.other_id}#{m.value}@{m.distance:g}" for m in sorted(matches, key=lambda m: m.other_id))
        names = sorted({m.other_name for m in matches if m.other_name})
        yield Evidence(
            self.name,
            "PHOTO_MATCHES_REFERENCE",
            Status.HIT,
            strength,
            f"headshot is a known {'/'.join(labels)} photo" + (f" ({', '.join(names[:3])})" if names else ""),
            refs,
        )
