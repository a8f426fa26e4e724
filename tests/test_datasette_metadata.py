"""Browsing the store with Datasette: its search index named in a metadata file the CLI writes.

Datasette itself is not a dependency: these tests check what its detection and its search rely on.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from storage import Store
from storage.datasette import FTS_KEY, FTS_TABLE, SEARCHED_TABLE
from tests import test_cli_query
from tests.conftest import ROOT
from tests.test_cli_query import cli

store_path = test_cli_query.store_path


def datasette_detects_fts(conn: sqlite3.Connection, table: str) -> str | None:
    """Datasette's ``detect_fts_sql`` (datasette/utils/__init__.py), as it matches today."""
    row = conn.execute(
        "select name from sqlite_master where rootpage = 0 and ("
        " sql like ? or sql like ? or (tbl_name = ? and sql like '%VIRTUAL TABLE%USING FTS%'))",
        (
            f'%VIRTUAL TABLE%USING FTS%content="{table}"%',
            f"%VIRTUAL TABLE%USING FTS%content=[{table}]%",
            table,
        ),
    ).fetchone()
    return None if row is None else str(row[0])


def test_metadata_names_the_index_datasette_cannot_detect(store_path: Path) -> None:
    result = cli("db", "datasette-metadata", "--db", str(store_path))
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)["databases"]["store"]["tables"][SEARCHED_TABLE]
    assert (table["fts_table"], table["fts_pk"]) == ("versions_fts", "id")
    with sqlite3.connect(store_path) as conn:
        # if a migration ever spells content="versions", Datasette finds the index by itself
        # and the README's --metadata step can go
        assert datasette_detects_fts(conn, SEARCHED_TABLE) is None
        [sql] = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", (FTS_TABLE,)
        ).fetchone()
        options = dict(re.findall(r"(\w+)='(\w+)'", sql))
        assert "USING fts5" in sql
        assert (options["content"], options["content_rowid"]) == (SEARCHED_TABLE, FTS_KEY)
        # the query Datasette runs for ?_search= with fts_table and fts_pk set
        found = conn.execute(
            f"SELECT {FTS_KEY} FROM {SEARCHED_TABLE} WHERE {FTS_KEY} IN "
            f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)",
            ('"Zelensky"',),
        ).fetchall()
    hits = json.loads(cli("search", "Zelensky", "--db", str(store_path), "--json").output)
    assert len(found) == len(hits) >= 3


def test_metadata_file_and_refusals(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "meta.json"
    written = cli("db", "datasette-metadata", "--db", str(store_path), "--out", str(out))
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text())["databases"]["store"]["tables"]["versions"]
    server = cli("db", "datasette-metadata", "--db", "postgresql://u@localhost/x")
    assert server.exit_code == 2
    assert "not a SQLite file" in server.output
    missing = cli("db", "datasette-metadata", "--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 1
    assert not (tmp_path / "none.db").exists()
    Store(f"sqlite:///{tmp_path / 'new.db'}").close()
    fresh = cli("db", "datasette-metadata", "--db", str(tmp_path / "new.db"))
    assert json.loads(fresh.output)["databases"]["new"]["tables"]["versions"]


def test_readme_shows_the_datasette_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Browse the store with Datasette", 1)[1].split("\n## ", 1)[0]
    assert "crawler db datasette-metadata" in section
    assert re.search(r"datasette \S+ --metadata \S+", section)
