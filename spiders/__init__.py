"""The gathering side: a Scrapy project that writes into the profilecheck store."""
