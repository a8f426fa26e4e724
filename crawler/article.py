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


# The clean-up rules of :mod:`crawler.extract_rules`, in the order they run; each has an
# ``ExtractOptions.rule_<name>`` switch. Named here so that the crawl process can check the names
# a worker reports without importing trafilatura.
RULES = ("hidden", "split_bodies", "trailing_widgets", "repeated_headline")


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How to extract: the minimum article length, trafilatura's speed/precision trade-off and
    the clean-up rules of :mod:`crawler.extract_rules` applied around its call."""

    min_words: int = 30
    fast: bool = False
    favor_precision: bool = False
    rule_hidden: bool = True
    rule_split_bodies: bool = False
    rule_trailing_widgets: bool = True
    rule_repeated_headline: bool = True


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
    # The clean-up rules that changed this page's text, counted in the crawl's stats.
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A page that is not an article, and why."""

    reason: RejectReason
    detail: str
    rules: tuple[str, ...] = ()
