"""Full-text search stays on current versions; diffs count words; hostile input stays text."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.textnorm import content_hash
from storage import FetchRecord, Store
from storage.diff import diff_texts
from storage.repository import ContentRecord
from storage.search import fts5_query, search

T0 = dt.datetime(2024, 7, 8)


def put(store: Store, url: str, text: str, title: str, hours: int = 0) -> None:
    store.record_fetch(
        FetchRecord(url=url, fetched_at=T0 + dt.timedelta(hours=hours), http_status=200),
        ContentRecord(content_hash(text), text, len(text.split()), title=title),
    )


def test_search_finds_only_current_versions_ranked_with_snippets(db_url: str) -> None:
    store = Store(db_url)
    try:
        put(store, "https://a.example/1", "Russia invaded Ukraine in 2019, said the story.", "A")
        put(store, "https://b.example/2", "Modi met Putin in Moscow for talks on oil.", "Modi")
        put(store, "https://a.example/1", "Russia invaded Ukraine in 2022, said the story.", "A", 1)
        with store.session() as s:
            assert search(s, "2019") == []
            (hit,) = search(s, "2022")
            assert (hit.url, hit.version) == ("https://a.example/1", 2)
            assert "2022" in hit.snippet
            modi = search(s, "modi")
            assert [h.url for h in modi] == ["https://b.example/2"]
            assert search(s, "ukraine moscow") == []  # every word must match
    finally:
        store.close()


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE articles; --",
        'zelensky" OR 1=1 --',
        "NEAR(a b",
        "title:*",
        "%_\\",
        "",
        '"unbalanced',
        "AND OR NOT",
    ],
)
def test_hostile_queries_are_plain_text(db_url: str, query: str) -> None:
    store = Store(db_url)
    try:
        put(store, "https://a.example/1", "An ordinary article about the summit in Moscow.", "A")
        with store.session() as s:
            assert search(s, query) == []
        with store.session() as s:
            assert len(search(s, "summit")) == 1  # the store is intact
    finally:
        store.close()


def test_fts5_query_quotes_every_term() -> None:
    assert fts5_query('putin "state visit" NEAR(x') == '"putin" "state visit" "NEAR x"'
    assert fts5_query("-- ;") == ""


def test_diff_counts_words_and_lines() -> None:
    old = "Russia invaded Ukraine in 2019.\nThe leaders met.\nEnd."
    new = "Russia invaded Ukraine in 2022.\nThe leaders met.\nEnd.\nCorrection: it was 2022."
    result = diff_texts(old, new)
    assert (result.words_added, result.words_removed) == (5, 1)
    assert "-Russia invaded Ukraine in 2019." in result.unified
    assert "+Correction: it was 2022." in result.unified
    assert ("delete", "2019. ") in result.words
    assert ("insert", "2022. ") in result.words
    assert diff_texts(old, old).identical
