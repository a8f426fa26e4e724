"""Schema migrations: an older store upgrades without loss; the schema matches the models."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from crawler.errors import StorageError
from storage import Store, migrate, models
from storage.db import SCHEMA_REVISION
from storage.search import search
from tests.conftest import ROOT

OLD_STORE = ROOT / "tests" / "data" / "store-0.1.0.db"


TABLES = ("sources", "articles", "versions", "fetches", "crawl_runs")


def columns(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        return {t: [row[1] for row in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}


def table_rows(path: Path, cols: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Rows of the 0.1.0 tables, in the 0.1.0 columns (later revisions may add columns)."""
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT {', '.join(cols[t])} FROM {t} ORDER BY id").fetchall()
            for t in TABLES
        }


def test_a_store_written_by_0_1_0_upgrades_without_loss(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(OLD_STORE, copy)
    old_columns = columns(copy)
    before = table_rows(copy, old_columns)
    assert before["versions"], "the committed store should hold versions"
    store = Store(str(copy))
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        with store.session() as s:
            hits = search(s, "Zelensky")
            current = dict(
                s.execute(select(models.Article.url, models.Article.current_version)).all()
            )
        assert hits
        assert all(current[h.url] == h.version for h in hits)
    finally:
        store.close()
    after = table_rows(copy, old_columns)
    assert after == before


def test_a_new_store_schema_matches_the_models(db_url: str) -> None:
    store = Store(db_url, migrate=True)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            differences = [
                d
                for d in compare_metadata(context, models.Base.metadata)
                # search objects live outside the ORM models on purpose
                if "versions_fts" not in repr(d) and "search_vector" not in repr(d)
            ]
        assert differences == []
    finally:
        store.close()


def test_a_store_from_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match="newer version"):
        Store(str(path))


def test_a_server_store_behind_the_product_asks_for_db_upgrade(pg_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    with pytest.raises(StorageError, match="crawler db upgrade"):
        Store(pg_url)


def test_missing_store_is_reported_not_created(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no store at"):
        Store(str(tmp_path / "absent.db"), create=False)
    assert not (tmp_path / "absent.db").exists()


def test_the_revision_the_product_writes_is_the_migrations_head() -> None:
    # a store at SCHEMA_REVISION opens without Alembic: the two must never drift apart
    assert migrate.head_revision() == SCHEMA_REVISION
