"""Evidence to a score: per-signal log-likelihood ratios summed into a probability.

``p_fake = sigmoid(logit(prior) + sum(strength))`` over the evidence, where each HIT carries a
positive log-likelihood ratio (natural log) and a MISS a small negative one; UNKNOWN adds
nothing and, when no signal could look at all, the label is ``insufficient_evidence``, never
clean. The authenticity score is ``round(100 * (1 - p_fake))``.

Defaults (documented in the README, overridable per reason code with ``weights``):
the prior is a 5 % base rate of fakes; each signal module states its own default strengths.

>>> from profilecheck.model import Evidence, Status
>>> v = score("x:y", [Evidence("photo_reuse", "PHOTO_REUSED_ACROSS_PROFILES", Status.HIT, 3.0, "")])
>>> v.score, str(v.label)
(49, 'review')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from profilecheck.model import Evidence, Label, Status, Verdict

__all__ = ["DEFAULT_PRIOR", "FAKE_AT", "REVIEW_AT", "score"]

DEFAULT_PRIOR = 0.05
REVIEW_AT = 0.30  # p_fake at or above which a profile goes to review
FAKE_AT = 0.70  # p_fake at or above which it is called likely fake


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def score(
    profile_id: str,
    evidence: Iterable[Evidence],
    *,
    prior: float = DEFAULT_PRIOR,
    weights: Mapping[str, float] | None = None,
) -> Verdict:
    """Turn a profile's evidence into a :class:`Verdict`.

    Args:
        profile_id: the profile scored.
        evidence: everything the signals said, UNKNOWNs included (they are kept as reasons).
        prior: the base rate of fake profiles in the population scanned.
        weights: per reason code, a strength that replaces the signal's own (from calibration).
    """
    if not 0 < prior < 1:
        raise ValueError(f"prior must be in (0, 1), got {prior!r}")
    weights = weights or {}
    items: list[Evidence] = []
    for e in evidence:
        if e.code in weights and e.status is not Status.UNKNOWN:
            e = Evidence(e.signal, e.code, e.status, float(weights[e.code]), e.detail, e.refs)
        items.append(e)
    z = _logit(prior) + sum(e.strength for e in items if e.status is not Status.UNKNOWN)
    p = 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))
    judged = any(e.status is not Status.UNKNOWN for e in items)
    if p >= FAKE_AT:
        label = Label.LIKELY_FAKE
    elif p >= REVIEW_AT:
        label = Label.REVIEW
    elif not judged:
        label = Label.INSUFFICIENT
    else:
        label = Label.LIKELY_GENUINE
    ordered = sorted(items, key=lambda e: (e.status is not Status.HIT, -e.strength, e.signal, e.code))
    return Verdict(profile_id, round(100 * (1 - p)), p, label, tuple(ordered))
