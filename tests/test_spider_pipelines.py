"""The spider's callbacks on saved responses, and each pipeline stage as a component."""

from __future__ import annotations

import datetime as dt

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.extract import Article, extract_article
from crawler.items import PageItem
from crawler.pipelines import CleanPipeline, DedupPipeline, StorePipeline
from spiders.seeds import SeedsSpider
from storage.frontier import LeasedURL
from tests.conftest import ROOT, SEEDS, snapshot_page

TIME_URL = "https://time.com/6996911/modi-putin-russia-visit-friends/"


def spider_and_request(
    url: str = TIME_URL, body_hash: str | None = None
) -> tuple[SeedsSpider, Request]:
    spider = SeedsSpider(seeds=str(SEEDS))
    s = next(s for s in spider.collection.sources if s.url == url)
    leased = LeasedURL(s.url, s.publisher, s.published, '"old"', None, body_hash)
    return spider, Request(url, meta={"source": leased, "download_latency": 0.25})


@deferred_f_from_coro_f
async def test_start_requests_cover_every_source() -> None:
    crawler = get_crawler(SeedsSpider, {"STORAGE_ENABLED": False})
    spider = SeedsSpider.from_crawler(crawler, seeds=str(SEEDS))
    requests = [r async for r in spider.start()]
    assert [r.url for r in requests] == [s.url for s in spider.collection.sources]
    assert all(r.errback is not None and r.dont_filter for r in requests)


def test_parse_builds_an_item_from_a_saved_page() -> None:
    spider, request = spider_and_request()
    body = snapshot_page("time-why-modi-and-putin-are-friends.html").encode()
    response = HtmlResponse(
        TIME_URL,
        body=body,
        request=request,
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"abc"'},
    )
    (item,) = list(spider.parse(response))
    assert item.url == TIME_URL
    assert item.publisher == "TIME"
    assert item.http_status == 200
    assert item.size == len(body)
    assert item.duration_ms == 250
    assert item.etag == '"abc"'
    assert item.error is None
    assert item.html is not None
    assert "Modi" in item.html


def test_parse_marks_http_errors() -> None:
    spider, request = spider_and_request()
    response = HtmlResponse(TIME_URL, status=503, body=b"<html>busy</html>", request=request)
    (item,) = list(spider.parse(response))
    assert item.error == "HTTP 503"


def test_errback_records_network_failures() -> None:
    spider, request = spider_and_request()
    failure = Failure(DNSLookupError("time.com"))
    failure.request = request  # type: ignore[attr-defined]
    (item,) = list(spider.on_error(failure))
    assert item.url == TIME_URL
    assert item.error is not None
    assert item.error.startswith("DNSLookupError")
    assert item.html is None


def item_for(
    html: str, url: str = TIME_URL, content_type: str = "text/html; charset=utf-8"
) -> PageItem:
    return PageItem(
        url=url,
        fetched_at=dt.datetime(2024, 7, 9),
        http_status=200,
        content_type=content_type,
        html=html,
    )


@deferred_f_from_coro_f
async def test_clean_extracts_in_the_pool_and_rejects_walls() -> None:
    crawler = get_crawler(SeedsSpider, {"EXTRACT_WORKERS": 1})
    clean = CleanPipeline.from_crawler(crawler)
    try:
        page = snapshot_page("time-why-modi-and-putin-are-friends.html")
        article = await clean.process_item(item_for(page))
        assert article.article is not None
        assert article.article.title == "Why Modi and Putin Are Friends"
        assert article.html is None
        wall_page = next(
            p.name
            for p in (ROOT / "seeds/snapshots/putin-india-visit/state-1").iterdir()
            if "robot" in p.read_text(encoding="utf-8").lower()
            and "captcha" in p.read_text(encoding="utf-8").lower()
        )
        wall = await clean.process_item(item_for(snapshot_page(wall_page)))
        assert wall.article is None
        assert wall.rejection is not None
        assert wall.rejection.reason == "bot-wall"
        pdf = await clean.process_item(item_for("%PDF-1.7", content_type="application/pdf"))
        assert pdf.rejection is not None
        assert pdf.rejection.reason == "not-html"
    finally:
        await clean.close_spider()
    assert crawler.stats is not None
    assert crawler.stats.get_value("extract/article") == 1
    assert crawler.stats.get_value("extract/rejected/bot-wall") == 1
    assert crawler.stats.get_value("extract/pool/completed") == 2


@pytest.mark.parametrize(
    ("cls", "setting"),
    [
        (CleanPipeline, "EXTRACT_ENABLED"),
        (DedupPipeline, "DEDUP_ENABLED"),
        (StorePipeline, "STORAGE_ENABLED"),
    ],
)
def test_each_stage_can_be_switched_off(cls: type, setting: str) -> None:
    with pytest.raises(NotConfigured):
        cls.from_crawler(get_crawler(SeedsSpider, {setting: False}))


def extracted(html: str, url: str = TIME_URL) -> PageItem:
    item = item_for(html, url=url)
    result = extract_article(html, url)
    assert isinstance(result, Article)
    item.article = result
    return item


def test_dedup_flags_an_identical_text_under_another_url() -> None:
    crawler = get_crawler(SeedsSpider, {"STORAGE_ENABLED": False})
    dedup = DedupPipeline.from_crawler(crawler)
    dedup.open_spider()
    html = snapshot_page("time-why-modi-and-putin-are-friends.html")
    first = dedup.process_item(extracted(html))
    copy = dedup.process_item(extracted(html, url="https://copy.example/a"))
    assert first.duplicate_of is None
    assert first.content_hash is not None
    assert first.content_hash == copy.content_hash
    assert copy.duplicate_of == TIME_URL


def test_response_type_without_text_is_not_html() -> None:
    spider, request = spider_and_request()
    response = Response(
        TIME_URL, body=b"\x89PNG\r\n", request=request, headers={"Content-Type": "image/png"}
    )
    (item,) = list(spider.parse(response))
    assert CleanPipeline.needs_extraction(item) is None
    assert item.rejection is not None
    assert item.rejection.reason == "not-html"


def test_a_byte_identical_body_skips_extraction() -> None:
    body = snapshot_page("time-why-modi-and-putin-are-friends.html").encode()
    from crawler.textnorm import body_hash

    spider, request = spider_and_request(body_hash=body_hash(body))
    response = HtmlResponse(TIME_URL, body=body, request=request)
    (item,) = list(spider.parse(response))
    assert item.same_body
    assert item.html is None
    assert CleanPipeline.needs_extraction(item) is None
    assert item.article is None
    assert item.rejection is None


def test_not_modified_keeps_the_stored_validators() -> None:
    spider, request = spider_and_request(body_hash="abc")
    (item,) = list(spider.parse(HtmlResponse(TIME_URL, status=304, body=b"", request=request)))
    assert item.http_status == 304
    assert item.error is None
    assert item.etag == '"old"'
    assert item.body_hash == "abc"
