"""The ``seeds`` spider: re-fetch every source URL of a seeds file."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import PageItem
from crawler.seeds import Collection, Source, load_seeds
from crawler.textnorm import body_hash

# Error pages still reach the callback so that every fetch is recorded with its status;
# redirects (3xx) stay with the redirect middleware.
HANDLED_STATUSES = [304, *range(400, 600)]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class SeedsSpider(Spider):
    """Fetch each source of a seeds file (``-a seeds=PATH``, default: the bundled collection)."""

    name = "seeds"

    def __init__(self, seeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collection: Collection = load_seeds(seeds)

    async def start(self) -> AsyncIterator[Request]:
        for source in self.collection.sources:
            yield Request(
                source.url,
                callback=self.parse,
                errback=self.on_error,
                dont_filter=True,
                meta={"source": source, "handle_httpstatus_list": HANDLED_STATUSES},
            )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PageItem]:
        source: Source = response.meta["source"]
        status = response.status
        latency = response.meta.get("download_latency")
        yield PageItem(
            url=source.url,
            fetched_at=_utcnow(),
            publisher=source.publisher,
            final_url=response.url,
            http_status=status,
            content_type=_header(response, b"Content-Type"),
            html=response.text if isinstance(response, TextResponse) and response.body else None,
            size=len(response.body),
            body_hash=body_hash(response.body) if response.body else None,
            duration_ms=round(latency * 1000) if latency is not None else None,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            seed_published=source.published,
            error=None if 200 <= status < 300 or status == 304 else f"HTTP {status}",
        )

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        request: Request = failure.request  # type: ignore[attr-defined]
        source: Source = request.meta["source"]
        message = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        yield PageItem(
            url=source.url,
            fetched_at=_utcnow(),
            publisher=source.publisher,
            seed_published=source.published,
            error=f"{failure.type.__name__}: {message}",  # type: ignore[union-attr]
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
