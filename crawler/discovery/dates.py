"""Dates as feeds and sitemaps write them (RFC 822, RFC 3339, W3C datetime), as naive UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# W3C datetime allows a bare year or year-month; sitemaps use both.
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def to_naive_utc(value: datetime) -> datetime:
    """The same instant as naive UTC; a naive input is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_date(text: str | None) -> datetime | None:
    """Parse an RFC 822 or ISO 8601 / W3C date into naive UTC; ``None`` when unreadable."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit():
        iso = _parse_iso(text)
        if iso is not None:
            return iso
    try:
        return to_naive_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        # parsedate_to_datetime raises any of these on garbage depending on where it gives up.
        return None


def _parse_iso(text: str) -> datetime | None:
    match = _YEAR_MONTH.match(text)
    if match:
        return datetime(int(match[1]), int(match[2] or 1), 1)
    candidate = text.replace(" ", "T", 1) if " " in text[:11] else text
    # fromisoformat rejects a lower-case z and a few fractional-second widths that feeds emit.
    candidate = candidate[:-1] + "+00:00" if candidate[-1:] in "zZ" else candidate
    try:
        return to_naive_utc(datetime.fromisoformat(candidate))
    except ValueError:
        return None
