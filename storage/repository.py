"""The repository: every write to the store goes through a method here, in a transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, String, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from storage import models
from storage.db import READ_ONLY, open_engine, resolve_db_url, safe_url
from storage.leases import Lease, release_in
from storage.search import IndexedText, replace_indexed_version
from storage.types import Outcome, utcnow

if TYPE_CHECKING:
    from crawler.seeds import Collection


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One fetch attempt as the crawler saw it."""

    url: str
    fetched_at: dt.datetime
    http_status: int | None = None
    bytes: int = 0
    duration_ms: int | None = None
    publisher: str | None = None
    run_id: int | None = None
    body_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    outcome: Outcome | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ContentRecord:
    """The cleaned content a fetch produced, to be stored as a version if it changed."""

    content_hash: str
    text: str
    word_count: int
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: dt.datetime | None = None
    language: str | None = None
    duplicate_of: str | None = None
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What :meth:`Store.record_fetch` did."""

    outcome: Outcome
    article_id: int | None = None
    version: int | None = None
    version_id: int | None = None


_ARTICLES = models.Base.metadata.tables["articles"]
_VERSIONS = models.Base.metadata.tables["versions"]
_ALIASES = models.Base.metadata.tables["article_urls"]
_FIND_ARTICLE = select(_ARTICLES.c.id, _ARTICLES.c.current_version).where(
    _ARTICLES.c.url == bindparam("url")
)
_FIND_ALIAS = (
    select(_ARTICLES.c.id, _ARTICLES.c.current_version)
    .join(_ALIASES, _ALIASES.c.article_id == _ARTICLES.c.id)
    .where(_ALIASES.c.url == bindparam("url"))
)
_INSERT_ALIAS = insert(_ALIASES)
_TOUCH_ARTICLE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(last_fetched=bindparam("at"))
)
_UPDATE_ARTICLE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(
        last_fetched=bindparam("at"),
        publisher=func.coalesce(bindparam("publisher", type_=String), _ARTICLES.c.publisher),
        current_version=bindparam("current"),
    )
)
_INSERT_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
_CURRENT_VERSION = select(_VERSIONS.c.id, _VERSIONS.c.content_hash, _VERSIONS.c.title).where(
    _VERSIONS.c.article_id == bindparam("article_id"),
    _VERSIONS.c.version == bindparam("version"),
)
_INSERT_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
_INSERT_FETCH = insert(models.Base.metadata.tables["fetches"])
_BY_CONTENT_HASH = (
    select(_ARTICLES.c.url)
    .join(_VERSIONS, _VERSIONS.c.article_id == _ARTICLES.c.id)
    .where(
        _VERSIONS.c.content_hash == bindparam("hash"),
        _VERSIONS.c.version == _ARTICLES.c.current_version,
        _ARTICLES.c.url != bindparam("exclude"),
    )
    .order_by(_ARTICLES.c.first_seen, _ARTICLES.c.id)
    .limit(1)
)


# Scrapy's finish reasons of a crawl that was stopped before it was done: a signal (Ctrl-C, the
# scheduler's time limit) or CLOSESPIDER_TIMEOUT
INTERRUPTED_REASONS = frozenset({"shutdown", "closespider_timeout"})
# Reasons of a crawl that ran its course: to the end, or to a limit the user set on purpose
COMPLETED_REASONS = frozenset({"finished", "closespider_itemcount", "closespider_pagecount"})
# A crawl in which fewer than this share of fetches reached a page is degraded
DEGRADED_SHARE = 0.5


def run_status(finish_reason: str, counts: dict[str, int]) -> str:
    """How a crawl went: ``finished``, ``degraded``, ``failed`` or ``interrupted``.

    ``counts`` are its fetches by outcome. A fetch reached a page when it got an answer that was
    stored, unchanged or rejected as not an article; errors (network, HTTP, refusals) did not.
    A completed crawl none of whose fetches reached a page failed, and one in which fewer than
    ``DEGRADED_SHARE`` of them did is degraded. Any other finish reason is a failure.
    """
    if finish_reason in INTERRUPTED_REASONS:
        return "interrupted"
    if finish_reason not in COMPLETED_REASONS:
        return "failed"
    fetched = sum(n for outcome, n in counts.items() if outcome != Outcome.DISCOVERED)
    reached = sum(
        counts.get(o, 0)
        for o in (Outcome.NEW_VERSION, Outcome.UNCHANGED, Outcome.NOT_MODIFIED, Outcome.REJECTED)
    )
    if fetched and not reached:
        return "failed"
    if fetched and reached < DEGRADED_SHARE * fetched:
        return "degraded"
    return "finished"


class Store:
    """The article store behind one database URL."""

    def __init__(
        self, url: str | None = None, *, create: bool = True, migrate: bool | None = None
    ) -> None:
        self.url = resolve_db_url(url)
        self.engine = open_engine(self.url, create=create, migrate=migrate)

    @property
    def display_url(self) -> str:
        """The database URL with any password masked."""
        return safe_url(self.url)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def session(self) -> Session:
        """A new ORM session for a write transaction (``with store.session() as s, s.begin()``)."""
        return Session(self.engine, expire_on_commit=False)

    def reader(self) -> Session:
        """A new ORM session for reading: it never holds off writers, however long it reads."""
        return Session(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    def sync_sources(self, collection: Collection) -> int:
        """Record the sources of ``collection``; returns how many were new."""
        added = 0
        with self.session() as session, session.begin():
            known = set(
                session.scalars(
                    select(models.Source.url).where(models.Source.collection == collection.name)
                )
            )
            for source in collection.sources:
                if source.url in known:
                    continue
                session.add(
                    models.Source(
                        collection=collection.name,
                        publisher=source.publisher,
                        url=source.url,
                        title_hint=source.title,
                        published_hint=source.published,
                        url_verified=source.verified,
                    )
                )
                added += 1
        return added

    def start_run(self, collection: str) -> int:
        """Open a crawl run and return its id."""
        with self.session() as session, session.begin():
            run = models.CrawlRun(collection=collection, started_at=utcnow(), status="running")
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, finish_reason: str) -> models.CrawlRun:
        """Close a crawl run, counting its fetches by outcome; its status says how it went
        (:func:`run_status`)."""
        with self.session() as session, session.begin():
            run = session.get_one(models.CrawlRun, run_id)
            rows = session.execute(
                select(models.Fetch.outcome, func.count())
                .where(models.Fetch.run_id == run_id)
                .group_by(models.Fetch.outcome)
            )
            counts = {outcome: count for outcome, count in rows}
            run.finished_at = utcnow()
            run.status = run_status(finish_reason, counts)
            run.pages = sum(counts.values())
            run.new_versions = counts.get(Outcome.NEW_VERSION, 0)
            run.unchanged = counts.get(Outcome.UNCHANGED, 0) + counts.get(Outcome.NOT_MODIFIED, 0)
            run.rejected = counts.get(Outcome.REJECTED, 0)
            run.errors = counts.get(Outcome.ERROR, 0)
            return run

    def find_by_content_hash(self, content_hash: str, *, exclude_url: str) -> str | None:
        """URL of another article whose current version has this content hash, if any."""
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            return conn.execute(
                _BY_CONTENT_HASH, {"hash": content_hash, "exclude": exclude_url}
            ).scalar()

    def record_fetch(
        self,
        fetch: FetchRecord,
        content: ContentRecord | None = None,
        lease: Lease | None = None,
    ) -> StoreResult:
        """Record a fetch and, when its content changed, a new version: all or nothing.

        Without ``content`` the fetch is recorded with its own outcome (rejected, error, not
        modified, unchanged body). With ``content``, a version is appended only when the
        normalised text's hash or the title differs from the article's current version. With
        ``lease``, the URL's frontier lease is released and its next fetch scheduled in the same
        transaction.
        """
        with self.engine.begin() as conn:
            return _record(conn, fetch, content, lease)

    def record_many(self, entries: Sequence[Entry]) -> list[StoreResult]:
        """Record several fetches in one transaction: each as :meth:`record_fetch` would.

        The batch is all or nothing, so every article version in it is stored whole or not at
        all, and leases not released by a failed batch expire and their URLs are fetched again.
        One commit (and one flush of the search index) for many fetches is what lets a crawl
        keep up with a fast server.
        """
        if not entries:
            return []
        with self.engine.begin() as conn:
            return [_record(conn, fetch, content, lease) for fetch, content, lease in entries]


Entry = tuple[FetchRecord, "ContentRecord | None", "Lease | None"]
"""One fetch to record: what was fetched, its cleaned content if any, and the crawl's lease."""


def _record(
    conn: Connection, fetch: FetchRecord, content: ContentRecord | None, lease: Lease | None
) -> StoreResult:
    """Record one fetch inside the caller's transaction (see :meth:`Store.record_fetch`)."""
    # Prepared Core statements rather than the ORM unit of work: this is the crawl's hot
    # write path, and constant statements are compiled once per dialect.
    # The article's identity is its canonical URL when the page declares one on its own
    # site; the fetched URL is then kept as another URL of the same article.
    key = content.canonical_url if content is not None and content.canonical_url else fetch.url
    found = (
        conn.execute(_FIND_ARTICLE, {"url": key}).first()
        or conn.execute(_FIND_ALIAS, {"url": key}).first()
    )
    if found is None and key != fetch.url:
        found = (
            conn.execute(_FIND_ALIAS, {"url": fetch.url}).first()
            or conn.execute(_FIND_ARTICLE, {"url": fetch.url}).first()
        )
    article_id, current_number = (found[0], found[1]) if found else (None, 0)
    version_id: int | None = None
    new_number: int | None = None
    if content is None:
        outcome = fetch.outcome or Outcome.ERROR
        if article_id is not None and outcome in (Outcome.NOT_MODIFIED, Outcome.UNCHANGED):
            conn.execute(_TOUCH_ARTICLE, {"article": article_id, "at": fetch.fetched_at})
    else:
        if article_id is None:
            article_id = conn.execute(
                _INSERT_ARTICLE,
                {
                    "url": key,
                    "publisher": fetch.publisher,
                    "first_seen": fetch.fetched_at,
                    "last_fetched": fetch.fetched_at,
                    "current_version": 0,
                },
            ).scalar_one()
        if (
            key != fetch.url
            and not conn.execute(select(_ALIASES.c.url).where(_ALIASES.c.url == fetch.url)).first()
        ):
            conn.execute(
                _INSERT_ALIAS,
                {
                    "url": fetch.url,
                    "article_id": article_id,
                    "first_seen": fetch.fetched_at,
                },
            )
        current = None
        if current_number:
            current = conn.execute(
                _CURRENT_VERSION, {"article_id": article_id, "version": current_number}
            ).one()
        if (
            current is not None
            and current.content_hash == content.content_hash
            and current.title == content.title
        ):
            outcome = Outcome.UNCHANGED
        else:
            outcome = Outcome.NEW_VERSION
            new_number = current_number + 1
            version_id = conn.execute(
                _INSERT_VERSION,
                {
                    "article_id": article_id,
                    "version": new_number,
                    "fetched_at": fetch.fetched_at,
                    "content_hash": content.content_hash,
                    "title": content.title,
                    "authors": json.dumps(list(content.authors)) if content.authors else None,
                    "published": content.published,
                    "language": content.language,
                    "text": content.text,
                    "word_count": content.word_count,
                    "duplicate_of": content.duplicate_of,
                },
            ).scalar_one()
            replace_indexed_version(
                conn,
                current.id if current is not None else None,
                IndexedText(version_id, content.title, content.text),
            )
        conn.execute(
            _UPDATE_ARTICLE,
            {
                "article": article_id,
                "at": fetch.fetched_at,
                "publisher": fetch.publisher,
                "current": new_number or current_number,
            },
        )
    conn.execute(
        _INSERT_FETCH,
        {
            "run_id": fetch.run_id,
            "url": fetch.url,
            "article_id": article_id,
            "version_id": version_id,
            "fetched_at": fetch.fetched_at,
            "http_status": fetch.http_status,
            "bytes": fetch.bytes,
            "duration_ms": fetch.duration_ms,
            "outcome": outcome.value,
            "reason": fetch.reason,
            "body_hash": fetch.body_hash,
            "etag": fetch.etag,
            "last_modified": fetch.last_modified,
        },
    )
    if lease is not None:
        release_in(
            conn,
            lease,
            fetch.url,
            outcome,
            reason=fetch.reason,
            version=new_number,
            fetched_at=fetch.fetched_at,
            etag=fetch.etag,
            last_modified=fetch.last_modified,
            body_hash=fetch.body_hash,
        )
    return StoreResult(outcome, article_id, new_number, version_id)
