"""Scrapy settings for the profilecheck spiders: polite by default."""

BOT_NAME = "profilecheck"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"
USER_AGENT = "profilecheck/0.1 (+https://github.com/profilecheck/profilecheck; trust-and-safety research)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
