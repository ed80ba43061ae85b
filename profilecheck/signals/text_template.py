"""text_template: the same bio or portfolio text, lightly edited, on "different" people's profiles.

Rings write one bio and one set of portfolio blurbs and paste them into every account, changing
the name, the years and a few words. The matching stage finds texts whose word-3-gram Jaccard
is at least :data:`profilecheck.engine.matching.TEMPLATE_JACCARD` through a MinHash LSH index
(candidates verified on the exact shingles) and groups them into template clusters; this signal
turns those matches into evidence, with the cluster id and the shared passage as its reference.

Reason codes:
    BIO_TEMPLATE_SHARED        HIT: the bio is a near-copy of other profiles' bios
    PORTFOLIO_TEMPLATE_SHARED  HIT: a portfolio item's title and description recur on other profiles
    NO_TEMPLATE_MATCH          MISS: texts long enough to compare, none shared
    NO_TEXT                    UNKNOWN: no bio or portfolio text long enough to compare

Known false positives: one person's accounts on several platforms (same name: counted at a
tenth of the weight, as in shared_artifacts); colleagues at an agency using the agency's
boilerplate; boilerplate a platform suggests to every new user; quotations of a popular text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, Match, register
from profilecheck.signals._util import link_weight

#: Default log-likelihood ratios: the same template across accounts is strong evidence.
W_BIO = 2.5
W_PORTFOLIO = 1.5
W_NONE = -0.2


@register
class TextTemplate:
    name = "text_template"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        texts = ctx.features.get("texts", {})
        if not any(t.get("indexed") for t in texts.values()):
            yield Evidence(self.name, "NO_TEXT", Status.UNKNOWN, 0.0, "no bio or portfolio text long enough to compare")
            return
        by_part: dict[str, list[Match]] = defaultdict(list)
        for m in ctx.matches_of("text_template"):
            field = m.detail.split("~", 1)[0]
            by_part["bio" if field == "bio" else "portfolio"].append(m)
        if not by_part:
            yield Evidence(self.name, "NO_TEMPLATE_MATCH", Status.MISS, W_NONE, "no bio or portfolio text shared")
            return
        for part, code, weight in (
            ("bio", "BIO_TEMPLATE_SHARED", W_BIO),
            ("portfolio", "PORTFOLIO_TEMPLATE_SHARED", W_PORTFOLIO),
        ):
            ms = by_part.get(part)
            if not ms:
                continue
            others = sorted({m.other_id for m in ms})
            rel = max(link_weight(profile.platform, profile.name, m.other_id, m.other_name) for m in ms)
            strength = weight * rel * min(1.5, 1 + 0.1 * (len(others) - 1))
            best = min(ms, key=lambda m: (m.distance, m.other_id))
            clusters = sorted({m.value for m in ms})
            passage = best.detail.split(": ", 1)[1] if ": " in best.detail else best.detail
            yield Evidence(
                self.name,
                code,
                Status.HIT,
                strength,
                f"{part} shares template {', '.join(clusters)} with {len(others)} other profile(s) "
                f"(Jaccard up to {1 - best.distance:.2f}): \u201c{passage}\u201d",
                tuple(others) + tuple(f"text_template:{c}" for c in clusters),
            )
