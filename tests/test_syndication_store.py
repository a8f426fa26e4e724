"""Syndication in the store: pairs make clusters, new versions re-evaluate, parameters kept."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from crawler.article import Article
from crawler.items import PageItem
from crawler.pipelines import SyndicationPipeline
from crawler.textnorm import content_hash
from spiders.seeds import SeedsSpider
from storage import FetchRecord, Outcome, Store, models
from storage.repository import ContentRecord
from storage.syndication import PairRecord, SyndicationStore

T0 = dt.datetime(2024, 7, 8)


def put(store: Store, url: str, text: str, published: dt.datetime | None) -> tuple[int, int]:
    store.record_fetch(
        FetchRecord(url=url, fetched_at=T0, http_status=200),
        ContentRecord(content_hash(text), text, len(text.split()), published=published),
    )
    with store.session() as s:
        article = s.scalars(select(models.Article).where(models.Article.url == url)).one()
        version = s.scalars(
            select(models.Version.id).where(
                models.Version.article_id == article.id,
                models.Version.version == article.current_version,
            )
        ).one()
        return article.id, version


def pair(other: int, contained: int | None = None) -> PairRecord:
    return PairRecord(other, "partial-copy", 0.3, 0.8, contained, [(0, 10, 5, 15)])


def test_pairs_form_clusters_and_a_new_version_re_evaluates(db_url: str) -> None:
    store = Store(db_url)
    syn = SyndicationStore(store)
    try:
        wire, _wire_v = put(store, "https://wire.example/a", "wire story text", T0)
        site1, site1_v = put(store, "https://site1.example/a", "site one", T0 + dt.timedelta(1))
        site2, site2_v = put(store, "https://site2.example/a", "site two", None)
        change = syn.record_matches(site1, site1_v, None, [pair(wire, wire)])
        assert change.members == 2
        assert change.original_article_id == wire
        change = syn.record_matches(site2, site2_v, None, [pair(site1)])
        assert change.members == 3
        assert change.original_article_id == wire
        with store.session() as s:
            relations = {
                a: r
                for a, r in s.execute(
                    select(models.ClusterMember.article_id, models.ClusterMember.relation)
                )
            }
            assert relations == {wire: "original", site1: "partial-copy", site2: "partial-copy"}
            assert s.scalar(select(func.count(models.Cluster.id))) == 1
        # site1 is corrected and no longer carries the story: the cluster falls apart
        change = syn.record_matches(site1, site1_v, None, [])
        assert change.cluster_id is None
        with store.session() as s:
            assert s.scalar(select(func.count(models.ClusterMember.article_id))) == 0
            assert s.scalar(select(func.count(models.Cluster.id))) == 0
            assert s.scalar(select(func.count(models.SyndicationPair.id))) == 0
    finally:
        store.close()


def test_each_member_names_its_closest_match_preferring_the_original(db_url: str) -> None:
    store = Store(db_url)
    syn = SyndicationStore(store)
    try:
        wire, wire_v = put(store, "https://wire.example/a", "wire story text", T0)
        ids = {}
        for n in (1, 2, 3):
            ids[n] = put(store, f"https://site{n}.example/a", f"site {n}", T0 + dt.timedelta(n))

        def rel(other: int, containment: float) -> PairRecord:
            return PairRecord(other, "partial-copy", 0.3, containment, other, [(0, 10, 5, 15)])

        syn.record_matches(ids[1][0], ids[1][1], None, [rel(wire, 0.8)])
        syn.record_matches(ids[2][0], ids[2][1], None, [rel(ids[1][0], 0.9)])
        change = syn.record_matches(
            ids[3][0], ids[3][1], None, [rel(wire, 0.5), rel(ids[1][0], 0.95)]
        )
        assert (change.members, change.original_article_id) == (4, wire)
        with store.session() as s:
            rows = s.execute(
                select(
                    models.ClusterMember.article_id,
                    models.ClusterMember.relation,
                    models.ClusterMember.matched_article_id,
                    models.ClusterMember.containment,
                    models.ClusterMember.version_id,
                )
            ).all()
        members = {a: (r, m, c) for a, r, m, c, _ in rows}
        # each membership names the member's current version
        versions = {a: v for a, *_, v in rows}
        assert versions == {wire: wire_v} | {article: v for article, v in ids.values()}
        assert members == {
            wire: ("original", None, None),
            ids[1][0]: ("partial-copy", wire, 0.8),
            # no pair with the original: its best pair
            ids[2][0]: ("partial-copy", ids[1][0], 0.9),
            # a pair with the original wins over a closer copy of a copy
            ids[3][0]: ("partial-copy", wire, 0.5),
        }
    finally:
        store.close()


def test_current_texts_are_read_at_once(db_url: str) -> None:
    store = Store(db_url)
    syn = SyndicationStore(store)
    try:
        first, _ = put(store, "https://a.example/1", "first text", T0)
        second, _ = put(store, "https://a.example/2", "second text", T0)
        put(store, "https://a.example/1", "first text, corrected", T0)
        assert syn.current_texts([first, second, 999_999]) == {
            first: "first text, corrected",
            second: "second text",
        }
        assert syn.current_texts([]) == {}
    finally:
        store.close()


WORDS = " ".join(f"word{i} filler{i % 7}" for i in range(120))


def test_signatures_are_rebuilt_when_parameters_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    for n in range(3):
        put(store, f"https://x.example/{n}", f"article {n} " + WORDS, None)
    store.close()

    def open_once(settings: dict[str, object]) -> dict[str, object]:
        crawler = get_crawler(SeedsSpider, {"STORAGE_URL": url, **settings})
        pipeline = SyndicationPipeline.from_crawler(crawler)
        pipeline.open_spider()
        pipeline.ensure_index()
        pipeline.close_spider()
        assert crawler.stats is not None
        return crawler.stats.get_stats()

    first = open_once({})
    assert first["syndication/signed_on_open"] == 3
    assert first["syndication/index_articles"] == 3
    again = open_once({})
    assert again["syndication/signed_on_open"] == 0
    assert again["syndication/index_articles"] == 3
    changed = open_once({"SYNDICATION_NUM_PERM": 128})
    assert changed["syndication/signed_on_open"] == 3
    store = Store(url)
    with store.reader() as s:
        schemes = set(s.scalars(select(models.Signature.scheme)))
    store.close()
    # each version keeps the signature of the parameters in use, never a mix
    assert len(schemes) == 1
    assert ":n128:" in schemes.pop()


def test_versions_of_the_running_crawl_are_left_to_it(db_url: str) -> None:
    # the index is built when a crawl first needs it: by then the crawl may have stored
    # versions it has not signed yet, and it signs those itself
    store = Store(db_url)
    try:
        put(store, "https://x.example/before", "before " + WORDS, None)
        run = store.start_run("test")
        for n in range(2):
            text = f"during {n} " + WORDS
            store.record_fetch(
                FetchRecord(url=f"https://x.example/{n}", fetched_at=T0, run_id=run),
                ContentRecord(content_hash(text), text, len(text.split())),
            )
        syn = SyndicationStore(store)
        everything = {text.split()[0] for _, _, text, _ in syn.unsigned_versions("s")}
        earlier = {text.split()[0] for _, _, text, _ in syn.unsigned_versions("s", skip_run=run)}
        assert (everything, earlier) == ({"before", "during"}, {"before"})
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_signatures_of_new_articles_are_written_in_batches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    crawler = get_crawler(SeedsSpider, {"STORAGE_URL": url, "STORE_BATCH_SIZE": 2})
    pipeline = SyndicationPipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.ensure_index()

    def signatures() -> int:
        with store.reader() as s:
            return s.scalar(select(func.count()).select_from(models.Signature)) or 0

    try:
        counts = []
        for n in range(3):
            text = f"story {n} " + " ".join(f"w{n}x{i}" for i in range(200))
            article_id, version_id = put(store, f"https://x.example/{n}", text, None)
            item = PageItem(url=f"https://x.example/{n}", fetched_at=T0)
            item.article = Article(
                url=item.url,
                title=None,
                text=text,
                authors=(),
                published=None,
                language=None,
                sitename=None,
                description=None,
                word_count=len(text.split()),
            )
            item.outcome, item.article_id, item.version, item.version_id = (
                Outcome.NEW_VERSION.value,
                article_id,
                1,
                version_id,
            )
            await pipeline.process_item(item)
            counts.append(signatures())
        pipeline.close_spider()
        # written two at a time, and the rest when the crawl closes
        assert (counts, signatures()) == ([0, 2, 2], 3)
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_the_index_is_built_off_the_event_loop(tmp_path: Path) -> None:
    # a large store takes seconds to load: downloads in flight must go on meanwhile
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    put(store, "https://x.example/0", "article 0 " + WORDS, None)
    crawler = get_crawler(SeedsSpider, {"STORAGE_URL": url})
    pipeline = SyndicationPipeline.from_crawler(crawler)
    pipeline.open_spider()
    build = pipeline._build_index

    def slow_build() -> Any:
        time.sleep(0.3)
        return build()

    pipeline._build_index = slow_build  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    ticks: list[float] = []
    for n in range(1, 5):
        loop.call_later(0.05 * n, ticks.append, n)
    try:
        index = await pipeline._ensure_index_off_loop()
        assert len(index) == 1
        assert len(ticks) >= 3  # the loop ran while the index was being built
    finally:
        pipeline.close_spider()
        store.close()


def test_a_weak_pair_between_two_stories_leaves_two_clusters(db_url: str) -> None:
    # union-find would make one cluster of five; stars keep each story whole and apart
    store = Store(db_url)
    syn = SyndicationStore(store)

    def strong(other: int, words: int) -> PairRecord:
        return PairRecord(other, "near-duplicate", 0.9, 0.95, None, [(0, 10, 0, 10)], words)

    try:
        ids = {}
        for name in ("a1", "a2", "a3", "b1", "b2"):
            ids[name] = put(store, f"https://{name}.example/x", f"text of {name}", None)
        a1, a2, a3, b1, b2 = (ids[n][0] for n in ("a1", "a2", "a3", "b1", "b2"))
        syn.record_matches(a2, ids["a2"][1], None, [strong(a1, 500)])
        syn.record_matches(a3, ids["a3"][1], None, [strong(a1, 480), strong(a2, 470)])
        syn.record_matches(b2, ids["b2"][1], None, [strong(b1, 300)])
        syn.record_matches(b1, ids["b1"][1], None, [strong(b2, 300), strong(a3, 45)])
        with store.reader() as s:
            clusters: dict[int, set[int]] = {}
            for cluster, article in s.execute(
                select(models.ClusterMember.cluster_id, models.ClusterMember.article_id)
            ):
                clusters.setdefault(cluster, set()).add(article)
        assert sorted(clusters.values(), key=min) == [{a1, a2, a3}, {b1, b2}]
    finally:
        store.close()
