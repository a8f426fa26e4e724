"""Feeds: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 1.0 and JSON Feed 1.x, read into article entries."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.discovery.dates import parse_date
from crawler.discovery.errors import DiscoveryError, Outcome
from crawler.discovery.xmlsafe import (
    check_prolog,
    check_size,
    gunzip,
    is_gzip,
    local_name,
    looks_like_html,
    parse_document,
    strip_leading,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest feed accepted (after decompression); real news feeds are well under 1 MB."""

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_SUMMARY_CHARS = 2000
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One article a feed points to; ``url`` is absolute, ``published`` naive UTC."""

    url: str
    title: str | None = None
    published: datetime | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class FeedResult:
    """A parsed feed: entries when ``OK``, none when ``EMPTY``, ``reason`` when ``ERROR``."""

    url: str
    outcome: Outcome
    kind: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    reason: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True unless the feed was rejected (an empty feed is ok: nothing new)."""
        return self.outcome is not Outcome.ERROR


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FeedResult:
    """Read a feed body of any supported dialect; never raises on bad input.

    Args:
        body: the response body as fetched (gzip is detected by its magic bytes).
        url: the feed's URL, the base for relative links.
        content_type: the Content-Type header, used only to spot JSON Feed.
        max_bytes: the largest body accepted, after decompression.
    """
    warnings: list[str] = []
    try:
        check_size(body, max_bytes, "feed")
        if is_gzip(body):
            body = gunzip(body, max_bytes)
        body = strip_leading(body)
        if not body:
            raise DiscoveryError("empty body")
        if looks_like_html(body):
            raise DiscoveryError("an HTML page, not a feed")
        if _is_json(body, content_type):
            kind, entries, seen = _parse_json_feed(body, url)
        else:
            check_prolog(body)
            root, warning = parse_document(body, url)
            if warning:
                warnings.append(warning)
            kind, entries, seen = _parse_xml_feed(root, url)
    except DiscoveryError as exc:
        logger.warning("feed %s rejected: %s", url, exc.reason)
        return FeedResult(url, Outcome.ERROR, reason=exc.reason, warnings=tuple(warnings))
    if seen and not entries:
        # Items exist but none yielded a link: the feed is broken, not quiet.
        reason = f"{seen} items but none with a usable http(s) link"
        logger.warning("feed %s rejected: %s", url, reason)
        return FeedResult(url, Outcome.ERROR, kind, reason=reason, warnings=tuple(warnings))
    if seen > len(entries):
        warnings.append(f"{seen - len(entries)} of {seen} items skipped: no usable link")
    if not entries:
        return FeedResult(url, Outcome.EMPTY, kind, reason="no items", warnings=tuple(warnings))
    return FeedResult(url, Outcome.OK, kind, tuple(entries), warnings=tuple(warnings))


def discover_feed_links(html: str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    try:
        doc = lxml.html.document_fromstring(html[: 2 * 1024 * 1024])
    except (etree.ParserError, ValueError):
        return []
    base = _html_base(doc, base_url)
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if _is_http(absolute) and absolute not in found:
                found.append(absolute)
    return found


def _html_base(doc: lxml.html.HtmlElement, page_url: str) -> str:
    for base in doc.iter("base"):
        href = str(base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url


def _is_json(body: bytes, content_type: str | None) -> bool:
    mime = (content_type or "").lower().split(";")[0].strip()
    return mime in ("application/feed+json", "application/json") or body[:1] in (b"{", b"[")


def _parse_json_feed(body: bytes, url: str) -> tuple[str, list[FeedEntry], int]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # RecursionError: a deeply nested document is an attack shape, not a feed.
        raise DiscoveryError(f"malformed JSON: {exc}") from exc
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/1"):
        raise DiscoveryError("JSON that is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise DiscoveryError("JSON Feed without an items list")
    base = _str(data.get("home_page_url")) or _str(data.get("feed_url")) or url
    entries: list[FeedEntry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _absolute(base, _str(item.get("url")) or _str(item.get("external_url")))
        if link is None:
            continue
        summary = _str(item.get("summary")) or _str(item.get("content_text"))
        if summary is None and (html := _str(item.get("content_html"))):
            summary = _html_text(html)
        entries.append(
            FeedEntry(
                link,
                _clean(_str(item.get("title"))),
                parse_date(_str(item.get("date_published")) or _str(item.get("date_modified"))),
                _clip(summary),
            )
        )
    return "jsonfeed" + version.rpartition("/version/")[2], entries, len(items)


def _parse_xml_feed(root: etree._Element, url: str) -> tuple[str, list[FeedEntry], int]:
    name, ns = local_name(root), etree.QName(root).namespace
    if name == "rss":
        channel = root.find("channel")
        items = channel.findall("item") if channel is not None else []
        return f"rss{root.get('version') or ''}", _rss_entries(items, url), len(items)
    if name == "RDF" and ns == RDF:
        items = root.findall(f"{{{RSS1}}}item") or root.findall(f"{{{RSS090}}}item")
        kind = "rss1.0" if root.find(f"{{{RSS1}}}channel") is not None else "rss0.90"
        return kind, _rss_entries(items, url), len(items)
    if name == "feed" and ns == ATOM:
        entries = root.findall(f"{{{ATOM}}}entry")
        return "atom1.0", _atom_entries(entries, url), len(entries)
    raise DiscoveryError(f"XML but not a feed: root element <{name or root.tag}>")


def _rss_entries(items: list[etree._Element], url: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for item in items:
        values: dict[str, str] = {}
        permalink: str | None = None
        atom_link: str | None = None
        for child in item:
            tag = local_name(child)
            text = (child.text or "").strip()
            if tag == "guid" and (child.get("isPermaLink") or "true").lower() != "false":
                permalink = text
            elif tag == "link" and etree.QName(child).namespace == ATOM:
                atom_link = atom_link or child.get("href")
            elif tag == "encoded" and etree.QName(child).namespace == CONTENT:
                values.setdefault("content", text)
            elif text:
                values.setdefault(tag, text)
        base = item.base or url
        link = _absolute(base, values.get("link") or atom_link or permalink)
        if link is None:
            continue
        summary = values.get("description") or values.get("content")
        entries.append(
            FeedEntry(
                link,
                _clean(values.get("title")),
                parse_date(values.get("pubDate") or values.get("date") or values.get("issued")),
                _clip(_html_text(summary) if summary else None),
            )
        )
    return entries


def _atom_entries(items: list[etree._Element], url: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for item in items:
        link = _absolute(item.base or url, _atom_link(item))
        if link is None:
            continue
        summary_el = item.find(f"{{{ATOM}}}summary")
        if summary_el is None:
            summary_el = item.find(f"{{{ATOM}}}content")
        entries.append(
            FeedEntry(
                link,
                _clean(_atom_text(item.find(f"{{{ATOM}}}title"))),
                parse_date(
                    item.findtext(f"{{{ATOM}}}published") or item.findtext(f"{{{ATOM}}}updated")
                ),
                _clip(_atom_text(summary_el)),
            )
        )
    return entries


def _atom_link(entry: etree._Element) -> str | None:
    best: str | None = None
    for link in entry.findall(f"{{{ATOM}}}link"):
        rel = link.get("rel", "alternate")
        href = str(link.get("href") or "")
        if rel != "alternate" or not href:
            continue
        # Several alternates: the HTML one is the article, others may be audio or translations.
        if (link.get("type") or "text/html").startswith("text/html"):
            return href
        best = best or href
    return best


def _atom_text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    kind = element.get("type", "text")
    if kind == "xhtml":
        return _clean("".join(element.itertext()))
    text = element.text or ""
    return _html_text(text) if kind == "html" else _clean(text)


def _html_text(markup: str) -> str | None:
    if "<" not in markup:
        return _clean(markup)
    try:
        return _clean(lxml.html.fromstring(markup).text_content())
    except (etree.ParserError, ValueError):
        return _clean(markup)


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    absolute = urljoin(base, href.strip())
    return absolute if _is_http(absolute) else None


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = _SPACES.sub(" ", text).strip()
    return text or None


def _clip(text: str | None) -> str | None:
    return text[:_SUMMARY_CHARS] if text else text
