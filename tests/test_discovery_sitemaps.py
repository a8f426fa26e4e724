"""Sitemap parsing: indexes, URL sets, Google News, gzip, hostile and huge sitemaps, ``since``."""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.discovery import Outcome, SitemapResult, parse_sitemap
from tests.casecount import assert_all_cases_pass

SITEMAPS = Path(__file__).parent / "discovery" / "sitemaps"
BASE = "https://www.dailycourier.example/sitemap.xml"


def sitemap(name: str, **kwargs: object) -> SitemapResult:
    return parse_sitemap((SITEMAPS / name).read_bytes(), BASE, **kwargs)  # type: ignore[arg-type]


def error(result: SitemapResult, *fragments: str) -> None:
    assert result.outcome is Outcome.ERROR
    assert not result.ok
    assert not result.entries
    assert result.reason is not None
    for fragment in fragments:
        assert fragment in result.reason, result.reason


def huge_urlset(count: int) -> bytes:
    """A URL set of ``count`` pages, built in blocks so even millions stay quick."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    head += b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    block = 10_000
    parts = [head]
    for start in range(0, count, block):
        parts.append(
            "".join(
                f"<url><loc>https://big.example/a/{n}</loc><lastmod>2024-12-05</lastmod></url>\n"
                for n in range(start, min(start + block, count))
            ).encode()
        )
    parts.append(b"</urlset>\n")
    return b"".join(parts)


def sitemap_index() -> None:
    result = sitemap("sitemap_index.xml")
    assert result.outcome is Outcome.OK
    assert result.is_index
    assert [e.url for e in result.entries] == [
        "https://www.dailycourier.example/post-sitemap.xml",
        "https://www.dailycourier.example/post-sitemap2.xml",
        "https://www.dailycourier.example/news-sitemap.xml",  # relative <loc> resolved
        "https://www.dailycourier.example/category-sitemap.xml",
    ]
    assert result.entries[0].lastmod == datetime(2024, 12, 6, 9, 41, 12)


def sitemap_index_since() -> None:
    # A child sitemap not modified since the last run is not fetched again; undated ones are.
    result = sitemap("sitemap_index.xml", since=datetime(2024, 12, 1))
    assert len(result.entries) == 3
    assert result.skipped_old == 1
    assert "post-sitemap2.xml" not in {e.url.rsplit("/", 1)[1] for e in result.entries}


def urlset_lastmod_formats() -> None:
    result = sitemap("urlset_lastmod.xml")
    assert result.outcome is Outcome.OK
    assert result.kind == "urlset"
    first, second, third, fourth = result.entries
    assert first.url == "https://www.dailycourier.example/world/putin-india-visit-2024"
    assert first.lastmod == datetime(2024, 12, 5, 8, 32, 11)  # +05:30 to UTC
    # The image's own <loc> comes first here: only the page's <loc> counts.
    assert second.url == "https://www.dailycourier.example/business/markets-close-higher"
    assert second.lastmod == datetime(2024, 12, 4)
    assert third.lastmod == datetime(2023, 6, 1)  # W3C year-month
    assert fourth.lastmod is None


def urlset_since_keeps_undated() -> None:
    result = sitemap("urlset_lastmod.xml", since=datetime(2024, 12, 5))
    assert [e.url.rsplit("/", 1)[1] for e in result.entries] == ["putin-india-visit-2024", "about"]
    assert result.skipped_old == 2


def since_with_timezone() -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    result = sitemap("urlset_lastmod.xml", since=datetime(2024, 12, 5, 14, 0, tzinfo=ist))
    assert "putin-india-visit-2024" in result.entries[0].url  # 08:32 UTC >= 08:30 UTC


def google_news_sitemap() -> None:
    result = sitemap("news_sitemap.xml")
    assert result.outcome is Outcome.OK
    assert len(result.entries) == 3
    first, second, third = result.entries
    assert first.news_title == "Putin, Modi hold summit talks in Delhi; sign nine agreements"
    assert first.news_published == datetime(2024, 12, 5, 14, 45)
    assert second.news_title == "Rupee\u2013rouble trade: what changes after the summit"
    assert third.date == datetime(2024, 12, 3, 13, 0)  # publication date beats lastmod


def google_news_since() -> None:
    result = sitemap("news_sitemap.xml", since=datetime(2024, 12, 5, tzinfo=UTC))
    assert len(result.entries) == 2
    assert result.skipped_old == 1


def all_old_is_empty_not_error() -> None:
    result = sitemap("news_sitemap.xml", since=datetime(2025, 1, 1))
    assert result.outcome is Outcome.EMPTY
    assert result.ok
    assert result.reason is not None
    assert "older than" in result.reason


def empty_news_sitemap() -> None:
    result = sitemap("news_sitemap_empty.xml")
    assert result.outcome is Outcome.EMPTY
    assert result.ok
    assert result.reason == "no entries"


def legacy_namespace_and_whitespace() -> None:
    result = sitemap("urlset_old_namespace.xml")
    assert [e.url for e in result.entries] == [
        "http://legacy.example.com/news/2024/12/05/story-one.html",
        "http://legacy.example.com/news/2024/12/04/story-two.html",
    ]


def gzip_sitemap() -> None:
    body = gzip.compress((SITEMAPS / "news_sitemap.xml").read_bytes())
    result = parse_sitemap(body, "https://www.hindunews.example/sitemap/news.xml.gz")
    assert result.outcome is Outcome.OK
    assert len(result.entries) == 3


def gzip_bomb() -> None:
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    # Whitespace before the root element: lxml's own 10 MB text-node limit never sees it.
    parts = [stream.compress(b'<?xml version="1.0"?>\n')]
    chunk = b" " * (1024 * 1024)
    parts.extend(stream.compress(chunk) for _ in range(200))  # 200 MB of whitespace
    parts.append(stream.compress(b"<urlset/>"))
    parts.append(stream.flush())
    bomb = b"".join(parts)
    assert len(bomb) < 300_000
    started = time.monotonic()
    result = parse_sitemap(bomb, "https://x.example/sitemap.xml.gz")
    error(result, "gzip bomb", str(50 * 1024 * 1024))
    assert time.monotonic() - started < 10


def corrupt_gzip() -> None:
    error(parse_sitemap(b"\x1f\x8b\x08\x00garbage-not-deflate", "https://x.example/s.gz"), "gzip")


def millions_of_urls_gzip_bounded() -> None:
    body = gzip.compress(huge_urlset(2_000_000), compresslevel=1)
    started = time.monotonic()
    result = parse_sitemap(body, "https://big.example/sitemap.xml.gz")
    elapsed = time.monotonic() - started
    assert result.outcome is Outcome.OK
    assert result.truncated
    assert len(result.entries) == 50_000
    assert result.reason is not None
    assert "stopped after 50000 URLs" in result.reason
    assert result.entries[-1].url == "https://big.example/a/49999"
    assert elapsed < 10, elapsed  # the other 1.95 million were never parsed


def large_plain_urlset_bounded_by_setting() -> None:
    result = parse_sitemap(huge_urlset(120_000), "https://big.example/sitemap.xml", max_urls=1000)
    assert result.truncated
    assert len(result.entries) == 1000


def oversized_plain_sitemap() -> None:
    error(parse_sitemap(huge_urlset(1000), BASE, max_bytes=10_000), "over the 10000-byte limit")


def html_soft_404() -> None:
    error(sitemap("broken_html_soft404.xml"), "HTML page")


def malformed() -> None:
    error(sitemap("broken_malformed.xml"), "malformed XML", "line 8")


def xxe() -> None:
    error(sitemap("broken_xxe.xml"), "entities")


def billion_laughs() -> None:
    error(sitemap("broken_billion_laughs.xml"), "entities")


def entries_without_loc() -> None:
    error(sitemap("broken_no_loc.xml"), "3 entries", "<loc>")


def feed_served_as_sitemap() -> None:
    error(sitemap("broken_rss_not_sitemap.xml"), "not a sitemap", "<rss>")


def empty_body() -> None:
    error(parse_sitemap(b"", BASE), "empty body")
    error(parse_sitemap(b"\n\n", BASE), "empty body")


CASES: dict[str, Callable[[], None]] = {
    f.__name__: f
    for f in (
        sitemap_index,
        sitemap_index_since,
        urlset_lastmod_formats,
        urlset_since_keeps_undated,
        since_with_timezone,
        google_news_sitemap,
        google_news_since,
        all_old_is_empty_not_error,
        empty_news_sitemap,
        legacy_namespace_and_whitespace,
        gzip_sitemap,
        gzip_bomb,
        corrupt_gzip,
        millions_of_urls_gzip_bounded,
        large_plain_urlset_bounded_by_setting,
        oversized_plain_sitemap,
        html_soft_404,
        malformed,
        xxe,
        billion_laughs,
        entries_without_loc,
        feed_served_as_sitemap,
        empty_body,
    )
}


RESULTS: dict[str, bool] = {}


@pytest.mark.parametrize("case", CASES)
def test_sitemap_case(case: str) -> None:
    RESULTS[case] = False
    CASES[case]()
    RESULTS[case] = True


def test_sitemap_case_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert_all_cases_pass("sitemap", CASES, RESULTS, capsys)
