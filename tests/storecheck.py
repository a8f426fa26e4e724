"""One check that a SQLite store is whole, shared by the crash, kill and disk-full tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Each query counts rows that a whole store never has.
BROKEN = {
    "version without its article": (
        "SELECT count(*) FROM versions v LEFT JOIN articles a ON a.id = v.article_id "
        "WHERE a.id IS NULL"
    ),
    "article without its current version": (
        "SELECT count(*) FROM articles a LEFT JOIN versions v ON v.article_id = a.id "
        "AND v.version = a.current_version WHERE v.id IS NULL"
    ),
    "article whose versions are not 1..current": (
        "SELECT count(*) FROM articles a WHERE a.current_version != "
        "(SELECT count(*) FROM versions v WHERE v.article_id = a.id)"
    ),
    "version without the fetch that made it": (
        "SELECT count(*) FROM versions v LEFT JOIN fetches f ON f.version_id = v.id "
        "WHERE f.id IS NULL"
    ),
}


def assert_store_whole(path: Path) -> None:
    """SQLite's own checks, the product's invariants, and the search index's consistency."""
    with sqlite3.connect(path, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for problem, sql in BROKEN.items():
            assert conn.execute(sql).fetchone() == (0,), problem
        # the index's own consistency (it holds current versions only, by design)
        conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")
