"""Item pipelines: clean → dedup → store, thin adapters over the core modules.

Each stage has a ``<PREFIX>_ENABLED`` switch and counts what it does in the crawl stats.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Hashable
from typing import Any, Self, cast

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import SQLAlchemyError

from crawler import defaults
from crawler.botwall import detect_bot_wall
from crawler.extract import ExtractOptions, Rejection
from crawler.items import PageItem
from crawler.stores import acquire_store, release_store
from crawler.syndication import SignatureParams, SyndicationConfig, SyndicationIndex
from crawler.textnorm import content_hash
from crawler.workers import ExtractionPool, PoolClosedError, available_cpus
from storage import FetchRecord, Outcome, Store
from storage.repository import ContentRecord
from storage.syndication import PairRecord, SyndicationStore

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


def _stats(crawler: Crawler) -> StatsCollector:
    assert crawler.stats is not None
    return crawler.stats


class CleanPipeline:
    """Extract the article of each fetched page in a pool of bounded worker processes.

    Pages that need no extraction (errors, ``304``, a body identical to the last fetch's) skip
    the pool; a page that is not HTML is rejected before it. A page whose extraction runs past
    ``EXTRACT_TIMEOUT`` or ``EXTRACT_MEMORY_MB`` is rejected and the crawl goes on.
    """

    def __init__(
        self, options: ExtractOptions, stats: StatsCollector, pool: ExtractionPool
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
        )
        pool = ExtractionPool(
            settings.getint("EXTRACT_WORKERS", defaults.EXTRACT_WORKERS) or None,
            timeout=settings.getfloat("EXTRACT_TIMEOUT", defaults.EXTRACT_TIMEOUT),
            memory_mb=settings.getint("EXTRACT_MEMORY_MB", defaults.EXTRACT_MEMORY_MB),
            max_tasks_per_worker=settings.getint(
                "EXTRACT_MAX_TASKS_PER_WORKER", defaults.EXTRACT_MAX_TASKS_PER_WORKER
            ),
            # enough queued pages that a worker finishing one finds the next waiting
            max_pending=settings.getint("EXTRACT_MAX_PENDING", defaults.EXTRACT_MAX_PENDING)
            or 4
            * (settings.getint("EXTRACT_WORKERS", defaults.EXTRACT_WORKERS) or available_cpus()),
            options=options,
        )
        return cls(options, _stats(crawler), pool)

    async def close_spider(self) -> None:
        await self.pool.close()
        for key, value in self.pool.stats.as_dict().items():
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
        """Count the item's extraction outcome in the crawl stats."""
        if item.rejection is not None:
            self.stats.inc_value(f"extract/rejected/{item.rejection.reason}")
        elif item.article is not None:
            self.stats.inc_value("extract/article")


class DedupPipeline:
    """Hash each article's normalised text and flag exact copies of another article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = _stats(crawler)
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


class StorePipeline:
    """Record every fetch, and a new article version when the content changed."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = _stats(crawler)
        self.store: Store | None = None
        self.run_id: int | None = None
        self.failure: str | None = None
        self.closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
            raise NotConfigured("STORAGE_ENABLED is off")
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = acquire_store(self.crawler)
        spider = self.crawler.spider
        collection = getattr(spider, "collection", None)
        name = getattr(collection, "name", None) or (spider.name if spider else "crawl")
        if collection is not None:
            self.store.sync_sources(collection)
        self.run_id = self.store.start_run(name)
        self.stats.set_value("storage/run_id", self.run_id)
        self.stats.set_value("storage/url", self.store.display_url)

    def close_spider(self) -> None:
        if self.store is None:
            return
        if self.run_id is not None:
            reason = self.stats.get_value("finish_reason") or "finished"
            try:
                self.store.finish_run(self.run_id, "finished" if reason == "finished" else reason)
            except SQLAlchemyError as exc:
                logger.error(
                    "could not close crawl run %s: %s", self.run_id, exc.__class__.__name__
                )
        release_store(self.crawler)
        self.store = None

    def process_item(self, item: PageItem) -> PageItem:
        assert self.store is not None
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
            result = self.store.record_fetch(fetch, content, lease)
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


def syndication_config(settings: BaseSettings) -> SyndicationConfig:
    """A :class:`SyndicationConfig` from the ``SYNDICATION_<FIELD>`` settings."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(SyndicationConfig):
        name = f"SYNDICATION_{spec.name.upper()}"
        if settings.get(name) is None:
            continue
        default = getattr(SyndicationConfig(), spec.name)
        if isinstance(default, bool):
            values[spec.name] = settings.getbool(name)
        elif isinstance(default, int):
            values[spec.name] = settings.getint(name)
        elif isinstance(default, float):
            values[spec.name] = settings.getfloat(name)
        else:
            values[spec.name] = str(settings.get(name))
    try:
        return SyndicationConfig(**values)
    except ValueError as exc:
        raise NotConfigured(f"syndication settings: {exc}") from exc


def signature_scheme(config: SyndicationConfig) -> str:
    """The name under which signatures of ``config``'s parameters are stored."""
    p = SignatureParams.of(config)
    return (
        f"minhash:{p.scheme}:{p.hash_name}:k{p.shingle_size}:n{p.num_perm}:s{p.seed}:"
        f"m{p.anchor_mod}"
    )


class SyndicationPipeline:
    """Find syndicated copies of each new version and keep the store's clusters up to date.

    The index is rebuilt from the stored signatures when the crawl opens, so a crawl sees every
    article stored before it; versions without a signature of the configured parameters are
    signed from their stored text first.
    """

    def __init__(self, crawler: Crawler, config: SyndicationConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.scheme = signature_scheme(config)
        self.stats = _stats(crawler)
        self.store: SyndicationStore | None = None
        self.index: SyndicationIndex | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("SYNDICATION_ENABLED", defaults.SYNDICATION_ENABLED):
            raise NotConfigured("SYNDICATION_ENABLED is off")
        if not settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
            raise NotConfigured("syndication needs the store (STORAGE_ENABLED is off)")
        return cls(crawler, syndication_config(settings))

    def open_spider(self) -> None:
        started = time.perf_counter()
        self.store = SyndicationStore(acquire_store(self.crawler))
        store = self.store
        index = SyndicationIndex.from_records(
            store.signature_records(self.scheme), self.config, text_of=self._text_of
        )
        signed = 0
        for article_id, version_id, text in store.unsigned_versions(self.scheme):
            sketch = index.sketch(text)
            store.save_signature(version_id, self.scheme, sketch.signature.to_bytes())
            index.add(article_id, text, sketch=sketch)
            signed += 1
        self.index = index
        seconds = time.perf_counter() - started
        self.stats.set_value("syndication/index_articles", len(index))
        self.stats.set_value("syndication/index_rebuild_seconds", round(seconds, 3))
        self.stats.set_value("syndication/signed_on_open", signed)
        logger.info(
            "syndication index: %d articles from stored signatures in %.2f s (%d signed now)",
            len(index),
            seconds,
            signed,
        )

    def close_spider(self) -> None:
        if self.store is not None:
            release_store(self.crawler)
            self.store = None
        self.index = None

    def _text_of(self, doc_id: Hashable) -> str | None:
        # index ids are the store's article ids
        assert self.store is not None
        return self.store.current_text(cast(int, doc_id))

    def process_item(self, item: PageItem) -> PageItem:
        if item.outcome != Outcome.NEW_VERSION or item.article is None:
            return item
        assert self.store is not None
        assert self.index is not None
        assert item.article_id is not None
        assert item.version_id is not None
        text = item.article.text
        sketch = self.index.sketch(text)
        matches = self.index.add(item.article_id, text, sketch=sketch)
        pairs = [
            PairRecord(
                other_id=cast(int, m.doc_id),
                relation=m.relation,
                jaccard=m.jaccard,
                containment=m.containment,
                contained_id=item.article_id if m.contained == "query" else cast(int, m.doc_id),
                passages=[(p.a_start, p.a_end, p.b_start, p.b_end) for p in m.passages],
            )
            for m in matches
        ]
        change = self.store.record_matches(
            item.article_id,
            item.version_id,
            (self.scheme, sketch.signature.to_bytes()),
            pairs,
        )
        item.cluster_id = change.cluster_id
        for match in matches:
            self.stats.inc_value(f"syndication/{match.relation}")
        if change.cluster_id is not None:
            self.stats.inc_value("syndication/clustered")
        return item
