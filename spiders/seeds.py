"""The ``seeds`` spider: fetch the sources of a seeds file through the durable frontier."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from crawler import defaults
from crawler.discovery import (
    FeedResult,
    SitemapResult,
    discover_feed_links,
    parse_feed,
    parse_sitemap,
)
from crawler.discovery.collect import Discovered
from crawler.discovery.collect import select as select_articles
from crawler.items import PageItem
from crawler.recrawl import RecrawlPolicy
from crawler.seeds import Collection, Publisher, load_seeds
from crawler.sniff import best_decoding, binary_reason
from crawler.stores import acquire_store, release_store
from crawler.textnorm import body_hash
from storage import FetchRecord, Outcome
from storage.frontier import FrontierStore, Lease, LeasedURL

logger = logging.getLogger(__name__)

# Error pages still reach the callback so that every fetch is recorded with its status;
# redirects (3xx) stay with the redirect middleware.
HANDLED_STATUSES = [304, *range(400, 600)]
TRUE = ("1", "true", "yes", "on")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def recrawl_policy(crawler: Crawler) -> RecrawlPolicy:
    """The adaptive recrawl policy from the ``RECRAWL_*`` settings."""
    s = crawler.settings
    return RecrawlPolicy(
        initial=s.getint("RECRAWL_INITIAL_SECONDS", defaults.RECRAWL_INITIAL_SECONDS),
        minimum=s.getint("RECRAWL_MIN_SECONDS", defaults.RECRAWL_MIN_SECONDS),
        maximum=s.getint("RECRAWL_MAX_SECONDS", defaults.RECRAWL_MAX_SECONDS),
        grow=s.getfloat("RECRAWL_GROW", defaults.RECRAWL_GROW),
        shrink=s.getfloat("RECRAWL_SHRINK", defaults.RECRAWL_SHRINK),
        failure_backoff=s.getfloat("RECRAWL_FAILURE_BACKOFF", defaults.RECRAWL_FAILURE_BACKOFF),
    )


class SeedsSpider(Spider):
    """Fetch the sources of a seeds file (``-a seeds=PATH``, default: the bundled collection).

    With the store on, the sources enter the collection's frontier and the crawl leases them:
    all of them by default, or only those due (``-a due_only=1``, as scheduled crawls do).
    Requests carry the stored validators, so unchanged pages can answer ``304``.
    """

    name = "seeds"

    def __init__(
        self, seeds: str | None = None, due_only: str = "0", *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.collection: Collection = load_seeds(seeds)
        self.due_only = str(due_only).lower() in TRUE
        self.lease: Lease | None = None
        self._frontier: FrontierStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, SeedsSpider)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        try:
            leased_urls = self._lease()
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            logger.error("store write failed (%s): stopping the crawl", reason)
            raise CloseSpider("storage-error") from exc
        for leased in leased_urls:
            yield self._article_request(leased)
        for publisher in self.collection.publishers:
            for request in self._listing_requests(publisher):
                yield request

    def _article_request(self, leased: LeasedURL) -> Request:
        headers = {}
        if leased.etag:
            headers["If-None-Match"] = leased.etag
        if leased.last_modified:
            headers["If-Modified-Since"] = leased.last_modified
        return Request(
            leased.url,
            callback=self.parse,
            errback=self.on_error,
            dont_filter=True,
            headers=headers,
            meta={"source": leased, "handle_httpstatus_list": HANDLED_STATUSES},
        )

    def _listing_requests(self, publisher: Publisher) -> list[Request]:
        """Requests for a publisher's feeds and sitemaps (or its home page, to find feeds)."""
        listings = [(url, "feed") for url in publisher.feeds]
        listings += [(url, "sitemap") for url in publisher.sitemaps]
        if not listings:
            listings = [(publisher.home, "home")]
        return [self._listing_request(url, publisher, kind) for url, kind in listings]

    def _listing_request(self, url: str, publisher: Publisher, kind: str) -> Request:
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.on_listing_error,
            dont_filter=True,
            meta={"publisher": publisher, "listing": kind},
        )

    def parse_listing(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """Read a feed, a sitemap or a home page; new article URLs enter the frontier."""
        publisher: Publisher = response.meta["publisher"]
        kind: str = response.meta["listing"]
        content_type = _header(response, b"Content-Type")
        if kind == "home":
            html = response.text if isinstance(response, TextResponse) else ""
            feeds = discover_feed_links(html, response.url)
            if not feeds:
                self._record_listing(response, Outcome.ERROR, "home page: no feed link found")
                return
            self._record_listing(response, Outcome.DISCOVERED, f"home page: {len(feeds)} feeds")
            for url in feeds[
                : self.settings.getint("DISCOVERY_MAX_LISTINGS", defaults.DISCOVERY_MAX_LISTINGS)
            ]:
                yield self._listing_request(url, publisher, "feed")
            return
        listing: FeedResult | SitemapResult
        if kind == "feed":
            listing = parse_feed(response.body, response.url, content_type)
        else:
            listing = parse_sitemap(response.body, response.url, since=self.collection.since)
        if not listing.ok:
            self._record_listing(response, Outcome.ERROR, f"{kind}: {listing.reason}")
            return
        if isinstance(listing, SitemapResult) and listing.is_index:
            children = [e.url for e in listing.entries]
            limit = self.settings.getint("DISCOVERY_MAX_LISTINGS", defaults.DISCOVERY_MAX_LISTINGS)
            self._record_listing(
                response, Outcome.DISCOVERED, f"sitemap index: {len(children)} sitemaps"
            )
            for url in children[:limit]:
                yield self._listing_request(url, publisher, "sitemap")
            return
        selection = select_articles(listing, self.collection, publisher)
        new = self._enter_frontier(publisher, selection.accepted)
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(selection.rejected.items()))
        self._record_listing(
            response,
            Outcome.DISCOVERED,
            f"{kind}: {len(listing.entries)} entries, {len(selection.accepted)} accepted, "
            f"{len(new)} new" + (f"; skipped {skipped}" if skipped else ""),
        )
        for leased in new:
            yield self._article_request(leased)

    def on_listing_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        self._record_listing(
            None,
            Outcome.ERROR,
            f"{request.meta['listing']}: {failure.type.__name__}: {message}",  # type: ignore[union-attr]
            url=request.url,
        )

    def _enter_frontier(
        self, publisher: Publisher, found: tuple[Discovered, ...]
    ) -> list[LeasedURL]:
        """Add discovered URLs to the frontier and lease the new ones for this crawl."""
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("discovery/accepted", len(found))
        if self._frontier is None or self.lease is None:
            if stats is not None:
                stats.inc_value("frontier/leased", len(found))
            return [LeasedURL(d.url, publisher.name, d.published, None, None, None) for d in found]
        added = self._frontier.add(
            self.collection.name,
            [(d.url, publisher.name, d.title, d.published) for d in found],
            self.lease.policy,
        )
        updated = self._frontier.mark_updated(
            self.collection.name, [(d.url, d.published) for d in found if d.published]
        )
        if stats is not None:
            stats.inc_value("discovery/new", len(added))
            stats.inc_value("discovery/updated", len(updated))
        if not added and not updated:
            return []
        leased = self._frontier.lease_urls(
            self.collection.name,
            self.lease.owner,
            added + updated,
            lease_seconds=self.settings.getint(
                "FRONTIER_LEASE_SECONDS", defaults.FRONTIER_LEASE_SECONDS
            ),
        )
        if stats is not None:
            stats.inc_value("frontier/leased", len(leased))
        return leased

    def _record_listing(
        self,
        response: Response | None,
        outcome: Outcome,
        reason: str,
        url: str | None = None,
    ) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"discovery/{outcome.value}")
        log = logger.warning if outcome is Outcome.ERROR else logger.info
        log("%s: %s", url or (response.url if response else "?"), reason)
        if self._frontier is None:
            return
        run_id = stats.get_value("storage/run_id") if stats is not None else None
        self._frontier.store.record_fetch(
            FetchRecord(
                url=url or (response.url if response is not None else ""),
                fetched_at=_utcnow(),
                http_status=response.status if response is not None else None,
                bytes=len(response.body) if response is not None else 0,
                run_id=run_id,
                outcome=outcome,
                reason=reason,
            )
        )

    def _lease(self) -> list[LeasedURL]:
        sources = self.collection.sources
        if not self.settings.getbool("STORAGE_ENABLED", defaults.STORAGE_ENABLED):
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("frontier/leased", len(sources))
            return [LeasedURL(s.url, s.publisher, s.published, None, None, None) for s in sources]
        policy = recrawl_policy(self.crawler)
        self._frontier = FrontierStore(acquire_store(self.crawler))
        added = self._frontier.add(
            self.collection.name,
            [(s.url, s.publisher, s.title, s.published) for s in sources],
            policy,
        )
        self.lease = Lease(self.collection.name, Lease.new_owner(), policy)
        leased = self._frontier.lease(
            self.collection.name,
            self.lease.owner,
            due_only=self.due_only,
            limit=self.settings.getint("FRONTIER_BATCH", defaults.FRONTIER_BATCH),
            lease_seconds=self.settings.getint(
                "FRONTIER_LEASE_SECONDS", defaults.FRONTIER_LEASE_SECONDS
            ),
        )
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("frontier/added", len(added))
            stats.set_value("frontier/leased", len(leased))
        logger.info(
            "frontier %s: %d new URLs, %d leased (%s)",
            self.collection.name,
            len(added),
            len(leased),
            "due only" if self.due_only else "all",
        )
        return leased

    def _closed(self, spider: Spider) -> None:
        stats = self.crawler.stats
        refused = stats.get_value("ssrf/refused", 0) if stats is not None else 0
        if refused:
            logger.warning(
                "%d URLs were refused by the SSRF guard (loopback, private or other non-public "
                "addresses); to crawl such hosts on purpose, allow them with SSRF_ALLOW "
                "(e.g. -s SSRF_ALLOW=127.0.0.1)",
                refused,
            )
        if self._frontier is None or self.lease is None:
            return
        returned = self._frontier.release_all(self.lease.owner)
        if returned and self.crawler.stats is not None:
            self.crawler.stats.set_value("frontier/returned_unfetched", returned)
        release_store(self.crawler)
        self._frontier = None

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PageItem]:
        source: LeasedURL = response.meta["source"]
        status = response.status
        latency = response.meta.get("download_latency")
        digest = body_hash(response.body) if response.body else None
        same_body = status == 200 and digest is not None and digest == source.body_hash
        html = (
            best_decoding(response.body, response.text)
            if isinstance(response, TextResponse) and response.body and not same_body
            else None
        )
        yield PageItem(
            url=source.url,
            fetched_at=_utcnow(),
            publisher=source.publisher,
            final_url=response.url,
            http_status=status,
            content_type=_header(response, b"Content-Type"),
            html=html,
            binary=binary_reason(response.body, html) if response.body and not same_body else None,
            size=len(response.body),
            body_hash=digest if status != 304 else source.body_hash,
            duration_ms=round(latency * 1000) if latency is not None else None,
            etag=_header(response, b"ETag") or (source.etag if status == 304 else None),
            last_modified=_header(response, b"Last-Modified")
            or (source.last_modified if status == 304 else None),
            seed_published=source.published_hint,
            same_body=same_body,
            error=None if 200 <= status < 300 or status == 304 else _http_error(response),
        )

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        request: Request = failure.request  # type: ignore[attr-defined]
        source: LeasedURL = request.meta["source"]
        message = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        yield PageItem(
            url=source.url,
            fetched_at=_utcnow(),
            publisher=source.publisher,
            seed_published=source.published_hint,
            error=f"{failure.type.__name__}: {message}",  # type: ignore[union-attr]
        )


def _http_error(response: Response) -> str:
    retry_after = _header(response, b"Retry-After")
    suffix = f" (Retry-After: {retry_after})" if retry_after else ""
    return f"HTTP {response.status}{suffix}"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
