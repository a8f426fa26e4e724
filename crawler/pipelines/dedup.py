"""The dedup stage: hash each article's normalised text and flag exact copies."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import defaults
from crawler.items import PageItem
from crawler.pipelines.common import crawl_stats
from crawler.stores import acquire_store, release_store
from crawler.textnorm import content_hash
from storage import Store


class DedupPipeline:
    """Hash each article's normalised text and flag exact copies of another article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawl_stats(crawler)
        self.seen: dict[str, str] = {}
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("DEDUP_ENABLED", defaults.DEDUP_ENABLED):
            raise NotConfigured("DEDUP_ENABLED is off")
        return cls(crawler)

    def open_spider(self) -> None:
        if self.crawler.settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
            self.store = acquire_store(self.crawler)

    def close_spider(self) -> None:
        if self.store is not None:
            release_store(self.crawler)
            self.store = None

    def process_item(self, item: PageItem) -> PageItem:
        if item.article is None:
            return item
        digest = content_hash(item.article.text)
        item.content_hash = digest
        # an article fetched under another of its URLs is not a duplicate of itself
        key = item.article.canonical_url or item.url
        original = self.seen.setdefault(digest, key)
        if original == key and self.store is not None:
            original = self.store.find_by_content_hash(digest, exclude_url=key) or key
        if original != key:
            item.duplicate_of = original
            self.stats.inc_value("dedup/exact_duplicate")
        else:
            self.stats.inc_value("dedup/unique")
        return item
