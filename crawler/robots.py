"""RFC 9309 robots.txt for Scrapy: a drop-in replacement for ``RobotsTxtMiddleware``.

Differences from Scrapy's: a robots.txt answering 5xx (or 429), or not reachable at all, disallows
the whole origin instead of allowing it; redirects are followed by hand (at most
``ROBOTSTXT_MAX_REDIRECTS``, only to http(s)); rules are cached per origin for
``ROBOTSTXT_CACHE_SECONDS`` (failures for ``ROBOTSTXT_ERROR_CACHE_SECONDS``); and ``Crawl-delay``
becomes the delay of the origin's downloader slot. Refused requests fail with ``IgnoreRequest``
whose message (e.g. "robots.txt: disallowed") the request's errback can record.
"""

from __future__ import annotations

import logging
from typing import Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.discovery.robotstxt import DEFAULT_MAX_BYTES, RobotsCache, RobotsRules, RobotsState

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS = 24 * 3600.0
DEFAULT_ERROR_CACHE_SECONDS = 600.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_MAX_CRAWL_DELAY = 60.0


class StrictRobotsTxtMiddleware:
    """Obey robots.txt as RFC 9309 says, including its fail-closed rule and ``Crawl-delay``."""

    # Same as Scrapy's: robots.txt jumps the queue, since every other request waits on it.
    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        self.crawler = crawler
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get(
            "USER_AGENT", "Scrapy"
        )
        self.cache = RobotsCache(
            ttl=settings.getfloat("ROBOTSTXT_CACHE_SECONDS", DEFAULT_CACHE_SECONDS),
            error_ttl=settings.getfloat(
                "ROBOTSTXT_ERROR_CACHE_SECONDS", DEFAULT_ERROR_CACHE_SECONDS
            ),
        )
        self.max_redirects = settings.getint("ROBOTSTXT_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS)
        self.max_bytes = settings.getint("ROBOTSTXT_MAX_SIZE", DEFAULT_MAX_BYTES)
        self.obey_crawl_delay = settings.getbool("ROBOTSTXT_OBEY_CRAWL_DELAY", True)
        self.max_crawl_delay = settings.getfloat(
            "ROBOTSTXT_MAX_CRAWL_DELAY", DEFAULT_MAX_CRAWL_DELAY
        )
        self._pending: dict[str, list[Deferred[RobotsRules]]] = {}
        # Downloader slot key -> the Crawl-delay it must keep (AutoThrottle would lower it).
        self.slot_delays: dict[str, float] = {}
        crawler.signals.connect(self._response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from the crawler's settings; ``NotConfigured`` unless ``ROBOTSTXT_OBEY``."""
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Let the request through, or raise ``IgnoreRequest`` with the robots.txt reason."""
        if request.meta.get("dont_obey_robotstxt"):
            return
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return
        rules = await self.rules_for(f"{parts.scheme}://{parts.netloc}")
        self._apply_crawl_delay(request, rules)
        allowed, reason = rules.allowed(request.url, self.user_agent)
        if not allowed:
            self._inc("robotstxt/forbidden")
            self._inc(f"robotstxt/forbidden/{rules.state}")
            logger.debug("%s refused: %s", request, reason)
            raise IgnoreRequest(reason)

    async def rules_for(self, origin: str) -> RobotsRules:
        """The rules for ``scheme://host[:port]``, fetched once while concurrent callers wait."""
        cached = self.cache.get(origin)
        if cached is not None:
            return cached
        waiters = self._pending.get(origin)
        if waiters is not None:
            # One Deferred per waiter: a Deferred's result passes through its callbacks, so a
            # shared one would hand the second waiter whatever the first callback returned.
            waiter: Deferred[RobotsRules] = Deferred()
            waiters.append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._pending[origin] = []
        rules = RobotsRules.unreachable("robots.txt fetch was cancelled")
        try:
            rules = await self._fetch(origin)
        finally:
            # Even when cancelled at shutdown, nobody may be left waiting forever.
            self.cache.put(origin, rules)
            for waiting in self._pending.pop(origin):
                waiting.callback(rules)
        self._inc(f"robotstxt/result/{rules.state}")
        if rules.state is not RobotsState.PARSED:
            logger.info("robots.txt of %s: %s", origin, rules.reason)
        return rules

    async def _fetch(self, origin: str) -> RobotsRules:
        url = f"{origin}/robots.txt"
        for _hop in range(self.max_redirects + 1):
            self._inc("robotstxt/request_count")
            request = Request(
                url,
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True, "dont_redirect": True},
                callback=NO_CALLBACK,
                dont_filter=True,
            )
            try:
                response = await self._download(request)
            except IgnoreRequest as exc:
                # Another middleware refused it (offsite, address guard): the pages would follow.
                return RobotsRules.unreachable(f"refused: {exc}")
            except Exception as exc:
                # Any transport failure (refused, reset, timeout, DNS) means "unreachable".
                self._inc(f"robotstxt/exception_count/{type(exc).__name__}")
                return RobotsRules.unreachable(f"{type(exc).__name__}: {exc}".strip(": "))
            self._inc("robotstxt/response_count")
            self._inc(f"robotstxt/response_status_count/{response.status}")
            location = response.headers.get(b"Location")
            if 300 <= response.status < 400 and location:
                target = urljoin(response.url, location.decode("latin-1").strip())
                if urlsplit(target).scheme not in ("http", "https"):
                    return RobotsRules.unreachable(f"redirect to a non-http URL {target!r}")
                self._inc("robotstxt/redirect_count")
                url = target
                continue
            return RobotsRules.from_response(
                response.status, response.body, max_bytes=self.max_bytes
            )
        return RobotsRules.allow_all(
            f"more than {self.max_redirects} redirects, RFC 9309 treats robots.txt as unavailable"
        )

    async def _download(self, request: Request) -> Response:
        engine = self.crawler.engine
        assert engine is not None  # process_request only runs while the engine is crawling
        return await engine.download_async(request)

    def _apply_crawl_delay(self, request: Request, rules: RobotsRules) -> None:
        """Make the downloader slot of ``request`` wait at least the ``Crawl-delay``.

        The slot's ``delay`` is what Scrapy waits between two requests of a slot; jitter is set
        to 0 because the default ±50% would go below the delay asked for. ``DOWNLOAD_SLOTS``-style
        per-slot settings keep it when Scrapy drops an idle slot and creates it again.
        """
        delay = rules.crawl_delay(self.user_agent) if self.obey_crawl_delay else None
        engine = self.crawler.engine
        if not delay or engine is None:
            return
        delay = min(delay, self.max_crawl_delay)
        downloader = engine.downloader
        key = downloader.get_slot_key(request)
        if self.slot_delays.get(key, 0.0) < delay:
            self.slot_delays[key] = delay
            self._inc("robotstxt/crawl_delay_applied")
            logger.info("Crawl-delay %.1fs applied to download slot %s", delay, key)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        slot_settings["jitter"] = 0.0
        self._raise_slot_delay(key)

    def _response_downloaded(self, request: Request) -> None:
        # AutoThrottle adjusts the slot delay on this same signal (connected earlier, so it runs
        # first); raising it back here keeps the next request of the slot behind Crawl-delay.
        key = request.meta.get("download_slot")
        if isinstance(key, str):
            self._raise_slot_delay(key)

    def _raise_slot_delay(self, key: str) -> None:
        delay = self.slot_delays.get(key)
        engine = self.crawler.engine
        if delay is None or engine is None:
            return
        slot = engine.downloader.slots.get(key)
        if slot is not None:
            slot.jitter = 0.0
            slot.delay = max(slot.delay, delay)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
