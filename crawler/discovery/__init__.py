"""Finding new article URLs: feeds, sitemaps, canonical URLs, collection filters, robots rules.

Pure code, free of Scrapy: spiders, the scheduler and the CLI call it with bytes they fetched.
"""

from __future__ import annotations

from crawler.discovery.errors import DiscoveryError, Outcome
from crawler.discovery.feeds import FeedEntry, FeedResult, discover_feed_links, parse_feed
from crawler.discovery.filters import Candidate, CollectionFilter
from crawler.discovery.robotstxt import RobotsCache, RobotsRules, RobotsState
from crawler.discovery.sitemaps import SitemapEntry, SitemapResult, parse_sitemap
from crawler.discovery.urls import amp_to_canonical, canonicalize, page_canonical

__all__ = [
    "Candidate",
    "CollectionFilter",
    "DiscoveryError",
    "FeedEntry",
    "FeedResult",
    "Outcome",
    "RobotsCache",
    "RobotsRules",
    "RobotsState",
    "SitemapEntry",
    "SitemapResult",
    "amp_to_canonical",
    "canonicalize",
    "discover_feed_links",
    "page_canonical",
    "parse_feed",
    "parse_sitemap",
]
