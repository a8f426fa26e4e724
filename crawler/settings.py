"""Scrapy settings of the project (``scrapy.cfg`` points here). Documented in the README."""

from __future__ import annotations

from crawler import defaults

BOT_NAME = "crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = "crawler/0.1 (+https://github.com/crawler-news/crawler)"
ROBOTSTXT_OBEY = True

# Both open a local control channel into the crawling process; nothing here needs them.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Before everything else: a replayed response needs no robots.txt, retries or throttling.
    "crawler.middlewares.SnapshotReplayMiddleware": 50,
}
ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.DedupPipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
    "crawler.pipelines.SyndicationPipeline": 400,
}

EXTRACT_ENABLED = defaults.EXTRACT_ENABLED
EXTRACT_MIN_WORDS = defaults.EXTRACT_MIN_WORDS
EXTRACT_FAST = defaults.EXTRACT_FAST
EXTRACT_FAVOR_PRECISION = defaults.EXTRACT_FAVOR_PRECISION
DEDUP_ENABLED = defaults.DEDUP_ENABLED
STORAGE_ENABLED = defaults.STORAGE_ENABLED
STORAGE_URL = defaults.STORAGE_URL
SYNDICATION_ENABLED = defaults.SYNDICATION_ENABLED
REPLAY_SNAPSHOT = defaults.REPLAY_SNAPSHOT
REPLAY_STATE = defaults.REPLAY_STATE

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
