"""Grouped commits: many fetches per transaction, each stored whole or not at all."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from crawler.textnorm import content_hash
from crawler.writer import BatchWriter
from storage import FetchRecord, Outcome, Store, models
from storage.repository import ContentRecord

T0 = dt.datetime(2024, 7, 8, 9, 0)


def page(n: int, text: str | None = None) -> tuple[FetchRecord, ContentRecord]:
    body = text or f"Story number {n} says something of its own about the summit."
    return (
        FetchRecord(url=f"https://example.com/{n}", fetched_at=T0, http_status=200),
        ContentRecord(content_hash(body), body, len(body.split()), title=f"Story {n}"),
    )


def counts(store: Store) -> tuple[int, int, int]:
    with store.reader() as s:
        return (
            s.scalar(select(func.count()).select_from(models.Article)) or 0,
            s.scalar(select(func.count()).select_from(models.Version)) or 0,
            s.scalar(select(func.count()).select_from(models.Fetch)) or 0,
        )


def test_record_many_matches_one_by_one(db_url: str) -> None:
    store = Store(db_url)
    try:
        first = [(*page(n), None) for n in range(3)]
        again = [(*page(n), None) for n in range(2)] + [(*page(2, "A corrected story."), None)]
        results = store.record_many(first) + store.record_many(again)
        assert [r.outcome for r in results] == [Outcome.NEW_VERSION] * 3 + [
            Outcome.UNCHANGED,
            Outcome.UNCHANGED,
            Outcome.NEW_VERSION,
        ]
        assert results[-1].version == 2
        assert counts(store) == (3, 4, 6)
        # the same URL twice in one batch: the second sees the first
        twice = store.record_many([(*page(9), None), (*page(9, "Changed at once."), None)])
        assert [(r.outcome, r.version) for r in twice] == [
            (Outcome.NEW_VERSION, 1),
            (Outcome.NEW_VERSION, 2),
        ]
    finally:
        store.close()


def test_failed_batch_stores_nothing_of_it(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.record_many([(*page(0), None)])
        bad = FetchRecord(url=None, fetched_at=T0)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):
            store.record_many([(*page(1), None), (bad, None, None)])
        assert counts(store) == (1, 1, 1)
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_writer_groups_fetches_by_size_and_time(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    try:
        writer = BatchWriter(store, size=4, seconds=0.02)
        results = await asyncio.gather(*(writer.record(*page(n), None) for n in range(10)))
        # 4 + 4 by size, then the last 2 by time
        assert (writer.pending, writer.batches) == (0, 3)
        single = await writer.record(*page(10), None)  # alone: committed when its time is up
        assert writer.batches == 4
        assert [r.outcome for r in [*results, single]] == [Outcome.NEW_VERSION] * 11
        assert counts(store) == (11, 11, 11)
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_a_bad_fetch_in_a_batch_fails_alone(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    bad = FetchRecord(url=None, fetched_at=T0)  # type: ignore[arg-type]
    try:
        writer = BatchWriter(store, size=3, seconds=0.05)
        good = [writer.record(*page(n), None) for n in range(2)]
        results = await asyncio.gather(
            *good, writer.record(bad, None, None), return_exceptions=True
        )
        # the batch failed; its fetches were tried again one by one
        assert [getattr(r, "outcome", type(r)) for r in results] == [
            Outcome.NEW_VERSION,
            Outcome.NEW_VERSION,
            IntegrityError,
        ]
        assert writer.retried == 3
        alone = await asyncio.gather(writer.record(bad, None, None), return_exceptions=True)
        assert [type(r) for r in alone] == [IntegrityError]
        after = await writer.record(*page(5), None)  # the next batch is not affected
        assert after.outcome == Outcome.NEW_VERSION
        assert counts(store) == (3, 3, 3)
    finally:
        store.close()


@pytest.mark.parametrize(("size", "seconds"), [(0, 0.1), (8, -1.0)])
def test_writer_rejects_bad_settings(tmp_path: object, size: int, seconds: float) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    try:
        with pytest.raises(ValueError, match="batch"):
            BatchWriter(store, size=size, seconds=seconds)
    finally:
        store.close()


@deferred_f_from_coro_f
async def test_a_batch_failing_for_every_fetch_is_not_retried(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    # a store that refuses every write, as a full disk or a read-only file would
    store.engine.dispose()
    event.listen(store.engine, "connect", lambda conn, _: conn.execute("PRAGMA query_only = ON"))
    try:
        writer = BatchWriter(store, size=3, seconds=0.05)
        results = await asyncio.gather(
            *(writer.record(*page(n), None) for n in range(3)), return_exceptions=True
        )
        assert [type(r) for r in results] == [OperationalError] * 3
        assert writer.retried == 0
    finally:
        store.close()
