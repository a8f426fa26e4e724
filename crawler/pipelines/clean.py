"""The clean stage: extract each page's article in bounded worker processes."""

from __future__ import annotations

import dataclasses
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler import defaults
from crawler.article import ExtractOptions, Rejection
from crawler.botwall import detect_bot_wall
from crawler.items import PageItem
from crawler.pipelines.common import crawl_stats
from crawler.pipelines.syndication import stage_config
from crawler.workers import ExtractionPool, PoolClosedError
from crawler.workers.client import SharedPool, describe
from crawler.workers.spec import PoolSpec

HTML_TYPES = ("text/html", "application/xhtml+xml")


class CleanPipeline:
    """Extract the article of each fetched page in a pool of bounded worker processes.

    Pages that need no extraction (errors, ``304``, a body identical to the last fetch's) skip
    the pool; a page that is not HTML is rejected before it. A page whose extraction runs past
    ``EXTRACT_TIMEOUT`` or ``EXTRACT_MEMORY_MB`` is rejected and the crawl goes on.
    """

    def __init__(
        self, options: ExtractOptions, stats: StatsCollector, pool: ExtractionPool | SharedPool
    ) -> None:
        self.options = options
        self.stats = stats
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED", defaults.EXTRACT_ENABLED):
            raise NotConfigured("EXTRACT_ENABLED is off")
        options = ExtractOptions(
            min_words=settings.getint("EXTRACT_MIN_WORDS", defaults.EXTRACT_MIN_WORDS),
            fast=settings.getbool("EXTRACT_FAST", defaults.EXTRACT_FAST),
            favor_precision=settings.getbool(
                "EXTRACT_FAVOR_PRECISION", defaults.EXTRACT_FAVOR_PRECISION
            ),
            rule_hidden=settings.getbool("EXTRACT_RULE_HIDDEN", defaults.EXTRACT_RULE_HIDDEN),
            rule_split_bodies=settings.getbool(
                "EXTRACT_RULE_SPLIT_BODIES", defaults.EXTRACT_RULE_SPLIT_BODIES
            ),
            rule_trailing_widgets=settings.getbool(
                "EXTRACT_RULE_TRAILING_WIDGETS", defaults.EXTRACT_RULE_TRAILING_WIDGETS
            ),
            rule_repeated_headline=settings.getbool(
                "EXTRACT_RULE_REPEATED_HEADLINE", defaults.EXTRACT_RULE_REPEATED_HEADLINE
            ),
        )
        spec = PoolSpec(
            settings.getint("EXTRACT_WORKERS", defaults.EXTRACT_WORKERS) or None,
            timeout=settings.getfloat("EXTRACT_TIMEOUT", defaults.EXTRACT_TIMEOUT),
            memory_mb=settings.getint("EXTRACT_MEMORY_MB", defaults.EXTRACT_MEMORY_MB),
            max_tasks_per_worker=settings.getint(
                "EXTRACT_MAX_TASKS_PER_WORKER", defaults.EXTRACT_MAX_TASKS_PER_WORKER
            ),
            options=options,
            sketch=_sketch_fields(settings),
        )
        max_pending = settings.getint("EXTRACT_MAX_PENDING", defaults.EXTRACT_MAX_PENDING) or None
        socket = settings.get("EXTRACT_POOL_SOCKET", defaults.EXTRACT_POOL_SOCKET)
        pool: ExtractionPool | SharedPool
        if socket:
            pool = SharedPool(socket, spec, max_pending)
        else:
            pool = spec.make_pool(spec.crawl_pending(max_pending))
        return cls(options, crawl_stats(crawler), pool)

    async def close_spider(self) -> None:
        await self.pool.close()
        for key, value in describe(self.pool).items():
            self.stats.set_value(f"extract/pool/{key}", value)

    async def process_item(self, item: PageItem) -> PageItem:
        html = self.needs_extraction(item)
        if html is not None:
            # started on the first page that needs it: a re-crawl answered by 304s never pays
            # for the workers' start-up
            try:
                await self.pool.start()
                result = await self.pool.extract(html, item.final_url or item.url)
            except PoolClosedError as exc:
                raise DropItem("the crawl is closing: not extracted") from exc
            if isinstance(result, Rejection):
                item.rejection = result
            else:
                item.article = result
        self.count(item)
        item.html = None  # the raw page is not needed further down; free it early
        return item

    @staticmethod
    def needs_extraction(item: PageItem) -> str | None:
        """The HTML to extract, or ``None`` when the item is settled without extraction."""
        if item.error is not None:
            wall = detect_bot_wall(item.html) if item.html else None
            if wall:
                item.rejection = Rejection("bot-wall", f"{wall} (HTTP {item.http_status})")
            return None
        if item.http_status == 304 or item.same_body:
            return None  # nothing new to extract: the store records it as unchanged
        if item.size == 0 and not item.html:
            item.rejection = Rejection("no-article", "empty body")
            return None
        if item.binary is not None:
            item.rejection = Rejection("not-html", item.binary)
            return None
        content_type = (item.content_type or "").split(";")[0].strip().lower()
        if item.html is None or (content_type and content_type not in HTML_TYPES):
            item.rejection = Rejection(
                "not-html", f"not an HTML page ({content_type or 'no content type'})"
            )
            return None
        return item.html

    def count(self, item: PageItem) -> None:
        """Count the item's extraction outcome, and the clean-up rules that changed its text."""
        result = item.rejection or item.article
        if item.rejection is not None:
            self.stats.inc_value(f"extract/rejected/{item.rejection.reason}")
        elif item.article is not None:
            self.stats.inc_value("extract/article")
        for rule in result.rules if result is not None else ():
            self.stats.inc_value(f"extract/rule/{rule}")


def _sketch_fields(settings: BaseSettings) -> dict[str, Any] | None:
    """What the workers need to sketch articles for the syndication stage, when it runs."""
    try:
        return dataclasses.asdict(stage_config(settings))
    except NotConfigured:
        return None  # off, or badly configured: the syndication stage says which itself
