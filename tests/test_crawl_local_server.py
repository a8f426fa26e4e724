"""Real crawls, in process, over HTTP against the local snapshot server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler import settings as crawler_settings
from spiders.seeds import SeedsSpider
from storage import Store, models
from storage.queries import list_clusters
from tests.conftest import SNAPSHOT, SnapshotServer


def crawl_settings(db_url: str) -> dict[str, Any]:
    """The project's settings module (which ``get_crawler`` skips), plus test overrides."""
    project = {k: v for k, v in vars(crawler_settings).items() if k.isupper()}
    return project | {
        "STORAGE_URL": db_url,
        "SSRF_ALLOW": ["127.0.0.1"],  # the local server
        # one local host serves every page: politeness delays would only slow the test
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "LOG_LEVEL": "WARNING",
    }


async def crawl(seeds: Path, db_url: str) -> dict[str, Any]:
    crawler = get_crawler(SeedsSpider, crawl_settings(db_url))
    await crawler.crawl_async(seeds=str(seeds))
    assert crawler.stats is not None
    return crawler.stats.get_stats()


def versions_by_url(db_url: str) -> dict[str, int]:
    store = Store(db_url, create=False)
    try:
        with store.session() as s:
            rows = s.execute(select(models.Article.url, models.Article.current_version))
            return {url: version for url, version in rows}
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_crawl_twice_then_after_a_change(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"

    first = await crawl(seeds, db_url)
    stored = versions_by_url(db_url)
    assert first["syndication/index_articles"] == 0
    # every new version was shingled and signed in an extraction worker, not in the crawl
    assert first["syndication/sketched_in_worker"] == first["storage/new-version"]
    assert first["syndication/partial-copy"] == 1
    assert first["storage/new-version"] == len(stored) > 10
    assert first.get("extract/rejected/bot-wall", 0) >= 1
    assert set(stored.values()) == {1}

    again = await crawl(seeds, db_url)
    # nothing changed: the syndication index is not even built
    assert "syndication/index_articles" not in again
    assert again.get("storage/new-version", 0) == 0
    # the server honours If-None-Match: every stored article answers 304, nothing is extracted
    assert again["storage/not-modified"] >= len(stored)
    assert again.get("extract/article", 0) == 0
    assert versions_by_url(db_url) == stored

    snapshot_server.set_state("2")
    changed = await crawl(seeds, db_url)
    # the index of a crawl that stores new versions holds what earlier crawls stored
    assert changed["syndication/index_articles"] > 10
    after = versions_by_url(db_url)
    bumped = sorted(url for url, version in after.items() if version == 2)
    assert changed["storage/new-version"] == len(bumped) >= 2
    assert any("time.com" in url for url in bumped)
    assert all(version in (1, 2) for version in after.values())

    store = Store(db_url, create=False)
    try:
        with store.session() as s:
            walls = s.scalars(
                select(models.Fetch.url).where(models.Fetch.reason.like("bot-wall%"))
            ).all()
            assert walls
            wall_versions = s.scalars(
                select(models.Version.id).join(models.Article).where(models.Article.url.in_(walls))
            ).all()
            assert wall_versions == []
            runs = s.scalars(select(models.CrawlRun).order_by(models.CrawlRun.id)).all()
            assert [r.status for r in runs] == ["finished"] * 3
    finally:
        store.close()


def test_the_seed_has_exactly_one_syndication_cluster(tmp_path: Path) -> None:
    """Al Jazeera's AFP story inside Firstpost, and nothing else, whatever the crawl order."""
    db_url = f"sqlite:///{tmp_path / 'seed.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "putin-india-visit",
            "--db",
            db_url,
            "--snapshot",
            str(SNAPSHOT),
            "--log-level",
            "WARNING",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    store = Store(db_url, create=False)
    try:
        with store.session() as s:
            (cluster,) = list_clusters(s)
            by_publisher = {m.publisher: m for m in cluster.members}
            assert set(by_publisher) == {"Al Jazeera", "Firstpost"}
            assert by_publisher["Al Jazeera"].relation == "original"
            copy = by_publisher["Firstpost"]
            assert copy.relation == "partial-copy"
            assert copy.containment is not None
            assert 0.7 <= copy.containment <= 0.9
            (pair,) = s.scalars(select(models.SyndicationPair)).all()
            contained = s.get_one(models.Article, pair.contained_id)
            assert contained.publisher == "Al Jazeera"
            assert "earliest published date" in (cluster.original_reason or "")
    finally:
        store.close()
    exported = subprocess.run(
        [sys.executable, "-m", "crawler", "export", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    records = {r["publisher"]: r for r in map(json.loads, exported.stdout.splitlines())}
    aljazeera, firstpost = records["Al Jazeera"], records["Firstpost"]
    assert aljazeera["cluster"] == firstpost["cluster"] is not None
    assert aljazeera["original_url"] == firstpost["original_url"] == aljazeera["url"]
    assert firstpost["relation"] == "partial-copy"
    assert {r["cluster"] for p, r in records.items() if p not in ("Al Jazeera", "Firstpost")} == {
        None
    }
