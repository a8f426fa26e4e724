"""The clean stage on every saved page of the bundled snapshot, judged by the page's structure.

For each article page, the paragraphs of its ``<article>`` must be in the extracted text and the
lines of its chrome (navigation, asides, site footer) must not; the bot wall must be rejected.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import html as lxml_html

from crawler.extract import Article, Rejection, extract_article
from crawler.textnorm import normalize_text
from tests.conftest import SNAPSHOT

MANIFEST: dict[str, Any] = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
PAGES = [(p["url"], p["kind"], p["files"]["2"]) for p in MANIFEST["pages"]]
CHROME = "//nav | //aside | //body/footer | //header[not(ancestor::article)]"


def flat(text: str) -> str:
    return " ".join(normalize_text(text).split())


def structure(page: str) -> tuple[list[str], list[str]]:
    root = lxml_html.fromstring(page)
    paragraphs = [flat(p.text_content()) for p in root.xpath("//article//p")]
    chrome = [flat(n.text_content()) for n in root.xpath(CHROME)]
    chrome_lines = [
        flat(line)
        for node in root.xpath(CHROME)
        for line in node.itertext()
        if len(line.split()) >= 6
    ]
    return [p for p in paragraphs if len(p.split()) >= 8], chrome_lines or chrome


@pytest.mark.parametrize(("url", "kind", "file"), PAGES, ids=[f for _, _, f in PAGES])
def test_snapshot_page(url: str, kind: str, file: str) -> None:
    page = (SNAPSHOT / file).read_text(encoding="utf-8")
    result = extract_article(page, url)
    if kind == "bot-wall":
        assert isinstance(result, Rejection)
        assert result.reason == "bot-wall"
        return
    if kind == "snippet":
        # the page holds only a headline and a search snippet: stored if long enough, else
        # rejected as too short, never as anything else
        assert isinstance(result, Article) or result.reason == "too-short"
        return
    assert isinstance(result, Article), result
    text = flat(result.text)
    paragraphs, chrome = structure(page)
    assert paragraphs
    # in-article chrome ("ALSO READ | ...", "Join our WhatsApp Channel") may rightly be dropped:
    # judge by the share of the article's words kept
    lost = [p for p in paragraphs if p not in text]
    total = sum(len(p.split()) for p in paragraphs)
    assert sum(len(p.split()) for p in lost) <= 0.15 * total, lost
    leaked = [line for line in chrome if line in text]
    assert leaked == []
    assert result.title
    assert result.language == "en"
    assert result.word_count >= 50


def test_time_article_metadata_and_correction() -> None:
    url = "https://time.com/6996911/modi-putin-russia-visit-friends/"
    entry = next(p for p in MANIFEST["pages"] if p["url"] == url)
    before = extract_article((SNAPSHOT / entry["files"]["1"]).read_text(encoding="utf-8"), url)
    after = extract_article((SNAPSHOT / entry["files"]["2"]).read_text(encoding="utf-8"), url)
    assert isinstance(before, Article)
    assert isinstance(after, Article)
    assert before.authors == after.authors == ("Astha Rajvanshi",)
    assert after.published is not None
    assert (after.published.year, after.published.month) == (2024, 7)
    assert "invasion of Ukraine in 2019" in before.text
    assert "invasion of Ukraine in 2022" in after.text
