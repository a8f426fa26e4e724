"""The repository: every write to the store goes through a method here, one transaction each."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import models
from storage.db import open_engine, resolve_db_url, safe_url
from storage.search import replace_indexed_version

if TYPE_CHECKING:
    from crawler.seeds import Collection


class Outcome(StrEnum):
    """What a fetch led to."""

    NEW_VERSION = "new-version"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not-modified"
    REJECTED = "rejected"
    ERROR = "error"


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


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What :meth:`Store.record_fetch` did."""

    outcome: Outcome
    article_id: int | None = None
    version: int | None = None


def utcnow() -> dt.datetime:
    """The current time in UTC, naive, as the store keeps all times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
        """A new ORM session on the store (for reads; writes use the methods below)."""
        return Session(self.engine, expire_on_commit=False)

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

    def finish_run(self, run_id: int, status: str) -> models.CrawlRun:
        """Close a crawl run, counting its fetches by outcome."""
        with self.session() as session, session.begin():
            run = session.get_one(models.CrawlRun, run_id)
            rows = session.execute(
                select(models.Fetch.outcome, func.count())
                .where(models.Fetch.run_id == run_id)
                .group_by(models.Fetch.outcome)
            )
            counts = {outcome: count for outcome, count in rows}
            run.finished_at = utcnow()
            run.status = status
            run.pages = sum(counts.values())
            run.new_versions = counts.get(Outcome.NEW_VERSION, 0)
            run.unchanged = counts.get(Outcome.UNCHANGED, 0) + counts.get(Outcome.NOT_MODIFIED, 0)
            run.rejected = counts.get(Outcome.REJECTED, 0)
            run.errors = counts.get(Outcome.ERROR, 0)
            return run

    def find_by_content_hash(self, content_hash: str, *, exclude_url: str) -> str | None:
        """URL of another article whose current version has this content hash, if any."""
        with self.session() as session:
            row = session.execute(
                select(models.Article.url)
                .join(models.Version, models.Version.article_id == models.Article.id)
                .where(
                    models.Version.content_hash == content_hash,
                    models.Version.version == models.Article.current_version,
                    models.Article.url != exclude_url,
                )
                .order_by(models.Article.first_seen, models.Article.id)
                .limit(1)
            ).first()
            return row[0] if row else None

    def record_fetch(self, fetch: FetchRecord, content: ContentRecord | None = None) -> StoreResult:
        """Record a fetch and, when its content changed, a new version: all or nothing.

        Without ``content`` the fetch is recorded with its own outcome (rejected, error, not
        modified). With ``content``, a version is appended only when the normalised text's hash
        or the title differs from the article's current version.
        """
        with self.session() as session, session.begin():
            article = session.scalars(
                select(models.Article).where(models.Article.url == fetch.url)
            ).one_or_none()
            version_row: models.Version | None = None
            if content is None:
                outcome = fetch.outcome or Outcome.ERROR
                if article is not None and outcome == Outcome.NOT_MODIFIED:
                    article.last_fetched = fetch.fetched_at
            else:
                if article is None:
                    article = models.Article(
                        url=fetch.url,
                        publisher=fetch.publisher,
                        first_seen=fetch.fetched_at,
                        last_fetched=fetch.fetched_at,
                        current_version=0,
                    )
                    session.add(article)
                    session.flush()
                current = None
                if article.current_version:
                    current = session.scalars(
                        select(models.Version).where(
                            models.Version.article_id == article.id,
                            models.Version.version == article.current_version,
                        )
                    ).one()
                article.last_fetched = fetch.fetched_at
                if fetch.publisher:
                    article.publisher = fetch.publisher
                if (
                    current is not None
                    and current.content_hash == content.content_hash
                    and current.title == content.title
                ):
                    outcome = Outcome.UNCHANGED
                else:
                    outcome = Outcome.NEW_VERSION
                    version_row = models.Version(
                        article_id=article.id,
                        version=article.current_version + 1,
                        fetched_at=fetch.fetched_at,
                        content_hash=content.content_hash,
                        title=content.title,
                        authors=json.dumps(list(content.authors)) if content.authors else None,
                        published=content.published,
                        language=content.language,
                        text=content.text,
                        word_count=content.word_count,
                        duplicate_of=content.duplicate_of,
                    )
                    session.add(version_row)
                    session.flush()
                    replace_indexed_version(session, current, version_row)
                    article.current_version = version_row.version
            session.add(
                models.Fetch(
                    run_id=fetch.run_id,
                    url=fetch.url,
                    article_id=article.id if article is not None else None,
                    version_id=version_row.id if version_row is not None else None,
                    fetched_at=fetch.fetched_at,
                    http_status=fetch.http_status,
                    bytes=fetch.bytes,
                    duration_ms=fetch.duration_ms,
                    outcome=outcome,
                    reason=fetch.reason,
                    body_hash=fetch.body_hash,
                    etag=fetch.etag,
                    last_modified=fetch.last_modified,
                )
            )
            return StoreResult(
                outcome=outcome,
                article_id=article.id if article is not None else None,
                version=version_row.version if version_row is not None else None,
            )
