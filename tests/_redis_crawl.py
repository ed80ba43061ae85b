"""A crawler process for the distributed-crawl test: ``python tests/_redis_crawl.py REDIS_URL WORKER OUT_DIR``.

It runs with ``spiders.settings_redis`` (the shared Redis scheduler and dupefilter) and a
minimal RedisSpider that follows every link of a loopback site, writes the pages it fetched to
``OUT_DIR/WORKER.jsonl`` and touches ``OUT_DIR/WORKER.ready`` once it waits for work.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy_redis.spiders import RedisSpider


class LoopSpider(RedisSpider):
    name = "loop"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> LoopSpider:
        spider: LoopSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.mark_ready, signal=signals.spider_idle)
        # scrapy-redis starts the idle clock when its module is imported (a class attribute), so a
        # slow start would count as idle time and close the spider at once: start it on opening.
        crawler.signals.connect(spider.reset_idle_clock, signal=signals.spider_opened)
        return spider

    def reset_idle_clock(self) -> None:
        self.spider_idle_start_time = int(time.time())

    def mark_ready(self) -> None:
        Path(self.settings["OUT_DIR"], f"{self.settings['WORKER']}.ready").touch()

    def parse(self, response: Response) -> Iterator[Any]:
        yield {"url": response.url, "worker": self.settings["WORKER"]}
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.parse)


def main(redis_url: str, worker: str, out_dir: str) -> None:
    settings = Settings()
    settings.setmodule("spiders.settings_redis", priority="project")
    settings.setdict(
        {
            "REDIS_URL": redis_url,
            "WORKER": worker,
            "OUT_DIR": out_dir,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": 2,
            "PROFILECHECK_ALLOW_LOOPBACK": True,  # the test site is on loopback: opted in explicitly
            "ITEM_PIPELINES": {},  # the items are page records, not profiles for the store
            "DOWNLOAD_DELAY_JITTER": 0,  # take two requests at a time from the shared queue, leave the rest
            "AUTOTHROTTLE_ENABLED": False,
            "MAX_IDLE_TIME_BEFORE_CLOSE": 4,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "FEEDS": {str(Path(out_dir) / f"{worker}.jsonl"): {"format": "jsonlines"}},
        },
        priority="cmdline",
    )
    process = CrawlerProcess(settings)
    process.crawl(LoopSpider)
    process.start()


if __name__ == "__main__":
    main(*sys.argv[1:4])
