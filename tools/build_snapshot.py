"""Build the offline HTML snapshot of the "putin-india-visit" seed collection.

The seed document (a plain-text scrape of news pages and a list of search results)
is the only source of article text. This script finds each article in it by
anchors (the opening words of the first and last line of every block), reads
URLs, titles, publishers and dates from ``seeds/putin-india-visit.toml`` and
renders one HTML page per source in two states of the web:

* state 1: earlier versions of three live articles (TIME before its correction,
  the Washington Post's first version, Business Today before its update);
* state 2: the versions the seed document carries.

Usage::

    python tools/build_snapshot.py [--source PATH] [--seeds PATH] [--out DIR]

Relative paths are resolved against the repository root (the parent of tools/).
The output is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = "../shared/seeds/000_779b2a8a156a4e38.txt"
DEFAULT_SEEDS = "seeds/putin-india-visit.toml"
DEFAULT_OUT = "seeds/snapshots/putin-india-visit"
STATES = ("1", "2")
IMAGE_PLACEHOLDER = "putin india visit"
BULLET = "\u2022"

# --------------------------------------------------------------------------- #
# Seed document access
# --------------------------------------------------------------------------- #


class AnchorError(LookupError):
    """An anchor of an article was not found in the seed document."""


def normalise(line: str) -> str:
    text = line.strip()
    if text.startswith(BULLET):
        text = text[1:].strip()
    return text


class SeedDocument:
    def __init__(self, text: str) -> None:
        self.lines = [normalise(line) for line in text.splitlines()]

    def find(self, prefix: str, start: int, article: str, what: str) -> int:
        for index in range(start, len(self.lines)):
            if self.lines[index].startswith(prefix):
                return index
        raise AnchorError(
            f"{article}: anchor for {what!r} not found after line {start + 1}: {prefix!r}"
        )

    def span(self, first: int, last: int) -> list[str]:
        return [line for line in self.lines[first : last + 1] if line]


# --------------------------------------------------------------------------- #
# Article specifications (anchors only, never article text)
# --------------------------------------------------------------------------- #

HEADER = "header"  # rendered in the site header navigation
TOP = "top"  # above the headline (kicker, breadcrumbs, app prompts)
HEAD = "head"  # headline block (title, dek, byline, date)
BODY = "body"  # article body
END = "end"  # inside <article>, after the body (corrections, tags, credits)
ASIDE = "aside"  # page chrome next to / after the article
FOOTER = "footer"  # site footer


@dataclass(frozen=True)
class Segment:
    """A block of the seed document, from the line starting with ``first`` to the
    line starting with ``last`` (inclusive) or up to ``until`` (exclusive)."""

    name: str
    first: str
    last: str | None = None
    until: str | None = None
    place: str = ASIDE
    kind: str = "text"  # text | list | cards | pairs | title | dek | byline | date | body
    heading: bool = False  # the first line of the block is its heading
    state: str | None = None  # only rendered in this state


@dataclass(frozen=True)
class EarlierVersion:
    """How state 1 differs from the document's (state 2) version of an article."""

    replace: tuple[tuple[str, str], ...] = ()
    drop_paragraphs: tuple[str, ...] = ()
    title_anchor: str | None = None  # a numbered search result: title then snippet
    updated_label: str | None = None  # "Updated ..." line shown in state 2 only
    modified: str | None = None  # ISO date/datetime of the state-2 update


@dataclass(frozen=True)
class ArticleSpec:
    url: str
    theme: str
    segments: tuple[Segment, ...]
    author: str | None = None
    roles: tuple[tuple[str, str], ...] = ()  # body line prefix -> role
    earlier: EarlierVersion | None = None


@dataclass(frozen=True)
class BotWallSpec:
    url: str
    theme: str
    first: str
    last: str


def seg(
    name: str,
    first: str,
    last: str | None = None,
    *,
    until: str | None = None,
    place: str = ASIDE,
    kind: str = "text",
    heading: bool = False,
    state: str | None = None,
) -> Segment:
    return Segment(name, first, last, until, place, kind, heading, state)


ARTICLES: tuple[ArticleSpec, ...] = (
    ArticleSpec(
        url="https://time.com/6996911/modi-putin-russia-visit-friends/",
        theme="time",
        author="Astha Rajvanshi",
        segments=(
            seg("title", "Why Modi and Putin Are Friends", place=HEAD, kind="title"),
            seg("body", "H ours before India", "But as India seeks to promote", place=BODY),
            seg(
                "correction",
                "Correction, July 9",
                "The original version of this story",
                place=END,
                heading=True,
                state="2",
            ),
            seg(
                "must-reads",
                "More Must-Reads from TIME",
                "The 32 Most Anticipated",
                kind="list",
                heading=True,
            ),
            seg("contact", "Write to Astha Rajvanshi", place=END),
        ),
        roles=(("Read More:", "readmore"),),
        earlier=EarlierVersion(
            replace=(("invasion of Ukraine in 2022", "invasion of Ukraine in 2019"),),
        ),
    ),
    ArticleSpec(
        url="https://indianexpress.com/article/explained/vladimir-putin-india-visit-significance-7658239/",
        theme="express",
        segments=(
            seg("nav", "International", "Health & Wellness", place=HEADER, kind="list"),
            seg("title", "Explained: Why Vladimir Putin visit", place=HEAD, kind="title"),
            seg("dek", "Prime minister narendra modi and russian", place=HEAD, kind="dek"),
            seg("body", IMAGE_PLACEHOLDER, "On cooperation in areas of defence", place=BODY),
            seg("newsletter", "Newsletter | Click to get", kind="text"),
            seg("tags", "Explained Global", "vladimir putin", place=END, kind="list"),
            seg("video", "Producer Dilli Babu no more", "Indianexpress", heading=True),
            seg("more-explained", "More Explained", "Until recently, the debate", heading=True),
            seg("best", "Best of Express", "Kolkata Doctor Rape-Murder", heading=True),
            seg("opinion", "EXPRESS OPINION", "Divorce plea, Supreme Court", heading=True),
            seg("latest", "Sep 09: Latest News", "05 Movement in air", kind="list", heading=True),
            seg("footer-nav", "Elections 2024", "Web Stories", place=FOOTER, kind="list"),
        ),
        roles=(("Festive offer", "promo"), ("I warmly thank H.E.", "embed")),
    ),
    ArticleSpec(
        url="https://www.washingtonpost.com/world/2024/07/09/modi-putin-russia-india-visit/",
        theme="wapo",
        author="Gerry Shih, Catherine Belton, Mary Ilyushina",
        segments=(
            seg("title", "Modi bear-hugs Putin in Moscow", place=HEAD, kind="title"),
            seg("dek", "Despite Washington", place=HEAD, kind="dek"),
            seg("body", "NEW DELHI", "\u201cWhen we became completely", place=BODY),
            seg("credits", "Belton reported from London", place=END),
        ),
        earlier=EarlierVersion(
            title_anchor="7. Putin receives Modi in Moscow",
            updated_label="Updated July 9, 2024",
            modified="2024-07-09",
            drop_paragraphs=(
                "The Moscow meeting appeared to deepen",
                "The two countries signed agreements to collaborate on polar",
                "On Tuesday, Putin led Modi",
                "At a formal meeting with Putin at the Kremlin on Tuesday",
                "Putin replied:",
                "Indian Foreign Secretary Vinay Kwatra told reporters Russia",
                "The issue became politically contentious",
                "Even as Modi, the leader of the world",
                "She has accused Putin of killing",
                "On X, formerly Twitter, Navalnaya",
                "\u201cOh, there",
                "For Putin, Modi",
            ),
        ),
    ),
    ArticleSpec(
        url="https://www.aljazeera.com/news/2021/12/6/russias-putin-to-land-in-india-to-boost-military-energy-ties",
        theme="aljazeera",
        segments=(
            seg("title", "Russia\u2019s Putin to land in India", place=HEAD, kind="title"),
            seg("dek", "The Russian leader has to contend", place=HEAD, kind="dek"),
            seg(
                "body", IMAGE_PLACEHOLDER, "The two countries\u2019 foreign and defence", place=BODY
            ),
        ),
        roles=(("\u2018Quite remarkable\u2019", "h2"),),
    ),
    ArticleSpec(
        url="https://www.firstpost.com/india/vladimir-putins-india-visit-from-new-delhi-and-moscow-signing-record-28-mous-to-22-talks-what-went-down-10197011.html",
        theme="firstpost",
        segments=(
            seg("nav", "Firstpost Defence Summit", "Firstpost America", place=HEADER, kind="list"),
            seg("title", "Vladimir Putin's India visit: From New Delhi", place=HEAD, kind="title"),
            seg("dek", "New Delhi and Moscow also signed a programme", place=HEAD, kind="dek"),
            seg(
                "body",
                "Vladimir Putin's India visit: From New Delhi",
                "With inputs from agencies",
                place=BODY,
            ),
            seg("latest", "Latest News", "Vantage", kind="list"),
            seg(
                "related",
                "Related Stories",
                until="Skip to main content",
                kind="list",
                heading=True,
            ),
        ),
        roles=(
            ("What PM Modi and Putin said at summit", "h2"),
            ("Inaugural Indo-Russia 2+2 dialogue", "h2"),
            ("India-Russia sign agreements for assault rifles", "h2"),
            ("\u2018Special and privleged strategic partnership\u2019", "h2"),
            ("\u2018Quite remarkable\u2019", "h2"),
            ("Vladimir Putin's India visit: From New Delhi", "figure"),
            ("With inputs from agencies", "credit"),
        ),
    ),
    ArticleSpec(
        url="https://www.npr.org/2024/07/08/nx-s1-5031926/modi-putin-russia-india-visit",
        theme="npr",
        author="Charles Maynes",
        segments=(
            seg(
                "skip",
                "Skip to main content",
                "Keyboard shortcuts for audio",
                place=TOP,
                kind="list",
            ),
            seg("title", "Modi's Moscow visit points to enduring", place=HEAD, kind="title"),
            seg("byline", "Charles Maynes", place=HEAD, kind="byline"),
            seg("audio", "Modi goes to Moscow", place=TOP),
            seg(
                "body",
                "Russian President Vladimir Putin and Indian Prime Minister Narendra "
                "Modi take a walk",
                "Modi, too, has embraced India",
                place=BODY,
            ),
            seg("tags", "narendra modi", "Russia-Ukraine war", place=END, kind="list"),
        ),
        roles=(
            ("Cold War allies", "h2"),
            ("The economic ties that bind", "h2"),
            ("Different views of a multipolar world.", "h2"),
            ("In this photo issued by the Hungarian", "figure"),
            ("Hungary's Orb", "related"),
            ("The war in Ukraine \u2014 now in its third summer", "related"),
        ),
    ),
    ArticleSpec(
        url="https://www.nbcnews.com/news/world/indian-prime-minister-modi-makes-first-visit-ally-russia-ukraine-invasion-rcna160766",
        theme="nbc",
        author="The Associated Press",
        segments=(
            seg(
                "title",
                "Indian Prime Minister Modi makes first visit to ally Russia",
                place=HEAD,
                kind="title",
            ),
            seg("dek", "The Kremlin on Thursday said Modi will visit", place=HEAD, kind="dek"),
            seg(
                "body",
                "India\u2019s prime minister began",
                "Its top imports from Russia include",
                place=BODY,
            ),
            seg("source", "The Associated Press", place=END),
        ),
    ),
    ArticleSpec(
        url="https://www.indiatvnews.com/news/world/putin-says-india-china-and-brazil-could-mediate-peace-talks-over-ukraine-conflict-watch-2024-09-05-950818",
        theme="indiatv",
        segments=(
            seg("brand", "India TV News", place=TOP),
            seg("crumbs", "You Are At:", place=TOP),
            seg(
                "title",
                "Putin says India, China and Brazil could mediate",
                place=HEAD,
                kind="title",
            ),
            seg("dek", "Prime minister narendra modi in recent times", place=HEAD, kind="dek"),
            seg(
                "body",
                "Russian President Vladimir Putin at the Eastern Economic",
                "(with Reuters input)",
                place=BODY,
            ),
            seg("also-read", "ALSO READ |", place=END),
            seg("read-all", "Read all the Breaking News Live", place=END),
            seg(
                "tags",
                "russian president vladimir putin",
                "pm narendra modi",
                place=END,
                kind="list",
            ),
            seg(
                "breaking",
                "Breaking News",
                "Adam Gilchrist and Michael Vaughan",
                kind="pairs",
                heading=True,
            ),
            seg(
                "related",
                "Related World News",
                "Ukraine gets Andrii Sybiha",
                kind="pairs",
                heading=True,
            ),
            seg(
                "latest", "Latest News", "Delhi traffic advisory issued", kind="pairs", heading=True
            ),
            seg("footer", "India TV News", until="Today's news", place=FOOTER, kind="list"),
        ),
        roles=(
            ("Russian President Vladimir Putin at the Eastern Economic", "image"),
            ("India's role in Russia-Ukraine peace talks", "h2"),
            ("Ukraine's Kursk incursion failed to slow Russia", "h2"),
            ("(with Reuters input)", "credit"),
        ),
    ),
    ArticleSpec(
        url="https://www.yahoo.com/news/more-countries-openly-flaunting-ties-083512817.html",
        theme="yahoo",
        segments=(
            seg("nav", "Today's news", "Horse racing", place=HEADER, kind="list"),
            seg("new", "New on Yahoo", "Privacy Dashboard", place=TOP, kind="list"),
            seg("title", "More countries are openly flaunting", place=HEAD, kind="title"),
            seg(
                "key-points",
                "Russian President Vladimir Putin is meeting leaders",
                "Despite sanctions, Russia remains",
                place=HEAD,
                kind="list",
            ),
            seg(
                "body",
                "Russian President Vladimir Putin is having a very social year",
                '" Regional allies will watch',
                place=BODY,
            ),
            seg("original", "Read the original article on Business Insider", place=END),
            seg(
                "recommended",
                "Recommended Stories",
                until="India Today",
                kind="cards",
                heading=True,
            ),
        ),
        roles=(
            ("It's about neutrality", "h2"),
            ("Russia is wooing the Global South", "h2"),
        ),
    ),
    ArticleSpec(
        url="https://www.indiatoday.in/world/story/india-china-brazil-could-mediate-russia-ukraine-peace-talks-vladimir-putin-2595512-2024-09-05",
        theme="indiatoday",
        segments=(
            seg("network", "India Today", "Aaj Tak Campus", place=HEADER, kind="list"),
            seg("app", "Download App", "Download app", place=TOP, kind="list"),
            seg(
                "title",
                "India, China, Brazil could mediate Russia-Ukraine",
                place=HEAD,
                kind="title",
            ),
            seg("dek", "Russian president vladimir putin said that china", place=HEAD, kind="dek"),
            seg("listen", "Listen to Story", place=TOP),
            seg(
                "highlights",
                "Preliminary agreement was reached",
                "Preliminary Istanbul",
                place=HEAD,
                kind="list",
            ),
            seg("body", "Russian President Vladimir Putin said on Thursday that China", place=BODY),
        ),
    ),
    ArticleSpec(
        url="https://www.theweek.in/news/india/2024/09/09/can-india-broker-peace-deal-between-russia-and-ukraine-nsa-ajit-doval-to-travel-to-moscow.html",
        theme="theweek",
        segments=(
            seg("brand", "The Week", place=TOP),
            seg("nav", "THE WEEK TV", "India India -->", place=HEADER, kind="list"),
            seg(
                "title",
                "Can India broker peace deal between Russia and Ukraine?",
                place=HEAD,
                kind="title",
            ),
            seg("dek", "Doval's trip comes after", place=HEAD, kind="dek"),
            seg("body", "Ajit Doval in Moscow", "The previous BRICS NSA meeting", place=BODY),
            seg("tags", "Vladimir Putin", "Ukraine-Russia crisis", place=END, kind="list"),
            seg("whatsapp", "Join our WhatsApp Channel", place=END),
            seg("more", IMAGE_PLACEHOLDER, "Boeing's troubled capsule", kind="pairs"),
            seg(
                "picks",
                "Editor's pick.",
                "*Articles appearing as INFOCUS",
                kind="pairs",
                heading=True,
            ),
        ),
        roles=(
            ("Ajit Doval in Moscow", "image"),
            ("Highlights from a very special visit to Ukraine", "embed"),
        ),
    ),
    ArticleSpec(
        url="https://www.businessinsider.com/india-refusing-take-sides-ukraine-war-russia-modi-putin-2024-8",
        theme="bi",
        segments=(
            seg(
                "title",
                "India's refusal to take a side in the Ukraine war",
                place=HEAD,
                kind="title",
            ),
            seg(
                "key-points",
                "Despite pressure from Western allies",
                "India is the world's largest importer",
                place=HEAD,
                kind="list",
            ),
            seg("newsletter", "Insider Today", place=TOP),
            seg(
                "body",
                "When Narendra Modi visited Ukraine over the weekend",
                "In the meantime, Modi will likely continue",
                place=BODY,
            ),
            seg("watch", 'Watch: "Neutral" China sends', place=END),
        ),
        roles=(
            ("A quick end to the war", "h2"),
            ("India's ties with the Kremlin are tested", "h2"),
            ("India sees Russia as a buffer", "h2"),
            ("Related stories", "related"),
        ),
    ),
    ArticleSpec(
        url="https://www.nytimes.com/2024/08/29/world/europe/putin-mongolia-icc-arrest-warrant.html",
        theme="nyt",
        author="Eve Sampson",
        segments=(
            seg("skip", "Main content", "Supported by", place=TOP, kind="list"),
            seg(
                "title", "Putin Plans First Visit to I.C.C. Member State", place=HEAD, kind="title"
            ),
            seg("dek", "The Russian president will travel to Mongolia", place=HEAD, kind="dek"),
            seg("share", "Share full article", place=HEAD),
            seg("lead", "Khurelsukh, left, and Putin", place=HEAD, kind="figure"),
            seg("byline", "By Eve Sampson", place=HEAD, kind="byline"),
            seg(
                "body",
                "President Vladimir V. Putin of Russia is scheduled",
                "Oleg Matsnev contributed reporting.",
                place=BODY,
            ),
            seg("bio", "Eve Sampson is a reporter covering", place=END),
        ),
        roles=(
            ("Will Mr. Putin be arrested?", "h2"),
            ("What is Russia and the I.C.C.", "h2"),
            ("Oleg Matsnev contributed reporting.", "credit"),
        ),
    ),
    ArticleSpec(
        url="https://www.businesstoday.in/latest/world/story/end-to-russia-ukraine-war-after-pm-modi-nsa-ajit-doval-to-visit-russia-this-week-to-discuss-peace-talks-444612-2024-09-08",
        theme="bt",
        author="Business Today Desk",
        segments=(
            seg("network", "Business Today", "Aajtak Campus", place=HEADER, kind="list"),
            seg("nav", "Budget 2024", "Visual Stories", place=HEADER, kind="list"),
            seg("ticker", "INDICES ANALYSIS", "Mutual funds.", place=TOP, kind="list"),
            seg("subnav", "Cover Story", "BT-TR GCC Listing", place=TOP, kind="list"),
            seg("title", "End to Russia-Ukraine war? After PM Modi", place=HEAD, kind="title"),
            seg("dek", "During his visit, the former ips officer", place=HEAD, kind="dek"),
            seg("byline", "Business Today Desk", place=HEAD, kind="byline"),
            seg("updated", "Updated Sep 08, 2024, 10:13 AM IST", place=HEAD, state="2"),
            seg("summary", "President Putin has recently suggested", place=HEAD, kind="list"),
            seg(
                "body",
                "National Security Advisor (NSA) Ajit Doval will visit Russia",
                "Russian and Ukrainian negotiators met in Istanbul",
                place=BODY,
            ),
            seg("top", "TOP STORIES", place=ASIDE),
            seg(
                "footer", "bt logo", "Add Business Today to Home Screen", place=FOOTER, kind="list"
            ),
        ),
        roles=(
            ("Related Articles", "related"),
            ("Russian President Putin: 'India, China, and Brazil", "related"),
            ("PM Modi Ukraine visit: From boosting trade ties", "related"),
        ),
        earlier=EarlierVersion(
            drop_paragraphs=("On September 7, Italy",),
            modified="2024-09-08T10:13:00+05:30",
        ),
    ),
)

BOT_WALLS: tuple[BotWallSpec, ...] = (
    BotWallSpec(
        url="https://www.bloomberg.com/news/articles/2024-08-29/putin-defies-war-crimes-warrant-with-plan-to-visit-mongolia",
        theme="bloomberg",
        first="We've detected unusual activity",
        last="For inquiries related to this message",
    ),
)

# Authors named in the search-result snippets of snippet-only pages.
SNIPPET_AUTHORS: dict[str, str] = {
    "https://www.bbc.com/news/world-asia-india-59536518": "Vikas Pandey",
}

# --------------------------------------------------------------------------- #
# Publisher themes
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Theme:
    key: str
    site: str
    home: str
    lang: str
    prefix: str
    title_suffix: str
    nav: tuple[str, ...]
    footer: tuple[str, ...]
    date_style: str = "us"  # us | in | gb | iso
    jsonld: bool = True
    byline_prefix: str = "By "
    body_tag: str = "div"
    body_class: str = "article-body"
    wrap: tuple[str, ...] = ()  # extra wrapper elements around <article>
    twitter: str | None = None
    extra_head: tuple[tuple[str, str], ...] = ()  # (name, content) meta pairs


THEMES: dict[str, Theme] = {
    theme.key: theme
    for theme in (
        Theme(
            "time",
            "TIME",
            "https://time.com",
            "en-US",
            "tm",
            " | TIME",
            (
                "Politics",
                "World",
                "Health",
                "Climate",
                "Business",
                "Tech",
                "Entertainment",
                "Ideas",
                "Science",
                "History",
                "Sports",
                "Magazine",
                "TIME 2030",
            ),
            (
                "\u00a9 2024 TIME USA, LLC. All Rights Reserved.",
                "Privacy Policy",
                "Terms of Use",
                "Your Privacy Choices",
            ),
            body_class="article-content",
            body_tag="section",
            wrap=("div.article-layout",),
            twitter="@TIME",
        ),
        Theme(
            "express",
            "The Indian Express",
            "https://indianexpress.com",
            "en-IN",
            "ie",
            " | Explained News - The Indian Express",
            (),
            ("\u00a9 IE Online Media Services Pvt Ltd",),
            date_style="in",
            byline_prefix="Written by ",
            body_class="full-details",
            wrap=("div.container", "div.row"),
            twitter="@IndianExpress",
        ),
        Theme(
            "wapo",
            "The Washington Post",
            "https://www.washingtonpost.com",
            "en",
            "wp",
            " - The Washington Post",
            (
                "Politics",
                "Opinions",
                "Style",
                "Investigations",
                "Climate",
                "Well+Being",
                "Business",
                "Tech",
                "World",
                "D.C., Md. & Va.",
                "Sports",
            ),
            ("\u00a9 1996-2024 The Washington Post", "Terms of Use", "Privacy Policy"),
            body_class="article-body grid-body",
            wrap=("div.grid-layout",),
            twitter="@washingtonpost",
        ),
        Theme(
            "aljazeera",
            "Al Jazeera",
            "https://www.aljazeera.com",
            "en",
            "aj",
            " | News | Al Jazeera",
            ("News", "Middle East", "Explained", "Opinion", "Sport", "Video", "More"),
            ("\u00a9 2021 Al Jazeera Media Network",),
            date_style="gb",
            body_class="wysiwyg wysiwyg--all-content",
            wrap=("div.l-col",),
            twitter="@AJEnglish",
        ),
        Theme(
            "firstpost",
            "Firstpost",
            "https://www.firstpost.com",
            "en",
            "fp",
            " - Firstpost",
            (),
            ("Copyright \u00a9 2021 Firstpost - All Rights Reserved",),
            date_style="in",
            body_class="inner-main-article",
            wrap=("div.main-container",),
            twitter="@firstpost",
        ),
        Theme(
            "npr",
            "NPR",
            "https://www.npr.org",
            "en",
            "npr",
            " : NPR",
            ("News", "Culture", "Music", "Podcasts & Shows", "Search"),
            ("\u00a9 2024 npr", "Terms of Use", "Privacy", "Your Privacy Choices"),
            body_class="storytext storylocation linkLocation",
            wrap=("div#wrapper",),
            byline_prefix="",
            twitter="@NPR",
        ),
        Theme(
            "nbc",
            "NBC News",
            "https://www.nbcnews.com",
            "en",
            "nbc",
            "",
            (
                "Politics",
                "U.S. News",
                "World",
                "Business",
                "Sports",
                "Investigations",
                "Culture & Trends",
                "Health",
                "Science",
                "Tech & Media",
            ),
            ("\u00a9 2024 NBCUniversal Media, LLC",),
            body_class="article-body__content",
            wrap=("div.layout-container",),
            twitter="@NBCNews",
        ),
        Theme(
            "indiatv",
            "India TV News",
            "https://www.indiatvnews.com",
            "en",
            "itv",
            " | World News \u2013 India TV",
            (
                "Home",
                "India",
                "World",
                "Entertainment",
                "Sports",
                "Business",
                "Tech",
                "Lifestyle",
                "Videos",
            ),
            ("Copyright \u00a9 2024 Independent News Service Pvt. Ltd.",),
            date_style="in",
            body_class="content",
            byline_prefix="Edited By: ",
            twitter="@indiatvnews",
        ),
        Theme(
            "yahoo",
            "Yahoo News",
            "https://www.yahoo.com",
            "en-US",
            "yh",
            "",
            (),
            ("Terms/Privacy Policy", "Privacy Dashboard", "About Our Ads"),
            body_class="caas-body",
            wrap=("div.caas-container", "div.caas-content-wrapper"),
            twitter="@YahooNews",
            extra_head=(("provider", "Business Insider"),),
        ),
        Theme(
            "indiatoday",
            "India Today",
            "https://www.indiatoday.in",
            "en",
            "it",
            " - India Today",
            ("India", "World", "Business", "Sports", "Tech", "Movies", "Lifestyle", "Videos"),
            ("Copyright \u00a9 2024 Living Media India Limited.",),
            date_style="in",
            body_class="story-with-main-sec",
            wrap=("div.Story_wrapper",),
            twitter="@IndiaToday",
        ),
        Theme(
            "theweek",
            "The Week",
            "https://www.theweek.in",
            "en",
            "tw",
            " - The Week",
            (),
            ("Copyright \u00a9 2024 All rights reserved",),
            date_style="in",
            body_class="article-text",
            wrap=("div.article-page",),
            twitter="@TheWeekLive",
        ),
        Theme(
            "bi",
            "Business Insider",
            "https://www.businessinsider.com",
            "en-US",
            "bi",
            "",
            (
                "Business",
                "Markets",
                "Tech",
                "Politics",
                "Economy",
                "Strategy",
                "Video",
                "Big Business",
            ),
            ("Copyright \u00a9 2024 Insider Inc. All rights reserved.",),
            body_class="content-lock-content",
            wrap=("section.post-content",),
            twitter="@BusinessInsider",
        ),
        Theme(
            "nyt",
            "The New York Times",
            "https://www.nytimes.com",
            "en",
            "nyt",
            " - The New York Times",
            (
                "World",
                "U.S.",
                "Politics",
                "N.Y.",
                "Business",
                "Opinion",
                "Science",
                "Health",
                "Sports",
                "Arts",
                "Books",
                "Style",
                "Food",
                "Travel",
                "Magazine",
            ),
            ("\u00a9 2024 The New York Times Company",),
            body_tag="section",
            body_class="meteredContent",
            byline_prefix="",
            wrap=("div#site-content",),
            twitter="@nytimes",
        ),
        Theme(
            "bt",
            "Business Today",
            "https://www.businesstoday.in",
            "en",
            "bt",
            " - BusinessToday",
            (),
            ("Copyright\u00a92024 Living Media India Limited.",),
            date_style="in",
            byline_prefix="",
            body_class="story-with-main-sec",
            wrap=("div.container",),
            twitter="@BT_India",
        ),
        Theme(
            "ap",
            "AP News",
            "https://apnews.com",
            "en",
            "ap",
            " | AP News",
            (
                "World",
                "U.S.",
                "Politics",
                "Sports",
                "Entertainment",
                "Business",
                "Science",
                "Fact Check",
                "Oddities",
                "Be Well",
                "Newsletters",
                "Photography",
            ),
            ("Copyright 2024 The Associated Press. All Rights Reserved.",),
            body_class="RichTextStoryBody RichTextBody",
            twitter="@AP",
        ),
        Theme(
            "bbc",
            "BBC News",
            "https://www.bbc.com",
            "en-GB",
            "bbc",
            " - BBC News",
            (
                "Home",
                "News",
                "Sport",
                "Business",
                "Innovation",
                "Culture",
                "Travel",
                "Earth",
                "Video",
                "Live",
            ),
            (
                "Copyright 2024 BBC. All rights reserved.",
                "The BBC is not responsible for the content of external sites.",
            ),
            date_style="gb",
            body_tag="main",
            body_class="bbc-body",
            twitter="@BBCWorld",
        ),
        Theme(
            "guardian",
            "the Guardian",
            "https://www.theguardian.com",
            "en-GB",
            "gu",
            " | India | The Guardian",
            ("News", "Opinion", "Sport", "Culture", "Lifestyle"),
            ("\u00a9 2021 Guardian News & Media Limited or its affiliated companies.",),
            date_style="gb",
            body_class="article-body-commercial-selector",
            twitter="@guardian",
        ),
        Theme(
            "diplomat",
            "The Diplomat",
            "https://thediplomat.com",
            "en-US",
            "td",
            " \u2013 The Diplomat",
            (
                "Asia Defense",
                "ASEAN Beat",
                "China Power",
                "Crossroads Asia",
                "Oceania",
                "South Asia",
                "Tokyo Report",
            ),
            ("\u00a9 2021 Diplomat Media Inc.",),
            body_class="td-post-content",
        ),
        Theme(
            "reuters",
            "Reuters",
            "https://www.reuters.com",
            "en",
            "rt",
            " | Reuters",
            (
                "World",
                "Business",
                "Markets",
                "Sustainability",
                "Legal",
                "Breakingviews",
                "Technology",
                "Investigations",
            ),
            ("\u00a9 2024 Reuters. All rights reserved",),
            body_class="article-body__content",
            twitter="@Reuters",
        ),
        Theme(
            "cnn",
            "CNN",
            "https://www.cnn.com",
            "en",
            "cnn",
            " | CNN",
            (
                "US",
                "World",
                "Politics",
                "Business",
                "Health",
                "Entertainment",
                "Style",
                "Travel",
                "Sports",
                "Science",
                "Climate",
                "Weather",
            ),
            ("\u00a9 2024 Cable News Network. A Warner Bros. Discovery Company.",),
            body_class="article__content",
            twitter="@CNN",
        ),
        Theme(
            "independent",
            "The Independent",
            "https://www.independent.co.uk",
            "en-GB",
            "ind",
            " | The Independent",
            ("News", "Sport", "Voices", "Culture", "Lifestyle", "Travel", "Premium"),
            ("\u00a9 2024 Independent Digital News & Media Ltd",),
            date_style="gb",
            body_class="sc-main-body",
            twitter="@Independent",
        ),
        Theme(
            "wikipedia",
            "Wikipedia",
            "https://en.wikipedia.org",
            "en",
            "wiki",
            " - Wikipedia",
            (
                "Main page",
                "Contents",
                "Current events",
                "Random article",
                "About Wikipedia",
                "Contact us",
            ),
            (
                "Text is available under the Creative Commons Attribution-ShareAlike "
                "License 4.0; additional terms may apply.",
            ),
            date_style="iso",
            jsonld=False,
            body_class="mw-parser-output",
        ),
        Theme(
            "bloomberg",
            "Bloomberg",
            "https://www.bloomberg.com",
            "en",
            "bb",
            "",
            (),
            (),
            jsonld=False,
        ),
    )
}

PUBLISHER_THEMES: dict[str, str] = {
    "Associated Press": "ap",
    "BBC News": "bbc",
    "The Guardian": "guardian",
    "The Diplomat": "diplomat",
    "Reuters": "reuters",
    "The New York Times": "nyt",
    "CNN": "cnn",
    "Wikipedia": "wikipedia",
    "The Independent": "independent",
}

SLUG_PREFIX: dict[str, str] = {
    "time": "time",
    "express": "indianexpress",
    "wapo": "wapo",
    "aljazeera": "aljazeera",
    "firstpost": "firstpost",
    "npr": "npr",
    "nbc": "nbc",
    "indiatv": "indiatv",
    "yahoo": "yahoo",
    "indiatoday": "indiatoday",
    "theweek": "theweek",
    "bi": "bi",
    "nyt": "nyt",
    "bt": "businesstoday",
    "ap": "ap",
    "bbc": "bbc",
    "guardian": "guardian",
    "diplomat": "diplomat",
    "reuters": "reuters",
    "cnn": "cnn",
    "independent": "independent",
    "wikipedia": "wikipedia",
    "bloomberg": "bloomberg",
}

# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slugify(text: str, words: int = 8) -> str:
    parts = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
    return "-".join(parts[:words])


def digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def link_for(theme: Theme, label: str) -> str:
    return f"{theme.home}/{slugify(label, 4) or 'home'}"


def optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def parse_published(value: str | None) -> tuple[str | None, date | None]:
    if not value:
        return None, None
    if "T" in value:
        return value, datetime.fromisoformat(value).date()
    return value, date.fromisoformat(value)


def display_date(day: date, style: str) -> str:
    month = day.strftime("%B")
    if style == "in":
        return f"{day.strftime('%b')} {day.day:02d}, {day.year}"
    if style == "gb":
        return f"{day.day} {month} {day.year}"
    if style == "iso":
        return day.isoformat()
    return f"{month} {day.day}, {day.year}"


def open_wrappers(wrap: Sequence[str]) -> tuple[list[str], list[str]]:
    opening: list[str] = []
    closing: list[str] = []
    for item in wrap:
        tag, _, rest = item.partition(".")
        if "#" in tag:
            tag, ident = tag.split("#", 1)
            opening.append(f'<{tag} id="{esc(ident)}">')
        else:
            opening.append(f'<{tag} class="{esc(rest)}">')
        closing.insert(0, f"</{tag}>")
    return opening, closing


def render_list(theme: Theme, items: Iterable[str], css: str) -> str:
    rows = "".join(
        f'<li><a href="{esc(link_for(theme, item))}">{esc(item)}</a></li>' for item in items
    )
    return f'<ul class="{css}">{rows}</ul>'


# --------------------------------------------------------------------------- #
# Resolved articles
# --------------------------------------------------------------------------- #


@dataclass
class Resolved:
    spec: ArticleSpec
    blocks: dict[str, list[str]] = field(default_factory=dict)
    earlier_title: str | None = None
    earlier_dek: str | None = None


def resolve_articles(doc: SeedDocument) -> list[Resolved]:
    resolved: list[Resolved] = []
    cursor = 0
    for spec in ARTICLES:
        item = Resolved(spec)
        for segment in spec.segments:
            what = segment.name
            first = doc.find(segment.first, cursor, spec.url, what)
            if segment.until is not None:
                last = doc.find(segment.until, first + 1, spec.url, what + " (end)") - 1
            elif segment.last is not None:
                last = doc.find(segment.last, first, spec.url, what + " (end)")
            else:
                last = first
            item.blocks[segment.name] = doc.span(first, last)
            cursor = last + 1
        if spec.author:
            surnames = [name.split()[-1] for name in spec.author.split(",")]
            if not any(name in line for name in surnames for line in doc.lines):
                raise AnchorError(f"{spec.url}: author {spec.author!r} not named in document")
        earlier = spec.earlier
        if earlier and earlier.title_anchor:
            index = doc.find(earlier.title_anchor, 0, spec.url, "state-1 title")
            item.earlier_title = re.sub(r"^\d+\.\s*", "", doc.lines[index])
            dek_index = next(i for i in range(index + 1, len(doc.lines)) if doc.lines[i])
            item.earlier_dek = doc.lines[dek_index]
        for prefix in earlier.drop_paragraphs if earlier else ():
            if not any(line.startswith(prefix) for line in item.blocks["body"]):
                raise AnchorError(f"{spec.url}: state-1 paragraph anchor not found: {prefix!r}")
        for old, _new in earlier.replace if earlier else ():
            if not any(old in line for line in item.blocks["body"]):
                raise AnchorError(f"{spec.url}: state-1 replacement anchor not found: {old!r}")
        resolved.append(item)
    return resolved


def resolve_bot_walls(doc: SeedDocument) -> dict[str, list[str]]:
    walls: dict[str, list[str]] = {}
    for spec in BOT_WALLS:
        first = doc.find(spec.first, 0, spec.url, "bot wall")
        last = doc.find(spec.last, first, spec.url, "bot wall (end)")
        walls[spec.url] = doc.span(first, last)
    return walls


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #


@dataclass
class Page:
    source: dict[str, object]
    theme: Theme
    title: str
    dek: str | None
    author: str | None
    published: str | None
    published_day: date | None
    modified_label: str | None = None
    modified: str | None = None


def head_html(page: Page, description: str | None) -> list[str]:
    theme = page.theme
    url = str(page.source["url"])
    out = [
        "<!doctype html>",
        f'<html lang="{theme.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(page.title + theme.title_suffix)}</title>",
    ]
    if description:
        out.append(f'<meta name="description" content="{esc(description)}">')
    out += [
        f'<link rel="canonical" href="{esc(url)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(page.title)}">',
        f'<meta property="og:url" content="{esc(url)}">',
        f'<meta property="og:site_name" content="{esc(theme.site)}">',
    ]
    if description:
        out.append(f'<meta property="og:description" content="{esc(description)}">')
    if page.published:
        out.append(f'<meta property="article:published_time" content="{esc(page.published)}">')
    if page.modified:
        out.append(f'<meta property="article:modified_time" content="{esc(page.modified)}">')
    if page.author:
        out.append(f'<meta name="author" content="{esc(page.author)}">')
    if theme.twitter:
        out.append('<meta name="twitter:card" content="summary_large_image">')
        out.append(f'<meta name="twitter:site" content="{esc(theme.twitter)}">')
    for name, content in theme.extra_head:
        out.append(f'<meta name="{esc(name)}" content="{esc(content)}">')
    out.append(f'<link rel="stylesheet" href="{theme.home}/static/{theme.prefix}-main.css">')
    if theme.jsonld:
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": page.title,
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "publisher": {"@type": "Organization", "name": theme.site, "url": theme.home},
        }
        if description:
            data["description"] = description
        if page.published:
            data["datePublished"] = page.published
        if page.modified:
            data["dateModified"] = page.modified
        if page.author:
            names = [name.strip() for name in page.author.split(",")]
            data["author"] = [
                {
                    "@type": "Organization" if name.endswith(("Press", "Desk")) else "Person",
                    "name": name,
                }
                for name in names
            ]
        for name, content in theme.extra_head:
            if name == "provider":
                data["provider"] = {"@type": "Organization", "name": content}
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
        out.append(f'<script type="application/ld+json">{payload}</script>')
    out.append("</head>")
    return out


def header_html(theme: Theme, nav_blocks: Sequence[list[str]]) -> list[str]:
    p = theme.prefix
    out = [
        f'<header class="{p}-header" role="banner">',
        f'<a class="{p}-logo" href="{theme.home}/" aria-label="{esc(theme.site)}">'
        f"{esc(theme.site)}</a>",
    ]
    blocks = [block for block in nav_blocks if block] or [list(theme.nav)]
    for number, block in enumerate(blocks):
        label = "Main" if number == 0 else "Sections"
        out.append(
            f'<nav class="{p}-nav {p}-nav--{number}" aria-label="{label}">'
            f"{render_list(theme, block, p + '-nav__list')}</nav>"
        )
    out.append("</header>")
    return out


def byline_html(page: Page) -> str:
    theme = page.theme
    p = theme.prefix
    parts: list[str] = []
    if page.author:
        names = [name.strip() for name in page.author.split(",")]
        links = ", ".join(
            f'<a rel="author" class="{p}-author" href="{esc(link_for(theme, "author " + n))}">'
            f"{esc(n)}</a>"
            for n in names
        )
        parts.append(f'<span class="{p}-byline__by">{esc(theme.byline_prefix)}{links}</span>')
    if page.published and page.published_day:
        shown = display_date(page.published_day, theme.date_style)
        parts.append(
            f'<time class="{p}-timestamp" datetime="{esc(page.published)}">{esc(shown)}</time>'
        )
    if page.modified_label:
        parts.append(f'<span class="{p}-updated">{esc(page.modified_label)}</span>')
    if not parts:
        return ""
    return f'<div class="{p}-byline">{" ".join(parts)}</div>'


def image_html(theme: Theme, alt: str, caption: str | None = None) -> str:
    src = f"{theme.home}/images/{digest(theme.key, alt, caption or '')}.jpg"
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="{theme.prefix}-figure"><img src="{esc(src)}" alt="{esc(alt)}" '
        f'loading="lazy" width="1200" height="675">{cap}</figure>'
    )


def body_html(theme: Theme, lines: list[str], roles: Sequence[tuple[str, str]]) -> list[str]:
    p = theme.prefix

    def role_of(line: str) -> str | None:
        for prefix, role in roles:
            if line.startswith(prefix):
                return role
        return None

    out: list[str] = []
    related: list[str] = []

    def flush_related() -> None:
        if related:
            out.append(
                f'<aside class="{p}-inline-related">'
                f"{render_list(theme, related, p + '-related-list')}</aside>"
            )
            related.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        role = role_of(line)
        if role != "related":
            flush_related()
        if line == IMAGE_PLACEHOLDER:
            out.append(image_html(theme, line))
        elif role == "related":
            related.append(line)
        elif following == line:
            # an image teaser followed by the same text as a link: an inline promo card
            out.append(
                f'<aside class="{p}-promo-card">{image_html(theme, line)}'
                f'<a href="{esc(link_for(theme, line))}">{esc(line)}</a></aside>'
            )
            index += 1
        elif following.startswith(line) and len(following) > len(line):
            out.append(image_html(theme, line, following))
            index += 1
        elif role == "h2":
            out.append(f"<h2>{esc(line)}</h2>")
        elif role in ("figure", "image"):
            out.append(image_html(theme, line, line if role == "figure" else None))
        elif role == "promo":
            out.append(f'<aside class="{p}-ad-slot" aria-label="advertisement">{esc(line)}</aside>')
        elif role == "embed":
            out.append(
                f'<blockquote class="twitter-tweet"><p lang="en">{esc(line)}</p></blockquote>'
            )
        elif role == "byline":
            out.append(f'<p class="{p}-inline-byline">{esc(line)}</p>')
        elif role == "credit":
            out.append(f'<p class="{p}-credit"><em>{esc(line)}</em></p>')
        elif role == "readmore":
            label, _, rest = line.partition(":")
            out.append(
                f'<p class="{p}-read-more"><strong>{esc(label)}:</strong> '
                f'<a href="{esc(link_for(theme, rest))}">{esc(rest.strip())}</a></p>'
            )
        else:
            out.append(f"<p>{esc(line)}</p>")
        index += 1
    flush_related()
    return out


def block_html(theme: Theme, segment: Segment, lines: list[str]) -> str:
    p = theme.prefix
    css = f"{p}-{segment.name}"
    heading = ""
    items = lines
    if segment.heading and lines:
        heading = f'<h2 class="{p}-block-title">{esc(lines[0])}</h2>'
        items = lines[1:]
    if segment.kind == "list":
        inner = render_list(theme, items, css + "__list")
    elif segment.kind == "pairs":
        inner = "".join(
            f'<div class="{p}-teaser">{image_html(theme, items[i])}'
            f'<a href="{esc(link_for(theme, items[i + 1]))}">{esc(items[i + 1])}</a></div>'
            if i + 1 < len(items)
            else f'<div class="{p}-teaser"><span>{esc(items[i])}</span></div>'
            for i in range(0, len(items), 2)
        )
    elif segment.kind == "figure":
        inner = "".join(image_html(theme, line, line) for line in items)
    elif segment.kind == "cards":
        inner = "".join(
            f'<li class="{p}-card"><h3><a href="{esc(link_for(theme, items[i]))}">'
            f"{esc(items[i])}</a></h3>"
            + (f"<p>{esc(items[i + 1])}</p>" if i + 1 < len(items) else "")
            + "</li>"
            for i in range(0, len(items), 2)
        )
        inner = f'<ul class="{css}__list">{inner}</ul>'
    else:
        inner = "".join(f"<p>{esc(line)}</p>" for line in items)
    return f'<div class="{css}">{heading}{inner}</div>'


def article_page(item: Resolved, source: dict[str, object], state: str) -> str:
    spec = item.spec
    theme = THEMES[spec.theme]
    p = theme.prefix
    earlier = spec.earlier if state == "1" else None
    published, published_day = parse_published(optional_str(source.get("published")))
    blocks = item.blocks
    title = blocks["title"][0] if "title" in blocks else str(source["title"])
    dek = blocks["dek"][0] if "dek" in blocks else None
    if earlier and item.earlier_title:
        title, dek = item.earlier_title, item.earlier_dek
    page = Page(source, theme, title, dek, spec.author, published, published_day)
    if state == "2" and spec.earlier:
        page.modified_label = spec.earlier.updated_label
        page.modified = spec.earlier.modified

    def visible(segment: Segment) -> bool:
        return segment.state is None or segment.state == state

    segments = [s for s in spec.segments if visible(s)]
    out = head_html(page, dek or str(source.get("snippet") or "") or None)
    out.append(f'<body class="{p}-page {p}-article-page">')
    out += header_html(theme, [blocks[s.name] for s in segments if s.place == HEADER])
    opening, closing = open_wrappers(theme.wrap)
    out.append(f'<main id="main-content" class="{p}-main">')
    out += opening
    for segment in segments:
        if segment.place == TOP:
            out.append(block_html(theme, segment, blocks[segment.name]))
    out.append(f'<article class="{p}-article" itemscope itemtype="https://schema.org/NewsArticle">')
    out.append(f'<header class="{p}-article-header">')
    out.append(f'<h1 class="{p}-headline" itemprop="headline">{esc(title)}</h1>')
    if dek:
        out.append(f'<p class="{p}-dek" itemprop="description">{esc(dek)}</p>')
    for segment in segments:
        if segment.place == HEAD and segment.kind not in ("title", "dek", "byline"):
            out.append(block_html(theme, segment, blocks[segment.name]))
    byline = byline_html(page)
    if byline:
        out.append(byline)
    out.append("</header>")

    body = list(blocks["body"])
    if earlier:
        body = [
            line
            for line in body
            if not any(line.startswith(prefix) for prefix in earlier.drop_paragraphs)
        ]
        for old, new in earlier.replace:
            body = [line.replace(old, new) for line in body]
    out.append(f'<{theme.body_tag} class="{theme.body_class}" itemprop="articleBody">')
    out += body_html(theme, body, spec.roles)
    out.append(f"</{theme.body_tag}>")
    for segment in segments:
        if segment.place == END:
            lines = blocks[segment.name]
            if segment.name == "correction":
                out.append(
                    f'<div class="{p}-correction" role="note">'
                    f"<strong>{esc(lines[0])}</strong>"
                    + "".join(f"<p>{esc(line)}</p>" for line in lines[1:])
                    + "</div>"
                )
            elif segment.kind == "list":
                out.append(
                    f'<footer class="{p}-tags"><span>Topics</span>'
                    f"{render_list(theme, lines, p + '-tags__list')}</footer>"
                )
            else:
                out.append(
                    f'<footer class="{p}-article-footer">'
                    + "".join(f"<p>{esc(line)}</p>" for line in lines)
                    + "</footer>"
                )
    out.append("</article>")
    asides = [s for s in segments if s.place == ASIDE]
    if asides:
        out.append(f'<aside class="{p}-rail" aria-label="More stories">')
        out += [block_html(theme, s, blocks[s.name]) for s in asides]
        out.append("</aside>")
    out += closing
    out.append("</main>")
    out += footer_html(theme, [blocks[s.name] for s in segments if s.place == FOOTER])
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def footer_html(theme: Theme, extra: Sequence[list[str]]) -> list[str]:
    p = theme.prefix
    out = [f'<footer class="{p}-footer" role="contentinfo">']
    for block in extra:
        out.append(
            f'<nav class="{p}-footer-nav">{render_list(theme, block, p + "-footer__list")}</nav>'
        )
    if theme.footer:
        out.append("".join(f'<p class="{p}-legal">{esc(line)}</p>' for line in theme.footer))
    out.append("</footer>")
    return out


def snippet_page(source: dict[str, object]) -> str:
    publisher = str(source["publisher"])
    theme = THEMES[PUBLISHER_THEMES[publisher]]
    p = theme.prefix
    url = str(source["url"])
    title = str(source["title"])
    snippet = str(source.get("snippet") or "")
    published, published_day = parse_published(optional_str(source.get("published")))
    author = SNIPPET_AUTHORS.get(url)
    page = Page(source, theme, title, None, author, published, published_day)
    out = head_html(page, snippet or None)
    if theme.key == "wikipedia":
        out.append('<body class="mediawiki ltr sitedir-ltr skin-vector-2022">')
        out += header_html(theme, [])
        out.append('<main id="content" class="mw-body">')
        out.append(f'<h1 id="firstHeading" class="firstHeading mw-first-heading">{esc(title)}</h1>')
        out.append('<div id="bodyContent" class="vector-body">')
        out.append('<div id="siteSub">From Wikipedia, the free encyclopedia</div>')
        out.append(
            f'<div id="mw-content-text" class="{theme.body_class}"><p>{esc(snippet)}</p>'
            "</div></div></main>"
        )
        out += footer_html(theme, [])
        out += ["</body>", "</html>"]
        return "\n".join(out) + "\n"
    out.append(f'<body class="{p}-page {p}-article-page">')
    out += header_html(theme, [])
    opening, closing = open_wrappers(theme.wrap)
    out.append(f'<main id="main-content" class="{p}-main">')
    out += opening
    out.append(f'<article class="{p}-article">')
    out.append(f'<header class="{p}-article-header"><h1 class="{p}-headline">{esc(title)}</h1>')
    byline = byline_html(page)
    if byline:
        out.append(byline)
    out.append("</header>")
    out.append(f'<{theme.body_tag} class="{theme.body_class}">')
    out.append(f"<p>{esc(snippet)}</p>")
    out.append(f"</{theme.body_tag}>")
    out.append("</article>")
    out += closing
    out.append("</main>")
    out += footer_html(theme, [])
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def bot_wall_page(spec: BotWallSpec, lines: list[str]) -> str:
    theme = THEMES[spec.theme]
    reference = digest(spec.url, length=8) + "-" + digest("ref", spec.url, length=4)
    heading, *rest = lines
    out = [
        "<!doctype html>",
        f'<html lang="{theme.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        f"<title>{esc(theme.site)} - Are you a robot?</title>",
        f'<link rel="stylesheet" href="{theme.home}/tosv2.css">',
        "</head>",
        '<body class="px-captcha-page">',
        '<section class="container">',
        f'<h1 class="main__heading">{esc(heading)}</h1>',
    ]
    for line in rest:
        if line.endswith("?"):
            out.append(f'<h2 class="why__heading">{esc(line)}</h2>')
        else:
            out.append(f'<p class="main__text">{esc(line)}</p>')
        if line.startswith("To continue"):
            out.append('<div id="px-captcha" role="button" aria-label="Press and hold"></div>')
    out += [
        f'<p class="block-ref">Block reference ID: <span id="block-ref-id">{reference}</span></p>',
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def resolve_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def file_name(theme_key: str, title: str) -> str:
    return f"{SLUG_PREFIX[theme_key]}-{slugify(title, 7)}.html"


def build(source_path: Path, seeds_path: Path, out_dir: Path) -> int:
    doc = SeedDocument(source_path.read_text(encoding="utf-8"))
    with seeds_path.open("rb") as handle:
        seeds = tomllib.load(handle)
    collection = str(seeds["collection"]["name"])
    sources: list[dict[str, object]] = list(seeds["sources"])
    by_url = {str(source["url"]): source for source in sources}
    if len(by_url) != len(sources):
        raise SystemExit("duplicate URLs in the seeds file")

    known = [spec.url for spec in ARTICLES] + [spec.url for spec in BOT_WALLS]
    known += list(SNIPPET_AUTHORS)
    missing = [url for url in known if url not in by_url]
    if missing:
        raise SystemExit("URLs not in the seeds file: " + ", ".join(missing))

    articles = {item.spec.url: item for item in resolve_articles(doc)}
    walls = resolve_bot_walls(doc)
    wall_specs = {spec.url: spec for spec in BOT_WALLS}

    pages: list[dict[str, object]] = []
    rendered: dict[str, dict[str, str]] = {}
    names: set[str] = set()
    for url in sorted(by_url):
        source = by_url[url]
        if url in articles:
            item = articles[url]
            kind = "article"
            theme_key = item.spec.theme
            html_by_state = {state: article_page(item, source, state) for state in STATES}
        elif url in wall_specs:
            kind = "bot-wall"
            theme_key = wall_specs[url].theme
            body = bot_wall_page(wall_specs[url], walls[url])
            html_by_state = dict.fromkeys(STATES, body)
        else:
            publisher = str(source["publisher"])
            if publisher not in PUBLISHER_THEMES:
                raise SystemExit(f"{url}: no page theme for publisher {publisher!r}")
            kind = "snippet"
            theme_key = PUBLISHER_THEMES[publisher]
            body = snippet_page(source)
            html_by_state = dict.fromkeys(STATES, body)
        name = file_name(theme_key, str(source["title"]))
        if name in names:
            raise SystemExit(f"file name collision: {name}")
        names.add(name)
        rendered[name] = html_by_state
        changed = [s for s in STATES[1:] if html_by_state[s] != html_by_state[STATES[0]]]
        # a state that serves the same page as an earlier one points at that earlier file
        files = {
            state: f"state-{next(t for t in STATES if html_by_state[t] == html_by_state[state])}"
            f"/{name}"
            for state in STATES
        }
        pages.append(
            {
                "url": url,
                "status": 200,
                "content_type": "text/html; charset=utf-8",
                "files": files,
                "kind": kind,
                "changed_in": changed,
            }
        )

    for state in STATES:
        state_dir = out_dir / f"state-{state}"
        if state_dir.exists():
            shutil.rmtree(state_dir)
        state_dir.mkdir(parents=True)
        for name, html_by_state in sorted(rendered.items()):
            first = next(t for t in STATES if html_by_state[t] == html_by_state[state])
            if first == state:
                (state_dir / name).write_text(html_by_state[state], encoding="utf-8", newline="\n")
    manifest = {
        "collection": collection,
        "generated_by": "tools/build_snapshot.py",
        "states": list(STATES),
        "pages": pages,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    return len(pages)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="seed document (text)")
    parser.add_argument("--seeds", default=DEFAULT_SEEDS, help="seeds TOML file")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    try:
        count = build(resolve_path(args.source), resolve_path(args.seeds), resolve_path(args.out))
    except (AnchorError, OSError, tomllib.TOMLDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {count} pages x {len(STATES)} states to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
