"""A pool of long-lived extraction processes with a time and a memory bound on every page.

Each worker process has one thread in the crawl process that owns it: the thread takes the next
page from a shared queue, writes it to the worker's stdin, waits for the reply with the page's
deadline, and hands the result to the asyncio loop with ``call_soon_threadsafe``. The loop only
ever awaits futures, so nothing a worker does (hang, crash, a 20 MB page) can block it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from crawler import defaults
from crawler.article import Article, ExtractOptions, Rejection
from crawler.errors import CrawlerError
from crawler.workers import protocol

DEFAULT_TARGET = "crawler.extract:extract_article"
# A worker pays ~2 s of set-up; allow for a loaded machine before calling it broken.
START_TIMEOUT = 120.0
# How long a worker told to quit may take before it is killed.
QUIT_GRACE = 5.0
# A worker that cannot be started is retried no faster than this.
RESPAWN_BACKOFF = 1.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class WorkerPoolError(CrawlerError):
    """The extraction pool cannot do what was asked."""


class PoolClosedError(WorkerPoolError):
    """The pool was closed before (or while) the page was extracted."""


class WorkerStartError(WorkerPoolError):
    """A worker process could not be started (bad target, memory limit below its needs, ...)."""


@dataclass(frozen=True, slots=True)
class PoolStats:
    """Counters of an extraction pool, as of one moment."""

    submitted: int = 0
    completed: int = 0
    timeouts: int = 0
    memory_kills: int = 0
    crashes: int = 0
    restarts: int = 0
    recycled: int = 0
    pending: int = 0
    peak_pending: int = 0
    peak_worker_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Job:
    html: str
    url: str
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Article | Rejection]
    cancelled: bool = False


class _Worker:
    """One worker process and the crawl process's ends of its pipes."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        assert proc.stdout is not None
        self.proc = proc
        self.fd_in = proc.stdin.fileno()
        self.fd_out = proc.stdout.fileno()
        os.set_blocking(self.fd_in, False)
        os.set_blocking(self.fd_out, False)
        self.tasks = 0
        self.killed = False

    def peak_rss_mb(self) -> float:
        """The worker's peak resident memory (VmHWM), 0 when unknown."""
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def kill(self) -> None:
        self.killed = True
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)

    def stop(self, grace: float) -> int:
        """Ask the worker to quit, kill it after ``grace`` s, reap it; its exit status."""
        if self.proc.poll() is None and grace > 0 and not self.killed:
            with contextlib.suppress(protocol.ChannelClosed, protocol.DeadlineExceeded):
                protocol.send(self.fd_in, {"op": "quit"}, deadline=time.monotonic() + grace)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(grace)
        self.kill()
        status = self.proc.wait()
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.stdout.close()
        return status


class _Slot:
    """A place for one worker, served by one thread of the crawl process."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.lock = threading.Lock()
        self.worker: _Worker | None = None
        self.thread: threading.Thread | None = None


class ExtractionPool:
    """Long-lived worker processes that run ``extract_article`` with hard bounds per page.

    Args:
        size: worker processes; ``None`` means the CPUs this process may run on.
        timeout: seconds a page may take; the worker is then killed and the page rejected.
        memory_mb: address-space limit of each worker (``RLIMIT_AS``), 0 for none.
        max_tasks_per_worker: pages after which a worker is replaced by a fresh one.
        max_pending: pages accepted but not finished (queued or running) before ``extract``
            waits; ``None`` means twice ``size``.
        options: extraction options passed to every call.
        target: ``module:function`` run on each page, with ``extract_article``'s signature
            (tests inject misbehaving functions here).
        reset_caches_every: pages between calls of ``trafilatura.meta.reset_caches()``.
        warm: extract a small page in each new worker before it takes real ones.
        sketch: the fields of a ``SyndicationConfig``: each article then comes back with its
            syndication sketch (``Article.sketch``), shingled and signed in the worker.
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        timeout: float = defaults.EXTRACT_TIMEOUT,
        memory_mb: int = defaults.EXTRACT_MEMORY_MB,
        max_tasks_per_worker: int = defaults.EXTRACT_MAX_TASKS_PER_WORKER,
        max_pending: int | None = None,
        options: ExtractOptions | None = None,
        target: str = DEFAULT_TARGET,
        reset_caches_every: int = 100,
        warm: bool = True,
        sketch: dict[str, Any] | None = None,
    ) -> None:
        self.size = size if size is not None else available_cpus()
        self.max_pending = max_pending if max_pending is not None else 2 * self.size
        for name, value in (
            ("size", self.size),
            ("max_tasks_per_worker", max_tasks_per_worker),
            ("max_pending", self.max_pending),
        ):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if memory_mb < 0 or reset_caches_every < 0:
            raise ValueError("memory_mb and reset_caches_every cannot be negative")
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_tasks_per_worker = max_tasks_per_worker
        self.options = options or ExtractOptions()
        self._config = {
            "target": target,
            "options": protocol.options_to_dict(self.options),
            "memory_mb": memory_mb,
            "timeout": timeout,
            "reset_caches_every": reset_caches_every,
            "warm": warm,
            "sketch": sketch,
        }
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._slots: list[_Slot] = []
        self._space = asyncio.Semaphore(self.max_pending)
        self._start_lock = asyncio.Lock()
        self._started = False
        self._closed = False
        self._stopping = threading.Event()
        self._counts_lock = threading.Lock()
        self._counts: dict[str, int] = dict.fromkeys(
            ("submitted", "completed", "timeouts", "memory_kills", "crashes", "restarts"), 0
        )
        self._counts.update(recycled=0, pending=0, peak_pending=0)
        self._peak_rss_mb = 0.0

    # -- public API ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start and warm every worker; returns once all are ready.

        Raises:
            WorkerStartError: a worker could not start (the pool is then closed).
            PoolClosedError: the pool was already closed.
        """
        async with self._start_lock:
            if self._closed:
                raise PoolClosedError("the extraction pool is closed")
            if self._started:
                return
            loop = asyncio.get_running_loop()
            readies: list[asyncio.Future[None]] = []
            for index in range(self.size):
                slot = _Slot(index)
                ready: asyncio.Future[None] = loop.create_future()
                slot.thread = threading.Thread(
                    target=self._serve,
                    args=(slot, ready),
                    name=f"extract-worker-{index}",
                    # A pool nobody closed must not keep the interpreter alive at exit; its
                    # workers then see their stdin close and exit by themselves.
                    daemon=True,
                )
                self._slots.append(slot)
                readies.append(ready)
                slot.thread.start()
            try:
                outcomes = await asyncio.gather(*readies, return_exceptions=True)
            except asyncio.CancelledError:
                self.close_now()
                raise
            errors = [o for o in outcomes if isinstance(o, BaseException)]
            if errors:
                self.close_now()
                raise errors[0]
            self._started = True

    async def extract(self, html: str, url: str) -> Article | Rejection:
        """Extract one page in a worker; waits while ``max_pending`` pages are in the pool.

        Raises:
            PoolClosedError: the pool was closed before the page could be extracted.
        """
        if not self._started:
            await self.start()
        await self._space.acquire()
        if self._closed:
            self._space.release()
            raise PoolClosedError("the extraction pool is closed")
        loop = asyncio.get_running_loop()
        job = _Job(html, url, loop, loop.create_future())
        with self._counts_lock:
            self._counts["submitted"] += 1
            self._counts["pending"] += 1
            pending = self._counts["pending"]
            self._counts["peak_pending"] = max(self._counts["peak_pending"], pending)
        self._jobs.put(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.cancelled = True
            raise

    @property
    def stats(self) -> PoolStats:
        """A snapshot of the pool's counters."""
        peak = self._peak_rss_mb
        for slot in self._slots:
            worker = slot.worker
            if worker is not None:
                peak = max(peak, worker.peak_rss_mb())
        with self._counts_lock:
            return PoolStats(**self._counts, peak_worker_rss_mb=round(peak, 1))

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [s.worker.proc.pid for s in self._slots if s.worker is not None]

    async def close(self) -> None:
        """Finish the pages already accepted, then stop every worker and thread."""
        self._closed = True
        threads = [s.thread for s in self._slots if s.thread is not None]
        for _ in threads:
            self._jobs.put(None)
        # The threads finish their pages and stop their workers (blocking calls): poll rather
        # than join so the loop keeps running meanwhile.
        while any(t.is_alive() for t in threads):
            await asyncio.sleep(0.02)
        self._join(threads)

    def close_now(self) -> None:
        """Kill every worker at once; pages not finished fail with ``PoolClosedError``."""
        self._closed = True
        self._stopping.set()
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._deliver(job, PoolClosedError("the extraction pool was closed"))
        threads = [s.thread for s in self._slots if s.thread is not None]
        for _ in threads:
            self._jobs.put(None)
        for slot in self._slots:
            with slot.lock:
                if slot.worker is not None:
                    slot.worker.kill()
        self._join(threads)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            await self.close()
        else:
            self.close_now()

    # -- worker threads --------------------------------------------------------------------

    def _serve(self, slot: _Slot, ready: asyncio.Future[None]) -> None:
        loop = ready.get_loop()
        try:
            self._spawn(slot)
        except WorkerStartError as exc:
            _call(loop, _settle, ready, exc)
        else:
            _call(loop, _settle, ready, None)
        while True:
            job = self._jobs.get()
            if job is None:
                break
            result, replace = self._run(slot, job)
            self._deliver(job, result)
            if replace and not self._stopping.is_set():
                self._retire(slot, grace=QUIT_GRACE)
                self._count("restarts")
                try:
                    self._spawn(slot)
                except WorkerStartError:
                    if not self._stopping.is_set():
                        time.sleep(RESPAWN_BACKOFF)  # the next page tries again
        self._retire(slot, grace=0 if self._stopping.is_set() else QUIT_GRACE)

    def _run(self, slot: _Slot, job: _Job) -> tuple[Article | Rejection | BaseException, bool]:
        """Extract one page in the slot's worker: the result, and whether to replace it."""
        if job.cancelled:
            return asyncio.CancelledError(), False
        if self._stopping.is_set():
            return PoolClosedError("the extraction pool was closed"), False
        if slot.worker is None:
            try:
                self._spawn(slot)
            except WorkerStartError as exc:
                return Rejection("extractor-error", f"no worker: {exc}"), False
        worker = slot.worker
        assert worker is not None
        body = job.html.encode("utf-8", "surrogatepass")
        deadline = time.monotonic() + self.timeout
        try:
            protocol.send(worker.fd_in, {"op": "extract", "url": job.url}, body, deadline)
            del body
            frame = protocol.receive(worker.fd_out, deadline, protocol.MAX_REPLY_BYTES)
            if frame is None:
                raise protocol.ChannelClosed("worker closed its output")
        except protocol.DeadlineExceeded:
            worker.kill()
            if self._stopping.is_set():
                return PoolClosedError("the extraction pool was closed"), False
            self._count("timeouts")
            return Rejection("extractor-error", f"timed out after {self.timeout:g} s"), True
        except (protocol.ChannelClosed, protocol.ProtocolViolation) as exc:
            if self._stopping.is_set():
                return PoolClosedError("the extraction pool was closed"), False
            return self._died(worker, exc), True
        worker.tasks += 1
        header = frame[0]
        outcome = header.get("outcome")
        if outcome == "ok":
            try:
                result = protocol.result_from_dict(header["result"], frame[1])
            except (KeyError, TypeError, protocol.ProtocolViolation) as exc:
                return self._died(worker, exc), True
            if worker.tasks >= self.max_tasks_per_worker:
                self._count("recycled")
                return result, True
            return result, False
        detail = str(header.get("detail", ""))
        self._count("memory_kills" if outcome == "memory" else "crashes")
        return Rejection("extractor-error", detail), True

    def _died(self, worker: _Worker, exc: Exception) -> Rejection:
        """Classify a worker that stopped answering, and the page's rejection."""
        if isinstance(exc, protocol.ProtocolViolation):
            worker.kill()
        try:
            status = worker.proc.wait(QUIT_GRACE)
        except subprocess.TimeoutExpired:
            worker.kill()
            status = worker.proc.wait()
        if status == protocol.MEMORY_EXIT or status == -signal.SIGKILL:
            # SIGKILL that the pool did not send comes from the kernel's OOM killer.
            self._count("memory_kills")
            return Rejection("extractor-error", f"memory limit of {self.memory_mb} MB exceeded")
        self._count("crashes")
        if status < 0:
            how = f"killed by {signal.Signals(-status).name}"
        elif isinstance(exc, protocol.ProtocolViolation):
            how = f"broke the protocol ({exc})"
        else:
            how = f"exited with status {status}"
        return Rejection("extractor-error", f"extraction worker crashed: {how}")

    def _spawn(self, slot: _Slot) -> None:
        """Start a worker in ``slot`` and wait until it is warm."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        # One worker per core already: a math library's own threads would only oversubscribe.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        with slot.lock:
            if self._stopping.is_set():
                raise WorkerStartError("the pool is closing")
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.workers.child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                close_fds=True,
            )
            worker = _Worker(proc)
            slot.worker = worker
        config = dict(self._config, sys_path=list(sys.path))
        deadline = time.monotonic() + START_TIMEOUT
        try:
            protocol.send(worker.fd_in, config, deadline=deadline)
            frame = protocol.receive(worker.fd_out, deadline, protocol.MAX_REPLY_BYTES)
        except (
            protocol.ChannelClosed,
            protocol.DeadlineExceeded,
            protocol.ProtocolViolation,
        ) as exc:
            self._retire(slot, grace=0)
            raise WorkerStartError(f"extraction worker did not start: {exc!r}") from None
        if frame is None or frame[0].get("op") != "ready":
            self._retire(slot, grace=0)
            detail = frame[0].get("detail") if frame else "it exited"
            raise WorkerStartError(f"extraction worker did not start: {detail}")

    def _retire(self, slot: _Slot, grace: float) -> None:
        with slot.lock:
            worker, slot.worker = slot.worker, None
        if worker is not None:
            self._peak_rss_mb = max(self._peak_rss_mb, worker.peak_rss_mb())
            worker.stop(grace)

    # -- results back on the loop ----------------------------------------------------------

    def _deliver(self, job: _Job, result: Article | Rejection | BaseException) -> None:
        _call(job.loop, self._finish, job, result)

    def _finish(self, job: _Job, result: Article | Rejection | BaseException) -> None:
        with self._counts_lock:
            self._counts["pending"] -= 1
            if not isinstance(result, BaseException):
                self._counts["completed"] += 1
        self._space.release()
        if job.future.done():
            return
        if isinstance(result, BaseException):
            job.future.set_exception(result)
        else:
            job.future.set_result(result)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self._counts[name] += 1

    def _join(self, threads: list[threading.Thread]) -> None:
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()


def _call(loop: asyncio.AbstractEventLoop, func: Any, *args: Any) -> None:
    """Run ``func(*args)`` on ``loop`` from a worker thread; dropped if the loop has closed."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(func, *args)


def _settle(future: asyncio.Future[None], exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is None:
        future.set_result(None)
    else:
        future.set_exception(exc)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
