"""A publisher given only its home page: feeds from its links, sitemaps from robots.txt or probes.

Each test crawls the local publisher site (``tests.publisher_site``) in one of its robots.txt
variants and reads what the store recorded: articles fetched, listings and where they came from.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from tests.conftest import ROOT
from tests.test_discovery_crawl import article_fetches, crawl

FEED_ARTICLES = {"putin-meets-modi", "putin-india-trade"}
NEWS_ARTICLES = {"putin-kremlin-talks", "putin-energy-pact"}

Site = Callable[..., str]


@pytest.fixture
def start_site() -> Iterator[Site]:
    """Start ``tests.publisher_site`` with the given arguments; returns its base URL."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.publisher_site", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None
        return process.stdout.readline().strip().removeprefix("serving ")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def requested(site: str) -> list[str]:
    with urllib.request.urlopen(f"{site}/_requests") as response:
        paths: list[str] = json.load(response)
    return paths


def seeds_file(tmp_path: Path, site: str, *, collection: str = "", publisher: str = "") -> Path:
    path = tmp_path / "pub.toml"
    path.write_text(
        f'[collection]\nname = "pub"\nkeywords = ["putin"]\n{collection}\n'
        f'[[publishers]]\nname = "Local News"\nhome = "{site}/"\n{publisher}'
    )
    return path


def slugs(db: Path) -> set[str]:
    return {url.rsplit("/", 1)[-1] for url in article_fetches(db)}


def listings(db: Path) -> dict[str, tuple[str, str | None, str, str | None]]:
    """URL -> (origin, found on, outcome, reason)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, origin, found_on, outcome, reason FROM listings")
        return {
            url: (origin, found, outcome, reason) for url, origin, found, outcome, reason in rows
        }


def fetch_reasons(db: Path, url: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT outcome, reason FROM fetches WHERE url = ? ORDER BY id", (url,))
        return list(rows)


@pytest.mark.parametrize(
    ("args", "articles", "origins"),
    [
        pytest.param([], FEED_ARTICLES, {"/rss.xml": "home page"}, id="feed only"),
        pytest.param(
            ["--robots", "news", "--no-feed-link"],
            NEWS_ARTICLES,
            {"/news-sitemap.xml": "robots.txt"},
            id="robots.txt sitemap only",
        ),
        pytest.param(
            ["--robots", "news"],
            FEED_ARTICLES | NEWS_ARTICLES,
            {"/rss.xml": "home page", "/news-sitemap.xml": "robots.txt"},
            id="both",
        ),
        pytest.param(
            ["--robots", "index", "--no-feed-link"],
            NEWS_ARTICLES,
            {
                "/sitemaps/news-index.xml": "robots.txt",
                "/sitemaps/news-1.xml": "sitemap index",
                "/sitemaps/news-2.xml": "sitemap index",
            },
            id="index of news sitemaps",
        ),
    ],
)
def test_a_home_page_alone_finds_feeds_and_announced_sitemaps(
    start_site: Site,
    tmp_path: Path,
    args: list[str],
    articles: set[str],
    origins: dict[str, str],
) -> None:
    site = start_site(*args)
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db)
    # the cricket story has no collection keyword
    assert slugs(db) == articles
    assert {u.removeprefix(site): v[0] for u, v in listings(db).items()} == origins
    paths = requested(site)
    # one robots.txt fetch, shared by the politeness rules and discovery
    assert paths.count("/robots.txt") == 1
    # an announced news sitemap is preferred to the archive, and nothing is probed
    assert "/sitemaps/archive.xml" not in paths
    assert "/sitemap.xml" not in paths


def test_each_listing_says_where_it_was_found(start_site: Site, tmp_path: Path) -> None:
    site = start_site("--robots", "index")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db)
    found = listings(db)
    assert found[f"{site}/rss.xml"][:3] == ("home page", f"{site}/", "ok")
    assert found[f"{site}/sitemaps/news-index.xml"][:3] == (
        "robots.txt",
        f"{site}/robots.txt",
        "ok",
    )
    assert found[f"{site}/sitemaps/news-1.xml"][:3] == (
        "sitemap index",
        f"{site}/sitemaps/news-index.xml",
        "ok",
    )
    result = CliRunner().invoke(
        main,
        ["listings", "--db", str(db), "--origin", "robots.txt", "--json"],
        env={"CRAWLER_DB_URL": ""},
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [(r["url"], r["origin"], r["found_on"]) for r in shown] == [
        (f"{site}/sitemaps/news-index.xml", "robots.txt", f"{site}/robots.txt")
    ]
    table = CliRunner().invoke(
        main, ["listings", "--db", str(db)], env={"CRAWLER_DB_URL": "", "COLUMNS": "300"}
    )
    assert table.exit_code == 0, table.output
    assert "4 listings" in table.output
    assert "sitemap index" in table.output


def test_declared_listings_replace_discovery(start_site: Site, tmp_path: Path) -> None:
    site = start_site("--robots", "news")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site, publisher=f'feeds = ["{site}/rss.xml"]\n'), db)
    assert slugs(db) == FEED_ARTICLES
    assert {v[0] for v in listings(db).values()} == {"declared"}
    assert "/news-sitemap.xml" not in requested(site)


@pytest.mark.parametrize("allowed", [False, True])
def test_a_sitemap_on_another_host_is_read_only_when_that_host_is_allowed(
    start_site: Site, tmp_path: Path, allowed: bool
) -> None:
    site = start_site("--robots", "offsite")
    port = site.rsplit(":", 1)[1]
    domains = 'allowed_domains = ["127.0.0.1", "localhost"]\n' if allowed else ""
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site, publisher=domains), db, "SSRF_ALLOW=127.0.0.1,localhost")
    origin, found_on, outcome, reason = listings(db)[f"http://localhost:{port}/news-sitemap.xml"]
    assert (origin, found_on) == ("robots.txt", f"{site}/robots.txt")
    if allowed:
        assert outcome == "ok"
        assert slugs(db) == FEED_ARTICLES | NEWS_ARTICLES
    else:
        assert outcome == "refused"
        assert reason is not None
        assert "host localhost is not one the publisher's articles may live on" in reason
        # the crawl went on with the home page's feed
        assert slugs(db) == FEED_ARTICLES
        assert "/news-sitemap.xml" not in requested(site)


def test_a_thousand_announced_sitemaps_are_bounded(start_site: Site, tmp_path: Path) -> None:
    site = start_site("--robots", "many")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db, "DISCOVERY_MAX_LISTINGS=5")
    paths = requested(site)
    assert len([p for p in paths if p.startswith("/sitemaps/part-")]) == 5
    # the home page's feed is counted apart: sitemaps cannot crowd it out
    assert slugs(db) == FEED_ARTICLES | {"putin-kremlin-talks"}
    ((outcome, reason),) = fetch_reasons(db, f"{site}/robots.txt")
    assert outcome == "discovered"
    assert "1000 sitemaps announced, 5 read, 995 over DISCOVERY_MAX_LISTINGS" in reason
    assert len(listings(db)) == 6


def test_broken_and_hostile_announced_sitemaps_are_errors_and_the_crawl_goes_on(
    start_site: Site, tmp_path: Path
) -> None:
    site = start_site("--robots", "hostile", "--no-feed-link")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db, "RETRY_TIMES=0")
    found = listings(db)
    outcomes = {u.removeprefix(site): v[2] for u, v in found.items()}
    assert outcomes == {
        "/sitemaps/news-broken.xml": "error",
        "/sitemaps/news-laughs.xml": "error",
        "/sitemaps/news-loop.xml": "ok",
        "/sitemaps/news-500.xml": "error",
        "ftp://127.0.0.1/news-sitemap.xml": "refused",
        "/news-sitemap.xml": "ok",
    }
    assert "malformed XML" in str(found[f"{site}/sitemaps/news-broken.xml"][3])
    assert "entities" in str(found[f"{site}/sitemaps/news-laughs.xml"][3])
    assert "500" in str(found[f"{site}/sitemaps/news-500.xml"][3])
    # an index listing itself is read once
    assert requested(site).count("/sitemaps/news-loop.xml") == 1
    assert slugs(db) == NEWS_ARTICLES


def test_sitemap_urls_obey_the_collection_keywords_window_and_patterns(
    start_site: Site, tmp_path: Path
) -> None:
    site = start_site("--robots", "news", "--no-feed-link")
    db = tmp_path / "pub.db"
    window = 'until = "2024-07-09T23:59:00+00:00"\n'
    crawl(seeds_file(tmp_path, site, collection=window), db)
    assert slugs(db) == {"putin-kremlin-talks"}
    ((_, reason),) = fetch_reasons(db, f"{site}/news-sitemap.xml")
    assert "3 entries, 1 accepted" in reason
    assert "1 no keyword in title, summary or URL" in reason
    assert "1 published after until" in reason

    excluded = tmp_path / "excluded"
    excluded.mkdir()
    db = excluded / "pub.db"
    crawl(
        seeds_file(excluded, site, collection='since = "2024-07-01"\nexclude = ["kremlin"]\n'), db
    )
    assert slugs(db) == {"putin-energy-pact"}


def test_probing_is_off_by_default(start_site: Site, tmp_path: Path) -> None:
    site = start_site("--no-feed-link")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db)
    assert sorted(requested(site)) == ["/", "/robots.txt"]
    assert fetch_reasons(db, f"{site}/") == [("error", "home page: no feed link found")]


def test_probing_tries_the_usual_places_in_turn_until_one_is_a_sitemap(
    start_site: Site, tmp_path: Path
) -> None:
    site = start_site("--no-feed-link", "--hide", "/news-sitemap.xml")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db, "DISCOVERY_PROBE_SITEMAPS=True")
    probes = [p for p in requested(site) if p.endswith(".xml")]
    assert probes == ["/news-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml"]
    assert slugs(db) == FEED_ARTICLES
    assert listings(db) == {
        f"{site}/sitemap.xml": (
            "probed",
            None,
            "ok",
            "sitemap: 3 entries, 2 accepted, 2 new; skipped 1 no keyword in title, summary or URL",
        )
    }
    assert fetch_reasons(db, f"{site}/news-sitemap.xml") == [
        ("discovered", "probe: no sitemap here (HTTP 404)")
    ]


def test_robots_sitemaps_are_read_when_robots_txt_is_not_obeyed(
    start_site: Site, tmp_path: Path
) -> None:
    site = start_site("--robots", "news", "--no-feed-link")
    db = tmp_path / "pub.db"
    crawl(seeds_file(tmp_path, site), db, "ROBOTSTXT_OBEY=False")
    assert slugs(db) == NEWS_ARTICLES
    assert requested(site).count("/robots.txt") == 1
