"""The syndication stage: find copies of each new version and keep the clusters current."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError

from crawler import defaults
from crawler.items import PageItem
from crawler.pipelines.common import crawl_stats
from crawler.stores import acquire_store, release_store
from crawler.syndication.config import SyndicationConfig, signature_scheme
from crawler.syndication.site import site_of
from storage import Outcome
from storage.recluster import judge_again, load_index, pair_record
from storage.syndication import SyndicationStore

if TYPE_CHECKING:
    from crawler.syndication import Sketch, SyndicationIndex

logger = logging.getLogger(__name__)


def syndication_config(settings: BaseSettings) -> SyndicationConfig:
    """A :class:`SyndicationConfig` from the ``SYNDICATION_<FIELD>`` settings.

    Raises:
        NotConfigured: a value is not of its setting's type, or out of its range; the message
            names the setting and the value.
    """
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(SyndicationConfig):
        name = f"SYNDICATION_{spec.name.upper()}"
        if settings.get(name) is None:
            continue
        default = getattr(SyndicationConfig(), spec.name)
        try:
            if isinstance(default, bool):
                values[spec.name] = settings.getbool(name)
            elif isinstance(default, int):
                values[spec.name] = settings.getint(name)
            elif isinstance(default, float):
                values[spec.name] = settings.getfloat(name)
            else:
                values[spec.name] = str(settings.get(name))
        except ValueError:
            kind = {int: "an integer", float: "a number"}.get(type(default), "a yes/no value")
            raise NotConfigured(
                f"syndication settings: {name}={settings.get(name)!r} is not {kind}"
            ) from None
    try:
        return SyndicationConfig(**values)
    except ValueError as exc:
        raise NotConfigured(f"syndication settings: {exc}") from exc


def stage_config(settings: BaseSettings) -> SyndicationConfig:
    """The syndication stage's configuration; ``NotConfigured`` when the stage does not run."""
    if not settings.getbool("SYNDICATION_ENABLED", defaults.SYNDICATION_ENABLED):
        raise NotConfigured("SYNDICATION_ENABLED is off")
    if not settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
        raise NotConfigured("syndication needs the store (STORAGE_ENABLED is off)")
    return syndication_config(settings)


class SyndicationPipeline:
    """Find syndicated copies of each new version and keep the store's clusters up to date.

    The index is rebuilt from the stored signatures when the crawl stores its first new version,
    so it sees every article stored before it; versions without a signature of the configured
    parameters are signed from their stored text first. A crawl that stores no new version (a
    re-crawl where nothing changed) never builds it.
    """

    def __init__(self, crawler: Crawler, config: SyndicationConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.scheme = signature_scheme(config)
        self.stats = crawl_stats(crawler)
        self.store: SyndicationStore | None = None
        self.index: SyndicationIndex | None = None
        self._building: asyncio.Future[tuple[SyndicationIndex, int, float]] | None = None
        self.pending: list[tuple[int, str, bytes]] = []
        self.batch = crawler.settings.getint("STORE_BATCH_SIZE", defaults.STORE_BATCH_SIZE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, stage_config(crawler.settings))

    def open_spider(self) -> None:
        self.store = SyndicationStore(acquire_store(self.crawler))

    def ensure_index(self) -> SyndicationIndex:
        """The index of every stored article, built now if it was not yet."""
        if self.index is None:
            self._adopt(*self._build_index())
        assert self.index is not None
        return self.index

    async def _ensure_index_off_loop(self) -> SyndicationIndex:
        """:meth:`ensure_index`, building in a thread: a large store takes seconds to load,
        and the downloads in flight meanwhile must not stall past their timeouts."""
        if self.index is None:
            if self._building is None:
                self._building = asyncio.ensure_future(asyncio.to_thread(self._build_index))
            built = await self._building
            if self.index is None:
                self._adopt(*built)
        assert self.index is not None
        return self.index

    def _build_index(self) -> tuple[SyndicationIndex, int, float]:
        assert self.store is not None
        started = time.perf_counter()
        # versions this crawl stored before the index was first needed are signed as they
        # reach this stage, like every later one
        index, signed = load_index(
            self.store,
            self.config,
            self.scheme,
            skip_run=self.stats.get_value("storage/run_id"),
            batch=self.batch,
        )
        return index, signed, time.perf_counter() - started

    def _adopt(self, index: SyndicationIndex, signed: int, seconds: float) -> None:
        self.index = index
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
            self._save_signatures()
            if self.index is not None:
                self._judge_again(self.index)
            release_store(self.crawler)
            self.store = None
        self.index = None
        self._building = None

    def _save_signatures(self) -> None:
        """Write the signatures waiting for their batch.

        A signature lost in a crash is not lost for good: the next crawl signs the version
        again when it builds its index.
        """
        assert self.store is not None
        pending, self.pending = self.pending, []
        try:
            self.store.save_signatures(pending)
        except SQLAlchemyError as exc:
            logger.error(
                "could not store %d syndication signatures (%s): the next crawl makes them",
                len(pending),
                str(getattr(exc, "orig", exc)).splitlines()[0],
            )

    def _judge_again(self, index: SyndicationIndex) -> None:
        """Judge again the pairs that boilerplate learned during this crawl may undo, and
        those judged by older rules, and rebuild their clusters.

        Pages of a site that arrived before its boilerplate was known may have been related
        through it; judged again now, the clusters are those the pages give in any order.
        """
        assert self.store is not None
        try:
            pairs = self.store.pairs_to_judge(index.crossed_sites)
            if not pairs:
                return
            started = time.perf_counter()
            report = judge_again(self.store, index, pairs)
        except SQLAlchemyError as exc:
            logger.error(
                "could not judge syndication pairs again (%s): `crawler db recluster` does it",
                str(getattr(exc, "orig", exc)).splitlines()[0],
            )
            return
        self.stats.set_value("syndication/rejudged", report.judged)
        self.stats.set_value("syndication/uncounted", report.uncounted)
        logger.info(
            "syndication: %d pairs judged again in %.2f s (%d rest on boilerplate, %d clusters)",
            report.judged,
            time.perf_counter() - started,
            report.uncounted,
            report.clusters,
        )

    def _sketch(self, index: SyndicationIndex, made: bytes | None, text: str) -> Sketch:
        """The text's sketch: the one the extraction worker made, else made here."""
        if made is not None:
            from crawler.syndication import Sketch, SyndicationError

            try:
                sketch = Sketch.from_bytes(made, index.sketcher.params)
            except SyndicationError as exc:
                logger.warning("sketch from the extraction worker not used: %s", exc)
            else:
                self.stats.inc_value("syndication/sketched_in_worker")
                return sketch
        return index.sketch(text)

    async def process_item(self, item: PageItem) -> PageItem:
        if item.outcome != Outcome.NEW_VERSION or item.article is None:
            return item
        index = await self._ensure_index_off_loop()
        return self._process(item, index)

    def _process(self, item: PageItem, index: SyndicationIndex) -> PageItem:
        assert item.article is not None
        assert self.store is not None
        assert item.article_id is not None
        assert item.version_id is not None
        text = item.article.text
        sketch = self._sketch(index, item.article.sketch, text)
        matches = index.add(item.article_id, text, sketch=sketch, site=site_of(item.url))
        pairs = [pair_record(item.article_id, m) for m in matches]
        signature = (self.scheme, sketch.signature.to_bytes())
        if not pairs and item.version == 1:
            # a new article like no other: no relations to replace and no cluster to redo,
            # only its signature to keep, which waits for a batch
            self.pending.append((item.version_id, *signature))
            if len(self.pending) >= self.batch:
                self._save_signatures()
            return item
        change = self.store.record_matches(item.article_id, item.version_id, signature, pairs)
        item.cluster_id = change.cluster_id
        for match in matches:
            self.stats.inc_value(f"syndication/{match.relation}")
        if change.cluster_id is not None:
            self.stats.inc_value("syndication/clustered")
        return item
