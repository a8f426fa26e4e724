"""The store stage: record every fetch, and a new version when the content changed."""

from __future__ import annotations

import asyncio
import logging
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler import defaults
from crawler.errors import StorageError
from crawler.items import PageItem
from crawler.pipelines.common import crawl_stats
from crawler.stores import acquire_store, release_store
from crawler.textnorm import content_hash
from crawler.writer import BatchWriter
from storage import FetchRecord, Outcome, Store
from storage.repository import ContentRecord

logger = logging.getLogger(__name__)


class StorePipeline:
    """Record every fetch, and a new article version when the content changed."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawl_stats(crawler)
        self.store: Store | None = None
        self.run_id: int | None = None
        self.failure: str | None = None
        self.closing: asyncio.Future[None] | None = None
        self.writer: BatchWriter | None = None
        settings = crawler.settings
        self.batch_size = settings.getint("STORE_BATCH_SIZE", defaults.STORE_BATCH_SIZE)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", defaults.STORE_BATCH_SECONDS)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
            raise NotConfigured("STORAGE_ENABLED is off")
        pipeline = cls(crawler)
        try:
            BatchWriter.check(pipeline.batch_size, pipeline.batch_seconds)
        except ValueError as exc:
            raise StorageError(f"STORE_BATCH_SIZE/STORE_BATCH_SECONDS: {exc}") from exc
        return pipeline

    def open_spider(self) -> None:
        self.store = acquire_store(self.crawler)
        spider = self.crawler.spider
        collection = getattr(spider, "collection", None)
        name = getattr(collection, "name", None) or (spider.name if spider else "crawl")
        if collection is not None:
            self.store.sync_sources(collection)
        self.run_id = self.store.start_run(name)
        self.writer = BatchWriter(self.store, size=self.batch_size, seconds=self.batch_seconds)
        self.stats.set_value("storage/run_id", self.run_id)
        self.stats.set_value("storage/url", self.store.display_url)

    def close_spider(self) -> None:
        if self.store is None:
            return
        if self.writer is not None:
            self.writer.flush()
            self.stats.set_value("storage/batches", self.writer.batches)
            if self.writer.retried:
                self.stats.set_value("storage/retried_alone", self.writer.retried)
        if self.run_id is not None:
            # Scrapy sets finish_reason after the pipelines close: a stop this pipeline asked
            # for is known here, others are told by `crawler crawl` from the final stats
            reason = "storage-error" if self.failure else "finished"
            try:
                run = self.store.finish_run(self.run_id, reason)
                self.stats.set_value("storage/run_status", run.status)
            except SQLAlchemyError as exc:
                logger.error(
                    "could not close crawl run %s: %s", self.run_id, exc.__class__.__name__
                )
        release_store(self.crawler)
        self.store = None

    async def process_item(self, item: PageItem) -> PageItem:
        assert self.writer is not None
        fetch = FetchRecord(
            url=item.url,
            fetched_at=item.fetched_at,
            http_status=item.http_status,
            bytes=item.size,
            duration_ms=item.duration_ms,
            publisher=item.publisher,
            run_id=self.run_id,
            body_hash=item.body_hash,
            etag=item.etag,
            last_modified=item.last_modified,
            outcome=self._outcome_without_content(item),
            reason=self._reason(item),
        )
        content = None
        if item.article is not None:
            article = item.article
            content = ContentRecord(
                content_hash=item.content_hash or content_hash(article.text),
                text=article.text,
                word_count=article.word_count,
                title=article.title,
                authors=article.authors,
                published=article.published or item.seed_published,
                language=article.language,
                duplicate_of=item.duplicate_of,
                canonical_url=article.canonical_url,
            )
        lease = getattr(self.crawler.spider, "lease", None)
        try:
            result = await self.writer.record(fetch, content, lease)
        except SQLAlchemyError as exc:
            self._stop_on_store_failure(exc)
            raise DropItem(f"not stored: {self.failure}") from exc
        item.outcome = result.outcome.value
        item.article_id = result.article_id
        item.version = result.version
        item.version_id = result.version_id
        self.stats.inc_value(f"storage/{result.outcome.value}")
        return item

    def _stop_on_store_failure(self, exc: SQLAlchemyError) -> None:
        """A write failed (disk full, I/O error): stop the crawl cleanly, keep what is stored.

        The failed write was rolled back whole; going on would only fail again, so the crawl
        closes with the reason ``storage-error`` and its unfetched URLs stay due.
        """
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        self.stats.inc_value("storage/write_failed")
        if self.failure is None:
            self.failure = reason
            logger.error("store write failed (%s): stopping the crawl", reason)
            engine = self.crawler.engine
            if engine is not None:
                self.closing = asyncio.ensure_future(
                    engine.close_spider_async(reason="storage-error")
                )

    @staticmethod
    def _outcome_without_content(item: PageItem) -> Outcome:
        if item.rejection is not None:
            return Outcome.REJECTED
        if item.http_status == 304:
            return Outcome.NOT_MODIFIED
        if item.same_body:
            return Outcome.UNCHANGED
        return Outcome.ERROR

    @staticmethod
    def _reason(item: PageItem) -> str | None:
        if item.rejection is not None:
            return f"{item.rejection.reason}: {item.rejection.detail}"
        if item.error is not None:
            return item.error
        if item.duplicate_of is not None:
            return f"exact duplicate of {item.duplicate_of}"
        if item.same_body:
            return "same body as the last fetch: not extracted"
        return None
