"""Retries with backoff: 429 and 5xx answers wait before they are retried, as the server asks."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from typing import Self

from scrapy import Request
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
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", defaults.RETRY_BACKOFF_BASE)
        self.max_delay = settings.getfloat("RETRY_BACKOFF_MAX", defaults.RETRY_BACKOFF_MAX)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
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
        await asyncio.sleep(delay)
        return retry
