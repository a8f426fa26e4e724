"""Small types shared by the store's modules."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Outcome(StrEnum):
    """What a fetch led to."""

    NEW_VERSION = "new-version"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not-modified"
    REJECTED = "rejected"
    ERROR = "error"
    DISCOVERED = "discovered"


def utcnow() -> dt.datetime:
    """The current time in UTC, naive, as the store keeps all times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
