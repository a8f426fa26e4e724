"""Clean a fetched page into an article with trafilatura, or say why it is not one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawler.article import Article, ExtractOptions, Rejection
from crawler.botwall import MAX_WALL_WORDS, detect_bot_wall
from crawler.discovery.urls import acceptable_canonical
from crawler.extract_rules import ArticleCleaner
from crawler.notices import detect_notice
from crawler.textnorm import normalize_text, word_count

__all__ = ["Article", "ExtractOptions", "Rejection", "extract_article"]

_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.I)
_LANGID_MIN_WORDS = 40
LANGID_SAMPLE_CHARS = 2000
# trafilatura silently drops text nested deeper than 256 elements
MAX_DEPTH = 250
_HUGE_PARSER = lxml_html.HTMLParser(huge_tree=True)
WRAPPERS = frozenset({"div", "span", "section", "font", "center", "b", "i", "em", "strong"})
# Dates from the page's markup only: the extensive search guesses "2024-01-01" from a year in
# the URL or the text, which is worse than no date.
DATE_PARAMS = {"original_date": True, "extensive_search": False}


def extract_article(
    html: str, url: str, options: ExtractOptions | None = None
) -> Article | Rejection:
    """Extract the main text and metadata of ``html`` fetched from ``url``.

    trafilatura drops text nested deeper than 256 elements: a page that yields no article and
    is that deep is extracted once more with its empty wrapper elements unwrapped.
    """
    options = options or ExtractOptions()
    result = _extract(html, url, options)
    if isinstance(result, Rejection) and result.reason in ("no-article", "too-short"):
        flattened = unwrap_deep_nesting(html)
        if flattened is not None:
            retried = _extract(flattened, url, options)
            if isinstance(retried, Article):
                return retried
    return result


def unwrap_deep_nesting(html: str, limit: int = MAX_DEPTH) -> str | None:
    """``html`` with text-less wrappers below depth ``limit // 4`` unwrapped, if it is deeper.

    Returns ``None`` when the page is not nested deeper than ``limit``.
    """
    try:
        # libxml2 stops at 256 levels unless told the tree is huge
        root = lxml_html.fromstring(html, parser=_HUGE_PARSER)
    except (ValueError, TypeError, etree.ParserError):
        return None
    depth = deepest = 0
    wrappers = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        deepest = max(deepest, depth)
        if (
            depth > limit // 4
            and isinstance(element.tag, str)
            and element.tag in WRAPPERS
            and not (element.text or "").strip()
        ):
            wrappers.append(element)
    if deepest <= limit:
        return None
    for element in wrappers:
        element.drop_tag()
    return str(lxml_html.tostring(root, encoding="unicode"))


def _extract(html: str, url: str, options: ExtractOptions) -> Article | Rejection:
    cleaner = ArticleCleaner(options)
    result = _judge(html, url, options, cleaner)
    return dataclasses.replace(result, rules=cleaner.fired) if cleaner.fired else result


def _judge(
    html: str, url: str, options: ExtractOptions, cleaner: ArticleCleaner
) -> Article | Rejection:
    try:
        doc = trafilatura.bare_extraction(
            cleaner.prepare(html),
            url=url,
            with_metadata=True,
            include_comments=False,
            fast=options.fast,
            favor_precision=options.favor_precision,
            date_extraction_params=DATE_PARAMS,
        )
    except Exception as exc:
        wall = detect_bot_wall(html)
        if wall:
            return Rejection("bot-wall", wall)
        return Rejection("extractor-error", f"{type(exc).__name__}: {exc}")
    text = (
        normalize_text(cleaner.text(doc)) if doc is not None and not isinstance(doc, dict) else ""
    )
    count = word_count(text)
    if count < MAX_WALL_WORDS:
        wall = detect_bot_wall(html)
        if wall:
            return Rejection("bot-wall", wall)
    if doc is None or isinstance(doc, dict) or not text:
        return Rejection("no-article", "the extractor found no main text")
    notice = detect_notice(text)
    if notice:
        return Rejection("notice-page", notice)
    if count < options.min_words:
        return Rejection(
            "too-short", f"{count} words, fewer than the minimum of {options.min_words}"
        )
    return Article(
        url=url,
        title=_clean(doc.title),
        text=text,
        authors=_authors(doc.author),
        published=_parse_date(doc.date),
        language=_language(html, text, count),
        sitename=_clean(doc.sitename),
        description=_clean(doc.description),
        word_count=count,
        canonical_url=_canonical(doc.url, url),
    )


def _canonical(declared: str | None, url: str) -> str | None:
    """The page's own canonical URL (trafilatura reads ``rel=canonical`` and ``og:url``), if
    it is on the page's site and not the site's home page; otherwise ``None``."""
    if not declared or declared == url:
        return None
    return acceptable_canonical(declared, url)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(dict.fromkeys(a.strip() for a in value.split(";") if a.strip()))


def _parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _language(html: str, text: str, count: int) -> str | None:
    if count >= _LANGID_MIN_WORDS:
        import py3langid  # loads its model on first use: only pages that need it pay

        # the opening of an article says its language as well as the whole does, at a fraction
        # of the cost
        return str(py3langid.classify(text[:LANGID_SAMPLE_CHARS])[0])
    declared = _HTML_LANG.search(html[:4096])
    return declared.group(1).lower() if declared else None
