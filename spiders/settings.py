"""Scrapy settings for the profilecheck spiders: polite by default.

Every component is switched on here with its order number. The gathering side identifies
itself, obeys robots.txt, throttles itself (AutoThrottle on top of a fixed delay), retries
transient failures with backoff, caps what it downloads (decompressed), ignores proxies from
the environment, and sends every request (redirects included) through the SSRF guard.
"""

BOT_NAME = "profilecheck"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"
USER_AGENT = "profilecheck/0.1 (+https://github.com/profilecheck/profilecheck; trust-and-safety research)"
ROBOTSTXT_OBEY = True

# Politeness: a fixed delay, AutoThrottle adapting to the server, few requests per site.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30

# Retries with backoff (see spiders.middlewares.BackoffRetryMiddleware). 429 and 403 are not
# retried blindly: the rate-limit middleware honours Retry-After, then the spider says UNKNOWN.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0

# Size caps: Scrapy applies DOWNLOAD_MAXSIZE to the decompressed body too (HttpCompressionMiddleware).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Proxies from the environment are never used.
HTTPPROXY_ENABLED = False

# The guard re-resolves and checks every request; the resolver checks again what Twisted connects to.
TWISTED_DNS_RESOLVER = "spiders.resolver.GuardedResolver"
PROFILECHECK_ALLOW_LOOPBACK = False  # tests and the demo opt in explicitly

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.RobotsTxtMiddleware": 100,
    "spiders.middlewares.SSRFGuardMiddleware": 50,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.RateLimitMiddleware": 560,
    "spiders.middlewares.ETagCacheMiddleware": 870,
    "spiders.middlewares.TokenMiddleware": 950,
}
# With a JOBDIR: a journal of finished pages, so that a crawl killed without warning resumes whole.
EXTENSIONS = {
    "spiders.jobstate.CrashSafeJobdir": 500,
}
ITEM_PIPELINES = {
    "spiders.pipelines.ProfilePipeline": 300,
}
SPIDER_CONTRACTS = {
    "spiders.contracts.FixtureContract": 5,
}

# Where items go: the profilecheck workspace (database + media).
PROFILECHECK_WORKSPACE = "profilecheck-data"
PROFILECHECK_IMAGE_MAX_BYTES = 10 * 1024 * 1024
PROFILECHECK_IMAGE_MAX_PIXELS = 40_000_000
PROFILECHECK_MAX_IMAGES = 8  # per profile (headshots + portfolio)
PROFILECHECK_RATELIMIT_MAX_WAIT = 120.0  # seconds we are willing to wait for Retry-After / a reset
PROFILECHECK_ETAG_CACHE = True

# HTTP cache for development only (never on by default: it keeps pages on disk).
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
