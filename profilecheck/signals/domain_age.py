"""domain_age: reference domains registered shortly before the profile was gathered (RDAP).

A fake company or a made-up employer is often a domain registered weeks before the profile that
cites it. When the user asks for it (``profilecheck rdap`` or ``check --rdap``), the registration
date of each distinct registered domain a profile cites (its e-mail domains, website and portfolio
links; free-mail and hosting platforms excluded) is fetched over RDAP and cached in the store;
the matching stage hands the answers to this signal, which compares them with the time the
profile was gathered (its provenance, else the scan's time).

Reason codes:
    YOUNG_DOMAIN          HIT: a cited domain was registered less than YOUNG_DAYS (180) days
                          before the profile was gathered
    DOMAINS_ESTABLISHED   MISS (0): every cited domain with an RDAP answer is older
    DOMAIN_AGE_UNKNOWN    UNKNOWN: the RDAP lookup failed (not found, refused, rate-limited,
                          no registration event): never counted either way
    NO_DOMAIN_AGE         UNKNOWN: no RDAP answer for the profile's domains (RDAP is opt-in),
                          or the profile cites no private domain

Known false positives: new businesses and freelancers who just bought their own domain (so it
is moderate evidence, never enough alone for "likely fake"); domains re-registered after they
lapsed (RDAP gives the latest registration); registries whose RDAP lacks a registration event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

YOUNG_DAYS = 180
W_YOUNG = 1.0
W_OK = 0.0


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@register
class DomainAge:
    name = "domain_age"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        answers = ctx.matches_of("rdap")
        if not answers:
            yield Evidence(self.name, "NO_DOMAIN_AGE", Status.UNKNOWN, 0.0, "no RDAP answer for a cited domain")
            return
        gathered = profile.provenance.fetched_at or ctx.now
        if gathered.tzinfo is None:
            gathered = gathered.replace(tzinfo=UTC)
        young: list[tuple[str, int, str]] = []
        old: list[str] = []
        unknown: list[str] = []
        for m in sorted(answers, key=lambda m: m.value):
            try:
                f = json.loads(m.detail)
            except ValueError:
                f = {}
            reg = _when(f.get("registered")) if f.get("status") == "ok" else None
            if reg is None:
                unknown.append(f"{m.value} ({f.get('detail') or 'no registration date'})")
                continue
            days = (gathered - reg).days
            if days < YOUNG_DAYS:
                young.append((m.value, days, reg.date().isoformat()))
            else:
                old.append(m.value)
        if young:
            parts = [
                f"{d} registered {when}, {max(days, 0)} days before the profile was gathered" for d, days, when in young
            ]
            yield Evidence(
                self.name,
                "YOUNG_DOMAIN",
                Status.HIT,
                W_YOUNG,
                "; ".join(parts),
                tuple(f"rdap:{d}" for d, _, _ in young),
            )
        elif old:
            yield Evidence(
                self.name, "DOMAINS_ESTABLISHED", Status.MISS, W_OK,
                f"{', '.join(old)} registered {YOUNG_DAYS}+ days before the profile was gathered",
            )  # fmt: skip
        if unknown and not young and not old:
            yield Evidence(self.name, "DOMAIN_AGE_UNKNOWN", Status.UNKNOWN, 0.0, "RDAP: " + "; ".join(unknown))
