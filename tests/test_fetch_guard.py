"""The SSRF guard and the safe fetcher: hostile URLs refused with no connection made."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import brotli
import pytest

from profilecheck.errors import BlockedError, FetchError
from profilecheck.fetch import SafeFetcher, blocked_reason, check_url
from tests.loopback import CountingServer, serve

# Names a hostile page might use, and what a (hostile) DNS answers for them.
FAKE_DNS = {
    "rebind.test": ["93.184.215.14", "127.0.0.1"],  # one safe answer, one not: every answer counts
    "metadata.test": ["169.254.169.254"],
    "internal.test": ["10.1.2.3"],
    "v6private.test": ["fd00::1"],
    "mapped.test": ["::ffff:192.168.1.1"],
    "public.test": ["93.184.215.14"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    return FAKE_DNS.get(host, ["127.0.0.1"])


def hostile_urls(port: int) -> list[str]:
    """At least 60 URLs that must never be connected to (the loopback ones aim at our listener)."""
    p = port
    loopback_forms = [
        f"http://127.0.0.1:{p}/",
        f"http://127.1:{p}/",
        f"http://127.0.1:{p}/",
        f"http://2130706433:{p}/",
        f"http://0x7f000001:{p}/",
        f"http://0x7f.1:{p}/",
        f"http://0x7f.0x0.0x0.0x1:{p}/",
        f"http://017700000001:{p}/",
        f"http://0177.0.0.1:{p}/",
        f"http://0177.1:{p}/",
        f"http://127.0.0.2:{p}/",
        f"http://127.255.255.254:{p}/",
        f"http://localhost:{p}/",
        f"http://LOCALHOST:{p}/",
        f"http://localhost.:{p}/",
        f"http://foo.localhost:{p}/",
        f"http://[::1]:{p}/",
        f"http://[0:0:0:0:0:0:0:1]:{p}/",
        f"http://[::ffff:127.0.0.1]:{p}/",
        f"http://[::ffff:7f00:1]:{p}/",
        f"http://[0:0:0:0:0:ffff:127.0.0.1]:{p}/",
        f"http://[::127.0.0.1]:{p}/",
        f"http://[2002:7f00:1::]:{p}/",
        f"http://[64:ff9b::7f00:1]:{p}/",
        f"http://[64:ff9b:1::7f00:1]:{p}/",
        f"https://127.0.0.1:{p}/",
        f"http://127.0.0.1.:{p}/",
        f"http://rebind.test:{p}/",
        f"http://anything-else.test:{p}/",  # our fake DNS answers 127.0.0.1
    ]
    other = [
        "http://0.0.0.0/",
        "http://0/",
        "http://[::]/",
        "http://10.0.0.1/",
        "http://10.255.255.255/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://192.168.0.1/",
        "http://192.168.1.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://0xa9fea9fe/",
        "http://2852039166/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[fc00::1]/",
        "http://[fec0::1]/",
        "http://100.64.0.1/",
        "http://100.127.255.254/",
        "http://224.0.0.1/",
        "http://239.255.255.250/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://192.0.2.1/",
        "http://198.51.100.7/",
        "http://203.0.113.9/",
        "http://198.18.0.1/",
        "http://[2001:db8::1]/",
        "http://[2002:0a00:0001::]/",
        "http://[2002:c0a8:0101::]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::10.0.0.1]/",
        "http://metadata.test/",
        "http://internal.test/",
        "http://v6private.test/",
        "http://mapped.test/",
        "ftp://public.test/",
        "file:///etc/passwd",
        "gopher://public.test:70/",
        "dict://public.test:11211/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "http://user:pass@public.test/",
        "http://public.test@127.0.0.1/",
        "http:///nohost",
        "http://[::1/",
    ]
    return loopback_forms + other


@pytest.fixture
def listener() -> Iterator[CountingServer]:
    with serve(lambda h: (200, {}, b"should never be served")) as srv:
        yield srv


def test_hostile_urls_refused_without_connecting(listener: CountingServer) -> None:
    """Every hostile URL raises BlockedError; the loopback listener never accepts a connection."""
    connects: list[tuple[str, int]] = []
    fetcher = SafeFetcher(resolver=fake_resolver, on_connect=lambda a, p: connects.append((a, p)), timeout=2)
    urls = hostile_urls(listener.port)
    assert len(urls) >= 60
    passed = []
    for url in urls:
        try:
            fetcher.get(url)
        except BlockedError:
            continue
        passed.append(url)
    assert [] == passed
    assert [] == connects
    assert 0 == listener.accepts


def test_loopback_only_by_opt_in(listener: CountingServer) -> None:
    """The same listener is reachable when the caller opts in to loopback, and only then."""
    with pytest.raises(BlockedError):
        SafeFetcher().get(listener.base + "/")
    r = SafeFetcher(allow_loopback=True).get(listener.base + "/x")
    assert (200, b"should never be served") == (r.status, r.body)
    assert 1 == listener.accepts


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::ffff:10.0.0.1]/",
        "file:///etc/passwd",
        "http://internal.test/",
    ],
)
def test_redirect_hops_checked_again(target: str) -> None:
    """A permitted page redirecting to a blocked address is refused before the second hop."""
    hits: list[str] = []

    def handler(h):  # type: ignore[no-untyped-def]
        hits.append(h.path)
        if h.path == "/go":
            return 302, {"Location": target.format(port=h.server.server_address[1])}, b""
        return 200, {}, b"second hop reached"

    with serve(handler) as srv:
        fetcher = SafeFetcher(allow_loopback=True, resolver=fake_resolver)
        with pytest.raises(BlockedError):
            fetcher.get(srv.base + "/go")
        assert ["/go"] == hits
        assert 1 == srv.accepts


def test_redirect_within_policy_followed() -> None:
    """Redirects that stay allowed are followed and reported."""

    def handler(h):  # type: ignore[no-untyped-def]
        if h.path == "/a":
            return 301, {"Location": "/b"}, b""
        return 200, {"Content-Type": "text/plain"}, b"landed"

    with serve(handler) as srv:
        r = SafeFetcher(allow_loopback=True).get(srv.base + "/a")
    assert (r.body, r.url, r.redirects) == (b"landed", srv.base + "/b", [srv.base + "/a"])


def test_environment_proxies_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """http_proxy in the environment is not used: the request goes straight to the checked host."""
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.1:3128")
    with serve(lambda h: (200, {}, h.path.encode())) as srv:
        r = SafeFetcher(allow_loopback=True, timeout=3).get(srv.base + "/direct")
    assert b"/direct" == r.body


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),
        ("br", brotli.compress),
    ],
)
def test_compression_bombs_refused(encoding: str, compress) -> None:  # type: ignore[no-untyped-def]
    """A small compressed body that inflates past the cap is refused; a modest one decodes."""
    bomb = compress(b"\0" * (40 * 1024 * 1024))
    small = compress(b"hello " * 1000)

    def handler(h):  # type: ignore[no-untyped-def]
        return 200, {"Content-Encoding": encoding}, bomb if h.path == "/bomb" else small

    assert len(bomb) < 200_000
    with serve(handler) as srv:
        fetcher = SafeFetcher(allow_loopback=True, max_bytes=1_000_000)
        with pytest.raises(BlockedError, match="byte cap"):
            fetcher.get(srv.base + "/bomb")
        assert b"hello " * 1000 == fetcher.get(srv.base + "/ok").body


def test_declared_length_over_cap_refused() -> None:
    """A plain body declared larger than the cap is refused."""
    with serve(lambda h: (200, {}, b"x" * 5000)) as srv:
        with pytest.raises(BlockedError, match="byte cap"):
            SafeFetcher(allow_loopback=True, max_bytes=1000).get(srv.base + "/")


def test_unresolvable_host_is_a_fetch_error() -> None:
    """A name that does not resolve fails as a fetch error, naming the host."""

    def nxdomain(host: str, port: int) -> list[str]:
        raise FetchError(f"cannot resolve {host!r}")

    with pytest.raises(FetchError, match=r"nowhere\.invalid"):
        check_url("http://nowhere.invalid/", resolver=nxdomain)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("::1", True),
        ("100.64.1.1", True),
        ("2002:0808:0808::", True),  # 6to4 is refused whatever it carries
        ("64:ff9b::808:808", True),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_blocked_reason_table(address: str, blocked: bool) -> None:
    """Public addresses pass; special ranges and v4-in-v6 forms do not."""
    assert blocked == (blocked_reason(address) is not None)
