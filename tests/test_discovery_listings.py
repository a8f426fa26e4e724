"""Choosing announced sitemaps, probe locations and the per-publisher bound: pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.discovery import Candidate, CollectionFilter
from crawler.discovery.listings import (
    ListingBudget,
    looks_like_news,
    news_first,
    plan_announced,
    probe_urls,
)
from storage import Store
from storage.listings import ListingRecord, ListingStore, list_listings

HOSTS = ("news.example",)


@pytest.mark.parametrize(
    ("url", "news"),
    [
        ("https://news.example/news-sitemap.xml", True),
        ("https://news.example/sitemap_news.xml", True),
        ("https://news.example/sitemaps/news/2024.xml", True),
        ("https://news.example/googlenews.xml", True),
        ("https://news.example/sitemap.xml", False),
        ("https://news.example/newsletter-sitemap.xml", False),
        ("https://news.example/sitemap-video.xml", False),
    ],
)
def test_news_sitemaps_are_known_by_their_path(url: str, news: bool) -> None:
    assert looks_like_news(url) is news


def test_news_first_keeps_order_within_each_group_and_drops_repeats() -> None:
    urls = ["https://a/1.xml", "https://a/news-1.xml", "https://a/1.xml", "https://a/news-2.xml"]
    assert news_first(urls) == ["https://a/news-1.xml", "https://a/news-2.xml", "https://a/1.xml"]


def test_announced_news_sitemaps_are_read_and_the_rest_left_out() -> None:
    plan = plan_announced(
        ["https://news.example/sitemap.xml", "https://news.example/news-sitemap.xml"], HOSTS, 20
    )
    assert plan.take == ("https://news.example/news-sitemap.xml",)
    assert plan.not_news == 1
    assert "1 not news" in plan.summary("LIMIT")


def test_without_news_sitemaps_every_announced_one_is_a_candidate() -> None:
    urls = ["https://news.example/a.xml", "https://www.news.example/b.xml"]
    assert plan_announced(urls, HOSTS, 20).take == tuple(urls)


def test_a_sitemap_on_another_host_is_refused_and_says_which_rule() -> None:
    plan = plan_announced(
        ["https://cdn.other.example/news.xml", "ftp://news.example/news.xml"], HOSTS, 20
    )
    assert plan.take == ()
    (offsite, why), (ftp, ftp_why) = plan.refused
    assert offsite == "https://cdn.other.example/news.xml"
    assert "host cdn.other.example" in why
    assert "allowed_domains" in why
    assert (ftp, ftp_why) == ("ftp://news.example/news.xml", "not an http(s) URL")


def test_an_allowed_domain_opens_another_host() -> None:
    url = "https://cdn.other.example/news.xml"
    assert plan_announced([url], (*HOSTS, "other.example"), 20).take == (url,)


def test_a_thousand_announced_sitemaps_are_cut_at_the_limit() -> None:
    urls = [f"https://news.example/part-{i}.xml" for i in range(1000)]
    urls += [f"https://evil.example/{i}.xml" for i in range(1000)]
    plan = plan_announced(urls, HOSTS, 20)
    assert len(plan.take) == 20
    assert plan.over_limit == 980
    assert plan.refused_total == 1000
    # refusals are listed one by one only up to the limit: a hostile file cannot fill the store
    assert len(plan.refused) == 20
    assert plan.summary("LIMIT") == (
        "robots.txt: 2000 sitemaps announced, 20 read, 980 over LIMIT, "
        "1000 refused (another host or not http)"
    )


def test_probes_are_the_usual_locations_on_the_home_pages_origin() -> None:
    assert probe_urls("HTTPS://News.Example:8443/en/home?x=1") == [
        "https://news.example:8443/news-sitemap.xml",
        "https://news.example:8443/sitemap_index.xml",
        "https://news.example:8443/sitemap.xml",
    ]


def test_the_budget_reads_each_url_once_and_counts_feeds_and_sitemaps_apart() -> None:
    budget = ListingBudget(2)
    budget.declare("p", "https://a/declared.xml")
    assert budget.admit("p", "sitemap", "https://a/declared.xml") == "already read in this crawl"
    assert budget.admit("p", "sitemap", "https://a/1.xml") is None
    assert budget.admit("p", "sitemap", "https://a/1.xml") == "already read in this crawl"
    assert budget.admit("p", "sitemap", "https://a/2.xml") is None
    assert budget.admit("p", "sitemap", "https://a/3.xml") is not None
    assert budget.admit("p", "feed", "https://a/rss.xml") is None
    assert budget.admit("q", "sitemap", "https://a/3.xml") is None
    assert budget.remaining("p", "sitemap") == 0


def test_the_filter_names_each_kind_of_refusal_apart_from_its_reason() -> None:
    limits = CollectionFilter(
        since=dt.datetime(2024, 7, 1), until=dt.datetime(2024, 7, 10), keywords=("putin",)
    )
    late = Candidate("https://a/putin-1", published=dt.datetime(2024, 7, 11, 8, 30))
    ok, kind, reason = limits.judge(late)
    assert (ok, kind) == (False, "published after until")
    assert reason == "published 2024-07-11 08:30 after 2024-07-10 00:00"


def test_listings_are_recorded_once_per_url_and_keep_when_first_found(db_url: str) -> None:
    store = Store(db_url, migrate=True)
    try:
        listings = ListingStore(store)
        first = dt.datetime(2024, 7, 1)
        record = ListingRecord(
            "Local", "https://a/news.xml", "sitemap", "robots.txt", "https://a/robots.txt", "ok"
        )
        listings.record("c", [record], now=first)
        again = ListingRecord(
            "Local", "https://a/news.xml", "sitemap", "declared", None, "error", "HTTP 500"
        )
        listings.record("c", [again], now=first + dt.timedelta(days=1))
        listings.record("other", [record], now=first)
        with store.reader() as session:
            rows = list_listings(session, collection="c")
            everything = list_listings(session, publisher="LOC", limit=0)
            probed = list_listings(session, origin="probed")
        assert [(r.origin, r.outcome, r.reason, r.first_seen, r.last_seen) for r in rows] == [
            ("declared", "error", "HTTP 500", first, first + dt.timedelta(days=1))
        ]
        assert len(everything) == 2
        assert probed == []
    finally:
        store.close()
