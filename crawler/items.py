"""The item that carries one fetched page through the pipelines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crawler.article import Article, Rejection


@dataclass(slots=True)
class PageItem:
    """A fetched page (or a failed fetch) and what the pipelines made of it.

    The spider fills the fetch fields; ``clean`` sets ``article`` or ``rejection``; ``dedup``
    sets ``content_hash`` and ``duplicate_of``; ``store`` sets ``outcome``, ``article_id`` and
    ``version``; ``syndication`` sets ``cluster_id``.
    """

    url: str
    fetched_at: dt.datetime
    publisher: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    html: str | None = None
    size: int = 0
    body_hash: str | None = None
    duration_ms: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    seed_published: dt.datetime | None = None
    same_body: bool = False
    binary: str | None = None
    error: str | None = None
    article: Article | None = None
    rejection: Rejection | None = None
    content_hash: str | None = None
    duplicate_of: str | None = None
    outcome: str | None = None
    article_id: int | None = None
    version: int | None = None
    version_id: int | None = None
    cluster_id: int | None = None
