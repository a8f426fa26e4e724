"""Frontier leases: releasing a URL and scheduling its next fetch with the fetch's result."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, select, update

from crawler.recrawl import Change, RecrawlPolicy
from storage import models
from storage.types import Outcome

_FRONTIER = models.Base.metadata.tables["frontier"]


@dataclass(frozen=True, slots=True)
class Lease:
    """A crawl's hold on its URLs: who holds them, and the policy that schedules them next."""

    collection: str
    owner: str
    policy: RecrawlPolicy

    @staticmethod
    def new_owner() -> str:
        """A fresh lease owner id."""
        return uuid.uuid4().hex


def change_of(outcome: Outcome, reason: str | None, version: int | None) -> Change:
    """What a fetch's outcome means for the URL's schedule."""
    if outcome == Outcome.NEW_VERSION:
        return Change.CHANGED if (version or 0) > 1 else Change.UNCHANGED
    if outcome in (Outcome.UNCHANGED, Outcome.NOT_MODIFIED):
        return Change.UNCHANGED
    if outcome == Outcome.REJECTED and not (reason or "").startswith("bot-wall"):
        return Change.UNCHANGED  # the page is what it is; a bot wall may lift
    return Change.FAILED


_LEASED = select(
    _FRONTIER.c.id,
    _FRONTIER.c.interval_seconds,
    _FRONTIER.c.failures,
    _FRONTIER.c.last_changed_at,
    _FRONTIER.c.etag,
    _FRONTIER.c.last_modified,
    _FRONTIER.c.body_hash,
).where(
    and_(
        _FRONTIER.c.collection == bindparam("collection"),
        _FRONTIER.c.url == bindparam("url"),
        _FRONTIER.c.lease_owner == bindparam("owner"),
    )
)
# One constant statement (compiled once): columns that keep their value get it back. The lease
# owner is checked again, so a lease taken over since the SELECT is left to its new holder.
_RELEASE = (
    update(_FRONTIER)
    .where(_FRONTIER.c.id == bindparam("row"), _FRONTIER.c.lease_owner == bindparam("owner"))
    .values(
        lease_owner=None,
        lease_expires_at=None,
        interval_seconds=bindparam("interval"),
        next_due_at=bindparam("due"),
        last_fetched_at=bindparam("at"),
        last_outcome=bindparam("outcome"),
        failures=bindparam("failures"),
        last_changed_at=bindparam("changed"),
        etag=bindparam("etag"),
        last_modified=bindparam("last_modified"),
        body_hash=bindparam("body_hash"),
    )
)


def release_in(
    conn: Connection,
    lease: Lease,
    url: str,
    outcome: Outcome,
    *,
    reason: str | None,
    version: int | None,
    fetched_at: dt.datetime,
    etag: str | None,
    last_modified: str | None,
    body_hash: str | None,
) -> None:
    """Release ``url``'s lease and schedule it next, inside the caller's transaction."""
    row = conn.execute(
        _LEASED, {"collection": lease.collection, "url": url, "owner": lease.owner}
    ).first()
    if row is None:
        return  # not leased by this crawl (expired and taken over, or a URL outside the frontier)
    change = change_of(outcome, reason, version)
    failures = row.failures + 1 if change is Change.FAILED else 0
    interval = lease.policy.next_interval(row.interval_seconds, change)
    changed = change is Change.CHANGED or outcome == Outcome.NEW_VERSION
    keep_validators = outcome == Outcome.NOT_MODIFIED or change is Change.FAILED
    conn.execute(
        _RELEASE,
        {
            "row": row.id,
            "owner": lease.owner,
            "interval": interval,
            "due": fetched_at
            + dt.timedelta(seconds=lease.policy.delay(interval, change, failures)),
            "at": fetched_at,
            "outcome": outcome.value,
            "failures": failures,
            "changed": fetched_at if changed else row.last_changed_at,
            "etag": row.etag if keep_validators else etag,
            "last_modified": row.last_modified if keep_validators else last_modified,
            "body_hash": row.body_hash if keep_validators else body_hash,
        },
    )
