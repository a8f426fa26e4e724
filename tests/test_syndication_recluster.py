"""Stored pairs judged again: boilerplate pairs stop counting, none is lost, runs resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from crawler.article import Article
from crawler.cli import main
from crawler.items import PageItem
from crawler.pipelines import SyndicationPipeline
from crawler.syndication import SyndicationConfig
from crawler.syndication.config import RULES_VERSION, signature_scheme
from spiders.seeds import SeedsSpider
from storage import Outcome, Store, models
from storage.queries import shared_passages
from storage.recluster import judge_again, load_index
from storage.syndication import SyndicationStore
from tests.test_syndication_sketch import text
from tests.test_syndication_store import T0, put

# a site's chrome, repeated on every page of it: 72 words
NEWS_CHROME = (text(36, 501), text(36, 502))
WIRE_CHROME = (text(20, 503), text(20, 504))
STORIES = [text(70, 510 + n) for n in range(3)]


def framed(chrome: tuple[str, str], body: str) -> str:
    return f"{chrome[0]}\n{body}\n{chrome[1]}"


# in the order a crawl meets them: two pages of news.example pair up through its chrome before
# the third page shows it to be chrome
PAGES = [
    ("https://news.example/0", framed(NEWS_CHROME, STORIES[0])),
    ("https://news.example/1", framed(NEWS_CHROME, STORIES[1])),
    ("https://news.example/2", framed(NEWS_CHROME, STORIES[2])),
    ("https://wire.example/0", framed(WIRE_CHROME, STORIES[0])),
]


def item_for(url: str, body: str, article_id: int, version_id: int) -> PageItem:
    item = PageItem(url=url, fetched_at=T0)
    item.article = Article(
        url=url,
        title=None,
        text=body,
        authors=(),
        published=None,
        language=None,
        sitename=None,
        description=None,
        word_count=len(body.split()),
    )
    item.outcome, item.article_id, item.version, item.version_id = (
        Outcome.NEW_VERSION.value,
        article_id,
        1,
        version_id,
    )
    return item


def pairs_and_clusters(store: Store) -> tuple[dict[tuple[str, str], bool], list[set[str]]]:
    with store.reader() as s:
        urls = {i: u for i, u in s.execute(select(models.Article.id, models.Article.url))}
        pairs = {
            (urls[a], urls[b]): counted
            for a, b, counted in s.execute(
                select(
                    models.SyndicationPair.article_id,
                    models.SyndicationPair.other_id,
                    models.SyndicationPair.counted,
                )
            )
        }
        clusters: dict[int, set[str]] = {}
        for cluster, article in s.execute(
            select(models.ClusterMember.cluster_id, models.ClusterMember.article_id)
        ):
            clusters.setdefault(cluster, set()).add(urls[article])
    return pairs, sorted(clusters.values(), key=sorted)


@deferred_f_from_coro_f
async def test_a_crawl_judges_again_the_pairs_its_sites_boilerplate_undoes(db_url: str) -> None:
    store = Store(db_url)
    crawler = get_crawler(SeedsSpider, {"STORAGE_URL": db_url, "SYNDICATION_MIN_WORDS": 30})
    pipeline = SyndicationPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        for url, body in PAGES:
            article_id, version_id = put(store, url, body, None)
            await pipeline.process_item(item_for(url, body, article_id, version_id))
        before, _ = pairs_and_clusters(store)
        # news/0 and news/1 were paired through the chrome while it was seen on two pages only
        assert before.get(("https://news.example/0", "https://news.example/1")) is True
        pipeline.close_spider()
        after, clusters = pairs_and_clusters(store)
        assert after == {
            ("https://news.example/0", "https://news.example/1"): False,  # kept, not counted
            ("https://news.example/0", "https://wire.example/0"): True,
        }
        assert clusters == [{"https://news.example/0", "https://wire.example/0"}]
        with store.reader() as session:
            shown = shared_passages(session, "https://news.example/0")
        assert [s.other_url for s in shown] == ["https://wire.example/0"]
        assert crawler.stats is not None
        assert crawler.stats.get_value("syndication/uncounted") == 1
    finally:
        store.close()


def stale_store(url: str) -> Store:
    """A store whose pairs were found and judged by the earlier rules (no boilerplate known)."""
    store = Store(url)
    syn = SyndicationStore(store)
    config = SyndicationConfig(min_words=30)
    scheme = signature_scheme(config)
    blind, _ = load_index(syn, config, scheme)
    from storage.recluster import pair_record

    for page_url, body in PAGES:
        article_id, version_id = put(store, page_url, body, None)
        matches = blind.add(article_id, body)  # no site: nothing is learned as boilerplate
        syn.record_matches(
            article_id,
            version_id,
            (scheme, blind.sketch(body).signature.to_bytes()),
            [pair_record(article_id, m) for m in matches],
        )
    syn.mark_stale()
    return store


def test_judging_again_resumes_and_a_failed_recluster_keeps_the_clusters(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stale_store(db_url)
    syn = SyndicationStore(store)
    try:
        pairs, clusters = pairs_and_clusters(store)
        assert len(pairs) >= 3
        assert len(clusters) == 1
        stale = syn.pairs_to_judge()
        assert len(stale) == len(pairs)
        config = SyndicationConfig(min_words=30)
        index, _ = load_index(syn, config, signature_scheme(config))

        def stop(_done: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            judge_again(syn, index, stale, batch=1, progress=stop)
        # the first batch was written; the next run judges only the rest
        assert len(syn.pairs_to_judge()) == len(stale) - 1
        assert pairs_and_clusters(store)[1] == clusters

        import storage.syndication

        def broken(*_args: object, **_kwargs: object) -> list[list[int]]:
            raise RuntimeError("disk gone")

        with monkeypatch.context() as patch:
            patch.setattr(storage.syndication, "star_clusters", broken)
            with pytest.raises(RuntimeError):
                judge_again(syn, index, syn.pairs_to_judge())
        assert pairs_and_clusters(store)[1] == clusters  # the previous clusters are in place

        # every pair is judged now; rebuilding the clusters (as `crawler db recluster` ends)
        assert syn.pairs_to_judge() == []
        assert syn.recluster() == 1
        after, clusters = pairs_and_clusters(store)
        assert set(after) == set(pairs)  # no pair lost
        assert clusters == [{"https://news.example/0", "https://wire.example/0"}]
        assert sum(not counted for counted in after.values()) >= 2
        with store.reader() as s:
            rules = set(s.scalars(select(models.SyndicationPair.rules)))
        assert rules == {RULES_VERSION}
    finally:
        store.close()


def test_crawler_db_recluster(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    stale_store(url).close()
    runner = CliRunner()
    result = runner.invoke(
        main, ["db", "recluster", "--db", url, "--set", "SYNDICATION_MIN_WORDS=30"]
    )
    assert result.exit_code == 0, result.output
    assert "pairs judged" in result.output
    assert "1 clusters" in result.output
    store = Store(url)
    try:
        assert pairs_and_clusters(store)[1] == [
            {"https://news.example/0", "https://wire.example/0"}
        ]
        with store.reader() as s:
            assert s.scalar(select(func.count(models.SyndicationPair.id))) >= 3
    finally:
        store.close()
    again = runner.invoke(
        main, ["db", "recluster", "--db", url, "--all", "-s", "SYNDICATION_MIN_WORDS=30"]
    )
    assert again.exit_code == 0, again.output
    assert "1 clusters" in again.output
    bad = runner.invoke(main, ["db", "recluster", "--db", url, "--set", "DOWNLOAD_DELAY=1"])
    assert bad.exit_code == 2
    assert "SYNDICATION_" in bad.output
    worse = runner.invoke(
        main, ["db", "recluster", "--db", url, "--set", "SYNDICATION_MIN_WORDS=-3"]
    )
    assert worse.exit_code == 2
    assert "SYNDICATION_MIN_WORDS" in worse.output
    typo = runner.invoke(main, ["db", "recluster", "--db", url, "-s", "SYNDICATION_MIN_WORD=3"])
    assert typo.exit_code == 2
    assert "did you mean SYNDICATION_MIN_WORDS" in typo.output
    word = runner.invoke(main, ["db", "recluster", "--db", url, "-s", "SYNDICATION_MIN_WORDS=abc"])
    assert word.exit_code == 2
    assert "SYNDICATION_MIN_WORDS='abc'" in word.output
    assert "Traceback" not in word.output
    assert "boilerplate" in runner.invoke(main, ["db", "recluster", "--help"]).output
