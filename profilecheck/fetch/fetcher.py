"""The safe fetcher: one GET through the SSRF guard, pinned to the checked address.

Used for everything the gathering side downloads outside Scrapy (headshots and portfolio images
named by pages or users). Built on the standard library's ``http.client`` so that nothing reads
proxy settings from the environment, and so that the socket is opened to the very address the
guard checked (the Host header and TLS server name keep the host as written). Redirects are
followed by hand, each hop checked again. Bodies are read in chunks and decoded
(gzip / deflate / brotli) with a cap on the *decompressed* size, so a compression bomb is
refused after reading at most the cap.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from profilecheck.errors import BlockedError, FetchError
from profilecheck.fetch.guard import CheckedURL, Resolver, check_url

__all__ = ["DEFAULT_MAX_BYTES", "USER_AGENT", "FetchResult", "SafeFetcher"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
USER_AGENT = "profilecheck/0.1 (+https://github.com/profilecheck/profilecheck; trust-and-safety research)"
_CHUNK = 64 * 1024


class _Decoder(Protocol):
    def feed(self, data: bytes, room: int) -> bytes: ...
    def finish(self, room: int) -> bytes: ...


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        return data

    def finish(self, room: int) -> bytes:
        return b""


class _Zlib:
    """gzip or deflate (zlib-wrapped or raw), bounded by ``room`` bytes of output per call."""

    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._raw_fallback = wbits == zlib.MAX_WBITS  # "deflate" is sometimes sent raw
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if not self._started and self._raw_fallback:
            self._started = True
            try:
                return self._d.decompress(data, room + 1)
            except zlib.error:
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        out = self._d.decompress(data, room + 1)
        return out

    def finish(self, room: int) -> bytes:
        out = self._d.decompress(self._d.unconsumed_tail, room + 1) if self._d.unconsumed_tail else b""
        return out + self._d.flush()


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()

    def feed(self, data: bytes, room: int) -> bytes:
        # brotli has no output bound per call; feed small input pieces so that one piece can
        # expand at most ~ (piece * 1032) bytes before the cap check runs.
        out = bytearray()
        for i in range(0, len(data), 256):
            out += self._d.process(data[i : i + 256])
            if len(out) > room:
                break
        return bytes(out)

    def finish(self, room: int) -> bytes:
        return b""


def _decoder(encoding: str) -> _Decoder:
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return _Identity()
    if enc in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if enc == "br":
        return _Brotli()
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ctx = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(raw, server_hostname=self.host)


@dataclass
class FetchResult:
    """A completed fetch: the final URL after redirects, status, headers and the decoded body."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)


@dataclass
class SafeFetcher:
    """GET URLs through the guard.

    Args:
        allow_loopback: let 127.0.0.0/8 and ::1 through (tests and the demo only).
        max_bytes: cap on the decompressed body.
        max_redirects: hops followed, each checked by the guard.
        timeout: seconds per connect and per read.
        user_agent: sent on every request.
        resolver: for tests; default ``getaddrinfo``.
    """

    allow_loopback: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = 5
    timeout: float = 15.0
    user_agent: str = USER_AGENT
    resolver: Resolver | None = None
    on_connect: Callable[[str, int], None] | None = None  # observes (address, port); tests count

    def check(self, url: str) -> CheckedURL:
        return check_url(url, allow_loopback=self.allow_loopback, resolver=self.resolver)

    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        """Fetch ``url``; raise :class:`BlockedError` (policy) or :class:`FetchError` (network)."""
        hops: list[str] = []
        current = url
        for _ in range(self.max_redirects + 1):
            checked = self.check(current)
            status, resp_headers, body = self._one(checked, headers or {})
            if status in (301, 302, 303, 307, 308) and "location" in resp_headers:
                hops.append(current)
                current = urljoin(current, resp_headers["location"])
                continue
            return FetchResult(current, status, resp_headers, body, hops)
        raise BlockedError(f"{url}: more than {self.max_redirects} redirects", url=url)

    def _one(self, checked: CheckedURL, extra: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        address = checked.addresses[0]
        conn: http.client.HTTPConnection
        if checked.scheme == "https":
            conn = _PinnedHTTPSConnection(
                checked.host, checked.port, address, self.timeout, ssl.create_default_context()
            )
        else:
            conn = _PinnedHTTPConnection(checked.host, checked.port, address, self.timeout)
        parts = urlsplit(checked.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers: dict[str, Any] = {
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate, br",
            **extra,
        }
        try:
            if self.on_connect:
                self.on_connect(address, checked.port)
            conn.request("GET", path, headers=req_headers)
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            if resp.status in (301, 302, 303, 307, 308):
                return resp.status, headers, b""
            declared = headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes and "content-encoding" not in headers:
                raise BlockedError(
                    f"{checked.url}: Content-Length {declared} is over the {self.max_bytes} byte cap",
                    url=checked.url,
                    reason="too_large",
                )
            body = self._read(resp, _decoder(headers.get("content-encoding", "")), checked.url)
            return resp.status, headers, body
        except (OSError, http.client.HTTPException, zlib.error) as exc:
            raise FetchError(f"{checked.url}: {type(exc).__name__}: {exc}", url=checked.url) from exc
        except Exception as exc:  # brotli.error has no common base we can import lazily
            if type(exc).__name__ == "error" and type(exc).__module__ == "brotli":
                raise FetchError(f"{checked.url}: bad brotli data: {exc}", url=checked.url) from exc
            raise
        finally:
            conn.close()

    def _read(self, resp: http.client.HTTPResponse, dec: _Decoder, url: str) -> bytes:
        out = bytearray()
        while True:
            chunk = resp.read(_CHUNK)
            room = self.max_bytes - len(out)
            piece = dec.feed(chunk, room) if chunk else dec.finish(room)
            out += piece
            if len(out) > self.max_bytes:
                raise BlockedError(
                    f"{url}: body is over the {self.max_bytes} byte cap (decompressed)", url=url, reason="too_large"
                )
            if not chunk:
                return bytes(out)
