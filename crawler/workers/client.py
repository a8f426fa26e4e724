"""A crawl's side of the shared extraction workers (``crawler.workers.service``).

``SharedPool`` has ``ExtractionPool``'s interface. When no service answers at the socket, or the
service goes away mid-crawl, the crawl starts workers of its own and goes on: pages in flight are
extracted again there, so none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from crawler.article import Article, Rejection
from crawler.workers import protocol
from crawler.workers.pool import ExtractionPool, PoolClosedError, PoolStats
from crawler.workers.spec import PoolSpec

logger = logging.getLogger(__name__)
# The service may have to start and warm the workers first.
CONNECT_TIMEOUT = 120.0


_BROKEN = (protocol.ChannelClosed, protocol.ProtocolViolation)


class _ServiceLost(Exception):
    """The shared service stopped answering."""


class SharedPool:
    """Extract pages in the warm workers of a ``PoolService``, or in workers of its own.

    Args:
        path: the service's Unix socket.
        spec: the pool this crawl needs; crawls with equal specs share workers.
        max_pending: pages in flight before ``extract`` waits; ``None`` means 4 x workers.
    """

    def __init__(self, path: str | Path, spec: PoolSpec, max_pending: int | None = None) -> None:
        self.path = Path(path)
        self.spec = spec
        self.max_pending = max_pending
        self._space: asyncio.Semaphore | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[Article | Rejection]] = {}
        self._ids = itertools.count(1)
        self._local: ExtractionPool | None = None
        self._lost: str | None = None  # why the connection to the service ended, once it has
        self._lock = asyncio.Lock()
        self._started = False
        self._closed = False
        self._active = 0  # extract() calls not finished
        self._counts = dict.fromkeys(("submitted", "completed", "pending", "peak_pending"), 0)

    @property
    def shared(self) -> bool:
        """Whether pages go to the shared service (not to workers of this crawl's own)."""
        return self._started and self._local is None

    async def start(self) -> None:
        """Connect to the service, or start workers of this crawl's own when it does not answer.

        Raises:
            PoolClosedError: the pool was closed.
            WorkerStartError: this crawl's own workers could not start.
        """
        async with self._lock:
            if self._closed:
                raise PoolClosedError("the extraction pool is closed")
            if self._started:
                return
            try:
                workers = await asyncio.wait_for(self._connect(), CONNECT_TIMEOUT)
            except (OSError, TimeoutError, *_BROKEN) as exc:
                logger.warning(
                    "no shared extraction workers at %s (%s): starting this crawl's own",
                    self.path,
                    exc,
                )
                await self._go_local()
                return
            self._space = asyncio.Semaphore(self.spec.crawl_pending(self.max_pending, workers))
            self._replies = asyncio.create_task(self._read_replies())
            self._started = True

    async def _connect(self) -> int:
        self._reader, self._writer = await asyncio.open_unix_connection(str(self.path))
        self._writer.write(protocol.encode({"op": "hello", "pool": self.spec.to_dict()}))
        await self._writer.drain()
        answer = await protocol.read_frame(self._reader, protocol.MAX_REPLY_BYTES)
        if answer is None:
            raise protocol.ChannelClosed("the service closed the connection")
        header = answer[0]
        if header.get("op") != "ready" or not isinstance(header.get("workers"), int):
            raise protocol.ProtocolViolation(str(header.get("detail") or header))
        logger.info("extracting in %d shared workers at %s", header["workers"], self.path)
        workers: int = header["workers"]
        return workers

    async def _go_local(self) -> None:
        """Continue with workers of this crawl's own (called under ``_lock``)."""
        if self._writer is not None:
            self._writer.close()
        self._local = self.spec.make_pool(self.spec.crawl_pending(self.max_pending))
        self._started = True
        await self._local.start()

    async def extract(self, html: str, url: str) -> Article | Rejection:
        """Extract one page; waits while ``max_pending`` pages are in flight.

        Raises:
            PoolClosedError: the pool was closed before the page could be extracted.
        """
        if self._closed:
            raise PoolClosedError("the extraction pool is closed")
        if not self._started:
            await self.start()
        self._active += 1
        try:
            if self._local is None:
                assert self._space is not None
                async with self._space:
                    try:
                        if self._local is None:  # another page may have switched meanwhile
                            return await self._remote(html, url)
                    except _ServiceLost as exc:
                        # pages in flight go on here, even while the crawl closes
                        async with self._lock:
                            if self._local is None:
                                logger.warning(
                                    "shared extraction workers lost (%s): starting this crawl's "
                                    "own",
                                    exc,
                                )
                                await self._go_local()
            assert self._local is not None
            return await self._local.extract(html, url)
        finally:
            self._active -= 1

    async def _remote(self, html: str, url: str) -> Article | Rejection:
        if self._closed:
            raise PoolClosedError("the extraction pool is closed")
        assert self._writer is not None
        ident = next(self._ids)
        future: asyncio.Future[Article | Rejection] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        if self._lost is not None:
            self._waiting.pop(ident)
            raise _ServiceLost(self._lost)
        self._counts["submitted"] += 1
        self._counts["pending"] += 1
        self._counts["peak_pending"] = max(self._counts["peak_pending"], self._counts["pending"])
        try:
            body = html.encode("utf-8", "surrogatepass")
            self._writer.write(protocol.encode({"op": "extract", "id": ident, "url": url}, body))
            del body
            try:
                await self._writer.drain()
            except ConnectionError as exc:
                raise _ServiceLost(str(exc)) from None
            try:
                result = await future
            except _ServiceLost:
                self._counts["submitted"] -= 1  # it is submitted again to this crawl's workers
                raise
            self._counts["completed"] += 1
            return result
        finally:
            self._counts["pending"] -= 1
            self._waiting.pop(ident, None)

    async def _read_replies(self) -> None:
        assert self._reader is not None
        problem = "the service closed the connection"
        try:
            while True:
                frame = await protocol.read_frame(self._reader, protocol.MAX_REPLY_BYTES)
                if frame is None:
                    break
                header, body = frame
                future = self._waiting.get(header.get("id", -1))
                if future is None or future.done():
                    continue
                if "result" not in header:
                    problem = str(header.get("error") or "no result")
                    future.set_exception(_ServiceLost(problem))
                    continue
                future.set_result(protocol.result_from_dict(header["result"], body))
        except (*_BROKEN, ConnectionError) as exc:
            problem = str(exc)
        finally:
            # nothing more will be read: later pages must not be sent, earlier ones go elsewhere
            self._lost = problem
            if self._writer is not None:
                self._writer.close()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(_ServiceLost(problem))

    @property
    def stats(self) -> PoolStats:
        """The counters of this crawl's pages (the shared workers' own are the service's)."""
        if self._local is None:
            return PoolStats(**self._counts)
        local = self._local.stats
        return dataclasses.replace(
            local,
            submitted=local.submitted + self._counts["submitted"],
            completed=local.completed + self._counts["completed"],
            peak_pending=max(local.peak_pending, self._counts["peak_pending"]),
        )

    async def close(self) -> None:
        """Finish the pages in flight, then disconnect (or close this crawl's own workers)."""
        async with self._lock:
            self._closed = True
        while self._active:
            await asyncio.sleep(0.02)
        await self._disconnect()
        if self._local is not None:
            await self._local.close()

    async def _disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._replies is not None:
            self._replies.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replies

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def describe(pool: ExtractionPool | SharedPool) -> dict[str, Any]:
    """A pool's counters for the crawl stats, with whether the workers were shared."""
    data = pool.stats.as_dict()
    data["shared"] = isinstance(pool, SharedPool) and pool.shared
    return data
