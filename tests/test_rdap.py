"""Young reference domains: RDAP against a loopback server, the cache, the guard and the signal."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from profilecheck.engine import scan
from profilecheck.errors import InputError
from profilecheck.fetch import SafeFetcher
from profilecheck.model import Profile
from profilecheck.rdap import cited_domains, load_bootstrap, lookup_domains, rdap_url
from profilecheck.store import Store
from profilecheck.store.screening import get_rdap
from tests.loopback import serve

GATHERED = datetime(2026, 11, 10, tzinfo=UTC)
REGISTERED = {
    "young-co-fixture.com": (GATHERED - timedelta(days=30)).isoformat().replace("+00:00", "Z"),
    "old-co-fixture.com": "2009-04-01T00:00:00Z",
}


def _handler(h: Any) -> tuple[int, dict[str, str], bytes]:
    name = h.path.rsplit("/domain/", 1)[-1]
    if name in REGISTERED:
        body = {
            "objectClassName": "domain",
            "ldhName": name,
            "events": [
                {"eventAction": "last changed", "eventDate": "2026-11-01T00:00:00Z"},
                {"eventAction": "registration", "eventDate": REGISTERED[name]},
            ],
        }
        return 200, {"Content-Type": "application/rdap+json"}, json.dumps(body).encode()
    if name == "noevent-fixture.com":
        return 200, {"Content-Type": "application/rdap+json"}, b'{"objectClassName": "domain", "events": []}'
    if name == "garbled-fixture.com":
        return 200, {"Content-Type": "text/html"}, b"<html>not rdap</html>"
    if name == "busy-fixture.com":
        return 429, {"Retry-After": "60"}, b""
    return 404, {"Content-Type": "application/rdap+json"}, b'{"errorCode": 404, "title": "Not Found"}'


def _p(handle: str, **fields: Any) -> Profile:
    prov = {"source": "test", "fetched_at": GATHERED.isoformat()}
    return Profile.model_validate({"platform": "gigmarket", "handle": handle, "provenance": prov, **fields})


PROFILES = [
    _p("young", name="Ann Young", contacts={"emails": ["ann@young-co-fixture.com"]}, links=["https://gmail.com/x"]),
    _p("old", name="Bob Old", links=["https://www.old-co-fixture.com/about", "https://github.com/bob"]),
    _p("mixed", name="Cy Mix", links=["https://old-co-fixture.com", "https://shop.noevent-fixture.com/"]),
    _p(
        "fails",
        name="Di Fail",
        links=["https://missing-fixture.com", "https://garbled-fixture.com", "https://busy-fixture.com"],
    ),
    _p("none", name="Ed None", contacts={"emails": ["ed@gmail.com"]}, links=["https://github.com/ed"]),
]


def _codes(store: Store, pid: str) -> list[tuple[str, str]]:
    v = store.get_verdict(f"gigmarket:{pid}")
    assert v is not None
    return [(e.code, str(e.status)) for e in v.evidence if e.signal == "domain_age"]


def test_young_domain_over_loopback_rdap(tmp_path: Path) -> None:
    """Registration dates come from the RDAP server; young ones are evidence, failures UNKNOWN, all cached."""
    fetcher = SafeFetcher(allow_loopback=True, max_bytes=1 << 20, timeout=5)
    with serve(_handler) as srv, Store(tmp_path) as store:
        store.upsert_profiles(PROFILES, "test")
        scan(store, now=GATHERED)
        assert ("NO_DOMAIN_AGE", "unknown") in _codes(store, "young")  # RDAP is opt-in: nothing fetched yet
        assert 0 == srv.accepts
        domains = cited_domains(store)
        want = ["busy", "garbled", "missing", "noevent", "old-co", "young-co"]
        assert [f"{d}-fixture.com" for d in want] == domains  # free mail and hosting platforms are never looked up
        rep = lookup_domains(store, domains, fetcher, base_url=srv.base + "/rdap/")
        assert (6, 6, 0, 2, 4) == (rep.domains, rep.fetched, rep.cached, rep.ok, rep.unknown)
        assert {"/rdap/domain/" + d for d in domains} == {p for p, _ in srv.requests}
        assert "application/rdap+json" in srv.requests[0][1]["accept"]
        scan(store, now=GATHERED)
        assert [("YOUNG_DOMAIN", "hit")] == _codes(store, "young")
        young = store.get_verdict("gigmarket:young")
        assert young is not None
        detail = next(e.detail for e in young.evidence if e.code == "YOUNG_DOMAIN")
        assert "young-co-fixture.com registered 2026-10-11, 30 days before the profile was gathered" == detail
        assert [("DOMAINS_ESTABLISHED", "miss")] == _codes(store, "old")
        assert [("DOMAINS_ESTABLISHED", "miss")] == _codes(store, "mixed")  # the failed lookup is not evidence
        assert [("DOMAIN_AGE_UNKNOWN", "unknown")] == _codes(store, "fails")
        assert [("NO_DOMAIN_AGE", "unknown")] == _codes(store, "none")
        busy = get_rdap(store, "busy-fixture.com")
        assert busy is not None and "rate limited" in busy["detail"] and busy["status"] == "unknown"
        # a second round within the TTL asks nothing
        n = len(srv.requests)
        rep = lookup_domains(store, domains, fetcher, base_url=srv.base + "/rdap/")
        assert (0, 6) == (rep.fetched, rep.cached) and n == len(srv.requests)
        # failures expire sooner than answers
        later = datetime.now(UTC) + timedelta(days=2)
        rep = lookup_domains(store, domains, fetcher, base_url=srv.base + "/rdap/", now=later)
        assert (4, 2) == (rep.fetched, rep.cached)


def test_guard_refuses_without_loopback_opt_in(tmp_path: Path) -> None:
    """The SSRF guard refuses the loopback server unless told; the refusal is UNKNOWN, never evidence."""
    with serve(_handler) as srv, Store(tmp_path) as store:
        store.upsert_profiles(PROFILES[:1], "test")
        scan(store, now=GATHERED)
        rep = lookup_domains(store, cited_domains(store), SafeFetcher(), base_url=srv.base)
        assert (1, 0) == (rep.unknown, srv.accepts)
        assert "blocked range" in rep.problems[0]
        scan(store, now=GATHERED)
        assert [("DOMAIN_AGE_UNKNOWN", "unknown")] == _codes(store, "young")


def test_bootstrap_file(tmp_path: Path) -> None:
    """An IANA bootstrap file the user holds picks the server by TLD; a TLD it lacks is named."""
    f = tmp_path / "dns.json"
    f.write_text(
        json.dumps(
            {
                "version": "1.0",
                "publication": "2026-11-01T00:00:00Z",
                "services": [[["example", "test"], ["http://a.invalid/", "https://rdap.example.net/v1/"]]],
            }
        )
    )
    table = load_bootstrap(f)
    assert "https://rdap.example.net/v1/domain/acme.example" == rdap_url("acme.example", bootstrap=table)
    with pytest.raises(InputError, match=r"no server for \.org"):
        rdap_url("acme.org", bootstrap=table)
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(InputError, match="not an IANA RDAP bootstrap"):
        load_bootstrap(tmp_path / "bad.json")


def test_cli_rdap(tmp_path: Path) -> None:
    """profilecheck rdap looks the cited domains up and rescores."""
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(p.model_dump_json() for p in PROFILES[:2]) + "\n")
    ws = str(tmp_path / "ws")
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "profilecheck", *a, "-w", ws], capture_output=True, text=True, timeout=300
    )
    assert 0 == run("import", str(src)).returncode
    with serve(_handler) as srv:
        r = run("rdap", "--rdap-url", srv.base, "--allow-loopback")
    assert 0 == r.returncode, r.stderr
    assert "2 cited domain(s): 2 queried, 0 from the cache; 2 with a registration date, 0 UNKNOWN" in r.stdout
    r = run("show", "gigmarket:young")
    assert "YOUNG_DOMAIN" in r.stdout
