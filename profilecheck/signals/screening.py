"""screening: the profile against published lists the user loaded (``profilecheck lists add``).

The matching stage (:mod:`profilecheck.engine.screening`) finds payout wallets listed on the
U.S. Treasury SDN list (its digital-currency-address ids, compared in canonical form), names
that meet a listed individual's name or alias (transliteration-aware and fuzzy, see
:mod:`profilecheck.screening.names`), and e-mail domains, websites and portfolio links on a
domain list (seized or known-fake company domains) or named by the SDN list. This signal weighs
them.

A wallet is an exact identifier: strong evidence. A name is not: thousands of people share a
listed person's name, so a name alone is weak evidence and only lifts a profile to review when
the list's own facts corroborate it (the entry's nationality, citizenship or address country
equals the profile's claimed country; the profile's claimed date of birth, when a platform
holds one, equals a listed one). A country is never evidence on its own: it only counts beside
a name match. Aliases OFAC calls *weak* count less.

Reason codes:
    SDN_WALLET                       HIT: a payout wallet is a digital-currency address on the SDN list
    SDN_NAME_CORROBORATED            HIT: the name meets a listed individual's name or strong alias
                                     and the entry's country or date of birth agrees
    SDN_NAME_ONLY                    HIT (weak): the name meets a listed name, nothing corroborates it
    LISTED_DOMAIN                    HIT: an e-mail domain, website or portfolio link is on a domain
                                     list (or is a website / e-mail domain the SDN list names)
    SCREENED_CLEAR                   MISS (0): lists are loaded and nothing matched
    NO_LISTS                         UNKNOWN: no list is loaded in the workspace

Known false positives: namesakes of listed people (common names in any culture: this is why a
name alone is weak and why reviewers see the listed entry's programs, countries and dates);
a listed person's relatives sharing the family name (the given name must match too); a domain
that changed hands after it was seized or listed (check the list's date against the profile);
a wallet of an exchange or mixer that OFAC listed and that pays out to many honest users (the
detail names the listed entry; a reviewer decides).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, Match, register

W_WALLET = 4.0
W_NAME_ONLY = 0.4
W_NAME_WEAK_ALIAS = 0.2
W_NAME_COUNTRY = 1.8
W_NAME_BIRTH = 2.8
W_NAME_BOTH = 4.0
W_DOMAIN = 3.0
W_CLEAR = 0.0


def _facts(m: Match) -> dict[str, Any]:
    try:
        d = json.loads(m.detail)
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def _entry(m: Match) -> str:
    """``list NAME entry ID`` from a ``list:NAME:ID`` reference."""
    _, name, entry = [*m.other_id.split(":", 2), "", ""][:3]
    return f"list {name} entry {entry}"


def _birth_agrees(profile: Profile, listed: list[str]) -> bool:
    if profile.birth_date is None:
        return False
    iso = profile.birth_date.isoformat()
    return any(iso.startswith(b) or b.startswith(iso) for b in listed)


@register
class Screening:
    name = "screening"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        loaded = ctx.settings.get("screen_lists") or []
        hits = 0
        for m in ctx.matches_of("screen_wallet"):
            f = _facts(m)
            hits += 1
            yield Evidence(
                self.name,
                "SDN_WALLET",
                Status.HIT,
                W_WALLET,
                f"payout wallet {m.value} is listed ({f.get('ticker', '?')}) for {m.other_name}, "
                f"{_entry(m)}, programs {', '.join(f.get('programs', [])) or '-'}",
                (m.other_id, f"wallet:{m.value}"),
            )
        best: dict[str, tuple[float, str, Evidence]] = {}
        for m in ctx.matches_of("screen_name"):
            f = _facts(m)
            country = profile.country is not None and profile.country.upper() in f.get("countries", [])
            birth = _birth_agrees(profile, f.get("birth", []))
            weak_alias = f.get("category") == "weak"
            if country and birth:
                code, w, why = "SDN_NAME_CORROBORATED", W_NAME_BOTH, "claimed country and date of birth agree"
            elif birth:
                code, w, why = "SDN_NAME_CORROBORATED", W_NAME_BIRTH, "claimed date of birth agrees"
            elif country:
                code, w, why = "SDN_NAME_CORROBORATED", W_NAME_COUNTRY, f"claimed country {profile.country} agrees"
            else:
                code, w, why = "SDN_NAME_ONLY", W_NAME_WEAK_ALIAS if weak_alias else W_NAME_ONLY, "nothing corroborates"
            if weak_alias and code == "SDN_NAME_CORROBORATED":
                w /= 2
            score = 100 - m.distance
            ev = Evidence(
                self.name,
                code,
                Status.HIT,
                w,
                f"name {profile.name!r} meets listed {'weak alias' if weak_alias else 'name'} {m.value!r} "
                f"({score:.0f}/100) of {m.other_name}, {_entry(m)}: {why}; listed countries "
                f"{', '.join(f.get('countries', [])) or '-'}, born {', '.join(f.get('birth', [])) or '-'}",
                (m.other_id,),
            )
            if m.other_id not in best or w > best[m.other_id][0]:
                best[m.other_id] = (w, m.value, ev)
        # One name reason per profile (the strongest); the others' entries ride along as refs.
        if best:
            top = max(best.values(), key=lambda x: (x[0], x[1]))[2]
            others = tuple(k for k in sorted(best) if k not in top.refs)
            hits += 1
            yield Evidence(top.signal, top.code, top.status, top.strength, top.detail, top.refs + others)
        domains = ctx.matches_of("screen_domain")
        if domains:
            hits += 1
            parts = []
            for m in domains:
                f = _facts(m)
                note = f" ({f['note']})" if f.get("note") else ""
                kind = "SDN-listed" if f.get("list_kind") == "sdn" else "listed"
                parts.append(f"{f.get('where', 'link')} domain {m.value} is {kind} as {f.get('listed')}{note}")
            yield Evidence(
                self.name,
                "LISTED_DOMAIN",
                Status.HIT,
                W_DOMAIN,
                "; ".join(sorted(set(parts))),
                tuple(sorted({m.other_id for m in domains})),
            )
        if hits:
            return
        if loaded:
            names = ", ".join(n for n, _ in loaded)
            yield Evidence(self.name, "SCREENED_CLEAR", Status.MISS, W_CLEAR, f"no wallet, name or domain on {names}")
        else:
            yield Evidence(self.name, "NO_LISTS", Status.UNKNOWN, 0.0, "no list loaded (profilecheck lists add)")
