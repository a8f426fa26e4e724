"""What Datasette needs to know to search a SQLite store: its full-text table, named in metadata.

Datasette finds a table's FTS index by the SQL that created it: ``content="table"`` in double
quotes or ``content=[table]`` (``detect_fts_sql`` in ``datasette/utils``). The store's index was
created as ``content='versions'``, which that match misses, so the index is named in a metadata
file instead (``fts_table`` and ``fts_pk`` of the ``versions`` table). Rebuilding the index under
another spelling would change a large table for a viewer's sake; a file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

FTS_TABLE = "versions_fts"
SEARCHED_TABLE = "versions"
# the searched table's key, which the FTS rows carry as their rowid (content_rowid='id')
FTS_KEY = "id"


def database_name(path: str | Path) -> str:
    """The name Datasette gives a database file: its name without the extension."""
    return Path(path).stem


def has_fts_table(conn: Connection) -> bool:
    """Whether the store holds the FTS5 index the metadata names."""
    sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": FTS_TABLE}
    ).scalar_one_or_none()
    return sql is not None and "fts5" in sql.lower()


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata (``--metadata``) that makes the ``versions`` table searchable.

    Searches match the current version of each article: the index holds no other.
    """
    return {
        "databases": {
            database: {
                "tables": {
                    SEARCHED_TABLE: {
                        "fts_table": FTS_TABLE,
                        "fts_pk": FTS_KEY,
                        "description": "Every stored version; search matches current versions.",
                    }
                }
            }
        }
    }
