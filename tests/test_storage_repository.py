"""The repository on SQLite and PostgreSQL: versions only on change, every fetch recorded."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.errors import StorageError
from crawler.textnorm import content_hash
from storage import FetchRecord, Outcome, Store, models
from storage.repository import ContentRecord

URL = "https://example.com/news/story"
T0 = dt.datetime(2024, 7, 8, 9, 0)


def content(text: str, title: str = "Title") -> ContentRecord:
    return ContentRecord(
        content_hash=content_hash(text), text=text, word_count=len(text.split()), title=title
    )


def fetch(at: dt.datetime, **kw: object) -> FetchRecord:
    return FetchRecord(url=URL, fetched_at=at, http_status=200, **kw)  # type: ignore[arg-type]


def test_new_version_only_when_content_changes(db_url: str) -> None:
    store = Store(db_url)
    try:
        first = store.record_fetch(fetch(T0), content("Russia invaded Ukraine in 2019."))
        same = store.record_fetch(
            fetch(T0 + dt.timedelta(hours=1)), content("Russia  invaded\u00a0Ukraine in 2019.")
        )
        changed = store.record_fetch(
            fetch(T0 + dt.timedelta(hours=2)), content("Russia invaded Ukraine in 2022.")
        )
        retitled = store.record_fetch(
            fetch(T0 + dt.timedelta(hours=3)),
            content("Russia invaded Ukraine in 2022.", title="New title"),
        )
        assert (first.outcome, first.version) == (Outcome.NEW_VERSION, 1)
        assert (same.outcome, same.version) == (Outcome.UNCHANGED, None)
        assert (changed.outcome, changed.version) == (Outcome.NEW_VERSION, 2)
        assert (retitled.outcome, retitled.version) == (Outcome.NEW_VERSION, 3)
        with store.session() as s:
            article = s.scalars(select(models.Article)).one()
            assert article.current_version == 3
            assert article.first_seen == T0
            assert article.last_fetched == T0 + dt.timedelta(hours=3)
            assert [v.version for v in article.versions] == [1, 2, 3]
            assert "2022" in article.versions[1].text
            assert s.scalar(select(func.count(models.Fetch.id))) == 4
    finally:
        store.close()


def test_rejected_and_failed_fetches_are_recorded_without_versions(db_url: str) -> None:
    store = Store(db_url)
    try:
        wall = store.record_fetch(
            fetch(T0, outcome=Outcome.REJECTED, reason="bot-wall: page says 'not a robot'")
        )
        down = store.record_fetch(
            FetchRecord(url=URL, fetched_at=T0, outcome=Outcome.ERROR, reason="DNSLookupError")
        )
        assert wall.outcome == Outcome.REJECTED
        assert down.outcome == Outcome.ERROR
        with store.session() as s:
            assert s.scalar(select(func.count(models.Version.id))) == 0
            assert s.scalar(select(func.count(models.Article.id))) == 0
            reasons = s.scalars(select(models.Fetch.reason).order_by(models.Fetch.id)).all()
            assert reasons == ["bot-wall: page says 'not a robot'", "DNSLookupError"]
    finally:
        store.close()


def test_crawl_run_counts_its_fetches(db_url: str) -> None:
    store = Store(db_url)
    try:
        run = store.start_run("demo")
        store.record_fetch(fetch(T0, run_id=run), content("one two three"))
        store.record_fetch(fetch(T0, run_id=run), content("one two three"))
        store.record_fetch(fetch(T0, run_id=run, outcome=Outcome.REJECTED, reason="too-short"))
        finished = store.finish_run(run, "finished")
        assert (finished.pages, finished.new_versions, finished.unchanged, finished.rejected) == (
            3,
            1,
            1,
            1,
        )
        assert finished.finished_at is not None
    finally:
        store.close()


def test_exact_duplicate_lookup_ignores_the_article_itself(db_url: str) -> None:
    store = Store(db_url)
    try:
        body = content("The same wire story, word for word.")
        store.record_fetch(fetch(T0), body)
        assert store.find_by_content_hash(body.content_hash, exclude_url=URL) is None
        other = "https://other.example/copy"
        assert store.find_by_content_hash(body.content_hash, exclude_url=other) == URL
    finally:
        store.close()


def test_a_failed_write_leaves_nothing_behind(db_url: str) -> None:
    store = Store(db_url)
    try:
        bad = ContentRecord(content_hash="x" * 64, text=None, word_count=0)  # type: ignore[arg-type]
        with pytest.raises(Exception, match=r"(?i)null"):
            store.record_fetch(fetch(T0), bad)
        with store.session() as s:
            assert s.scalar(select(func.count(models.Article.id))) == 0
            assert s.scalar(select(func.count(models.Fetch.id))) == 0
    finally:
        store.close()


def test_sqlite_store_is_set_up_for_concurrent_use(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.db"))
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        store.close()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StorageError, match=r"cannot open the store .*not a database"):
        Store(str(bogus))
    assert bogus.read_text().startswith("these are my notes")


def test_database_password_is_never_shown(tmp_path: Path) -> None:
    url = "postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/nodb"
    with pytest.raises(StorageError) as info:
        Store(url)
    assert "s3cret-pw" not in str(info.value)
    assert "***" in str(info.value)


def test_sqlite_file_is_a_plain_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    store = Store(str(path))
    store.record_fetch(fetch(T0), content("Readable by any SQLite tool."))
    store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT a.url, v.version, v.text FROM articles a JOIN versions v ON v.article_id = a.id"
        ).fetchall()
    assert rows == [(URL, 1, "Readable by any SQLite tool.")]
