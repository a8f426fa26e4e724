"""What the pipeline stages share."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector


def crawl_stats(crawler: Crawler) -> StatsCollector:
    """The crawler's stats collector (always set once the crawler is built)."""
    assert crawler.stats is not None
    return crawler.stats
