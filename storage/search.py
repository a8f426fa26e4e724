"""Full-text search over current versions: SQLite FTS5 or PostgreSQL ``tsvector``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

_TERM = re.compile(r'"([^"]+)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article found by a search, with a snippet around the matched words."""

    url: str
    publisher: str | None
    title: str | None
    version: int
    rank: float
    snippet: str


def fts5_query(query: str) -> str:
    """A user's query as an FTS5 expression that cannot be a syntax error.

    Every word becomes a quoted term (all must match); text in double quotes stays a phrase.
    Operators and punctuation typed by the user are treated as plain text.
    """
    parts: list[str] = []
    for phrase, word in _TERM.findall(query):
        words = _WORD.findall(phrase or word)
        if words:
            parts.append('"' + " ".join(words) + '"')
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class IndexedText:
    """What the search index holds of a version."""

    version_id: int
    title: str | None
    text: str


def replace_indexed_version(conn: Connection, old_id: int | None, new: IndexedText) -> None:
    """Keep the search index on the article's current version only (same transaction)."""
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL: a generated tsvector column on versions, searched via current ones
    if old_id is not None:
        # An external-content FTS5 entry is removed by giving back the values it indexed.
        conn.execute(
            text(
                "INSERT INTO versions_fts(versions_fts, rowid, title, text) "
                "SELECT 'delete', id, coalesce(title, ''), text FROM versions WHERE id = :id"
            ),
            {"id": old_id},
        )
    conn.execute(
        text("INSERT INTO versions_fts(rowid, title, text) VALUES (:id, :title, :text)"),
        {"id": new.version_id, "title": new.title or "", "text": new.text},
    )


def search(session: Session, query: str, limit: int = 20) -> list[SearchHit]:
    """Current versions matching ``query``, best first."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        expression = fts5_query(query)
        if not expression:
            return []
        sql = text(
            "SELECT a.url, a.publisher, v.title, v.version, bm25(versions_fts, 5.0, 1.0) AS rank, "
            "snippet(versions_fts, 1, '[', ']', '…', 16) AS snip "
            "FROM versions_fts JOIN versions v ON v.id = versions_fts.rowid "
            "JOIN articles a ON a.id = v.article_id AND v.version = a.current_version "
            "WHERE versions_fts MATCH :q ORDER BY rank LIMIT :limit"
        )
        rows = session.execute(sql, {"q": expression, "limit": limit})
        return [SearchHit(u, p, t, ver, float(-r), s) for u, p, t, ver, r, s in rows]
    if not query.strip():
        return []
    sql = text(
        "SELECT a.url, a.publisher, v.title, v.version, "
        "ts_rank(v.search_vector, q) AS rank, "
        "ts_headline('simple', v.text, q, "
        "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1') AS snip "
        "FROM versions v JOIN articles a ON a.id = v.article_id "
        "AND v.version = a.current_version, websearch_to_tsquery('simple', :q) AS q "
        "WHERE v.search_vector @@ q ORDER BY rank DESC LIMIT :limit"
    )
    rows = session.execute(sql, {"q": query, "limit": limit})
    return [SearchHit(u, p, t, ver, float(r), s) for u, p, t, ver, r, s in rows]
