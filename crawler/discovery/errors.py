"""Outcomes of reading a feed or sitemap, and the error raised inside the parsers.

CrawlerError (crawler.errors)
└── DiscoveryError           a feed or sitemap rejected: too big, unsafe, not XML, not a feed
"""

from __future__ import annotations

from enum import StrEnum

from crawler.errors import CrawlerError


class Outcome(StrEnum):
    """What a parse produced; ``EMPTY`` is a healthy source with nothing in it, never a failure."""

    OK = "ok"
    EMPTY = "empty"
    ERROR = "error"


class DiscoveryError(CrawlerError):
    """A feed or sitemap body that is rejected, with a reason fit for a fetch record."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
