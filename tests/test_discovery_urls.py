"""URL identity tables: normalisation, tracking parameters, AMP/print variants, canonical tags."""

from __future__ import annotations

import pytest

from crawler.discovery import amp_to_canonical, canonicalize, page_canonical
from crawler.discovery.urls import acceptable_canonical, registrable_domain

ARTICLE = "https://www.example.com/world/2024/12/05/putin-india-visit"

CANONICALIZE = [
    # scheme and host case, default ports, fragment
    ("HTTPS://WWW.Example.COM:443/world/2024/12/05/putin-india-visit#comments", ARTICLE),
    ("http://www.example.com:80/a", "http://www.example.com/a"),
    ("https://www.example.com:8443/a", "https://www.example.com:8443/a"),
    ("https://www.example.com", "https://www.example.com/"),
    ("https://www.example.com.", "https://www.example.com/"),
    # tracking parameters, of every common family
    (ARTICLE + "?utm_source=twitter&utm_medium=social&utm_campaign=share", ARTICLE),
    (ARTICLE + "?UTM_Source=Newsletter", ARTICLE),
    (ARTICLE + "?fbclid=IwAR2xyz", ARTICLE),
    (ARTICLE + "?gclid=Cj0KCQ&gclsrc=aw.ds", ARTICLE),
    (ARTICLE + "?mc_cid=abc123&mc_eid=def456", ARTICLE),
    (ARTICLE + "?igshid=MzRlODBiNWFlZA==", ARTICLE),
    (ARTICLE + "?ref_src=twsrc%5Etfw", ARTICLE),
    (ARTICLE + "?cmpid=org=ngp::mc=crm-email", ARTICLE),
    (ARTICLE + "?CMP=share_btn_tw", ARTICLE),
    (ARTICLE + "?smid=nytcore-ios-share&referringSource=articleShare", ARTICLE
     + "?referringSource=articleShare"),
    (ARTICLE + "?_ga=2.1.2.3&_gl=1*abc&msclkid=x&yclid=y&pk_campaign=z&mtm_source=w", ARTICLE),
    # remaining query sorted, blank values kept, empty query dropped
    ("https://example.com/search?q=putin&page=2&utm_term=x", "https://example.com/search?page=2&q=putin"),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/a?b=&a=1", "https://example.com/a?a=1&b="),
    ("https://example.com/story?id=42&ref=homepage", "https://example.com/story?id=42&ref=homepage"),
    # percent-encoding normalised; dot segments removed; IDNA hosts
    ("https://example.com/a%7eb/%c3%a9t%C3%A9", "https://example.com/a~b/%C3%A9t%C3%A9"),
    ("https://example.com/news/./world/../india", "https://example.com/news/india"),
    ("https://b\u00fccher.example/caf\u00e9", "https://xn--bcher-kva.example/caf%C3%A9"),
    # trailing slashes are kept apart on purpose (see the module docstring)
    ("https://example.com/news/", "https://example.com/news/"),
    ("https://example.com/news", "https://example.com/news"),
    # not http(s): untouched
    ("mailto:desk@example.com", "mailto:desk@example.com"),
    ("  https://example.com/a  ", "https://example.com/a"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), CANONICALIZE)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected
    assert canonicalize(expected) == expected  # idempotent


AMP = [
    ("https://www.example.com/world/2024/12/05/putin-india-visit/amp/", ARTICLE + "/"),
    ("https://www.example.com/world/2024/12/05/putin-india-visit/amp", ARTICLE),
    ("https://www.example.com/amp/world/2024/12/05/putin-india-visit", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit?amp=1", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit?amp", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit?outputType=amp", ARTICLE),
    ("https://www.bbc.example/news/world-asia-india-67890123.amp", "https://www.bbc.example/news/world-asia-india-67890123"),
    ("https://edition.cnn.example/2024/12/05/asia/putin-india/index.amp.html", "https://edition.cnn.example/2024/12/05/asia/putin-india/index.html"),
    ("https://amp.theguardian.com/world/2024/dec/05/putin-india", "https://www.theguardian.com/world/2024/dec/05/putin-india"),
    ("https://amp.news.example.co.uk/story", "https://news.example.co.uk/story"),
    ("https://www.example.com/print/world/2024/12/05/putin-india-visit", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit/print", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit?print=1&utm_source=x", ARTICLE),
    ("https://www.example.com/world/2024/12/05/putin-india-visit?view=print", ARTICLE),
    ("https://www-example-com.cdn.ampproject.org/c/s/" + ARTICLE.removeprefix("https://") + "/amp",
     ARTICLE),
    # not AMP: words that merely contain "amp" or "print" stay
    ("https://www.example.com/campaign/ampere-print-shop?id=3", "https://www.example.com/campaign/ampere-print-shop?id=3"),
    ("https://www.example.com/story?amp=0", "https://www.example.com/story?amp=0"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), AMP)
def test_amp_to_canonical(url: str, expected: str) -> None:
    assert amp_to_canonical(url) == expected


def page(head: str) -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>x</body></html>"


CANONICAL_TAGS = [
    (page(f'<link rel="canonical" href="{ARTICLE}?utm_source=x">'), ARTICLE),
    # relative: resolved against the page's own URL
    (page('<link rel="canonical" href="/world/2024/12/05/putin-india-visit">'), "https://amp.example.com/world/2024/12/05/putin-india-visit"),
    (page(f'<meta property="og:url" content="{ARTICLE}">'), ARTICLE),
    # rel=canonical wins over og:url
    (page(f'<meta property="og:url" content="{ARTICLE}/x">'
          f'<link rel="canonical" href="{ARTICLE}">'), ARTICLE),
    # the canonical on another registrable domain is ignored, og:url used instead
    (page('<link rel="canonical" href="https://aggregator.example.net/p/1">'
          f'<meta property="og:url" content="{ARTICLE}">'), ARTICLE),
    # same registrable domain, other host: fine (amp./m./www.)
    (page('<link rel="canonical" href="https://edition.example.com/world/putin-india">'), "https://edition.example.com/world/putin-india"),
    # the home page as canonical of an article: a template bug, ignored
    (page('<link rel="canonical" href="https://www.example.com/">'), None),
    (page('<link rel="canonical" href="javascript:void(0)">'), None),
    (page('<link rel="canonical" href="">'), None),
    (page("<title>no canonical</title>"), None),
    ("", None),
]  # fmt: skip


@pytest.mark.parametrize(("html", "expected"), CANONICAL_TAGS)
def test_page_canonical(html: str, expected: str | None) -> None:
    amp_url = "https://amp.example.com/world/2024/12/05/putin-india-visit/amp/"
    assert page_canonical(html, amp_url) == expected


def test_page_canonical_other_domain_when_allowed() -> None:
    html = page('<link rel="canonical" href="https://www.partner.example.org/story/1">')
    url = "https://syndication.example.com/partner/story-1"
    assert page_canonical(html, url) is None
    allowed = page_canonical(html, url, allowed_domains=["partner.example.org"])
    assert allowed == "https://www.partner.example.org/story/1"


def test_page_canonical_base_href() -> None:
    html = page('<base href="https://www.example.com/world/"><link rel="canonical" href="india">')
    assert (
        page_canonical(html, "https://www.example.com/x/y") == "https://www.example.com/world/india"
    )


def test_one_article_under_many_urls_is_one_key() -> None:
    urls = [
        ARTICLE,
        ARTICLE + "?utm_source=rss&utm_medium=feed",
        "HTTPS://WWW.EXAMPLE.COM:443" + ARTICLE.removeprefix("https://www.example.com") + "#top",
        "https://www.example.com/world/2024/12/05/putin-india-visit/amp",
        "https://amp.example.com/world/2024/12/05/putin-india-visit?amp=1&fbclid=1",
        "https://www.example.com/world/2024/12/05/putin-india-visit?outputType=amp",
    ]
    assert {amp_to_canonical(u) for u in urls} == {ARTICLE}


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.example.com", "example.com"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("www.abc.net.au", "abc.net.au"),
        ("example.com", "example.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        # shared hosting: every user's subdomain is a site of its own
        ("alice.github.io", "alice.github.io"),
        ("www.alice.github.io", "alice.github.io"),
        ("x.s3.amazonaws.com", "x.s3.amazonaws.com"),
        ("news.example.com.au", "example.com.au"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_a_page_on_shared_hosting_cannot_claim_another_users_canonical() -> None:
    page = "https://alice.github.io/post/"
    assert acceptable_canonical("https://mallory.github.io/post/", page) is None
    assert acceptable_canonical("https://alice.github.io/post", page) == (
        "https://alice.github.io/post"
    )
    bucket = "https://x.s3.amazonaws.com/a.html"
    assert acceptable_canonical("https://y.s3.amazonaws.com/a.html", bucket) is None
