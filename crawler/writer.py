"""Grouped commits: the crawl's fetch records, written a batch per transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, IntegrityError

from storage import FetchRecord, Store
from storage.leases import Lease
from storage.repository import ContentRecord, Entry, StoreResult


@dataclass(slots=True)
class _Batch:
    entries: list[Entry] = field(default_factory=list)
    waiters: list[asyncio.Future[StoreResult]] = field(default_factory=list)


class BatchWriter:
    """Record fetches in transactions of up to ``size`` fetches, or of what ``seconds`` gathered.

    A commit per page is what a crawl of fast-answering pages (``304``s, unchanged bodies) spends
    most of its time on, and SQLite's search index is flushed at every commit. Each fetch still
    lands whole or not at all: a batch is one transaction. When a batch fails on a constraint or
    a conflict with another crawler process, its fetches are tried again one transaction each,
    so that one bad fetch costs only itself; any other failure (a full disk, a lost connection)
    fails every fetch of the batch. A failed fetch fails its caller, and its lease expires so the
    URL is fetched again.
    """

    def __init__(self, store: Store, *, size: int, seconds: float) -> None:
        self.check(size, seconds)
        self.store = store
        self.size = size
        self.seconds = seconds
        self.batches = 0
        self.retried = 0
        self._batch = _Batch()
        self._timer: asyncio.TimerHandle | None = None

    @staticmethod
    def check(size: int, seconds: float) -> None:
        """Raise ``ValueError`` naming the bad value if ``size`` or ``seconds`` is unusable."""
        if size < 1:
            raise ValueError(f"batch size must be at least 1, not {size}")
        if not seconds >= 0:
            raise ValueError(f"batch seconds must not be negative, not {seconds}")

    @property
    def pending(self) -> int:
        """Fetches waiting for their transaction."""
        return len(self._batch.entries)

    async def record(
        self, fetch: FetchRecord, content: ContentRecord | None, lease: Lease | None
    ) -> StoreResult:
        """Record one fetch (see :meth:`Store.record_fetch`), once its batch is committed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[StoreResult] = loop.create_future()
        self._batch.entries.append((fetch, content, lease))
        self._batch.waiters.append(waiter)
        if len(self._batch.entries) >= self.size or self.seconds == 0:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.seconds, self.flush)
        return await waiter

    def flush(self) -> None:
        """Commit what is waiting now, in one transaction."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, _Batch()
        if not batch.entries:
            return
        self.batches += 1
        try:
            try:
                results = self.store.record_many(batch.entries)
            except Exception as exc:
                if len(batch.entries) > 1 and _one_fetch_may_be_at_fault(exc):
                    self.retried += len(batch.entries)
                    self._one_by_one(batch)
                else:
                    _fail(batch.waiters, exc)
                return
            _succeed(batch.waiters, results)
        except BaseException as exc:
            _fail(batch.waiters, exc)  # never leave a fetch waiting forever
            raise

    def _one_by_one(self, batch: _Batch) -> None:
        for entry, waiter in zip(batch.entries, batch.waiters, strict=True):
            try:
                result = self.store.record_fetch(*entry)
            except Exception as exc:
                _fail([waiter], exc)
            else:
                _succeed([waiter], [result])


def _one_fetch_may_be_at_fault(exc: Exception) -> bool:
    """Whether a failed batch is worth trying again fetch by fetch.

    Yes for a constraint one fetch broke, or a deadlock or serialization failure with another
    crawler process (PostgreSQL); no for what would fail every fetch again (a full disk, a lost
    connection, a locked database) or might have committed after all.
    """
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in (
        "40P01",  # deadlock_detected
        "40001",  # serialization_failure
    )


def _succeed(waiters: list[asyncio.Future[StoreResult]], results: list[StoreResult]) -> None:
    for waiter, result in zip(waiters, results, strict=True):
        if not waiter.done():
            waiter.set_result(result)


def _fail(waiters: list[asyncio.Future[StoreResult]], exc: BaseException) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_exception(exc)
