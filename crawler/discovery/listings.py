"""Which feeds and sitemaps a publisher is read through, where each was found, and how many.

A publisher's listings are declared in its seeds entry, or discovered: feeds linked from its
home page, sitemaps its robots.txt announces, the usual sitemap locations probed, and the
children of a sitemap index. Discovered listings are bounded per publisher and crawl, and a
sitemap announced on a host the publisher's articles may not live on is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from crawler.discovery.collect import on_allowed_host

PROBE_PATHS = ("/news-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
"""Probed in this order, one after the other, until one answers with a sitemap."""

# "news" as a word of the path (news-sitemap.xml, sitemap_news.xml, /sitemaps/news/1.xml,
# googlenews.xml), but not newsletter pages that some sites list in their sitemaps.
_NEWS = re.compile(r"(?:^|[^a-z])(?:google)?news(?!letter)(?:[^a-z]|$)", re.IGNORECASE)


class ListingOrigin(StrEnum):
    """Where a feed or sitemap came from."""

    DECLARED = "declared"
    ROBOTS = "robots.txt"
    HOME = "home page"
    PROBED = "probed"
    INDEX = "sitemap index"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what robots.txt and probes are scoped to."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def looks_like_news(url: str) -> bool:
    """Whether a sitemap URL names itself a news sitemap (Google News sitemaps usually do)."""
    return bool(_NEWS.search(urlsplit(url).path))


def news_first(urls: Iterable[str]) -> list[str]:
    """``urls`` without repeats, news sitemaps first, each group in its original order."""
    unique = list(dict.fromkeys(urls))
    return [u for u in unique if looks_like_news(u)] + [u for u in unique if not looks_like_news(u)]


def probe_urls(home: str) -> list[str]:
    """The usual sitemap locations on the home page's origin, in probing order."""
    base = origin_of(home)
    return [base + path for path in PROBE_PATHS]


@dataclass(frozen=True, slots=True)
class AnnouncedPlan:
    """What to do with the sitemaps a robots.txt announces.

    ``take`` are read; ``refused`` pairs a URL with why it is not (another host, not http);
    ``not_news`` were left out because news sitemaps are announced too; ``over_limit`` were cut
    by the per-publisher bound.
    """

    announced: int
    take: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]
    not_news: int
    over_limit: int
    refused_total: int

    def summary(self, limit_name: str) -> str:
        """One line for the fetch record of robots.txt."""
        parts = [f"{self.announced} sitemaps announced, {len(self.take)} read"]
        if self.not_news:
            parts.append(f"{self.not_news} not news (news sitemaps are announced)")
        if self.over_limit:
            parts.append(f"{self.over_limit} over {limit_name}")
        if self.refused_total:
            parts.append(f"{self.refused_total} refused (another host or not http)")
        return "robots.txt: " + ", ".join(parts)


def plan_announced(
    urls: Iterable[str], hosts: tuple[str, ...], limit: int, *, max_refused: int | None = None
) -> AnnouncedPlan:
    """Choose which announced sitemaps to read.

    A sitemap is read only from a host the publisher's articles may live on (``hosts`` and
    their subdomains: the publisher's ``allowed_domains``, else its home page's host), since a
    robots.txt can name any URL at all. When news sitemaps are announced, only they are read:
    the others are archives, video or image sitemaps that a news crawl re-reads for nothing.

    Args:
        urls: the ``Sitemap:`` lines, in file order.
        hosts: the hosts the publisher's articles may live on.
        limit: sitemaps read at most.
        max_refused: refusals listed one by one at most (default: ``limit``); the rest are
            only counted, so a hostile robots.txt cannot fill the store.
    """
    unique = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    usable: list[str] = []
    refused: list[tuple[str, str]] = []
    for url in unique:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            refused.append((url, "not an http(s) URL"))
        elif not on_allowed_host(url, hosts):
            refused.append(
                (
                    url,
                    f"host {parts.hostname} is not one the publisher's articles may live on "
                    f"({', '.join(hosts)} and subdomains; allowed_domains adds others)",
                )
            )
        else:
            usable.append(url)
    news = [u for u in usable if looks_like_news(u)]
    chosen = news or usable
    kept = max(limit, 0)
    shown = kept if max_refused is None else max(max_refused, 0)
    return AnnouncedPlan(
        announced=len(unique),
        take=tuple(chosen[:kept]),
        refused=tuple(refused[:shown]),
        not_news=len(usable) - len(chosen),
        over_limit=max(len(chosen) - kept, 0),
        refused_total=len(refused),
    )


class ListingBudget:
    """Listings read per publisher in one crawl: each URL once, a bounded number discovered.

    Feeds and sitemaps are counted apart, so a robots.txt announcing many sitemaps cannot crowd
    out the feeds of the home page. Declared listings are always read and never counted.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[str, set[str]] = {}
        self._used: dict[tuple[str, str], int] = {}

    def declare(self, publisher: str, url: str) -> None:
        """Note a declared listing, so that finding it again does not read it twice."""
        self._seen.setdefault(publisher, set()).add(url)

    def remaining(self, publisher: str, kind: str) -> int:
        """How many more ``kind`` listings the publisher may have read in this crawl."""
        return max(self.limit - self._used.get((publisher, kind), 0), 0)

    def admit(self, publisher: str, kind: str, url: str) -> str | None:
        """Take a discovered listing into the crawl; ``None`` when admitted, else why not."""
        seen = self._seen.setdefault(publisher, set())
        if url in seen:
            return "already read in this crawl"
        if self.remaining(publisher, kind) <= 0:
            return f"over the limit of {self.limit} discovered {kind}s per publisher"
        seen.add(url)
        self._used[(publisher, kind)] = self._used.get((publisher, kind), 0) + 1
        return None
