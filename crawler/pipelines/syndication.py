"""The syndication stage: find copies of each new version and keep the clusters current."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Self, cast

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError

from crawler import defaults
from crawler.items import PageItem
from crawler.pipelines.common import crawl_stats
from crawler.stores import acquire_store, release_store
from crawler.syndication.config import SignatureParams, SyndicationConfig
from storage import Outcome
from storage.syndication import PairRecord, SyndicationStore

if TYPE_CHECKING:
    from crawler.syndication import Sketch, SyndicationIndex

logger = logging.getLogger(__name__)


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


def stage_config(settings: BaseSettings) -> SyndicationConfig:
    """The syndication stage's configuration; ``NotConfigured`` when the stage does not run."""
    if not settings.getbool("SYNDICATION_ENABLED", defaults.SYNDICATION_ENABLED):
        raise NotConfigured("SYNDICATION_ENABLED is off")
    if not settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
        raise NotConfigured("syndication needs the store (STORAGE_ENABLED is off)")
    return syndication_config(settings)


def signature_scheme(config: SyndicationConfig) -> str:
    """The name under which signatures of ``config``'s parameters are stored."""
    p = SignatureParams.of(config)
    return (
        f"minhash:{p.scheme}:{p.hash_name}:k{p.shingle_size}:n{p.num_perm}:s{p.seed}:"
        f"m{p.anchor_mod}"
    )


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
        from crawler.syndication import SyndicationIndex  # numpy and datasketch: on first use

        assert self.store is not None
        started = time.perf_counter()
        store = self.store
        index = SyndicationIndex.from_records(
            store.signature_records(self.scheme), self.config, texts_of=self._texts_of
        )
        signed = 0
        made: list[tuple[int, str, bytes]] = []
        # versions this crawl stored before the index was first needed are signed as they
        # reach this stage, like every later one
        run_id = self.stats.get_value("storage/run_id")
        for article_id, version_id, text in store.unsigned_versions(self.scheme, skip_run=run_id):
            sketch = index.sketch(text)
            made.append((version_id, self.scheme, sketch.signature.to_bytes()))
            if len(made) >= self.batch:
                store.save_signatures(made)
                made.clear()
            index.add(article_id, text, sketch=sketch)
            signed += 1
        store.save_signatures(made)
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

    def _texts_of(self, doc_ids: list[Hashable]) -> dict[Hashable, str]:
        # index ids are the store's article ids
        assert self.store is not None
        texts: dict[Hashable, str] = {}
        texts.update(self.store.current_texts([cast(int, d) for d in doc_ids]).items())
        return texts

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
        matches = index.add(item.article_id, text, sketch=sketch)
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
