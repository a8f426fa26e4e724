"""What extraction makes of a page: an article, or the reason it is not one.

Kept apart from :mod:`crawler.extract` so that the crawl process, which only passes these along,
never imports trafilatura: extraction runs in the worker processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

RejectReason = Literal[
    "bot-wall", "notice-page", "not-html", "no-article", "too-short", "extractor-error"
]


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How to extract: the minimum article length and trafilatura's speed/precision trade-off."""

    min_words: int = 30
    fast: bool = False
    favor_precision: bool = False


@dataclass(frozen=True, slots=True)
class Article:
    """The cleaned content of one article page."""

    url: str
    title: str | None
    text: str
    authors: tuple[str, ...]
    published: dt.datetime | None
    language: str | None
    sitename: str | None
    description: str | None
    word_count: int
    canonical_url: str | None = None
    # The text's syndication sketch (``crawler.syndication.Sketch.to_bytes()``), made in the
    # extraction worker when the crawl asks for it, so that the crawl process need not.
    sketch: bytes | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A page that is not an article, and why."""

    reason: RejectReason
    detail: str
