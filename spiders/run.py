"""Run a spider in this process (the CLI and the demo use it; ``scrapy crawl`` works too).

A Twisted reactor runs once per process, so :func:`run_spider` is called once per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

__all__ = ["LOCAL_FAST", "crawl_settings", "run_spider"]

# For a site we serve ourselves on loopback (the demo and tests): no politeness delay needed.
LOCAL_FAST: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


def crawl_settings(
    workspace: Path,
    *,
    allow_loopback: bool = False,
    local_fast: bool = False,
    jobdir: Path | None = None,
    feed: Path | None = None,
    log_level: str = "WARNING",
    extra: dict[str, Any] | None = None,
) -> Settings:
    """The project's settings (``spiders.settings``) with the run's choices on top."""
    s = Settings()
    s.setmodule("spiders.settings", priority="project")
    s.set("PROFILECHECK_WORKSPACE", str(workspace), priority="cmdline")
    s.set("PROFILECHECK_ALLOW_LOOPBACK", allow_loopback, priority="cmdline")
    s.set("LOG_LEVEL", log_level, priority="cmdline")
    if local_fast:
        for k, v in LOCAL_FAST.items():
            s.set(k, v, priority="cmdline")
    if jobdir is not None:
        s.set("JOBDIR", str(jobdir), priority="cmdline")
    if feed is not None:
        s.set("FEEDS", {str(feed): {"format": "jsonlines", "encoding": "utf-8"}}, priority="cmdline")
    for k, v in (extra or {}).items():
        s.set(k, v, priority="cmdline")
    return s


def run_spider(name: str, settings: Settings, **spider_args: Any) -> dict[str, Any]:
    """Run spider ``name`` to the end; return its final stats."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(name)
    process.crawl(crawler, **spider_args)
    process.start()
    return dict(crawler.stats.get_stats() if crawler.stats else {})
