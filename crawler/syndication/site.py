"""The site of a page, as syndication counts sites (kept apart: no numpy needed to name one)."""

from __future__ import annotations

from urllib.parse import urlsplit


def site_of(url: str) -> str | None:
    """The site a URL belongs to: its host name, lower-case, without a leading ``www.``."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")
