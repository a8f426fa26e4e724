"""Sitemaps: indexes, URL sets and Google News sitemaps, read as a stream with hard bounds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.discovery.dates import parse_date, to_naive_utc
from crawler.discovery.errors import DiscoveryError, Outcome
from crawler.discovery.xmlsafe import (
    check_prolog,
    check_size,
    gunzip_chunks,
    is_gzip,
    local_name,
    looks_like_html,
    parser_options,
    strip_leading,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_URLS = 50_000
"""URLs kept per sitemap: the sitemap protocol's own per-file limit."""
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Largest sitemap accepted, after decompression: the protocol's 50 MB limit."""

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_FEED_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """A page (or, in an index, a child sitemap) with its dates as naive UTC."""

    url: str
    lastmod: datetime | None = None
    news_title: str | None = None
    news_published: datetime | None = None

    @property
    def date(self) -> datetime | None:
        """The best date to judge newness by: the news publication date, else lastmod."""
        return self.news_published or self.lastmod


@dataclass(frozen=True, slots=True)
class SitemapResult:
    """A parsed sitemap: ``entries`` are pages of a URL set or the children of an index.

    ``reason`` says why the result is an error, empty, or ``truncated`` at the URL bound.
    """

    url: str
    outcome: Outcome
    kind: str | None = None
    entries: tuple[SitemapEntry, ...] = ()
    reason: str | None = None
    truncated: bool = False
    skipped_old: int = 0

    @property
    def ok(self) -> bool:
        """True unless the sitemap was rejected (empty is ok: nothing new)."""
        return self.outcome is not Outcome.ERROR

    @property
    def is_index(self) -> bool:
        """True for a sitemap index, whose entries are child sitemaps to fetch next."""
        return self.kind == "sitemapindex"


def parse_sitemap(
    body: bytes,
    url: str,
    *,
    since: datetime | None = None,
    max_urls: int = DEFAULT_MAX_URLS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SitemapResult:
    """Read a sitemap or sitemap index (plain or gzip); never raises on bad input.

    The body is parsed as a stream and parsing stops at ``max_urls`` entries, so a sitemap of
    millions of URLs costs no more than its first ``max_urls``.

    Args:
        body: the response body as fetched (gzip is detected by its magic bytes).
        url: the sitemap's URL, the base for relative locations.
        since: skip entries whose date (news publication date, else lastmod) is older;
            entries without a date are kept, as nothing says they are old.
        max_urls: entries kept before parsing stops with ``truncated=True``.
        max_bytes: the largest body accepted, after decompression.
    """
    since = to_naive_utc(since) if since else None
    reader = _Reader(url, since, max_urls)
    try:
        chunks = gunzip_chunks(body, max_bytes) if is_gzip(body) else _plain(body, max_bytes)
        reader.run(chunks)
    except DiscoveryError as exc:
        logger.warning("sitemap %s rejected: %s", url, exc.reason)
        return SitemapResult(url, Outcome.ERROR, reader.kind, reason=exc.reason)
    entries, kind = tuple(reader.entries), reader.kind
    if reader.truncated:
        reason = f"stopped after {max_urls} URLs (max_urls); the rest of the sitemap was not read"
        logger.warning("sitemap %s truncated: %s", url, reason)
        return SitemapResult(url, Outcome.OK, kind, entries, reason, True, reader.skipped_old)
    if reader.seen and not entries and not reader.skipped_old:
        reason = f"{reader.seen} entries but none with a usable http(s) <loc>"
        logger.warning("sitemap %s rejected: %s", url, reason)
        return SitemapResult(url, Outcome.ERROR, kind, reason=reason)
    if not entries:
        reason = (
            f"all {reader.skipped_old} entries older than {since:%Y-%m-%d %H:%M}"
            if reader.skipped_old and since
            else "no entries"
        )
        return SitemapResult(
            url, Outcome.EMPTY, kind, reason=reason, skipped_old=reader.skipped_old
        )
    return SitemapResult(url, Outcome.OK, kind, entries, skipped_old=reader.skipped_old)


def _plain(body: bytes, max_bytes: int) -> Iterator[bytes]:
    check_size(body, max_bytes, "sitemap")
    for start in range(0, len(body), _FEED_CHUNK):
        yield body[start : start + _FEED_CHUNK]


class _Reader:
    """Feeds chunks to a pull parser and collects entries until the bound is reached."""

    def __init__(self, url: str, since: datetime | None, max_urls: int) -> None:
        self.url = url
        self.since = since
        self.max_urls = max_urls
        self.kind: str | None = None
        self.entries: list[SitemapEntry] = []
        self.seen = 0
        self.skipped_old = 0
        self.truncated = False

    def run(self, chunks: Iterator[bytes]) -> None:
        parser = etree.XMLPullParser(events=("start", "end"), base_url=self.url, **parser_options())
        first = True
        try:
            for chunk in chunks:
                if first:
                    chunk = strip_leading(chunk)
                    if not chunk:
                        continue
                    if looks_like_html(chunk):
                        raise DiscoveryError("an HTML page, not a sitemap")
                    check_prolog(chunk)
                    first = False
                parser.feed(chunk)
                if self._consume(parser):
                    self.truncated = True
                    return
            if first:
                raise DiscoveryError("empty body")
            parser.close()
            self._consume(parser)
        except etree.XMLSyntaxError as exc:
            raise DiscoveryError(f"malformed XML: {exc.msg} (line {exc.lineno})") from exc

    def _consume(self, parser: etree.XMLPullParser) -> bool:
        """Handle parsed events; True once ``max_urls`` entries are kept."""
        for event, element in parser.read_events():
            name = local_name(element)
            if event == "start":
                if self.kind is None:
                    self._root(name)
                continue
            if name not in ("url", "sitemap"):
                continue
            entry = self._entry(element)
            # Free what is parsed: memory stays flat however long the sitemap is.
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
            if entry is None:
                continue
            if self.since and entry.date and entry.date < self.since:
                self.skipped_old += 1
                continue
            if len(self.entries) >= self.max_urls:
                return True
            self.entries.append(entry)
        return False

    def _root(self, name: str) -> None:
        if name not in ("urlset", "sitemapindex"):
            raise DiscoveryError(f"XML but not a sitemap: root element <{name}>")
        self.kind = name

    def _entry(self, element: etree._Element) -> SitemapEntry | None:
        self.seen += 1
        loc = lastmod = title = published = None
        # Direct children only: image and video extensions nest their own <loc> inside <url>.
        for child in element:
            tag = local_name(child)
            if tag == "loc":
                loc = loc or (child.text or "").strip()
            elif tag == "lastmod":
                lastmod = (child.text or "").strip()
        for child in element.iter(f"{{{NEWS_NS}}}title", f"{{{NEWS_NS}}}publication_date"):
            if local_name(child) == "title":
                title = " ".join((child.text or "").split()) or None
            else:
                published = (child.text or "").strip()
        if not loc:
            return None
        absolute = urljoin(self.url, loc)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        return SitemapEntry(absolute, parse_date(lastmod), title, parse_date(published))
