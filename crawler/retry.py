"""Retries with backoff: 429 and 5xx answers wait before they are retried, as the server asks."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from typing import Self

from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

from crawler import defaults


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - (now or dt.datetime.now(dt.UTC))).total_seconds(), 0.0)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but a retry waits: ``Retry-After`` if given, else a backoff.

    Without ``Retry-After`` the n-th retry waits ``RETRY_BACKOFF_BASE * 2**n`` seconds. A wait
    longer than ``RETRY_BACKOFF_MAX`` is not made: the answer is recorded as it is, and the URL
    is due again later by the recrawl schedule.

    The wait is made through the site's download slot, never by sleeping here: a middleware
    that sleeps holds the download, and every other site of the crawl waits too. The slot's
    delay is raised to the wait (without jitter, which would make it shorter than asked), so
    the retry and the site's other requests come no sooner; the next answer that is not retried
    gives the slot its own delay back.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", defaults.RETRY_BACKOFF_BASE)
        self.max_delay = settings.getfloat("RETRY_BACKOFF_MAX", defaults.RETRY_BACKOFF_MAX)
        # slot key -> the (delay, jitter) the slot had before a backoff raised them
        self._raised: dict[str, tuple[float, float]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def _slot(self, request: Request) -> tuple[str, Slot] | None:
        key = request.meta.get("download_slot")
        engine = getattr(self.crawler, "engine", None)
        if key is None or engine is None:
            return None
        slot = engine.downloader.slots.get(key)
        return (key, slot) if slot is not None else None

    def _restore(self, request: Request) -> None:
        found = self._slot(request)
        if found is not None and found[0] in self._raised:
            key, slot = found
            slot.delay, slot.jitter = self._raised.pop(key)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            self._restore(request)
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = asked if asked is not None else self.base * 2 ** request.meta.get("retry_times", 0)
        stats = self.crawler.stats
        if delay > self.max_delay:
            if stats is not None:
                stats.inc_value("retry/wait_too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if stats is not None:
            stats.inc_value("retry/waited_ms", round(delay * 1000))
        found = self._slot(request)
        if found is None:
            # outside a running engine there is no slot to wait in
            await asyncio.sleep(delay)
            return retry
        key, slot = found
        self._raised.setdefault(key, (slot.delay, slot.jitter))
        slot.delay, slot.jitter = max(delay, self._raised[key][0]), 0.0
        return retry
