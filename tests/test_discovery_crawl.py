"""Publisher collections: articles found in feeds enter the frontier and are fetched once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture
def site() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.publisher_site"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    yield line.removeprefix("serving ")
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


def crawl(seeds: Path, db: Path, *overrides: str) -> None:
    """One ``crawler crawl`` of ``seeds``; ``overrides`` are more ``NAME=VALUE`` settings."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            str(seeds),
            "--db",
            str(db),
            "--due-only",
            "--set",
            "DOWNLOAD_DELAY=0",
            "--set",
            "AUTOTHROTTLE_ENABLED=False",
            "--set",
            "SSRF_ALLOW=127.0.0.1",
            "--log-level",
            "WARNING",
            *(arg for setting in overrides for arg in ("--set", setting)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def article_fetches(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT url FROM fetches WHERE url LIKE '%/news/%' ORDER BY id"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("listing", ["feeds", "home"])
def test_a_second_run_fetches_only_the_article_added_to_the_feed(
    site: str, tmp_path: Path, listing: str
) -> None:
    seeds = tmp_path / "pub.toml"
    feeds = f'feeds = ["{site}/rss.xml"]\n' if listing == "feeds" else ""
    seeds.write_text(
        '[collection]\nname = "pub"\nkeywords = ["putin"]\n\n'
        f'[[publishers]]\nname = "Local News"\nhome = "{site}/"\n{feeds}'
    )
    db = tmp_path / "pub.db"
    crawl(seeds, db)
    first = article_fetches(db)
    # tracking parameters are dropped; the weather story has no collection keyword
    assert sorted(first) == [f"{site}/news/putin-india-trade", f"{site}/news/putin-meets-modi"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM versions").fetchone() == (2,)
        reasons = [
            r[0] for r in conn.execute("SELECT reason FROM fetches WHERE outcome = 'discovered'")
        ]
    assert any("3 entries, 2 accepted, 2 new" in r for r in reasons)

    with urllib.request.urlopen(
        f"{site}/_publish?slug=putin-new-visit&title=Putin+plans+a+new+visit"
    ) as response:
        assert response.status == 200
    crawl(seeds, db)
    second = article_fetches(db)[len(first) :]
    assert second == [f"{site}/news/putin-new-visit"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM versions").fetchone() == (3,)


def test_a_broken_feed_is_an_error_not_nothing_new(site: str, tmp_path: Path) -> None:
    seeds = tmp_path / "broken.toml"
    seeds.write_text(
        '[collection]\nname = "broken"\n\n'
        f'[[publishers]]\nname = "Local News"\nhome = "{site}/"\nfeeds = ["{site}/news/x.xml"]\n'
        f'sitemaps = ["{site}/"]\n'
    )
    db = tmp_path / "broken.db"
    crawl(seeds, db)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, outcome, reason FROM fetches ORDER BY url").fetchall()
    by_url = {u: (o, r) for u, o, r in rows}
    assert by_url[f"{site}/news/x.xml"][0] == "error"
    assert by_url[f"{site}/"][0] == "error"  # an HTML page is not a sitemap
    assert "sitemap" in by_url[f"{site}/"][1]


def test_one_article_under_two_urls_is_stored_once_with_both_known(
    site: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "two.toml"
    seeds.write_text(
        '[collection]\nname = "two"\n'
        + "".join(
            f'[[sources]]\npublisher = "Local"\ntitle = "T"\nurl = "{site}/{path}"\n'
            for path in ("amp/news/putin-meets-modi", "news/putin-meets-modi")
        )
    )
    db = tmp_path / "two.db"
    crawl(seeds, db)
    crawl(seeds, db)
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT url, current_version FROM articles").fetchall()
        aliases = conn.execute("SELECT url FROM article_urls").fetchall()
        duplicates = conn.execute(
            "SELECT count(*) FROM versions WHERE duplicate_of IS NOT NULL"
        ).fetchone()
    assert articles == [(f"{site}/news/putin-meets-modi", 1)]
    assert aliases == [(f"{site}/amp/news/putin-meets-modi",)]
    assert duplicates == (0,)
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "versions",
            f"{site}/amp/news/putin-meets-modi",
            "--db",
            str(db),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [v["version"] for v in json.loads(listed.stdout)["versions"]] == [1]


def test_a_sitemap_lastmod_after_the_last_fetch_makes_an_article_due(
    site: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "map.toml"
    seeds.write_text(
        '[collection]\nname = "map"\nkeywords = ["putin"]\n\n'
        f'[[publishers]]\nname = "Local News"\nhome = "{site}/"\n'
        f'sitemaps = ["{site}/sitemap.xml"]\n'
    )
    db = tmp_path / "map.db"
    crawl(seeds, db)
    first = article_fetches(db)
    assert sorted(first) == [f"{site}/news/putin-india-trade", f"{site}/news/putin-meets-modi"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(timespec="seconds")
    query = urllib.parse.urlencode(
        {"slug": "putin-india-trade", "lastmod": later, "note": "Updated with the final figures."}
    )
    with urllib.request.urlopen(f"{site}/_update?{query}") as response:
        assert response.status == 200
    crawl(seeds, db)
    assert article_fetches(db)[len(first) :] == [f"{site}/news/putin-india-trade"]
    with sqlite3.connect(db) as conn:
        versions = dict(conn.execute("SELECT url, current_version FROM articles"))
    assert versions == {
        f"{site}/news/putin-india-trade": 2,
        f"{site}/news/putin-meets-modi": 1,
    }
