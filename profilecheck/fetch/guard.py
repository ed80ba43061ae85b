"""The SSRF guard: every URL taken from a page or a user is checked here before a connection.

A URL passes when its scheme is ``http`` or ``https``, it carries no credentials, and *every*
address its host resolves to lies outside the blocked ranges below. Hosts are resolved with
``getaddrinfo`` (the same call a connection makes), so literal forms that the C library
accepts (``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``) are normalised to the address
they really name and checked as such. IPv6 forms that carry an IPv4 address (IPv4-mapped,
IPv4-compatible, 6to4, NAT64, Teredo) are checked for the embedded address too.

The caller connects to the address returned by :func:`check_url` (never resolves again), so a
host that answers a safe address to the check and a private one to the connection (DNS
rebinding) cannot slip through. Loopback is refused unless the caller opts in with
``allow_loopback=True`` (tests and the demo, which serve on 127.0.0.1).

Example:
    >>> check_url("http://0x7f.1/", resolve=True)
    Traceback (most recent call last):
    ...
    profilecheck.errors.BlockedError: http://0x7f.1/: address 127.0.0.1 is in a blocked range (loopback 127.0.0.0/8)
    >>> check_url("ftp://example.org/")
    Traceback (most recent call last):
    ...
    profilecheck.errors.BlockedError: ftp://example.org/: scheme 'ftp' is not allowed (http and https only)
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from profilecheck.errors import BlockedError, FetchError

__all__ = ["BLOCKED_NETWORKS", "LOOPBACK_NETWORKS", "CheckedURL", "blocked_reason", "check_url", "resolve_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK_NETWORKS: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)

# Explicit ranges, named so a refusal says why. IANA special-purpose registries (IPv4, IPv6).
_BLOCKED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this network / unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.31.196.0/24", "AS112"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("192.175.48.0/24", "AS112"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "broadcast"),
    ("::/128", "unspecified"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("::/96", "IPv4-compatible (deprecated)"),
    ("64:ff9b::/96", "NAT64"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001::/23", "IETF protocol assignments"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing SIDs"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
)
BLOCKED_NETWORKS: tuple[tuple[Network, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in _BLOCKED)


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, compatible, 6to4, NAT64, Teredo), if any."""
    if addr in (ipaddress.IPv6Address("::"), ipaddress.IPv6Address("::1")):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]  # the client's (obfuscated-decoded) address
    packed = addr.packed
    if addr in ipaddress.ip_network("64:ff9b::/96") or addr in ipaddress.ip_network("::/96"):
        return ipaddress.IPv4Address(packed[12:])
    if addr in ipaddress.ip_network("64:ff9b:1::/48"):
        return ipaddress.IPv4Address(packed[12:])
    return None


def blocked_reason(address: str | IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``address`` must not be connected to, or None when it may.

    >>> blocked_reason("93.184.215.14") is None
    True
    >>> blocked_reason("::ffff:10.0.0.1")
    '::ffff:a00:1 is IPv4-mapped (carries 10.0.0.1: private 10.0.0.0/8)'
    >>> blocked_reason("127.0.0.1", allow_loopback=True) is None
    True
    """
    addr = ipaddress.ip_address(str(address).split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_v4(addr)
        if inner is not None:
            why_inner = blocked_reason(inner, allow_loopback=allow_loopback)
            for net, why in BLOCKED_NETWORKS:
                if addr in net:
                    detail = f"carries {inner}: {why_inner}" if why_inner else f"carries {inner}"
                    return f"{addr} is {why} ({detail})"
    if any(addr in net for net in LOOPBACK_NETWORKS):
        return None if allow_loopback else f"loopback {next(n for n in LOOPBACK_NETWORKS if addr in n)}"
    for net, why in BLOCKED_NETWORKS:
        if addr in net:
            return f"{why} {net}"
    # Belt and braces: anything the standard library calls non-global is refused too.
    if not addr.is_global:
        return "not a global address"
    return None


Resolver = Callable[[str, int], Sequence[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as ``getaddrinfo`` (and so a connection) sees it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc}", host=host) from exc
    out: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in out:
            out.append(ip)
    return out


@dataclass(frozen=True, slots=True)
class CheckedURL:
    """A URL that passed the guard, and the addresses it may be connected to."""

    url: str
    scheme: str
    host: str  # as written (for the Host header and TLS server name)
    port: int
    addresses: tuple[str, ...]  # checked addresses: connect to these, never resolve again


def check_url(
    url: str,
    *,
    allow_loopback: bool = False,
    resolve: bool = True,
    resolver: Resolver | None = None,
) -> CheckedURL:
    """Check ``url`` against the policy; raise :class:`BlockedError` naming the reason.

    Args:
        url: the URL to fetch.
        allow_loopback: let 127.0.0.0/8 and ::1 through (tests and the demo only).
        resolve: resolve the host and check every address (``False`` checks only literals).
        resolver: ``(host, port) -> addresses``; default :func:`resolve_host`.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise BlockedError(f"{url}: malformed URL ({exc})", url=url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedError(f"{url}: scheme {scheme!r} is not allowed (http and https only)", url=url)
    if parts.username is not None or parts.password is not None:
        raise BlockedError(f"{url}: credentials in URLs are not allowed", url=url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedError(f"{url}: no host", url=url)
    if any(c in host for c in "\\%@ \t\r\n"):
        raise BlockedError(f"{url}: suspicious characters in host {host!r}", url=url)
    port = port or (443 if scheme == "https" else 80)
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        addresses = ["127.0.0.1"]
    else:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            if not resolve:
                return CheckedURL(url, scheme, host, port, ())
            addresses = list((resolver or resolve_host)(host, port))
    if not addresses:
        raise BlockedError(f"{url}: host {host!r} resolves to no address", url=url)
    for a in addresses:
        try:
            why = blocked_reason(a, allow_loopback=allow_loopback)
        except ValueError:
            why = f"unparseable address {a!r}"
        if why:
            raise BlockedError(f"{url}: address {a} is in a blocked range ({why})", url=url, address=a)
    return CheckedURL(url, scheme, host, port, tuple(addresses))
