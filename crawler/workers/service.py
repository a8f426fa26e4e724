"""Warm extraction workers shared by crawls, served on a Unix socket.

Each crawl process starts its own workers, and each new worker pays its set-up (imports,
trafilatura's and the language model's first use) before its first page. A ``PoolService`` keeps
the workers of finished crawls warm for the next ones: ``crawler schedule`` runs one for its
crawls, and ``crawler workers`` runs one for crawls started by hand with
``EXTRACT_POOL_SOCKET``.

A crawl connects, says which pool it needs (a ``PoolSpec``: crawls with equal specs share one),
then sends pages and gets results in the worker protocol's frames (``crawler.workers.protocol``),
tagged with an id because they come back in the order they finish. A pool without crawls is
closed after ``idle_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.article import Article
from crawler.errors import CrawlerError
from crawler.workers import protocol
from crawler.workers.pool import ExtractionPool, PoolClosedError, WorkerPoolError
from crawler.workers.spec import PoolSpec

logger = logging.getLogger(__name__)
DEFAULT_IDLE_SECONDS = 900.0


class PoolServiceError(CrawlerError):
    """The shared extraction pool cannot be served at the given path."""


@dataclass(slots=True)
class _Shared:
    pool: ExtractionPool
    clients: int = 0
    idle_since: float = field(default_factory=time.monotonic)


class PoolService:
    """Extraction pools kept warm across crawls, one per distinct ``PoolSpec``.

    Args:
        path: the Unix socket to listen on; only this user may connect to it.
        idle_seconds: how long a pool outlives its last crawl.
    """

    def __init__(self, path: str | Path, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        if not idle_seconds > 0:
            raise ValueError(f"idle_seconds must be positive, not {idle_seconds}")
        self.path = Path(path)
        self.idle_seconds = idle_seconds
        self._pools: dict[str, _Shared] = {}
        self._starting: dict[str, asyncio.Task[_Shared]] = {}
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_asked = threading.Event()
        self.pages = 0

    # -- running ---------------------------------------------------------------------------

    async def serve(self, started: threading.Event | None = None) -> None:
        """Serve until ``stop()``; then close every pool.

        Raises:
            PoolServiceError: the socket cannot be bound (another service holds it, say).
        """
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_asked.is_set():  # stop() came before the loop existed
            self._stop.set()
        listener = bind_socket(self.path)
        server = await asyncio.start_unix_server(self._client, sock=listener)
        reaper = asyncio.create_task(self._reap())
        logger.info("extraction workers served on %s", self.path)
        if started is not None:
            started.set()
        try:
            await self._stop.wait()
        finally:
            reaper.cancel()
            server.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            for task in list(self._starting.values()):
                task.cancel()
            # a pool that a crawl's hello started meanwhile is closed too
            while self._pools or self._starting:
                for key, shared in list(self._pools.items()):
                    del self._pools[key]
                    await shared.pool.close()
                await asyncio.sleep(0)
            await server.wait_closed()

    def stop(self) -> None:
        """Stop serving (from any thread; nothing happens once stopped)."""
        self._stop_asked.set()
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: already stopped
                self._loop.call_soon_threadsafe(self._stop.set)

    def start_in_thread(self, timeout: float = 10.0) -> None:
        """Serve from a thread of its own; returns once the socket listens.

        Raises:
            PoolServiceError: the socket could not be bound.
        """
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self.serve(started))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                started.set()

        self._thread = threading.Thread(target=run, name="extraction-service", daemon=True)
        self._thread.start()
        ready = started.wait(timeout)
        if failure and isinstance(failure[0], PoolServiceError):
            raise failure[0]
        if not ready or failure:
            self.stop()
            raise PoolServiceError(
                f"cannot serve extraction workers on {self.path}: "
                + (f"{type(failure[0]).__name__}: {failure[0]}" if failure else "timed out")
            )

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread of ``start_in_thread`` after ``stop()``."""
        if self._thread is not None:
            self._thread.join(timeout)

    def worker_pids(self) -> list[int]:
        """Process ids of every live worker of every pool."""
        return [pid for shared in list(self._pools.values()) for pid in shared.pool.worker_pids()]

    # -- one crawl -------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks: set[asyncio.Task[None]] = set()
        shared: _Shared | None = None
        try:
            hello = await protocol.read_frame(reader, protocol.MAX_REPLY_BYTES)
            if hello is None:
                return
            if hello[0].get("op") != "hello":
                raise protocol.ProtocolViolation("the first frame is not hello")
            try:
                if self._stop is not None and self._stop.is_set():
                    raise WorkerPoolError("the extraction service is stopping")
                spec = PoolSpec.from_dict(hello[0].get("pool"))
                shared = await self._pool_for(spec)
            except (ValueError, WorkerPoolError) as exc:
                writer.write(protocol.encode({"op": "error", "detail": str(exc)}))
                await writer.drain()
                return
            shared.clients += 1
            writer.write(protocol.encode({"op": "ready", "workers": shared.pool.size}))
            await writer.drain()
            while True:
                frame = await protocol.read_frame(reader, protocol.MAX_REPLY_BYTES)
                if frame is None or frame[0].get("op") != "extract":
                    return
                task = asyncio.create_task(self._extract(shared.pool, *frame, writer))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except (protocol.ChannelClosed, protocol.ProtocolViolation, ConnectionError) as exc:
            logger.warning("a crawl's connection ended: %s", exc)
        finally:
            for task in tasks:
                task.cancel()
            if shared is not None:
                shared.clients -= 1
                shared.idle_since = time.monotonic()
            writer.close()

    async def _extract(
        self,
        pool: ExtractionPool,
        header: dict[str, Any],
        body: bytes,
        writer: asyncio.StreamWriter,
    ) -> None:
        reply: dict[str, Any] = {"op": "result", "id": header.get("id")}
        sketch = b""
        try:
            result = await pool.extract(body.decode("utf-8", "surrogatepass"), str(header["url"]))
        except (PoolClosedError, KeyError, UnicodeDecodeError) as exc:
            reply["error"] = f"{type(exc).__name__}: {exc}"
        else:
            reply["result"] = protocol.result_to_dict(result)
            if isinstance(result, Article) and result.sketch:
                sketch = result.sketch
            self.pages += 1
        if not writer.is_closing():
            writer.write(protocol.encode(reply, sketch))
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def _pool_for(self, spec: PoolSpec) -> _Shared:
        key = spec.key()
        shared = self._pools.get(key)
        if shared is not None:
            return shared
        task = self._starting.get(key)
        if task is None:
            task = asyncio.create_task(self._start_pool(key, spec))
            self._starting[key] = task
        return await asyncio.shield(task)

    async def _start_pool(self, key: str, spec: PoolSpec) -> _Shared:
        try:
            pool = spec.make_pool()
            await pool.start()
            shared = _Shared(pool)
            self._pools[key] = shared
            logger.info("extraction workers started: %d, for %s", pool.size, key)
            return shared
        finally:
            del self._starting[key]

    async def _reap(self) -> None:
        """Close the pools no crawl has used for ``idle_seconds``."""
        while True:
            await asyncio.sleep(min(self.idle_seconds / 4, 5.0))
            now = time.monotonic()
            for key, shared in list(self._pools.items()):
                if shared.clients == 0 and now - shared.idle_since >= self.idle_seconds:
                    del self._pools[key]
                    logger.info("extraction workers idle for %.0f s: stopped", self.idle_seconds)
                    await shared.pool.close()


def bind_socket(path: Path) -> socket.socket:
    """A listening Unix socket at ``path`` that only this user can connect to.

    A socket file left by a service that is gone is replaced; one that answers is not.

    Raises:
        PoolServiceError: the path is served already, or cannot be bound.
    """
    try:
        if path.is_socket():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(path))
            except ConnectionRefusedError:
                path.unlink()  # nobody listens: left by a service that died
            else:
                raise PoolServiceError(f"{path}: another service already listens there")
            finally:
                probe.close()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # created private, not made private after others could connect (the umask is the
        # process's for this moment: the service starts before any job of the scheduler runs)
        old_umask = os.umask(0o177)
        try:
            listener.bind(str(path))
        except OSError:
            listener.close()
            raise
        finally:
            os.umask(old_umask)
    except OSError as exc:
        raise PoolServiceError(f"{path}: cannot listen there ({exc.strerror or exc})") from exc
    listener.listen(128)
    listener.setblocking(False)
    return listener
