"""The matching stage's screening part: profiles against the stored lists and the RDAP cache.

Every hit is a :class:`~profilecheck.signals.Match` whose other side is a list entry
(``list:NAME:ENTRY``) or an RDAP answer (``rdap:DOMAIN``), not a profile; the facts a signal
needs to weigh it (the entry's countries and dates of birth, the list's kind, the registration
date) travel in ``detail`` as JSON. The signals :mod:`~profilecheck.signals.screening` and
:mod:`~profilecheck.signals.domain_age` read them; this module only finds them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from profilecheck.normalize import FREE_MAIL_DOMAINS, HOSTING_DOMAINS
from profilecheck.screening.lists import ListEntry, normalize_domain, wallet_key
from profilecheck.screening.names import NameIndex
from profilecheck.signals import Match
from profilecheck.store import Store
from profilecheck.store.screening import iter_list_entries, rdap_rows

__all__ = ["SCREEN_KINDS", "profile_hosts", "screening_matches"]

#: Match kinds whose other side is a list entry or an RDAP answer, not a profile.
SCREEN_KINDS = frozenset({"screen_wallet", "screen_name", "screen_domain", "rdap"})


def _ref(list_name: str, e: ListEntry) -> str:
    return f"list:{list_name}:{e.entry_id}"


def _facts(list_kind: str, e: ListEntry, **extra: Any) -> str:
    return json.dumps(
        {
            "list_kind": list_kind,
            "entry_kind": e.kind,
            "programs": list(e.programs),
            "countries": list(e.countries),
            "birth": list(e.birth),
            **extra,
        },
        sort_keys=True,
    )


def profile_hosts(features: dict[str, Any]) -> list[tuple[str, str]]:
    """``(host, where)`` of a profile's e-mail addresses and links (``where`` is ``email`` or ``link``)."""
    out: list[tuple[str, str]] = []
    for e in features.get("contacts", {}).get("emails", []):
        h = normalize_domain(e)
        if h:
            out.append((h, "email"))
    for link in features.get("links", []):
        h = normalize_domain(str(link).split("/", 1)[0])
        if h:
            out.append((h, "link"))
    return sorted(set(out))


def _suffixes(host: str) -> list[str]:
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


def screening_matches(store: Store) -> dict[str, set[Match]]:
    """Every profile's hits on the stored lists and its cited domains' RDAP answers."""
    out: dict[str, set[Match]] = defaultdict(set)
    wallets: dict[str, list[tuple[str, str, ListEntry, str]]] = defaultdict(list)
    domains: dict[str, list[tuple[str, str, ListEntry]]] = defaultdict(list)
    names: list[tuple[str, str, str, str, str]] = []
    entries: dict[str, tuple[str, str, ListEntry]] = {}
    for list_name, list_kind, e in iter_list_entries(store):
        ref = _ref(list_name, e)
        for ticker, address in e.wallets:
            wallets[wallet_key(ticker, address)].append((list_name, list_kind, e, ticker))
        for d in e.domains:
            if d not in FREE_MAIL_DOMAINS and d not in HOSTING_DOMAINS:  # a list naming gmail.com flags everyone
                domains[d].append((list_name, list_kind, e))
        if list_kind == "sdn" and e.kind == "individual":
            entries[ref] = (list_name, list_kind, e)
            names += [(ref, n.full, n.last, n.first, n.category) for n in e.names]
    if wallets or domains:
        for pid, _h, features in store.iter_features():
            for w in features.get("contacts", {}).get("wallets", []):
                key = str(w).split(":", 1)[-1]
                for list_name, list_kind, e, ticker in wallets.get(key, ()):
                    out[pid].add(
                        Match("screen_wallet", w, _ref(list_name, e), e.label, 0.0, _facts(list_kind, e, ticker=ticker))
                    )
            for host, where in profile_hosts(features):
                for d in _suffixes(host):
                    for list_name, list_kind, e in domains.get(d, ()):
                        facts = _facts(list_kind, e, listed=d, where=where, note=e.remarks[:200])
                        out[pid].add(Match("screen_domain", host, _ref(list_name, e), e.label, 0.0, facts))
    if names:
        index = NameIndex(names)
        for pid, _h, data in store.iter_profiles():
            rec = json.loads(data)
            name = rec.get("name")
            if not name:
                continue
            for hit in index.search(str(name)):
                list_name, list_kind, e = entries[hit.key]
                facts = _facts(list_kind, e, category=hit.category, score=hit.score)
                out[pid].add(Match("screen_name", hit.listed, hit.key, e.label, round(100 - hit.score, 1), facts))
    for pid, domain, status, registered, detail, fetched_at in rdap_rows(store):
        facts = json.dumps(
            {"status": status, "registered": registered, "detail": detail, "fetched_at": fetched_at}, sort_keys=True
        )
        out[pid].add(Match("rdap", domain, f"rdap:{domain}", None, 0.0, facts))
    return dict(out)
