"""Downloader middlewares."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response

from crawler import defaults
from crawler.snapshot import NOT_FOUND_BODY, Snapshot


class SnapshotReplayMiddleware:
    """Answer every request from an offline snapshot, with no network at all.

    Enabled by ``REPLAY_SNAPSHOT`` (a snapshot folder); ``REPLAY_STATE`` picks the state. A URL the
    snapshot lacks gets a 404, as a server would answer.
    """

    def __init__(self, snapshot: Snapshot, state: str, crawler: Crawler) -> None:
        self.snapshot = snapshot
        self.state = state
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("REPLAY_SNAPSHOT", defaults.REPLAY_SNAPSHOT)
        if not folder:
            raise NotConfigured  # no message: off is the normal case, not worth a warning
        snapshot = Snapshot.load(folder)
        state = str(crawler.settings.get("REPLAY_STATE", defaults.REPLAY_STATE))
        snapshot.page(snapshot.urls[0], state)  # validates the state now rather than per request
        return cls(snapshot, state, crawler)

    def process_request(self, request: Request) -> Response:
        page = self.snapshot.page(request.url, self.state)
        stats = self.crawler.stats
        if page is None:
            if stats:
                stats.inc_value("replay/missing")
            return HtmlResponse(
                request.url,
                status=404,
                body=NOT_FOUND_BODY,
                headers={"Content-Type": "text/html; charset=utf-8"},
                request=request,
            )
        if stats:
            stats.inc_value("replay/hit")
        return HtmlResponse(
            request.url,
            status=page.status,
            body=page.body,
            headers={"Content-Type": page.content_type},
            request=request,
        )
