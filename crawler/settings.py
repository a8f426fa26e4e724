"""Scrapy settings of the project (``scrapy.cfg`` points here). Documented in the README.

The values of the tunable settings come from the settings table (``crawler.config.table``); only
the wiring (where Scrapy finds the project's code) is written here.
"""

from __future__ import annotations

from scrapy.settings import default_settings

from crawler.config.table import defaults as _table_defaults

globals().update(_table_defaults())

BOT_NAME = "crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

# Not even imported (Scrapy imports every listed extension, enabled or not, and these two pull
# in twisted.conch and aiohttp: a tenth of a re-crawl's start-up). Scrapy's other extensions
# stay as its defaults list them. Their switches, TELNETCONSOLE_ENABLED and
# REMOTE_CONTROL_ENABLED, are off in the table: both open a local control channel into the
# crawling process.
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
ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.DedupPipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
    "crawler.pipelines.SyndicationPipeline": 400,
}
