"""A collection's limits on discovered URLs: date window, URL patterns, keywords, with reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.discovery import Candidate, CollectionFilter

PUTIN = CollectionFilter(keywords=("putin", "india visit", "Modi"))


@pytest.mark.parametrize(
    ("candidate", "accepted", "reason"),
    [
        (Candidate("https://x.example/a", title="Putin lands in Delhi"), True, "'putin' in title"),
        (Candidate("https://x.example/a", title="PUTIN speaks"), True, "'putin' in title"),
        (Candidate("https://x.example/a", summary="Talks with Modi."), True, "'Modi' in summary"),
        (Candidate("https://x.example/2024/putin-india-visit-ends"), True, "'putin' in URL"),
        (Candidate("https://x.example/world/india_visit_2024"), True, "'india visit' in URL"),
        (Candidate("https://x.example/a", title="Putinism explained"), False, "no keyword"),
        (Candidate("https://x.example/a", title="A visit to India"), False, "no keyword"),
        (Candidate("https://x.example/a", title="Modification rules"), False, "no keyword"),
        (Candidate("https://x.example/computing"), False, "no keyword"),
    ],
)
def test_keywords_whole_words_anywhere(candidate: Candidate, accepted: bool, reason: str) -> None:
    ok, why = PUTIN.accepts(candidate)
    assert ok is accepted
    assert reason in why


def test_date_window() -> None:
    window = CollectionFilter(
        since=datetime(2024, 12, 1, tzinfo=UTC), until=datetime(2024, 12, 31, 23, 59)
    )
    assert window.accepts(Candidate("https://x.example/a", published=datetime(2024, 12, 5)))[0]
    old = window.accepts(Candidate("https://x.example/a", published=datetime(2024, 11, 30)))
    assert old == (False, "published 2024-11-30 00:00 before 2024-12-01 00:00")
    late = window.accepts(Candidate("https://x.example/a", published=datetime(2025, 1, 2)))
    assert late[0] is False
    assert "after" in late[1]
    assert window.accepts(Candidate("https://x.example/undated"))[0]


def test_patterns() -> None:
    rules = CollectionFilter(include=(r"/(world|india)/",), exclude=(r"/live/", r"\?page="))
    assert rules.accepts(Candidate("https://x.example/world/putin")) == (
        True,
        "accepted: no keyword limit",
    )
    assert rules.accepts(Candidate("https://x.example/world/live/putin")) == (
        False,
        "URL matches exclude pattern '/live/'",
    )
    assert rules.accepts(Candidate("https://x.example/sport/cricket")) == (
        False,
        "URL matches no include pattern",
    )


def test_everything_together() -> None:
    rules = CollectionFilter(
        since=datetime(2024, 12, 1), include=(r"^https://www\.example\.com/",), keywords=("putin",)
    )
    good = Candidate(
        "https://www.example.com/world/putin-india", "Putin in India", None, datetime(2024, 12, 5)
    )
    assert rules.accepts(good)[0]
    assert not rules.accepts(
        Candidate("https://other.example/putin", published=datetime(2024, 12, 5))
    )[0]


def test_invalid_settings_are_named() -> None:
    with pytest.raises(ValueError, match=r"invalid include pattern '\(unclosed'"):
        CollectionFilter(include=("(unclosed",))
    with pytest.raises(ValueError, match="date window is empty"):
        CollectionFilter(since=datetime(2025, 1, 1), until=datetime(2024, 1, 1))
