"""Fetching from the network, safely: the SSRF guard and the pinned, capped fetcher.

Everything the gathering side downloads goes through :func:`check_url` (directly, or through
the Scrapy downloader middleware that calls it) and, outside Scrapy, :class:`SafeFetcher`.
"""

from __future__ import annotations

from profilecheck.fetch.fetcher import DEFAULT_MAX_BYTES, USER_AGENT, FetchResult, SafeFetcher
from profilecheck.fetch.guard import BLOCKED_NETWORKS, CheckedURL, blocked_reason, check_url, resolve_host

__all__ = [
    "BLOCKED_NETWORKS",
    "DEFAULT_MAX_BYTES",
    "USER_AGENT",
    "CheckedURL",
    "FetchResult",
    "SafeFetcher",
    "blocked_reason",
    "check_url",
    "resolve_host",
]
