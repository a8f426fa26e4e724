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
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler import defaults
from crawler.discovery import (
    FeedResult,
    RobotsRules,
    RobotsState,
    SitemapResult,
    discover_feed_links,
    parse_feed,
    parse_sitemap,
)
from crawler.discovery.collect import Discovered, allowed_hosts
from crawler.discovery.collect import select as select_articles
from crawler.discovery.listings import (
    ListingBudget,
    ListingOrigin,
    news_first,
    origin_of,
    plan_announced,
    probe_urls,
)
from crawler.errors import CrawlerError
from crawler.items import PageItem
from crawler.recrawl import RecrawlPolicy
from crawler.robots import StrictRobotsTxtMiddleware
from crawler.seeds import Collection, Publisher, load_seeds
from crawler.sniff import best_decoding, binary_reason
from crawler.stores import acquire_store, release_store
from crawler.textnorm import body_hash
from storage import FetchRecord, Outcome
from storage.frontier import FrontierStore, Lease, LeasedURL
from storage.listings import ListingRecord, ListingStore

logger = logging.getLogger(__name__)

# Error pages still reach the callback so that every fetch is recorded with its status;
# redirects (3xx) stay with the redirect middleware.
HANDLED_STATUSES = [304, *range(400, 600)]
# A probe that misses is an answer too (the next location is tried); redirects stay followed.
PROBE_STATUSES = list(range(400, 600))
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
        self._listings: ListingStore | None = None
        self.budget = ListingBudget(defaults.DISCOVERY_MAX_LISTINGS)
        self.probe_sitemaps = defaults.DISCOVERY_PROBE_SITEMAPS

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, SeedsSpider)
        settings = crawler.settings
        try:
            limit = settings.getint("DISCOVERY_MAX_LISTINGS", defaults.DISCOVERY_MAX_LISTINGS)
            probe = settings.getbool("DISCOVERY_PROBE_SITEMAPS", defaults.DISCOVERY_PROBE_SITEMAPS)
        except ValueError as exc:
            raise CrawlerError(f"DISCOVERY_MAX_LISTINGS/DISCOVERY_PROBE_SITEMAPS: {exc}") from exc
        if limit < 0:
            raise CrawlerError(f"DISCOVERY_MAX_LISTINGS must not be negative, not {limit}")
        spider.budget = ListingBudget(limit)
        spider.probe_sitemaps = probe
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
        discovering = [p for p in self.collection.publishers if not p.feeds and not p.sitemaps]
        # Every robots.txt is asked for at once; the declared listings go out meanwhile.
        lookups: dict[str, Deferred[RobotsRules]] = {}
        for publisher in discovering:
            origin = origin_of(publisher.home)
            if origin not in lookups:
                lookups[origin] = deferred_from_coro(self._robots_rules(origin))
        for publisher in self.collection.publishers:
            for request in self._declared_requests(publisher):
                yield request
        # A Deferred hands its result to one awaiting callback only: await each origin once.
        rules: dict[str, RobotsRules] = {}
        for publisher in discovering:
            origin = origin_of(publisher.home)
            if origin not in rules:
                rules[origin] = await maybe_deferred_to_future(lookups[origin])
            for request in self._discovery_requests(publisher, rules[origin]):
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

    def _declared_requests(self, publisher: Publisher) -> list[Request]:
        """Requests for the feeds and sitemaps a publisher's seeds entry declares."""
        listings = [(url, "feed") for url in publisher.feeds]
        listings += [(url, "sitemap") for url in publisher.sitemaps]
        for url, _kind in listings:
            self.budget.declare(publisher.name, url)
        return [
            self._listing_request(url, publisher, kind, ListingOrigin.DECLARED, None)
            for url, kind in listings
        ]

    async def _robots_rules(self, origin: str) -> RobotsRules:
        """The robots.txt of ``origin``, from the politeness middleware when it runs.

        The middleware fetches each robots.txt once for its rules and keeps it: asking it here
        costs no second fetch, whichever of the two asks first.
        """
        middleware = self.crawler.get_downloader_middleware(StrictRobotsTxtMiddleware)
        if middleware is not None:
            return await middleware.rules_for(origin)
        # ROBOTSTXT_OBEY is off: nothing else reads robots.txt, but its Sitemap lines still count.
        engine = self.crawler.engine
        assert engine is not None  # start() runs while the engine crawls
        request = Request(
            f"{origin}/robots.txt",
            callback=NO_CALLBACK,
            dont_filter=True,
            meta={"dont_obey_robotstxt": True},
        )
        try:
            response = await engine.download_async(request)
        except Exception as exc:
            # a transport failure or a refusal by another middleware: no sitemaps from there
            return RobotsRules.unreachable(f"{type(exc).__name__}: {exc}".strip(": "))
        return RobotsRules.from_response(response.status, response.body)

    def _discovery_requests(self, publisher: Publisher, rules: RobotsRules) -> list[Request]:
        """The home page (for feed links), the sitemaps robots.txt announces, else a probe."""
        robots_url = f"{origin_of(publisher.home)}/robots.txt"
        plan = plan_announced(
            rules.sitemaps,
            allowed_hosts(publisher),
            self.budget.remaining(publisher.name, "sitemap"),
        )
        if plan.announced:
            self._record_listing(
                None, Outcome.DISCOVERED, plan.summary("DISCOVERY_MAX_LISTINGS"), url=robots_url
            )
        if plan.refused_total:
            self._inc("discovery/sitemap_refused", plan.refused_total)
        self._note_listings(
            [
                ListingRecord(
                    publisher.name, url, "sitemap", ListingOrigin.ROBOTS, robots_url, "refused", why
                )
                for url, why in plan.refused
            ]
        )
        home = self._listing_request(publisher.home, publisher, "home", None, None)
        home.meta["sitemaps_announced"] = len(plan.take)
        requests = [home]
        for url in plan.take:
            if self.budget.admit(publisher.name, "sitemap", url) is None:
                requests.append(
                    self._listing_request(
                        url, publisher, "sitemap", ListingOrigin.ROBOTS, robots_url
                    )
                )
        if (
            self.probe_sitemaps
            and not plan.announced
            and rules.state is not RobotsState.DISALLOW_ALL
        ):
            requests.append(self._probe_request(publisher, 0))
        return requests

    def _listing_request(
        self,
        url: str,
        publisher: Publisher,
        kind: str,
        origin: ListingOrigin | None,
        found_on: str | None,
    ) -> Request:
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.on_listing_error,
            dont_filter=True,
            meta={
                "publisher": publisher,
                "listing": kind,
                "listing_url": url,
                "origin": origin,
                "found_on": found_on,
            },
        )

    def _probe_request(self, publisher: Publisher, step: int) -> Request:
        self._inc("discovery/probe")
        url = probe_urls(publisher.home)[step]
        return Request(
            url,
            callback=self.parse_probe,
            errback=self.on_probe_error,
            dont_filter=True,
            meta={
                "publisher": publisher,
                "listing": "sitemap",
                "listing_url": url,
                "origin": ListingOrigin.PROBED,
                "found_on": None,
                "probe": step,
                "handle_httpstatus_list": PROBE_STATUSES,
            },
        )

    def parse_listing(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """Read a feed, a sitemap or a home page; new article URLs enter the frontier."""
        publisher: Publisher = response.meta["publisher"]
        kind: str = response.meta["listing"]
        if kind == "home":
            yield from self._read_home(response, publisher)
            return
        listing: FeedResult | SitemapResult
        if kind == "feed":
            listing = parse_feed(response.body, response.url, _header(response, b"Content-Type"))
        else:
            listing = parse_sitemap(response.body, response.url, since=self.collection.since)
        yield from self._read_listing(response, publisher, kind, listing)

    def parse_probe(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """A usual sitemap location: read it when it holds a sitemap, else try the next one."""
        publisher: Publisher = response.meta["publisher"]
        if response.status == 200:
            listing = parse_sitemap(response.body, response.url, since=self.collection.since)
            if listing.ok:
                self.budget.admit(publisher.name, "sitemap", response.meta["listing_url"])
                yield from self._read_listing(response, publisher, "sitemap", listing)
                return
            why = listing.reason or "not a sitemap"
        else:
            why = f"HTTP {response.status}"
        self._record_listing(response, Outcome.DISCOVERED, f"probe: no sitemap here ({why})")
        yield from self._next_probe(publisher, response.meta["probe"])

    def on_probe_error(self, failure: Failure) -> Iterator[Request]:
        request: Request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        self._record_listing(
            None, Outcome.DISCOVERED, f"probe: not fetched ({message})", url=request.url
        )
        yield from self._next_probe(request.meta["publisher"], request.meta["probe"])

    def _next_probe(self, publisher: Publisher, step: int) -> Iterator[Request]:
        if step + 1 < len(probe_urls(publisher.home)):
            yield self._probe_request(publisher, step + 1)

    def _read_home(self, response: Response, publisher: Publisher) -> Iterator[Request]:
        html = response.text if isinstance(response, TextResponse) else ""
        feeds = discover_feed_links(html, response.url)
        announced = int(response.meta.get("sitemaps_announced", 0))
        if not feeds:
            if announced:
                reason = f"home page: no feed link found; {announced} sitemaps from robots.txt"
                self._record_listing(response, Outcome.DISCOVERED, reason)
            else:
                self._record_listing(response, Outcome.ERROR, "home page: no feed link found")
            return
        requests, skipped = [], 0
        for url in feeds:
            if self.budget.admit(publisher.name, "feed", url) is None:
                requests.append(
                    self._listing_request(url, publisher, "feed", ListingOrigin.HOME, response.url)
                )
            else:
                skipped += 1
        self._record_listing(
            response,
            Outcome.DISCOVERED,
            f"home page: {len(feeds)} feeds"
            + (
                f", {skipped} not read (already read or over DISCOVERY_MAX_LISTINGS)"
                if skipped
                else ""
            ),
        )
        yield from requests

    def _read_listing(
        self,
        response: Response,
        publisher: Publisher,
        kind: str,
        listing: FeedResult | SitemapResult,
    ) -> Iterator[Request]:
        if not listing.ok:
            self._record_listing(response, Outcome.ERROR, f"{kind}: {listing.reason}")
            self._note_listing(response.meta, response.url, "error", listing.reason)
            return
        if isinstance(listing, SitemapResult) and listing.is_index:
            children = news_first(e.url for e in listing.entries)
            requests = []
            for url in children:
                if self.budget.admit(publisher.name, "sitemap", url) is None:
                    requests.append(
                        self._listing_request(
                            url, publisher, "sitemap", ListingOrigin.INDEX, response.url
                        )
                    )
            reason = f"sitemap index: {len(children)} sitemaps"
            if len(requests) < len(children):
                reason += (
                    f", {len(requests)} read, {len(children) - len(requests)} already read or "
                    "over DISCOVERY_MAX_LISTINGS"
                )
            self._record_listing(response, Outcome.DISCOVERED, reason)
            self._note_listing(response.meta, response.url, listing.outcome.value, reason)
            yield from requests
            return
        selection = select_articles(listing, self.collection, publisher)
        new = self._enter_frontier(publisher, selection.accepted)
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(selection.rejected.items()))
        reason = (
            f"{kind}: {len(listing.entries)} entries, {len(selection.accepted)} accepted, "
            f"{len(new)} new" + (f"; skipped {skipped}" if skipped else "")
        )
        self._record_listing(response, Outcome.DISCOVERED, reason)
        self._note_listing(response.meta, response.url, listing.outcome.value, reason)
        for leased in new:
            yield self._article_request(leased)

    def on_listing_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        reason = f"{failure.type.__name__}: {message}"  # type: ignore[union-attr]
        response = getattr(failure.value, "response", None)
        if isinstance(response, Response):
            # HttpError's own message leaves out which status it was
            reason = _http_error(response)
        self._record_listing(
            None, Outcome.ERROR, f"{request.meta['listing']}: {reason}", url=request.url
        )
        self._note_listing(request.meta, request.url, "error", reason)

    def _note_listing(
        self, meta: dict[str, Any], url: str, outcome: str, reason: str | None
    ) -> None:
        """Record what this crawl did with a feed or sitemap (a home page is neither)."""
        origin: ListingOrigin | None = meta.get("origin")
        if origin is None:
            return
        publisher: Publisher = meta["publisher"]
        self._note_listings(
            [
                ListingRecord(
                    publisher.name,
                    meta.get("listing_url") or url,
                    meta["listing"],
                    origin,
                    meta.get("found_on"),
                    outcome,
                    reason,
                )
            ]
        )

    def _note_listings(self, records: list[ListingRecord]) -> None:
        if self._listings is not None and records:
            self._listings.record(self.collection.name, records)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

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
        self._listings = ListingStore(self._frontier.store)
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
        self._listings = None

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
