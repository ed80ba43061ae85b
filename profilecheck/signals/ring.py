"""ring: the profile belongs to a cluster of profiles tied by several independent shared artifacts.

The engine builds the graph of shared artifacts (:mod:`profilecheck.graph`) and hands each
profile its cluster. A ring is a cluster tied by at least two *families* of artifact (photo,
wallet, phone, e-mail, domain, link, text ...) whose evidence reaches the ring threshold. The
strength grows with the evidence, not with the head count: per family the strongest kind's
weight, a little more for each further distinct shared value, and it is scaled by how strongly
this member itself is tied into the cluster.

Reason codes:
    RING_MEMBER          HIT: in a ring; strength ``min(4, 1 + 0.8 * log2(evidence / 5) + 0.3 * (families - 2))``
                         times ``min(1, own tie / 3)``
    CLUSTER_WEAK         MISS (0): linked to other profiles by a single family of artifact, or by
                         too little evidence to call a ring (e.g. colleagues sharing a company domain)
    NO_CLUSTER           MISS (0): linked to no other profile strongly enough to cluster

Known false positives: a small agency whose staff share the company's domain, phone and
portfolio links and reuse one stock photo; a family sharing a phone and a payout wallet. A
country or time zone never enters the graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

RING_EVIDENCE = 5.0  # the same as profilecheck.graph.RING_MIN
W_MAX = 4.0


def ring_strength(evidence: float, families: int, own_tie: float) -> float:
    """Log-likelihood ratio of a ring membership.

    >>> round(ring_strength(5.0, 2, 3.0), 3), round(ring_strength(20.0, 5, 9.0), 3)
    (1.0, 3.5)
    """
    base = 1.0 + 0.8 * math.log2(max(evidence, RING_EVIDENCE) / RING_EVIDENCE) + 0.3 * max(0, families - 2)
    return min(W_MAX, base) * min(1.0, own_tie / 3.0)


@register
class Ring:
    name = "ring"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        c = ctx.cluster
        if not c:
            yield Evidence(self.name, "NO_CLUSTER", Status.MISS, 0.0, "tied to no other profile")
            return
        others = [m for m in c["members"] if m != profile.id]
        fams = list(c["families"])
        mine = [a for a in c["artifacts"] if profile.id in a["holders"]]
        what = ", ".join(sorted({a["family"] for a in mine})) or "nothing directly"
        refs = (f"cluster:{c['id']}", *others[:50])
        if not c["is_ring"]:
            yield Evidence(
                self.name,
                "CLUSTER_WEAK",
                Status.MISS,
                0.0,
                f"in a cluster of {c['size']} tied only by {', '.join(fams)} (evidence {c['evidence']:.1f}): "
                "not enough independent ties for a ring",
                refs,
            )
            return
        tie = float(c.get("ties", {}).get(profile.id, 0.0))
        strength = ring_strength(float(c["evidence"]), len(fams), tie)
        yield Evidence(
            self.name,
            "RING_MEMBER",
            Status.HIT,
            strength,
            f"one of {c['size']} profiles tied by {len(fams)} kinds of shared artifact ({', '.join(fams)}; "
            f"evidence {c['evidence']:.1f}); this profile shares {what}",
            refs,
        )
