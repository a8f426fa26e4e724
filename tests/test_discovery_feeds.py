"""Feed parsing over saved feeds of every dialect, valid and broken, and feed link discovery."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from crawler.discovery import Outcome, discover_feed_links, parse_feed
from crawler.discovery.feeds import FeedResult
from crawler.discovery.xmlsafe import parser_options
from tests.casecount import assert_all_cases_pass

FEEDS = Path(__file__).parent / "discovery" / "feeds"


def feed(name: str, content_type: str | None = None, **kwargs: int) -> FeedResult:
    return parse_feed(
        (FEEDS / name).read_bytes(), f"https://feeds.example/{name}", content_type, **kwargs
    )


def ok(name: str, kind: str, count: int) -> FeedResult:
    result = feed(name)
    assert result.outcome is Outcome.OK, result.reason
    assert result.kind == kind
    assert len(result.entries) == count
    assert all(e.url.startswith(("http://", "https://")) for e in result.entries)
    return result


def error(result: FeedResult, *fragments: str) -> None:
    assert result.outcome is Outcome.ERROR
    assert not result.ok
    assert not result.entries
    assert result.reason is not None
    for fragment in fragments:
        assert fragment in result.reason, result.reason


def rss20_guardian() -> None:
    first = ok("rss20_guardian.xml", "rss2.0", 3).entries[0]
    assert (
        first.url == "https://www.theguardian.com/world/2024/dec/05/putin-arrives-india-visit-modi"
    )
    assert first.title == "Putin arrives in India for first visit since Ukraine invasion"
    assert first.published == datetime(2024, 12, 5, 14, 2, 11)
    assert first.summary
    assert first.summary.startswith("Russian president lands in Delhi")
    assert "<p>" not in first.summary


def rss20_wordpress() -> None:
    entries = ok("rss20_wordpress.xml", "rss2.0", 2).entries
    # guid isPermaLink="false" is an id, never the link; &#8217; decoded; +0000 offset.
    assert (
        entries[0].url == "https://diplomatdesk.example/2024/12/06/putin-india-visit-rupee-rouble/"
    )
    assert entries[0].title == "What Putin\u2019s India visit means for the rupee-rouble trade"
    assert entries[0].published == datetime(2024, 12, 6, 10, 12, 44)
    assert "utm_source=rss" in entries[1].url  # canonicalising is the caller's step


def rss091_netscape_dtd() -> None:
    # The DOCTYPE names a DTD on the network: it must be neither fetched nor a reason to fail.
    entries = ok("rss091_netscape.xml", "rss0.91", 2).entries
    assert entries[0].title == "Caf\u00e9 owners in Kochi welcome tourism push"
    assert entries[0].published is None


def rss092_latin1() -> None:
    entries = ok("rss092_latin1.xml", "rss0.92", 1).entries
    assert entries[0].title == "Exposi\u00e7\u00e3o em S\u00e3o Paulo"


def rss090_rdf() -> None:
    entries = ok("rss090_rdf.xml", "rss0.90", 2).entries
    assert [e.url for e in entries] == [
        "http://www.mozilla.org/status/",
        "http://www.mozilla.org/bugs/",
    ]


def rss10_rdf() -> None:
    entries = ok("rss10_rdf.xml", "rss1.0", 2).entries
    assert entries[0].title == "India, Russia Sign Nuclear Deal During Putin Visit"
    assert entries[0].published == datetime(2024, 12, 5, 18, 54)
    assert entries[1].published == datetime(2024, 12, 5, 21, 21)  # -05:00 to UTC


def atom_xmlbase() -> None:
    entries = ok("atom_xmlbase.xml", "atom1.0", 2).entries
    # The text/html alternate wins over the audio one; relative hrefs resolve against xml:base,
    # including an entry's own xml:base.
    assert entries[0].url == "https://blog.example.org/2024/12/oil-question"
    assert entries[0].title == "Putin & Modi: the oil question"
    assert entries[0].published == datetime(2024, 12, 5, 16, 0)
    assert entries[0].summary == "Discounted crude has reshaped the relationship."
    assert entries[1].url == "https://blog.example.org/archive/chennai-notes"
    assert entries[1].published == datetime(2024, 12, 1, 8, 0)  # updated when no published
    assert entries[1].summary == "Rain, again, everywhere."


def atom_blogger() -> None:
    entries = ok("atom_blogger.xml", "atom1.0", 2).entries
    assert entries[0].url == "https://delhidiary.blogspot.com/2024/12/rajpath-putin.html"
    assert entries[0].published == datetime(2024, 12, 5, 5, 50, 0, 1000)


def jsonfeed_11() -> None:
    result = parse_feed(
        (FEEDS / "jsonfeed_11.json").read_bytes(),
        "https://micro.example.net/feed.json",
        "application/feed+json; charset=utf-8",
    )
    assert result.outcome is Outcome.OK
    assert result.kind == "jsonfeed1.1"
    first, second, third = result.entries
    assert first.published == datetime(2024, 12, 5, 12, 15)
    assert first.summary == "Putin was received by Modi at the airport."
    assert second.url == "https://micro.example.net/2024/12/04/short-note.html"
    assert second.title is None
    assert second.summary == "A short note without a title."
    assert third.url == "https://elsewhere.example.com/analysis"


def jsonfeed_10() -> None:
    result = feed("jsonfeed_10.json")  # no content type: sniffed from the body
    assert result.outcome is Outcome.OK
    assert result.kind == "jsonfeed1"
    assert result.entries[0].published == datetime(2024, 11, 30, 18, 0)


def bom_and_whitespace() -> None:
    entries = ok("rss20_bom_whitespace.xml", "rss2.0", 1).entries
    assert entries[0].published == datetime(2024, 12, 4, 15, 0)  # EST


def unescaped_ampersands_repaired() -> None:
    result = ok("rss20_unescaped_amp.xml", "rss2.0", 2)
    assert result.entries[0].title == "AT&T and Jio in talks on satellite deal"
    assert result.entries[0].summary == "Telecom giants consider partnership"
    assert result.warnings
    assert "repaired" in result.warnings[0]


def gzip_feed() -> None:
    body = gzip.compress((FEEDS / "rss20_guardian.xml").read_bytes())
    result = parse_feed(body, "https://www.theguardian.com/world/rss")
    assert result.outcome is Outcome.OK
    assert len(result.entries) == 3


def empty_channel_is_empty_not_error() -> None:
    result = feed("rss20_empty_channel.xml")
    assert result.outcome is Outcome.EMPTY
    assert result.ok
    assert result.kind == "rss2.0"


def broken_truncated() -> None:
    error(feed("broken_truncated.xml"), "malformed XML", "line")


def broken_xxe() -> None:
    error(feed("broken_xxe.xml"), "entities", "rejected")


def broken_billion_laughs() -> None:
    error(feed("broken_billion_laughs.xml"), "entities")


def parser_never_expands_entities() -> None:
    # Defence in depth: even past the DOCTYPE check, the parser neither reads files nor expands
    # (libxml2 2.14 even refuses the billion laughs outright).
    for name in ("broken_xxe.xml", "broken_billion_laughs.xml"):
        body = (FEEDS / name).read_bytes()
        try:
            root = etree.fromstring(body, etree.XMLParser(**parser_options()))
        except etree.XMLSyntaxError as exc:
            refusal = str(exc)
        else:
            refusal = ""
        if refusal:
            assert "amplification" in refusal
            continue
        text = etree.tostring(root)
        assert b"root:" not in text
        assert len(text) < 2000


def html_served_as_feed() -> None:
    error(feed("broken_html_page.xml"), "HTML page")
    error(feed("broken_html_page.xml", "application/rss+xml"), "HTML page")


def items_without_links_is_error() -> None:
    error(feed("broken_items_without_links.xml"), "3 items", "link")


def xml_that_is_not_a_feed() -> None:
    error(feed("broken_not_a_feed.xml"), "not a feed", "<Error>")


def json_that_is_not_a_jsonfeed() -> None:
    error(feed("broken_jsonfeed.json", "application/json"), "not a JSON Feed")


def json_nesting_bomb() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000
    error(parse_feed(body, "https://x.example/feed.json"), "malformed JSON")


def empty_body() -> None:
    error(parse_feed(b"", "https://x.example/rss"), "empty body")
    error(parse_feed(b"  \n", "https://x.example/rss"), "empty body")


def binary_garbage() -> None:
    error(parse_feed(bytes(range(256)) * 4, "https://x.example/rss"), "malformed XML")


def oversized_feed() -> None:
    body = (FEEDS / "rss20_guardian.xml").read_bytes()
    error(parse_feed(body, "https://x.example/rss", max_bytes=1000), "over the 1000-byte limit")


def gzip_bomb_feed() -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 20_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    error(parse_feed(bomb, "https://x.example/rss.gz"), "gzip bomb")


def truncated_gzip() -> None:
    body = gzip.compress((FEEDS / "rss20_guardian.xml").read_bytes())
    error(parse_feed(body[: len(body) // 2], "https://x.example/rss.gz"), "truncated gzip")


CASES: dict[str, Callable[[], None]] = {
    f.__name__: f
    for f in (
        rss20_guardian,
        rss20_wordpress,
        rss091_netscape_dtd,
        rss092_latin1,
        rss090_rdf,
        rss10_rdf,
        atom_xmlbase,
        atom_blogger,
        jsonfeed_11,
        jsonfeed_10,
        bom_and_whitespace,
        unescaped_ampersands_repaired,
        gzip_feed,
        empty_channel_is_empty_not_error,
        broken_truncated,
        broken_xxe,
        broken_billion_laughs,
        parser_never_expands_entities,
        html_served_as_feed,
        items_without_links_is_error,
        xml_that_is_not_a_feed,
        json_that_is_not_a_jsonfeed,
        json_nesting_bomb,
        empty_body,
        binary_garbage,
        oversized_feed,
        gzip_bomb_feed,
        truncated_gzip,
    )
}


RESULTS: dict[str, bool] = {}


@pytest.mark.parametrize("case", CASES)
def test_feed_case(case: str) -> None:
    RESULTS[case] = False
    CASES[case]()
    RESULTS[case] = True


def test_feed_case_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert_all_cases_pass("feed", CASES, RESULTS, capsys)


HOME = """<!DOCTYPE html><html><head>
<title>Daily Courier</title>
<base href="https://www.dailycourier.example/">
<link rel="alternate" type="application/rss+xml" title="Top stories" href="/rss/top.xml">
<link rel="alternate" type="application/atom+xml" title="World" href="feeds/world.atom">
<link rel="Alternate" type="application/feed+json" href="https://www.dailycourier.example/feed.json">
<link rel="alternate" type="application/rss+xml" href="/rss/top.xml">
<link rel="alternate" hreflang="hi" href="https://www.dailycourier.example/hi/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="stylesheet" href="/main.css">
</head><body><a href="/rss/other.xml" type="application/rss+xml">not a link</a></body></html>"""


def test_discover_feed_links() -> None:
    assert discover_feed_links(HOME, "https://www.dailycourier.example/index.html") == [
        "https://www.dailycourier.example/rss/top.xml",
        "https://www.dailycourier.example/feeds/world.atom",
        "https://www.dailycourier.example/feed.json",
    ]


def test_discover_feed_links_on_garbage() -> None:
    assert discover_feed_links("", "https://x.example/") == []
    assert discover_feed_links("<html><body>no head</body></html>", "https://x.example/") == []
    assert json.dumps(discover_feed_links("\x00\x01", "https://x.example/")) == "[]"
