"""Downloader middlewares: the SSRF guard, backoff retries, rate limits, ETags, the API token.

Each is one small component switched on in ``spiders.settings`` with its order number:

* :class:`RobotsTxtMiddleware` (100) is Scrapy's, fixed for concurrent waiters (see the class).
* :class:`SSRFGuardMiddleware` (50) checks every request, redirects included (a redirect is a
  new request that passes through here again), and refuses blocked ones with ``IgnoreRequest``.
* :class:`BackoffRetryMiddleware` (550) retries transient failures after an exponential delay.
* :class:`RateLimitMiddleware` (560) honours ``Retry-After`` and ``x-ratelimit-remaining`` /
  ``x-ratelimit-reset``: it waits when the wait is short, and otherwise lets the spider record an
  UNKNOWN result.
* :class:`ETagCacheMiddleware` (870) sends ``If-None-Match`` for URLs seen before and turns a
  ``304`` into the stored body (conditional requests do not count against GitHub's limit).
* :class:`TokenMiddleware` (950) adds an API token from the environment to requests that ask for
  it, and takes it off again before anything (cache, logs, feeds) can keep it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future, sleep
from twisted.internet.defer import Deferred

from profilecheck.errors import FetchError
from profilecheck.fetch.guard import check_url

logger = logging.getLogger(__name__)

__all__ = [
    "BackoffRetryMiddleware",
    "ETagCacheMiddleware",
    "RateLimitMiddleware",
    "RobotsTxtMiddleware",
    "SSRFGuardMiddleware",
    "TokenMiddleware",
    "retry_after_seconds",
]


class SSRFGuardMiddleware:
    """Refuse any request whose URL fails the SSRF guard (checked on every hop)."""

    def __init__(self, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback
        self.refused = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SSRFGuardMiddleware:
        mw = cls(crawler.settings.getbool("PROFILECHECK_ALLOW_LOOPBACK"))
        mw.crawler = crawler
        return mw

    def process_request(self, request: Request) -> None:
        if request.url.startswith("file:") and request.meta.get("pc_fixture"):
            return None  # a saved fixture for a contract (set only by spiders.contracts): no connection
        try:
            check_url(request.url, allow_loopback=self.allow_loopback)
        except FetchError as exc:
            self.refused += 1
            self.crawler.stats.inc_value("profilecheck/ssrf_refused")
            logger.warning("refused by the SSRF guard: %s", exc)
            raise IgnoreRequest(f"ssrf_guard: {exc}") from exc
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware with an exponential delay before each retry."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def _delayed(self, result: Any, request: Request) -> Any:
        if isinstance(result, Request):
            tries = int(result.meta.get("retry_times", 1))
            await sleep(min(self.cap, self.base * 2 ** (tries - 1)))
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        return await self._delayed(super().process_response(request, response), request)  # type: ignore[no-any-return]

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        return await self._delayed(super().process_exception(request, exception), request)  # type: ignore[no-any-return]


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date).

    >>> retry_after_seconds("120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _header(response: Response, name: str) -> str | None:
    raw = response.headers.get(name)
    return raw.decode("latin-1") if raw else None


class RateLimitMiddleware:
    """Honour ``Retry-After`` and GitHub-style ``x-ratelimit-*`` headers.

    A 429 or 403/503 with ``Retry-After``, or a response saying no requests remain, makes the
    host wait: the request is retried once the wait is over if the wait is at most
    ``PROFILECHECK_RATELIMIT_MAX_WAIT`` seconds; otherwise the response is passed on with
    ``meta["rate_limited"]`` set so that the spider records an UNKNOWN result with the reason.
    """

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self.until: dict[str, float] = {}  # host -> time before which we must not send

    @classmethod
    def from_crawler(cls, crawler: Any) -> RateLimitMiddleware:
        mw = cls(crawler.settings.getfloat("PROFILECHECK_RATELIMIT_MAX_WAIT"))
        mw.crawler = crawler
        return mw

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        wait = self.until.get(host, 0.0) - time.time()
        if wait > 0:
            if wait > self.max_wait:
                raise IgnoreRequest(f"rate_limited: {host} asks us to wait {wait:.0f}s (over {self.max_wait:.0f}s)")
            await sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        host = urlsplit(request.url).netloc
        wait = retry_after_seconds(_header(response, "Retry-After"))
        remaining = _header(response, "x-ratelimit-remaining")
        reset = _header(response, "x-ratelimit-reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.strip().isdigit():
            reset_wait = max(0.0, float(reset) - time.time())
            self.until[host] = max(self.until.get(host, 0.0), time.time() + reset_wait)
            if response.status in (403, 429) and wait is None:
                wait = reset_wait
        if response.status not in (403, 429, 503) or wait is None:
            return response
        self.crawler.stats.inc_value("profilecheck/rate_limited")
        tries = int(request.meta.get("rate_limit_tries", 0))
        if wait <= self.max_wait and tries < 2:
            logger.info("rate limited by %s: waiting %.1fs (Retry-After) before retrying %s", host, wait, request.url)
            self.until[host] = max(self.until.get(host, 0.0), time.time() + wait)
            await sleep(wait)
            retry = request.replace(dont_filter=True)
            retry.meta["rate_limit_tries"] = tries + 1
            return retry
        request.meta["rate_limited"] = f"rate_limited: HTTP {response.status}, Retry-After {wait:.0f}s"
        return response


class ETagCacheMiddleware:
    """Conditional GETs with ETags, stored in ``<workspace>/etag-cache`` (JSON + body, no pickles).

    Only requests with ``meta["etag_cache"]`` take part (the API importers set it).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_crawler(cls, crawler: Any) -> ETagCacheMiddleware:
        if not crawler.settings.getbool("PROFILECHECK_ETAG_CACHE"):
            raise NotConfigured
        mw = cls(Path(crawler.settings.get("PROFILECHECK_WORKSPACE")) / "etag-cache")
        mw.crawler = crawler
        return mw

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()
        d = self.root / key[:2]
        return d / f"{key}.json", d / f"{key}.body"

    def process_request(self, request: Request) -> None:
        if not request.meta.get("etag_cache"):
            return None
        meta_path, _ = self._paths(request.url)
        try:
            entry = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        request.headers["If-None-Match"] = entry["etag"]
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("etag_cache"):
            return response
        meta_path, body_path = self._paths(request.url)
        if response.status == 304:
            try:
                entry = json.loads(meta_path.read_text(encoding="utf-8"))
                body = body_path.read_bytes()
            except (OSError, ValueError):
                return response
            self.crawler.stats.inc_value("profilecheck/etag_not_modified")
            headers = {**entry.get("headers", {}), **{k.decode(): v for k, v in response.headers.items()}}
            return response.replace(status=200, body=body, headers=headers, flags=[*response.flags, "etag-cached"])
        etag = _header(response, "ETag")
        if response.status == 200 and etag:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            keep = {k: _header(response, k) for k in ("Content-Type", "Link") if response.headers.get(k)}
            body_path.write_bytes(response.body)
            meta_path.write_text(json.dumps({"url": request.url, "etag": etag, "headers": keep}), encoding="utf-8")
        return response


class TokenMiddleware:
    """Add ``Authorization`` from the environment to requests with ``meta["token_env"]``.

    The token lives only in the outgoing request headers: it is removed again in
    ``process_response`` (which runs before the cache and before anything logs or stores the
    request), it is never put in ``meta``, and it never appears in a log line.
    """

    def process_request(self, request: Request) -> None:
        env = request.meta.get("token_env")
        token = os.environ.get(env, "").strip() if env else ""
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        request.headers.pop("Authorization", None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        request.headers.pop("Authorization", None)
        return None


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, made safe for many requests waiting on one robots.txt.

    With the asyncio reactor, Scrapy 2.19 hands every request that arrives while robots.txt is
    still downloading the *same* Deferred to await; the first waiter consumes its result and the
    others receive ``None``, which the middleware reads as "no robots.txt": everything allowed.
    (Found by ``tests/test_crawl.py``: a disallowed page was fetched when three requests raced.
    The chained Deferred that did this was replaced by a direct await in scrapy/scrapy#6802.)
    Here each waiter gets a Deferred of its own, chained to the shared one.
    """

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlsplit(request.url).netloc
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            mine: Deferred[Any] = Deferred()

            def relay(result: Any) -> Any:
                mine.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)
