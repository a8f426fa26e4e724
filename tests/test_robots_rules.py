"""RobotsRules and RobotsCache: RFC 9309's status rules, matching, crawl-delay and expiry."""

from __future__ import annotations

import pytest

from crawler.discovery import RobotsCache, RobotsRules, RobotsState

UA = "newsbot/1.0 (+https://example.org/newsbot)"
BODY = b"""# robots.txt for a news site
User-agent: *
Disallow: /search
Disallow: /admin/

User-agent: newsbot
Crawl-delay: 2.5
Disallow: /live/
Allow: /live/ticker.html

Sitemap: https://news.example/sitemap_index.xml
Sitemap: https://news.example/news-sitemap.xml
"""


@pytest.mark.parametrize(
    ("status", "state", "reason"),
    [
        (200, RobotsState.PARSED, "HTTP 200"),
        (404, RobotsState.ALLOW_ALL, "HTTP 404, RFC 9309 treats as allow all"),
        (401, RobotsState.ALLOW_ALL, "HTTP 401, RFC 9309 treats as allow all"),
        (410, RobotsState.ALLOW_ALL, "HTTP 410, RFC 9309 treats as allow all"),
        (429, RobotsState.DISALLOW_ALL, "unavailable (HTTP 429), RFC 9309 treats as disallow"),
        (500, RobotsState.DISALLOW_ALL, "unavailable (HTTP 500), RFC 9309 treats as disallow"),
        (503, RobotsState.DISALLOW_ALL, "unavailable (HTTP 503), RFC 9309 treats as disallow"),
    ],
)
def test_status_rules(status: int, state: RobotsState, reason: str) -> None:
    rules = RobotsRules.from_response(status, BODY)
    assert rules.state is state
    assert rules.reason == reason


def test_group_for_our_agent_and_longest_match() -> None:
    rules = RobotsRules.from_response(200, BODY)
    assert rules.allowed("https://news.example/world/a", UA) == (True, "robots.txt: allowed")
    assert rules.allowed("https://news.example/live/x", UA) == (False, "robots.txt: disallowed")
    assert rules.allowed("https://news.example/live/ticker.html", UA)[0]
    # Our group replaces the * group entirely (RFC 9309 2.2.1).
    assert rules.allowed("https://news.example/search?q=a", UA)[0]
    assert not rules.allowed("https://news.example/search?q=a", "otherbot/2.0")[0]
    assert rules.crawl_delay(UA) == 2.5
    assert rules.crawl_delay("otherbot") is None
    assert rules.sitemaps == [
        "https://news.example/sitemap_index.xml",
        "https://news.example/news-sitemap.xml",
    ]


def test_disallow_all_reason_reaches_the_errback() -> None:
    rules = RobotsRules.unreachable("DownloadTimeoutError: took longer than 30 seconds")
    assert rules.allowed("https://x.example/a", UA) == (
        False,
        "robots.txt: unreachable (DownloadTimeoutError: took longer than 30 seconds), "
        "RFC 9309 treats as disallow",
    )


def test_only_the_first_500_kib_is_read() -> None:
    body = b"User-agent: *\n" + b"# padding\n" * 60_000 + b"Disallow: /\n"
    assert RobotsRules.from_response(200, body).allowed("https://x.example/a", UA)[0]
    assert not RobotsRules.from_response(200, body, max_bytes=10**7).allowed(
        "https://x.example/a", UA
    )[0]


def test_undecodable_and_empty_bodies_allow() -> None:
    assert RobotsRules.from_response(200, b"").allowed("https://x.example/a", UA)[0]
    assert RobotsRules.from_response(200, bytes(range(256))).allowed("https://x.example/", UA)[0]


def test_cache_expiry_and_short_lived_failures() -> None:
    now = [1000.0]
    cache = RobotsCache(ttl=3600, error_ttl=60, clock=lambda: now[0])
    good = RobotsRules.from_response(200, BODY)
    bad = RobotsRules.from_response(503, b"")
    cache.put("https://a.example", good)
    cache.put("https://b.example", bad)
    now[0] += 59
    assert cache.get("https://a.example") is good
    assert cache.get("https://b.example") is bad
    now[0] += 2
    assert cache.get("https://b.example") is None  # a 503 is asked again after a minute
    assert cache.get("https://a.example") is good
    now[0] += 3600
    assert cache.get("https://a.example") is None
    assert len(cache) == 0
