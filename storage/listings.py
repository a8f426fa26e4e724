"""Listings: which feeds and sitemaps each publisher is read through, and where each came from.

One row per (collection, URL), updated by every crawl that reads or refuses the listing, so the
table says what the last crawl did while ``first_seen`` keeps when it was first found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import models
from storage.queries import escape_like
from storage.repository import Store
from storage.types import utcnow

_LISTINGS = models.Base.metadata.tables["listings"]
_UPDATED = ("publisher", "kind", "origin", "found_on", "last_seen", "outcome", "reason")


def _upsert(insert: Callable[[Any], Any]) -> Insert:
    statement = insert(_LISTINGS)
    # first_seen is left out: a listing found again keeps the time it was first found.
    update = {name: statement.excluded[name] for name in _UPDATED}
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=[_LISTINGS.c.collection, _LISTINGS.c.url], set_=update
    )
    return upsert


# One statement per dialect: a plain read-then-write would race with another crawler process
# recording the same listing, and fail on the unique constraint.
_UPSERT = {"sqlite": _upsert(sqlite.insert), "postgresql": _upsert(postgresql.insert)}


@dataclass(frozen=True, slots=True)
class ListingRecord:
    """What one crawl learned about one feed or sitemap."""

    publisher: str
    url: str
    kind: str
    origin: str
    found_on: str | None
    outcome: str
    reason: str | None = None


class ListingStore:
    """Listing reads and writes on a :class:`~storage.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        dialect = store.engine.dialect.name
        if dialect not in _UPSERT:
            raise NotImplementedError(f"listings are not supported on {dialect}")
        self._upsert = _UPSERT[dialect]

    def record(
        self, collection: str, records: list[ListingRecord], now: dt.datetime | None = None
    ) -> None:
        """Insert or update ``records`` in one transaction."""
        if not records:
            return
        now = now or utcnow()
        rows = [
            {
                "collection": collection,
                "publisher": r.publisher,
                "url": r.url,
                "kind": r.kind,
                "origin": r.origin,
                "found_on": r.found_on,
                "first_seen": now,
                "last_seen": now,
                "outcome": r.outcome,
                "reason": r.reason,
            }
            for r in records
        ]
        with self.store.session() as session, session.begin():
            for row in rows:
                session.execute(self._upsert, row)


def list_listings(
    session: Session,
    *,
    collection: str | None = None,
    publisher: str | None = None,
    origin: str | None = None,
    limit: int = 100,
) -> list[models.Listing]:
    """Listings ordered by collection, publisher, origin and URL; ``limit`` 0 means all.

    ``publisher`` matches names containing it, in any case.
    """
    query = select(models.Listing)
    if collection is not None:
        query = query.where(models.Listing.collection == collection)
    if publisher:
        pattern = f"%{escape_like(publisher.lower())}%"
        query = query.where(func.lower(models.Listing.publisher).like(pattern, escape="\\"))
    if origin is not None:
        query = query.where(models.Listing.origin == origin)
    listing = models.Listing
    query = query.order_by(listing.collection, listing.publisher, listing.origin, listing.url)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
