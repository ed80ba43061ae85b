"""Registration dates of cited domains over RDAP (RFC 9083), fetched only when the user asks.

An RDAP query tells the registry which domain you are curious about: it is opt-in
(``profilecheck rdap``, ``profilecheck check --rdap``) and goes only to the server the user
names or accepts: a base URL (``--rdap-url``; default ``https://rdap.org``, the public
redirector to each registry's server) or an IANA bootstrap file the user holds
(``--rdap-bootstrap dns.json``, the format of RFC 9224: ``{"services": [[["com", "net"],
["https://rdap.verisign.com/com/v1/"]], ...]}``), never fetched by us. Every request goes
through the SSRF-guarded :class:`~profilecheck.fetch.SafeFetcher` (redirect hops checked too,
body capped).

Answers are cached in the store (``rdap_cache``): a registration date for ``ttl_days`` (30),
a failure (not found, refused, rate-limited, no registration event) for ``failure_ttl_hours``
(24), recorded as UNKNOWN: a failure is never evidence either way.

>>> registration_date(b'{"objectClassName": "domain", "events": [{"eventAction": "registration",'
...                   b' "eventDate": "2026-01-05T10:00:00Z"}]}')
'2026-01-05T10:00:00+00:00'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from profilecheck.errors import FetchError, InputError
from profilecheck.fetch import SafeFetcher
from profilecheck.store import Store
from profilecheck.store.screening import get_rdap, put_rdap

__all__ = [
    "DEFAULT_RDAP_URL",
    "RdapReport",
    "cited_domains",
    "load_bootstrap",
    "lookup_domains",
    "rdap_url",
    "registration_date",
]

DEFAULT_RDAP_URL = "https://rdap.org"
MAX_RDAP_BYTES = 1024 * 1024


def load_bootstrap(path: Path | str) -> dict[str, list[str]]:
    """TLD -> RDAP base URLs from an IANA bootstrap file (``dns.json``) the user holds.

    Raises:
        InputError: missing file, not JSON, or not the bootstrap format.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{p}: cannot read the RDAP bootstrap file ({exc})", path=str(p)) from exc
    except ValueError as exc:
        raise InputError(f"{p}: not JSON ({exc})", path=str(p)) from exc
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, list):
        raise InputError(f"{p}: no 'services' list: not an IANA RDAP bootstrap file", path=str(p))
    out: dict[str, list[str]] = {}
    for svc in services:
        if not (isinstance(svc, list) and len(svc) >= 2 and isinstance(svc[0], list) and isinstance(svc[1], list)):
            continue
        urls = [str(u) for u in svc[1] if isinstance(u, str)]
        urls.sort(key=lambda u: not u.startswith("https://"))  # https first, as RFC 9224 asks
        for tld in svc[0]:
            if isinstance(tld, str) and urls:
                out[tld.lower().strip(".")] = urls
    if not out:
        raise InputError(f"{p}: the bootstrap file names no TLD", path=str(p))
    return out


def rdap_url(domain: str, base_url: str | None = None, bootstrap: Mapping[str, Sequence[str]] | None = None) -> str:
    """The RDAP domain query URL: from the bootstrap (longest matching suffix), else the base URL.

    >>> rdap_url("acme.example", "https://rdap.test/v1/")
    'https://rdap.test/v1/domain/acme.example'
    >>> rdap_url("acme.co.uk", bootstrap={"uk": ["https://rdap.nominet.uk/uk/"]})
    'https://rdap.nominet.uk/uk/domain/acme.co.uk'

    Raises:
        InputError: the bootstrap names no server for the domain's TLD and no base URL is given.
    """
    if bootstrap:
        labels = domain.lower().split(".")
        for i in range(len(labels)):
            urls = bootstrap.get(".".join(labels[i:]))
            if urls:
                return urls[0].rstrip("/") + "/domain/" + quote(domain)
        if base_url is None:
            raise InputError(f"{domain}: the RDAP bootstrap names no server for .{labels[-1]}")
    return (base_url or DEFAULT_RDAP_URL).rstrip("/") + "/domain/" + quote(domain)


def registration_date(body: bytes) -> str | None:
    """The ``registration`` event's date of an RDAP domain object, ISO 8601 with offset, or None.

    Raises:
        ValueError: the body is not an RDAP JSON object.
    """
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not an RDAP object")
    for ev in data.get("events") or []:
        if isinstance(ev, dict) and str(ev.get("eventAction", "")).lower() == "registration":
            raw = str(ev.get("eventDate") or "")
            try:
                when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                return None
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()
    return None


@dataclass
class RdapReport:
    """What a round of lookups did."""

    domains: int = 0
    fetched: int = 0
    cached: int = 0
    ok: int = 0
    unknown: int = 0
    problems: list[str] = field(default_factory=list)


def cited_domains(store: Store, profile_ids: Iterable[str] | None = None) -> list[str]:
    """Distinct private registered domains cited by the stored (analysed) profiles, or by ``profile_ids``."""
    sql = "SELECT DISTINCT value FROM artifacts WHERE kind IN ('email_domain', 'link_domain')"
    if profile_ids is None:
        return [r[0] for r in store.conn.execute(sql + " ORDER BY value")]
    ids = list(profile_ids)
    marks = ",".join("?" * len(ids))
    return [r[0] for r in store.conn.execute(f"{sql} AND profile_id IN ({marks}) ORDER BY value", ids)]


def _fresh(row: Mapping[str, Any] | None, now: datetime, ttl: timedelta, failure_ttl: timedelta) -> bool:
    if row is None:
        return False
    try:
        at = datetime.fromisoformat(str(row["fetched_at"]))
    except ValueError:
        return False
    return now - at < (ttl if row["status"] == "ok" else failure_ttl)


def lookup_domains(
    store: Store,
    domains: Iterable[str],
    fetcher: SafeFetcher,
    *,
    base_url: str | None = None,
    bootstrap: Mapping[str, Sequence[str]] | None = None,
    ttl_days: float = 30,
    failure_ttl_hours: float = 24,
    now: datetime | None = None,
) -> RdapReport:
    """Fetch (or take from the cache) the registration date of each domain; store every answer."""
    now = now or datetime.now(UTC)
    ttl, failure_ttl = timedelta(days=ttl_days), timedelta(hours=failure_ttl_hours)
    rep = RdapReport()
    for domain in sorted(set(domains)):
        rep.domains += 1
        if _fresh(get_rdap(store, domain), now, ttl, failure_ttl):
            rep.cached += 1
            continue
        url = rdap_url(domain, base_url, bootstrap)
        rep.fetched += 1
        status, registered, detail = "unknown", None, ""
        try:
            res = fetcher.get(url, headers={"Accept": "application/rdap+json, application/json;q=0.9"})
            if res.status == 200:
                try:
                    registered = registration_date(res.body)
                except ValueError as exc:
                    detail = f"not RDAP JSON ({exc})"[:200]
                else:
                    status = "ok" if registered else "unknown"
                    detail = "" if registered else "no registration event"
            elif res.status == 404:
                detail = "not found at the RDAP server (HTTP 404)"
            elif res.status == 429:
                detail = f"rate limited (HTTP 429, Retry-After {res.headers.get('retry-after', '-')})"
            else:
                detail = f"HTTP {res.status}"
        except FetchError as exc:  # BlockedError included: the guard's refusal is a failure, never evidence
            detail = str(exc)[:200]
        put_rdap(store, domain, status, registered, detail, url.rsplit("/domain/", 1)[0])
        if status == "ok":
            rep.ok += 1
        else:
            rep.unknown += 1
            rep.problems.append(f"{domain}: {detail}")
    return rep
