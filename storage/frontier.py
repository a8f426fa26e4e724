"""The durable frontier: which URLs are due, who holds them, when they are due again.

Leasing is safe with several crawler processes on one database: SQLite serialises the leasing
transaction (``BEGIN IMMEDIATE``); PostgreSQL uses ``SELECT … FOR UPDATE SKIP LOCKED``. A lease
is released by the transaction that stores the fetch's result (:meth:`Store.record_fetch`); the
lease of a crawl that died expires and its URLs are leased again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update

from crawler.recrawl import RecrawlPolicy
from storage import models
from storage.leases import Lease
from storage.repository import Store
from storage.types import utcnow

__all__ = ["FrontierStore", "Lease", "LeasedURL"]


@dataclass(frozen=True, slots=True)
class LeasedURL:
    """A URL leased for fetching, with what a conditional request needs."""

    url: str
    publisher: str | None
    published_hint: dt.datetime | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None


class FrontierStore:
    """Frontier reads and writes on a :class:`~storage.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        collection: str,
        entries: list[tuple[str, str | None, str | None, dt.datetime | None]],
        policy: RecrawlPolicy,
        now: dt.datetime | None = None,
    ) -> list[str]:
        """Add ``(url, publisher, title, published)`` entries not yet known, due at once.

        Returns the URLs that were new.
        """
        now = now or utcnow()
        with self.store.session() as session, session.begin():
            known = set(
                session.scalars(
                    select(models.FrontierEntry.url).where(
                        models.FrontierEntry.collection == collection
                    )
                )
            )
            fresh = [e for e in dict.fromkeys(entries) if e[0] not in known]
            for url, publisher, title, published in fresh:
                session.add(
                    models.FrontierEntry(
                        collection=collection,
                        url=url,
                        publisher=publisher,
                        title_hint=title,
                        published_hint=published,
                        added_at=now,
                        next_due_at=now,
                        interval_seconds=policy.initial,
                        failures=0,
                    )
                )
        return [entry[0] for entry in fresh]

    def lease(
        self,
        collection: str,
        owner: str,
        *,
        due_only: bool = True,
        limit: int = 1000,
        lease_seconds: int = 3600,
        now: dt.datetime | None = None,
    ) -> list[LeasedURL]:
        """Lease up to ``limit`` URLs of ``collection`` that are due (or all, if not ``due_only``).

        URLs leased by another crawl are skipped until that lease expires.
        """
        now = now or utcnow()
        entry = models.FrontierEntry
        free = or_(entry.lease_owner.is_(None), entry.lease_expires_at < now)
        query = select(entry).where(entry.collection == collection, free)
        if due_only:
            query = query.where(entry.next_due_at <= now)
        query = query.order_by(entry.next_due_at, entry.id).limit(limit)
        with self.store.session() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.lease_owner = owner
                row.lease_expires_at = now + dt.timedelta(seconds=lease_seconds)
            return [
                LeasedURL(
                    r.url, r.publisher, r.published_hint, r.etag, r.last_modified, r.body_hash
                )
                for r in rows
            ]

    def mark_updated(
        self,
        collection: str,
        updates: list[tuple[str, dt.datetime]],
        now: dt.datetime | None = None,
    ) -> list[str]:
        """Make known URLs due now when a listing dates them after their last fetch.

        A sitemap's ``lastmod`` (or a feed's date) newer than the URL's last fetch means the
        article changed: it is fetched in this crawl instead of waiting for its interval.
        Returns the URLs made due.
        """
        now = now or utcnow()
        entry = models.FrontierEntry
        due: list[str] = []
        with self.store.session() as session, session.begin():
            for start in range(0, len(updates), 500):
                chunk = dict(updates[start : start + 500])
                rows = session.scalars(
                    select(entry).where(
                        entry.collection == collection,
                        entry.url.in_(list(chunk)),
                        entry.next_due_at > now,
                        entry.last_fetched_at.is_not(None),
                    )
                )
                for row in rows:
                    if row.last_fetched_at is not None and chunk[row.url] > row.last_fetched_at:
                        row.next_due_at = now
                        due.append(row.url)
        return due

    def lease_urls(
        self,
        collection: str,
        owner: str,
        urls: list[str],
        *,
        lease_seconds: int = 3600,
        now: dt.datetime | None = None,
    ) -> list[LeasedURL]:
        """Lease the given URLs of ``collection`` (those free and due), e.g. just discovered."""
        now = now or utcnow()
        entry = models.FrontierEntry
        free = or_(entry.lease_owner.is_(None), entry.lease_expires_at < now)
        leased: list[LeasedURL] = []
        with self.store.session() as session, session.begin():
            for start in range(0, len(urls), 500):
                query = select(entry).where(
                    entry.collection == collection,
                    entry.url.in_(urls[start : start + 500]),
                    entry.next_due_at <= now,
                    free,
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                for row in session.scalars(query):
                    row.lease_owner = owner
                    row.lease_expires_at = now + dt.timedelta(seconds=lease_seconds)
                    leased.append(
                        LeasedURL(
                            row.url,
                            row.publisher,
                            row.published_hint,
                            row.etag,
                            row.last_modified,
                            row.body_hash,
                        )
                    )
        return leased

    def release_all(self, owner: str) -> int:
        """Give back every lease ``owner`` still holds (URLs it never got to); due as before."""
        with self.store.session() as session, session.begin():
            result = session.execute(
                update(models.FrontierEntry)
                .where(models.FrontierEntry.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def due_count(self, collection: str, now: dt.datetime | None = None) -> int:
        """How many URLs of ``collection`` are due now."""
        now = now or utcnow()
        with self.store.reader() as session:
            return (
                session.scalar(
                    select(func.count()).where(
                        models.FrontierEntry.collection == collection,
                        models.FrontierEntry.next_due_at <= now,
                    )
                )
                or 0
            )
