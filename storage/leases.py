"""Frontier leases: releasing a URL and scheduling its next fetch with the fetch's result."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select, update

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
        select(_FRONTIER.c.id, _FRONTIER.c.interval_seconds, _FRONTIER.c.failures).where(
            and_(
                _FRONTIER.c.collection == lease.collection,
                _FRONTIER.c.url == url,
                _FRONTIER.c.lease_owner == lease.owner,
            )
        )
    ).first()
    if row is None:
        return  # not leased by this crawl (expired and taken over, or a URL outside the frontier)
    change = change_of(outcome, reason, version)
    failures = row.failures + 1 if change is Change.FAILED else 0
    interval = lease.policy.next_interval(row.interval_seconds, change)
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_expires_at": None,
        "interval_seconds": interval,
        "next_due_at": fetched_at
        + dt.timedelta(seconds=lease.policy.delay(interval, change, failures)),
        "last_fetched_at": fetched_at,
        "last_outcome": outcome.value,
        "failures": failures,
    }
    if change is Change.CHANGED or (outcome == Outcome.NEW_VERSION):
        values["last_changed_at"] = fetched_at
    if outcome != Outcome.NOT_MODIFIED and change is not Change.FAILED:
        values |= {"etag": etag, "last_modified": last_modified, "body_hash": body_hash}
    conn.execute(update(_FRONTIER).where(_FRONTIER.c.id == row.id).values(values))
