"""Distributed crawling: the base settings plus scrapy-redis (a shared scheduler and dupefilter).

Every crawler process started with these settings pulls requests from one Redis queue and
checks every request against one Redis set of fingerprints, so N machines crawl one site list
together, each URL fetched once, and a stopped crawl resumes where it stopped
(``SCHEDULER_PERSIST``). All politeness settings (robots.txt, throttling, identification) are
the base settings', per process: with N processes, divide ``CONCURRENT_REQUESTS_PER_DOMAIN``
by N to stay as gentle to a site as one crawler.

Use::

    export PROFILECHECK_REDIS_URL=redis://queue-host:6379/0
    SCRAPY_SETTINGS_MODULE=spiders.settings_redis scrapy crawl <spider>   # on every machine

A spider that should wait for work (``scrapy_redis.spiders.RedisSpider``) reads its start
URLs from ``<spider name>:start_urls`` (``redis-cli lpush <name>:start_urls URL``) and closes
after ``MAX_IDLE_TIME_BEFORE_CLOSE`` idle seconds.
"""

from __future__ import annotations

import os

from spiders.settings import *  # noqa: F403 - this module is the base settings plus the ones below

SCHEDULER = "scrapy_redis.scheduler.Scheduler"
DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
SCHEDULER_QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"
#: Keep the queue and the fingerprints when a crawler stops: the crawl resumes, nothing is fetched twice.
SCHEDULER_PERSIST = True
REDIS_URL = os.environ.get("PROFILECHECK_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Close a RedisSpider after this many idle seconds (0: wait for work forever).
MAX_IDLE_TIME_BEFORE_CLOSE = int(os.environ.get("PROFILECHECK_REDIS_MAX_IDLE", "60"))
