"""The clean-up rules around trafilatura: each one on a page made for it, each one switchable, and
their names travelling from the extraction worker to the crawl's stats."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest
from lxml import etree
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from crawler import defaults
from crawler.article import RULES, Article, ExtractOptions, Rejection
from crawler.extract import extract_article
from crawler.extract_rules import ArticleCleaner
from crawler.items import PageItem
from crawler.pipelines import CleanPipeline
from crawler.workers import protocol
from spiders.seeds import SeedsSpider

URL = "https://example.org/news/2024/05/06/council-budget.html"
HEADLINE = "Council agrees a bigger budget for the town's schools"
NONE = ExtractOptions(**{f"rule_{rule}": False for rule in RULES})


def sentence(i: int) -> str:
    return (
        f"In its meeting number {i} the council discussed the budget for the coming year and "
        "agreed to spend more on schools, roads and the public library after a long debate."
    )


def page(extra_body: str = "", tail: str = "") -> str:
    paragraphs = "".join(f"<p>{sentence(i)}</p>" for i in range(6))
    return (
        f"<html><head><title>{HEADLINE} | Town Gazette</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><div class='story'><h2>{HEADLINE}</h2>{paragraphs}{extra_body}{tail}</div>"
        "</article><footer>Town Gazette, 1 Main Street</footer></body></html>"
    )


def only(rule: str) -> ExtractOptions:
    return dataclasses.replace(NONE, **{f"rule_{rule}": True})


def article(html: str, options: ExtractOptions) -> Article:
    result = extract_article(html, URL, options)
    assert isinstance(result, Article), result
    return result


def test_hidden_text_is_pruned_before_extraction() -> None:
    hidden = (
        "<p style='DISPLAY : none'>Secret promotional text that no reader ever sees here.</p>"
        "<p hidden>Another hidden sentence that only a script would ever reveal to anyone.</p>"
    )
    html = page(extra_body=hidden)
    plain = article(html, NONE)
    cleaned = article(html, only("hidden"))
    assert "Another hidden sentence" in plain.text
    assert "Secret promotional" not in cleaned.text
    assert "Another hidden sentence" not in cleaned.text
    assert sentence(5) in cleaned.text
    assert cleaned.rules == ("hidden",)


def test_a_page_hidden_as_a_whole_keeps_its_text() -> None:
    html = page().replace("<article>", "<article style='display:none'>")
    assert sentence(0) in article(html, only("hidden")).text


def test_trailing_widgets_are_cut_from_the_end_only() -> None:
    tail = (
        "<h3>Related articles</h3><ul><li><a href='/a'>Roads to be repaired this summer</a></li>"
        "<li><a href='/b'>Library opens on Sundays</a></li></ul>"
        "<p>Sign up for our newsletter to get the news every morning.</p>"
        "<p>© 2024 Town Gazette. All rights reserved.</p>"
    )
    html = page(tail=tail)
    cleaned = article(html, only("trailing_widgets"))
    assert cleaned.text.endswith(sentence(5))
    for widget in ("Related articles", "Library opens", "newsletter", "All rights reserved"):
        assert widget not in cleaned.text
    assert cleaned.rules == ("trailing_widgets",)
    assert "newsletter" in article(html, NONE).text


def test_a_widget_in_the_middle_is_kept() -> None:
    middle = "<p>© 2024 Town Gazette. All rights reserved.</p>"
    html = page().replace(f"<p>{sentence(3)}</p>", f"<p>{sentence(3)}</p>{middle}")
    cleaned = article(html, only("trailing_widgets"))
    assert "All rights reserved" in cleaned.text


def test_the_repeated_headline_is_dropped() -> None:
    html = page()
    plain = article(html, NONE)
    cleaned = article(html, only("repeated_headline"))
    assert plain.text.startswith(HEADLINE)
    assert cleaned.text.startswith(sentence(0))
    assert cleaned.title is not None
    assert HEADLINE in cleaned.title
    assert cleaned.rules == ("repeated_headline",)


def test_split_body_parts_are_merged_into_the_chosen_one() -> None:
    first = "".join(f"<p>{sentence(i)}</p>" for i in range(3))
    second = "".join(f"<p>{sentence(i)}</p>" for i in range(3, 6))
    html = (
        "<html><body><div class='story'>"
        f"<div class='part'>{first}</div><div class='ad'><p>Advertisement</p></div>"
        f"<div class='part'>{second}</div><div class='part'><p>Short.</p></div>"
        "</div></body></html>"
    )
    cleaner = ArticleCleaner(only("split_bodies"))
    cleaner.prepare(html)
    # what trafilatura returns when it keeps the first part only
    body = etree.Element("body")
    for i in range(3):
        etree.SubElement(body, "p").text = sentence(i)
    text = cleaner.text(SimpleNamespace(body=body, text="unused", title=None))
    assert text.splitlines() == [sentence(i) for i in range(6)]
    assert "Advertisement" not in text
    assert cleaner.fired == ("split_bodies",)


def test_every_rule_off_is_trafilatura_alone() -> None:
    html = page(tail="<p>© 2024 Town Gazette. All rights reserved.</p>")
    plain = article(html, NONE)
    assert plain.rules == ()
    assert plain.text.startswith(HEADLINE)
    assert "All rights reserved" in plain.text


def test_rules_travel_through_the_protocol() -> None:
    result = article(page(tail="<p>© 2024 Town Gazette.</p>"), ExtractOptions())
    assert result.rules == ("trailing_widgets", "repeated_headline")
    assert protocol.result_from_dict(protocol.result_to_dict(result)) == result
    rejection = Rejection("too-short", "3 words", ("hidden",))
    assert protocol.result_from_dict(protocol.result_to_dict(rejection)) == rejection
    forged = protocol.result_to_dict(rejection) | {"rules": ["hidden", "x/../../y"]}
    with pytest.raises(protocol.ProtocolViolation):
        protocol.result_from_dict(forged)


def test_the_options_defaults_are_the_settings_defaults() -> None:
    options = ExtractOptions()
    for rule in RULES:
        assert getattr(options, f"rule_{rule}") is getattr(defaults, f"EXTRACT_RULE_{rule.upper()}")


@deferred_f_from_coro_f
async def test_the_crawl_counts_each_rule_from_the_workers() -> None:
    crawler = get_crawler(SeedsSpider, {"EXTRACT_WORKERS": 1, "EXTRACT_RULE_HIDDEN": False})
    clean = CleanPipeline.from_crawler(crawler)
    assert clean.options.rule_hidden is False
    html = page(tail="<p>© 2024 Town Gazette.</p>")
    try:
        for _ in range(2):
            item = PageItem(
                url=URL,
                fetched_at=dt.datetime(2024, 5, 6),
                http_status=200,
                content_type="text/html",
                html=html,
                size=len(html),
            )
            await clean.process_item(item)
            assert item.article is not None
    finally:
        await clean.close_spider()
    assert crawler.stats is not None
    assert crawler.stats.get_value("extract/rule/trailing_widgets") == 2
    assert crawler.stats.get_value("extract/rule/repeated_headline") == 2
    assert crawler.stats.get_value("extract/rule/hidden") is None
