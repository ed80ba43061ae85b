"""github_activity: what the linked GitHub account's own history says about the profile's claims.

Commit time stamps carry the committer's UTC offset. A developer who claims to live in Austin
(``America/Chicago``: -360 or -300 minutes) but commits, week after week, at +540 works on
another clock. Only the disagreement between the profile's *own* claim (its time zone, or its
country's zones) and its own commits counts: a Seoul developer committing at +540 is consistent,
and no offset or country is suspicious by itself. Portfolios that are nothing but forks, or
whose repositories were all made in one burst recently, are padded for the application.

Reason codes:
    COMMIT_TZ_FAR_FROM_CLAIM     HIT: most commits (at least 3) sit 3 hours or more from every
                                 offset of the claimed time zone (or claimed country)
    COMMIT_TZ_FITS_CLAIM         MISS: the commits fit the claim
    FORK_ONLY_PORTFOLIO          HIT (weak): 3 or more public repositories, all forks
    BACKFILLED_PORTFOLIO         HIT (weak): 3 or more repositories, 80 % of them created within
                                 45 days of each other, within the last 180 days
    NO_GITHUB_ACTIVITY           UNKNOWN: no commit offsets, no claim to compare them with, and
                                 no repositories listed

Known false positives: people who travel, work nights for a client abroad, or commit through a
CI bot or a server set to another zone; students whose first repositories are forks. This is why
the portfolio codes are weak and the time-zone code needs most commits, not one, to disagree.
"""

from __future__ import annotations

import functools
import statistics
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register
from profilecheck.signals.identity_consistency import country_zones

W_TZ = 1.5
W_TZ_OK = -0.3
W_FORKS = 0.6
W_BACKFILL = 0.6
FAR_MINUTES = 180
MIN_COMMITS = 3


def zone_offsets(zone: str, year: int) -> set[int]:
    """UTC offsets (minutes) a zone uses in a year (winter and summer); a fresh set each call.

    Cached per (zone, year): ``zoneinfo`` keeps only a few zones loaded, and re-reading a zone
    file for every profile was 14% of the scoring stage at 10^5 profiles.

    >>> sorted(zone_offsets("America/Chicago", 2026))
    [-360, -300]
    >>> sorted(zone_offsets("UTC+09:00", 2026))
    [540]
    """
    return set(_zone_offsets(zone, year))


@functools.lru_cache(maxsize=4096)
def _zone_offsets(zone: str, year: int) -> frozenset[int]:
    z = zone.strip()
    up = z.upper()
    if up.startswith(("UTC", "GMT")) and len(z) > 3:
        sign = -1 if z[3] == "-" else 1
        hh, _, mm = z[4:].partition(":")
        return frozenset({sign * (int(hh) * 60 + int(mm or 0))})
    if up in ("UTC", "GMT"):
        return frozenset({0})
    tz = zoneinfo.ZoneInfo(z)
    out = set()
    for month in (1, 4, 7, 10):
        off = datetime(year, month, 15, 12, tzinfo=UTC).astimezone(tz).utcoffset() or timedelta(0)
        out.add(int(off.total_seconds() // 60))
    return frozenset(out)


def _distance(offset: int, claimed: set[int]) -> int:
    def d(a: int, b: int) -> int:
        x = abs(a - b) % 1440
        return min(x, 1440 - x)

    return min(d(offset, c) for c in claimed)


def _claimed_offsets(profile: Profile, year: int) -> tuple[set[int], str] | None:
    if profile.timezone:
        try:
            return zone_offsets(profile.timezone, year), f"time zone {profile.timezone}"
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            pass
    cc = (profile.country or "").upper()
    zones = country_zones().get(cc) if cc else None
    if zones:
        offs: set[int] = set()
        for z in zones:
            try:
                offs |= zone_offsets(z, year)
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):
                continue
        if offs:
            return offs, f"country {cc}"
    return None


@register
class GithubActivity:
    name = "github_activity"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        act = profile.activity
        said = False
        offsets = list(act.commit_tz_offsets)
        claim = _claimed_offsets(profile, ctx.now.year)
        login = f"github:{act.github_login}" if act.github_login else ""
        if len(offsets) >= MIN_COMMITS and claim is not None:
            said = True
            claimed, what = claim
            far = [o for o in offsets if _distance(o, claimed) >= FAR_MINUTES]
            typical = int(statistics.median(offsets))
            if len(far) >= 0.8 * len(offsets):
                gap = _distance(typical, claimed)
                strength = W_TZ + min(0.5, 0.05 * (len(far) - MIN_COMMITS))
                yield Evidence(
                    self.name,
                    "COMMIT_TZ_FAR_FROM_CLAIM",
                    Status.HIT,
                    strength,
                    f"{len(far)} of {len(offsets)} commits at UTC{typical / 60:+g}h, {gap / 60:g} h from the claimed "
                    f"{what} (UTC{', '.join(f'{c / 60:+g}h' for c in sorted(claimed))})",
                    (login,) if login else (),
                )
            else:
                yield Evidence(
                    self.name,
                    "COMMIT_TZ_FITS_CLAIM",
                    Status.MISS,
                    W_TZ_OK,
                    f"{len(offsets) - len(far)} of {len(offsets)} commits fit the claimed {what}",
                )
        repos = list(act.repos)
        if len(repos) >= 3:
            said = True
            if all(r.fork for r in repos):
                yield Evidence(
                    self.name,
                    "FORK_ONLY_PORTFOLIO",
                    Status.HIT,
                    W_FORKS,
                    f"all {len(repos)} public repositories are forks",
                    (login,) if login else (),
                )
            created = sorted(_aware(r.created_at, ctx.now) for r in repos if r.created_at is not None)
            if len(created) >= 3:
                need = max(3, int(0.8 * len(created) + 0.999))
                burst = min(
                    (created[i + need - 1] - created[i] for i in range(len(created) - need + 1)),
                    default=timedelta(days=9999),
                )
                if burst <= timedelta(days=45) and ctx.now - created[-1] <= timedelta(days=180):
                    yield Evidence(
                        self.name,
                        "BACKFILLED_PORTFOLIO",
                        Status.HIT,
                        W_BACKFILL,
                        f"{need} of {len(created)} repositories created within {burst.days} days, the latest "
                        f"{(ctx.now - created[-1]).days} days ago",
                        (login,) if login else (),
                    )
        if not said:
            yield Evidence(
                self.name,
                "NO_GITHUB_ACTIVITY",
                Status.UNKNOWN,
                0.0,
                "no commit time zones with a claim to compare, and no repositories listed",
            )


def _aware(d: datetime, now: datetime) -> datetime:
    return d if d.tzinfo is not None else d.replace(tzinfo=now.tzinfo)
