"""identity_consistency: what a profile claims against what its own accounts and claims show.

It compares claimed years of experience with the age of the accounts that should reflect it (a
developer who claims ten years of work but whose linked GitHub account was made last month is a
classic sign of an invented identity; a young marketplace account says much less, so it weighs
less); the name against the handle and the e-mail addresses; the name's scripts (a Cyrillic
``а`` inside a Latin name is a homoglyph trick to dodge name matching, found with
``confusable-homoglyphs``); and the claimed country against the claimed time zone. Commit time
zones against the claimed location are :mod:`github_activity`'s part.

Reason codes:
    EXPERIENCE_OLDER_THAN_GITHUB     HIT: claimed experience exceeds the linked GitHub
                                     account's age by more than the grace period
    EXPERIENCE_OLDER_THAN_ACCOUNT    HIT (weak): a platform account under a year old with a
                                     claim of long experience
    CLAIMS_CONSISTENT                MISS: the accounts are old enough for the claim
    NO_EXPERIENCE_CLAIM              UNKNOWN: no claim, or no account date to check it against
    NAME_CONFUSABLE_MIXED_SCRIPT     HIT: one word of the name mixes scripts with look-alike letters
    NAME_UNRELATED_TO_HANDLE_EMAIL   HIT (weak): neither the handle nor any e-mail's local part
                                     shares a part of the name
    NAME_FITS_HANDLE_OR_EMAIL        MISS (0): the handle or an e-mail carries a part of the name
    COUNTRY_TIMEZONE_MISMATCH        HIT (weak): the claimed time zone is not one of the claimed
                                     country's time zones (IANA zone.tab)
    COUNTRY_TIMEZONE_CONSISTENT      MISS (0)

Known false positives: people whose work was private (no GitHub history) and who made an
account to apply (so a young account alone is never more than weak evidence); nicknames and
brand handles (so a handle unrelated to the name is weak and needs e-mails that say nothing
either); people who moved or work to a client's clock (a time zone outside the claimed country
is weak). A country, time zone or language is never evidence on its own here: only a
disagreement between two of the profile's own claims counts.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from confusable_homoglyphs import confusables

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register
from profilecheck.signals._util import fold_name

GRACE_YEARS = 4.0  # experience often predates a public account
W_GITHUB = 1.2
W_PLATFORM = 0.4
W_OK = -0.2
W_CONFUSABLE = 1.5
W_UNRELATED = 0.3
W_TZ_COUNTRY = 0.4
_YEAR = 365.25 * 86400


@lru_cache(maxsize=1)
def country_zones() -> dict[str, frozenset[str]]:
    """ISO country code -> IANA zone names, from the system's ``zone.tab`` / ``zone1970.tab``.

    Empty when no zone table is installed (the check then says nothing).
    """
    out: dict[str, set[str]] = {}
    for base in zoneinfo.TZPATH:
        for name in ("zone.tab", "zone1970.tab"):
            f = Path(base) / name
            if not f.is_file():
                continue
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.split("\t")
                if len(cols) >= 3:
                    for cc in cols[0].split(","):
                        out.setdefault(cc.upper(), set()).add(cols[2])
    return {k: frozenset(v) for k, v in out.items()}


def _links(zone: str) -> set[str]:
    """A zone and the old names it is known by (``Europe/Kiev`` for ``Europe/Kyiv``)."""
    aliases = {"Europe/Kyiv": "Europe/Kiev", "Europe/Kiev": "Europe/Kyiv", "Asia/Kolkata": "Asia/Calcutta"}
    return {zone, aliases.get(zone, zone)}


def _name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", fold_name(name)) if len(t) >= 3]


def _name_in(tokens: list[str], initials: str, text: str) -> bool:
    t = re.sub(r"[^a-z0-9]", "", fold_name(text))
    if not t:
        return False
    return any(tok in t for tok in tokens) or (len(initials) >= 2 and t.startswith(initials))


def _confusable_word(name: str) -> str | None:
    """The first word of ``name`` that mixes scripts with look-alike letters, if any."""
    for word in name.split():
        letters = "".join(c for c in word if c.isalpha())
        if len(letters) < 2:
            continue
        if confusables.is_mixed_script(letters) and confusables.is_dangerous(letters):
            return word
    return None


def _scripts(word: str) -> str:
    names = sorted({unicodedata.name(c, "?").split(" ")[0] for c in word if c.isalpha()})
    return "+".join(names)


def _age_years(created: datetime, now: datetime) -> float:
    if created.tzinfo is None:
        created = created.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - created).total_seconds() / _YEAR)


@register
class IdentityConsistency:
    name = "identity_consistency"
    version = 2

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        yield from self._experience(profile, ctx)
        yield from self._name(profile)
        yield from self._country_timezone(profile)

    def _name(self, profile: Profile) -> Iterator[Evidence]:
        if not profile.name:
            return
        word = _confusable_word(profile.name)
        if word is not None:
            yield Evidence(
                self.name,
                "NAME_CONFUSABLE_MIXED_SCRIPT",
                Status.HIT,
                W_CONFUSABLE,
                f"the name's word {word!r} mixes scripts ({_scripts(word)}) with look-alike letters",
            )
        tokens = _name_tokens(profile.name)
        initials = "".join(t[0] for t in re.split(r"[^a-z0-9]+", fold_name(profile.name)) if t)
        locals_ = [e.split("@", 1)[0] for e in profile.contacts.emails if "@" in e]
        if not tokens or not locals_:
            return
        if _name_in(tokens, initials, profile.handle) or any(_name_in(tokens, initials, x) for x in locals_):
            yield Evidence(
                self.name, "NAME_FITS_HANDLE_OR_EMAIL", Status.MISS, 0.0, "handle or e-mail carries the name"
            )
            return
        yield Evidence(
            self.name,
            "NAME_UNRELATED_TO_HANDLE_EMAIL",
            Status.HIT,
            W_UNRELATED,
            f"name {profile.name!r} shares no part with the handle {profile.handle!r} or the e-mail(s) "
            f"{', '.join(locals_)}",
        )

    def _country_timezone(self, profile: Profile) -> Iterator[Evidence]:
        tz, cc = profile.timezone, (profile.country or "").upper()
        if not tz or not cc or "/" not in tz:
            return
        zones = country_zones().get(cc)
        if not zones:
            return
        if _links(tz) & zones:
            yield Evidence(self.name, "COUNTRY_TIMEZONE_CONSISTENT", Status.MISS, 0.0, f"{tz} is a time zone of {cc}")
            return
        yield Evidence(
            self.name,
            "COUNTRY_TIMEZONE_MISMATCH",
            Status.HIT,
            W_TZ_COUNTRY,
            f"claims country {cc} but time zone {tz}, which is not one of {cc}'s",
        )

    def _experience(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
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
