"""From a parsed feed or sitemap to the article URLs a collection wants from one publisher."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.discovery.feeds import FeedResult
from crawler.discovery.filters import Candidate, CollectionFilter
from crawler.discovery.sitemaps import SitemapResult
from crawler.discovery.urls import amp_to_canonical
from crawler.seeds import Collection, Publisher


@dataclass(frozen=True, slots=True)
class Discovered:
    """An article URL found on a publisher, in canonical form, with what the listing said."""

    url: str
    title: str | None
    published: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Selection:
    """What a listing yielded for a collection: accepted articles and why others were not."""

    accepted: tuple[Discovered, ...]
    rejected: dict[str, int]


def publisher_filter(collection: Collection, publisher: Publisher) -> CollectionFilter:
    """The collection's limits combined with the publisher's own."""
    return CollectionFilter(
        since=collection.since,
        until=collection.until,
        include=collection.include + publisher.include,
        exclude=collection.exclude + publisher.exclude,
        keywords=publisher.keywords or collection.keywords,
    )


def allowed_hosts(publisher: Publisher) -> tuple[str, ...]:
    """Hosts (and their subdomains) the publisher's articles may live on."""
    if publisher.allowed_domains:
        return publisher.allowed_domains
    host = (urlsplit(publisher.home).hostname or "").lower()
    return (host.removeprefix("www."),)


def on_allowed_host(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``hosts`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in hosts)


def select(
    listing: FeedResult | SitemapResult, collection: Collection, publisher: Publisher
) -> Selection:
    """The listing's entries that the collection accepts, canonicalised and de-duplicated."""
    limits = publisher_filter(collection, publisher)
    hosts = allowed_hosts(publisher)
    accepted: dict[str, Discovered] = {}
    rejected: dict[str, int] = {}
    if isinstance(listing, FeedResult):
        items = [(e.url, e.title, e.summary, e.published) for e in listing.entries]
    else:
        items = [(e.url, e.news_title, None, e.date) for e in listing.entries]
    for raw_url, title, summary, published in items:
        url = amp_to_canonical(raw_url)
        if not on_allowed_host(url, hosts):
            rejected["off-site"] = rejected.get("off-site", 0) + 1
            continue
        ok, kind, _reason = limits.judge(Candidate(url, title, summary, published))
        if not ok:
            rejected[kind] = rejected.get(kind, 0) + 1
            continue
        accepted.setdefault(url, Discovered(url, title, published))
    return Selection(tuple(accepted.values()), rejected)
