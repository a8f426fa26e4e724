"""Scrapy settings of the project (``scrapy.cfg`` points here). Documented in the README."""

from __future__ import annotations

from scrapy.settings import default_settings

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
# Not even imported (Scrapy imports every listed extension, enabled or not, and these two pull
# in twisted.conch and aiohttp: a tenth of a re-crawl's start-up). Scrapy's other extensions
# stay as its defaults list them.
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name
    not in (
        "scrapy.extensions.telnet.TelnetConsole",
        "scrapy.extensions.remote_control.RemoteControl",
    )
}
# a line a person can read every PROGRESS_INTERVAL seconds: pages done, rate, problems, time left
EXTENSIONS = {"crawler.progress.CrawlProgress": 0}
PROGRESS_INTERVAL = defaults.PROGRESS_INTERVAL

CONCURRENT_REQUESTS = 16
# A page yields one item: Scrapy starts this many item tasks for every response, whatever it yields.
CONCURRENT_ITEMS = 8
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
RETRY_BACKOFF_BASE = defaults.RETRY_BACKOFF_BASE
RETRY_BACKOFF_MAX = defaults.RETRY_BACKOFF_MAX
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Before everything else: a replayed response needs no robots.txt, retries or throttling.
    "crawler.middlewares.SnapshotReplayMiddleware": 50,
    # after replay (a replayed page needs no DNS), before robots.txt, so the reason is "ssrf: …"
    "crawler.ssrf_middleware.SsrfGuardMiddleware": 75,
    # RFC 9309 robots.txt: Scrapy's own middleware fetches pages when robots.txt answers 5xx.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    # retries wait for Retry-After or a backoff instead of hammering a struggling server
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
}
# SSRF guard: only http(s), and only public addresses after DNS, on every redirect hop
SSRF_ENABLED = True
SSRF_ALLOW: list[str] = []
SSRF_DNS_CACHE_SECONDS = 60
ROBOTSTXT_CACHE_SECONDS = 86400
ROBOTSTXT_ERROR_CACHE_SECONDS = 600
ROBOTSTXT_MAX_REDIRECTS = 5
ROBOTSTXT_MAX_SIZE = 512_000
ROBOTSTXT_OBEY_CRAWL_DELAY = True
ROBOTSTXT_MAX_CRAWL_DELAY = 60
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
EXTRACT_WORKERS = defaults.EXTRACT_WORKERS
EXTRACT_TIMEOUT = defaults.EXTRACT_TIMEOUT
EXTRACT_MEMORY_MB = defaults.EXTRACT_MEMORY_MB
EXTRACT_MAX_PENDING = defaults.EXTRACT_MAX_PENDING
EXTRACT_MAX_TASKS_PER_WORKER = defaults.EXTRACT_MAX_TASKS_PER_WORKER
EXTRACT_POOL_SOCKET = defaults.EXTRACT_POOL_SOCKET
DEDUP_ENABLED = defaults.DEDUP_ENABLED
STORAGE_ENABLED = defaults.STORAGE_ENABLED
STORAGE_URL = defaults.STORAGE_URL
SYNDICATION_ENABLED = defaults.SYNDICATION_ENABLED
RECRAWL_INITIAL_SECONDS = defaults.RECRAWL_INITIAL_SECONDS
RECRAWL_MIN_SECONDS = defaults.RECRAWL_MIN_SECONDS
RECRAWL_MAX_SECONDS = defaults.RECRAWL_MAX_SECONDS
RECRAWL_GROW = defaults.RECRAWL_GROW
RECRAWL_SHRINK = defaults.RECRAWL_SHRINK
RECRAWL_FAILURE_BACKOFF = defaults.RECRAWL_FAILURE_BACKOFF
FRONTIER_BATCH = defaults.FRONTIER_BATCH
FRONTIER_LEASE_SECONDS = defaults.FRONTIER_LEASE_SECONDS
DISCOVERY_MAX_LISTINGS = defaults.DISCOVERY_MAX_LISTINGS
REPLAY_SNAPSHOT = defaults.REPLAY_SNAPSHOT
REPLAY_STATE = defaults.REPLAY_STATE

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
