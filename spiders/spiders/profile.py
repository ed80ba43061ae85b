"""The generic profile spider: person data from any profile page (JSON-LD, microdata, OpenGraph, h-card).

Run it the Scrapy way or through the CLI::

    scrapy crawl profile -a urls="https://example.org/u/ada https://example.org/u/bob"
    scrapy crawl profile -a from_file=urls.txt -s JOBDIR=crawls/run1
    profilecheck crawl https://example.org/u/ada

Each URL yields one page item: ``ok`` with the profile record, ``missing``, or ``unknown`` with
the reason (blocked, rate-limited, captcha/WAF, refused by the guard or robots.txt). The item
pipeline stores them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from scrapy.utils.job import job_dir
from twisted.python.failure import Failure

from spiders.extract import MAX_HTML_BYTES
from spiders.jobstate import done_urls
from spiders.pages import PageResult, read_page

__all__ = ["ProfileSpider", "read_url_list"]


def read_url_list(urls: str | None = None, from_file: str | Path | None = None) -> list[str]:
    """URLs from a comma/space separated string and/or a file (one a line, ``#`` comments)."""
    out: list[str] = []
    if urls:
        out += [u for u in re.split(r"[\s,]+", urls) if u]
    if from_file:
        for line in Path(from_file).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    seen: set[str] = set()
    return [u for u in out if not (u in seen or seen.add(u))]  # type: ignore[func-returns-value]


class ProfileSpider(scrapy.Spider):
    """Gather profile pages given as ``-a urls=...`` and/or ``-a from_file=...``; ``-a site=NAME`` forces a site."""

    name = "profile"
    # These statuses reach the callback so that they become UNKNOWN/missing results, not silence.
    handle_httpstatus_list: ClassVar[list[int]] = [401, 403, 404, 410, 429, 451, 500, 502, 503, 504]

    def __init__(self, urls: str | None = None, from_file: str | None = None, site: str | None = None, **kw: Any):
        super().__init__(**kw)
        self.start_urls = read_url_list(urls, from_file)
        self.site = site

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = getattr(self, "settings", None)  # None when driven without a crawler (spiders.oneshot)
        done = done_urls(job_dir(settings)) if settings is not None else set()  # pages this job already stored
        if done:
            self.logger.info("resuming: %d page(s) already done in this job", len(done))
        for url in self.start_urls:
            if url in done:
                continue
            # Stop downloading at the extractor's cap: a bigger page is refused anyway (too_large).
            meta = {"pc_page_url": url, "download_maxsize": MAX_HTML_BYTES}
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Read one profile page.

        @fixture demo-marketplace present
        @returns items 1 1
        @returns requests 0 0
        @scrapes url status reason profile
        """
        url = response.meta.get("pc_page_url", response.url)
        status = int(response.meta.get("pc_status", response.status))
        headers = {k.decode().lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        result = read_page(url, status, response.body, headers=headers, site_name=self.site)
        if response.meta.get("rate_limited") and result.status == "ok":  # pragma: no cover (defensive)
            result = PageResult(url, "unknown", "rate_limited", response.meta["rate_limited"])
        item = result.item()
        if response.meta.get("pc_fixture"):
            item["fixture"] = True
        yield item

    def parse_missing(self, response: Response) -> Iterator[dict[str, Any]]:
        """A known-absent page gives a ``missing`` result and no profile.

        @fixture demo-marketplace absent
        @returns items 1 1
        @scrapes url status reason
        """
        yield from self.parse(response)

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = getattr(failure, "request", None)
        url = request.meta.get("pc_page_url", request.url) if request is not None else "?"
        detail = str(failure.value)[:300] or type(failure.value).__name__
        reason = "fetch_failed"
        if "ssrf_guard" in detail:
            reason = "ssrf_refused"
        elif "robots.txt" in detail:
            reason = "robots_disallowed"
        elif "rate_limited" in detail:
            reason = "rate_limited"
        elif any(w in detail.lower() for w in ("maxsize", "max size", "exceeded")):
            reason = "too_large"
        self.logger.warning("could not check %s: %s (%s)", url, reason, detail)
        yield PageResult(url, "unknown", reason, detail).item()
