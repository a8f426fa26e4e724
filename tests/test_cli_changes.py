"""``crawler changes``: new articles, versions, copies and troubled crawls, newest first."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import update

from storage import Store, models
from storage import changes as c
from storage.syndication import SyndicationStore
from tests import test_cli_query
from tests.test_cli_query import TIME_URL, cli
from tests.test_syndication_store import pair, put

EVER = "2000-01-01"
store_path = test_cli_query.store_path
clustered_store = test_cli_query.clustered_store


def changes(db: Path, *args: str) -> list[dict[str, Any]]:
    result = cli("changes", "--db", str(db), "--json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.output)
    return rows


def add_runs(db: Path) -> None:
    Store(f"sqlite:///{db}").close()  # brings the 0.1.0 store to the current schema
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO crawl_runs (collection, started_at, finished_at, status, pages, "
            "new_versions, unchanged, rejected, errors, error) VALUES (?,?,?,?,?,0,0,0,?,?)",
            [
                ("news", "2026-11-26 10:00:00", None, "failed", 0, 0, "timed out after 600 s"),
                ("news", "2026-11-26 11:00:00", "2026-11-26 11:05:00", "finished", 9, 4, None),
                ("other", "2026-11-26 12:00:00", "2026-11-26 12:01:00", "shutdown", 2, 0, None),
                ("news", "2026-11-26 13:00:00", "2026-11-26 13:01:00", "finished", 9, 0, None),
                ("news", "2026-11-26 14:00:00", None, "running", 1, 0, None),
            ],
        )


def test_changes_lists_every_kind_newest_first(store_path: Path) -> None:
    add_runs(store_path)
    rows = changes(store_path, "--since", EVER, "--limit", "0")
    kinds = [r["kind"] for r in rows]
    assert kinds.count("article") == 28
    assert kinds.count("version") == 3
    assert kinds.count("crawl") == 3  # the clean and the running crawl are no problem
    times = [r["at"] for r in rows]
    assert times == sorted(times, reverse=True)
    assert kinds[:3] == ["crawl", "crawl", "crawl"]
    crawls = {r["run_id"]: r for r in rows if r["kind"] == "crawl"}
    assert sorted((r["status"], r["failed"]) for r in crawls.values()) == [
        ("failed", True),
        ("finished", False),
        ("shutdown", True),
    ]
    assert any(r["error"] == "timed out after 600 s" for r in crawls.values())
    time_version = next(r for r in rows if r["kind"] == "version" and r["url"] == TIME_URL)
    assert (time_version["version"], time_version["words_added"]) == (2, 1)
    assert time_version["words_removed"] == 1
    [excerpt] = time_version["excerpts"]
    assert (excerpt["removed"], excerpt["added"]) == ("2019—", "2022—")
    assert excerpt["context"].endswith("invasion of Ukraine in")


def test_changes_filters_since_limit_publisher_collection(store_path: Path) -> None:
    add_runs(store_path)
    assert changes(store_path, "--since", "2030-01-01") == []
    # the versions' second crawl started at 01:25:09.43 UTC; the first crawl's articles are older
    late = changes(store_path, "--since", "2026-11-25T01:25:09.44", "--limit", "0")
    assert {r["kind"] for r in late} == {"version", "crawl"}
    assert len(changes(store_path, "--since", EVER, "--limit", "5")) == 5
    timely = changes(store_path, "--since", EVER, "--publisher", "tIMe", "--limit", "0")
    assert {r["publisher"] for r in timely} == {"TIME", "The New York Times"}
    assert "crawl" not in {r["kind"] for r in timely}
    assert changes(store_path, "--since", EVER, "--publisher", "%") == []
    Store(f"sqlite:///{store_path}").close()
    with sqlite3.connect(store_path) as conn:
        conn.execute(
            "INSERT INTO frontier (collection, url, added_at, next_due_at, interval_seconds, "
            "failures) VALUES ('news', ?, '2026-11-25', '2026-11-25', 3600, 0)",
            (TIME_URL,),
        )
    followed = changes(store_path, "--since", EVER, "--collection", "news", "--limit", "0")
    assert {r.get("url") for r in followed if r["kind"] != "crawl"} == {TIME_URL}
    assert {r["collection"] for r in followed if r["kind"] == "crawl"} == {"news"}
    bad = cli("changes", "--db", str(store_path), "--since", "yesterday")
    assert bad.exit_code == 2
    assert "neither a duration" in bad.output


def test_changes_new_copies_with_original_and_only_counted_pairs(clustered_store: Path) -> None:
    rows = changes(clustered_store, "--since", "1h", "--limit", "0")
    copies = [r for r in rows if r["kind"] == "copy"]
    assert len(copies) == 6  # clusters of 2, 4 and 3 pages, less their originals
    assert {(r["url"][:14], r["original_url"][:19]) for r in copies} == {
        ("https://site1.", "https://wire.exampl"),
        ("https://site2.", "https://wire.exampl"),
        ("https://site3.", "https://wire.exampl"),
    }
    story_1 = next(r for r in copies if r["url"] == "https://site2.example/1")
    assert story_1["original_url"] == "https://wire.example/1"
    assert story_1["relation"] == "partial-copy"
    with sqlite3.connect(clustered_store) as conn:
        conn.execute(
            "UPDATE syndication_pairs SET counted = 0 WHERE other_id = "
            "(SELECT id FROM articles WHERE url = 'https://site2.example/1')"
        )
    urls = {r["url"] for r in changes(clustered_store, "--since", "1h") if r["kind"] == "copy"}
    assert "https://site2.example/1" not in urls
    assert len(urls) == 5
    table = cli("changes", "--db", str(clustered_store), "--since", "1h")
    assert "copy of https://wire.example/1" in table.output


def test_changes_table_shows_marked_excerpts_and_stored_text_literally(store_path: Path) -> None:
    with sqlite3.connect(store_path) as conn:
        conn.execute(
            "UPDATE articles SET publisher = '[bold]Time[/] \x1b[2J' WHERE url = ?", (TIME_URL,)
        )
    result = cli("changes", "--db", str(store_path), "--since", EVER, "--publisher", "[bold]")
    assert result.exit_code == 0, result.output
    assert "[bold]Time[/]" in result.output
    assert "\x1b" not in result.output
    assert "\\x1b[2J" in result.output
    assert "[-2019—-]" in result.output
    assert "{+2022—+}" in result.output
    empty = cli("changes", "--db", str(store_path), "--since", "2030-01-01")
    assert "no changes since 2030-01-01 00:00 UTC" in empty.output


def test_change_queries_on_every_dialect(db_url: str) -> None:
    store = Store(db_url)
    syn = SyndicationStore(store)
    try:
        wire, _ = put(store, "https://wire.example/a", "wire story text here", None)
        copy, copy_v = put(store, "https://copy.example/a", "the wire story text", None)
        syn.record_matches(copy, copy_v, None, [pair(wire, wire)])
        put(store, "https://copy.example/a", "the wire story text, corrected", None)
        with store.session() as s, s.begin():
            s.execute(update(models.Article).values(first_seen=dt.datetime(2024, 7, 8, 12)))
            s.add(
                models.CrawlRun(
                    collection="news",
                    started_at=dt.datetime(2024, 7, 8, 13),
                    status="failed",
                    error="crashed",
                )
            )
        with store.reader() as s:
            since = c.Filters(since=dt.datetime(2024, 7, 8))
            assert [a.url for a in c.new_articles(s, since)] == [
                "https://copy.example/a",
                "https://wire.example/a",
            ]
            [version] = c.new_versions(s, since)
            assert (version.version, version.words_added, version.words_removed) == (2, 2, 1)
            assert version.excerpts == (
                c.ChangeExcerpt("the wire story", "text", "text, corrected"),
            )
            [found] = c.new_copies(s, c.Filters(since=dt.datetime(2020, 1, 1)))
            assert (found.url, found.original_url) == (
                "https://copy.example/a",
                "https://wire.example/a",
            )
            [problem] = c.crawl_problems(s, since)
            assert problem.failed
            assert problem.at == dt.datetime(2024, 7, 8, 13)
            assert c.crawl_problems(s, c.Filters(since=since.since, collection="other")) == []
            assert c.new_articles(s, c.Filters(since=dt.datetime(2025, 1, 1))) == []
    finally:
        store.close()
