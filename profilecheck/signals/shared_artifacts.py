"""shared_artifacts: contacts, payout wallets, private domains and links shared across profiles.

"Different" freelancers of one ring are paid into the same wallet, answer the same phone and
e-mail, and list the same reference websites and portfolio links.

Reason codes (HIT unless noted):
    SHARED_WALLET          the same payout wallet address
    SHARED_PHONE           the same phone number (E.164)
    SHARED_EMAIL           the same e-mail address (normalised: case, dots, +tags)
    SHARED_EMAIL_DOMAIN    an e-mail at the same private domain (free-mail domains never count)
    SHARED_LINK            the same portfolio or reference link
    SHARED_LINK_DOMAIN     links to the same private domain (hosting platforms never count)
    NO_SHARED_ARTIFACTS    MISS: contacts and links given, none shared
    NO_CONTACTS            UNKNOWN: nothing to compare

Known false positives: colleagues at one small agency (shared company domain and phone);
family members sharing a phone. A link to a profile with the same name counts at a tenth
of the weight across platforms (one person's own accounts) and a third on one platform.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, Match, register
from profilecheck.signals._util import link_weight

WEIGHTS: dict[str, tuple[str, float, str]] = {
    "wallet": ("SHARED_WALLET", 3.0, "payout wallet"),
    "phone": ("SHARED_PHONE", 2.5, "phone number"),
    "email": ("SHARED_EMAIL", 2.5, "e-mail address"),
    "email_domain": ("SHARED_EMAIL_DOMAIN", 1.2, "private e-mail domain"),
    "link": ("SHARED_LINK", 1.2, "link"),
    "link_domain": ("SHARED_LINK_DOMAIN", 0.8, "private web domain"),
}
W_NONE = -0.2


@register
class SharedArtifacts:
    name = "shared_artifacts"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        contacts = ctx.features.get("contacts", {})
        has_any = any(contacts.get(k) for k in ("emails", "phones", "wallets")) or bool(ctx.features.get("links"))
        if not has_any:
            yield Evidence(self.name, "NO_CONTACTS", Status.UNKNOWN, 0.0, "no contact, wallet or link to compare")
            return
        grouped: dict[str, list[Match]] = defaultdict(list)
        for m in ctx.matches_of(*WEIGHTS):
            grouped[m.kind].append(m)
        if not grouped:
            yield Evidence(self.name, "NO_SHARED_ARTIFACTS", Status.MISS, W_NONE, "no contact, wallet or link shared")
            return
        for kind, (code, weight, what) in WEIGHTS.items():
            ms = grouped.get(kind)
            if not ms:
                continue
            others = sorted({m.other_id for m in ms})
            rel = max(link_weight(profile.platform, profile.name, m.other_id, m.other_name) for m in ms)
            strength = weight * rel * min(1.5, 1 + 0.1 * (len(others) - 1))
            values = sorted({m.value for m in ms})
            yield Evidence(
                self.name,
                code,
                Status.HIT,
                strength,
                f"{what} {', '.join(values)} shared with {len(others)} other profile(s)",
                tuple(others) + tuple(f"{kind}:{v}" for v in values),
            )
