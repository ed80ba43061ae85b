"""identity_consistency: what a profile claims against what its accounts show.

This first slice compares claimed years of experience with the age of the accounts that
should reflect it. A developer who claims ten years of work but whose linked GitHub account
was made last month is a classic sign of an invented identity; a marketplace account that is
young says much less (people join platforms late in their careers), so it weighs less.

Reason codes:
    EXPERIENCE_OLDER_THAN_GITHUB     HIT: claimed experience exceeds the linked GitHub
                                     account's age by more than the grace period
    EXPERIENCE_OLDER_THAN_ACCOUNT    HIT (weak): a platform account under a year old with a
                                     claim of long experience
    CLAIMS_CONSISTENT                MISS: the accounts are old enough for the claim
    NO_EXPERIENCE_CLAIM              UNKNOWN: no claim, or no account date to check it against

Known false positives: people whose work was private (no GitHub history) and who made an
account to apply; this is why a young account alone is never more than weak evidence. A
country, time zone or language is never used here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

GRACE_YEARS = 4.0  # experience often predates a public account
W_GITHUB = 1.2
W_PLATFORM = 0.4
W_OK = -0.2
_YEAR = 365.25 * 86400


def _age_years(created: datetime, now: datetime) -> float:
    if created.tzinfo is None:
        created = created.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - created).total_seconds() / _YEAR)


@register
class IdentityConsistency:
    name = "identity_consistency"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        claim = profile.experience_years
        gh = profile.activity.github_created_at
        if claim is None or (gh is None and profile.created_at is None):
            yield Evidence(self.name, "NO_EXPERIENCE_CLAIM", Status.UNKNOWN, 0.0, "no experience claim or account date")
            return
        if gh is not None:
            age = _age_years(gh, ctx.now)
            if claim > age + GRACE_YEARS:
                yield Evidence(
                    self.name,
                    "EXPERIENCE_OLDER_THAN_GITHUB",
                    Status.HIT,
                    W_GITHUB + min(1.0, 0.1 * (claim - age - GRACE_YEARS)),
                    f"claims {claim:g} years of experience; linked GitHub account is {age:.1f} years old",
                    (f"github:{profile.activity.github_login}" if profile.activity.github_login else "",),
                )
                return
        if profile.created_at is not None and gh is None:
            age = _age_years(profile.created_at, ctx.now)
            if age < 1.0 and claim >= 8:
                yield Evidence(
                    self.name,
                    "EXPERIENCE_OLDER_THAN_ACCOUNT",
                    Status.HIT,
                    W_PLATFORM,
                    f"claims {claim:g} years of experience on an account {age * 12:.0f} months old",
                )
                return
        yield Evidence(self.name, "CLAIMS_CONSISTENT", Status.MISS, W_OK, "account ages fit the experience claimed")
