"""The extraction pool, driven from the asyncio reactor's loop as the Scrapy pipeline will drive it.

Misbehaving pages come from ``tests.test_workers_hooks:misbehave`` running in the workers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from crawler.extract import Article, ExtractOptions, Rejection, extract_article
from crawler.syndication import Sketch, Sketcher, SyndicationConfig
from crawler.workers import ExtractionPool, PoolClosedError, WorkerStartError
from tests.conftest import SNAPSHOT
from tests.realpages import realpages, require_realpages
from tests.test_workers_hooks import TARGET

SMALL_PAGE = (SNAPSHOT / "state-1" / "ap-indias-modi-will-meet-with-putin-on.html").read_text(
    encoding="utf-8"
)
SMALL_URL = "https://apnews.com/article/modi-putin"


def fault_pool(**kwargs: object) -> ExtractionPool:
    """A one-worker pool running the misbehaving target, cold (no warm-up: faster restarts)."""
    settings: dict[str, object] = {"size": 1, "timeout": 5.0, "target": TARGET, "warm": False}
    settings.update(kwargs)
    return ExtractionPool(**settings)  # type: ignore[arg-type]


def alive(pid: int) -> bool:
    """Whether ``pid`` exists at all, zombies included."""
    return Path(f"/proc/{pid}").exists()


async def replacement(pool: ExtractionPool, old: list[int]) -> list[int]:
    """The pool's workers once they differ from ``old`` (a page's result comes before the
    worker that died on it is replaced)."""
    for _ in range(500):
        pids = pool.worker_pids()
        if len(pids) == pool.size and not set(pids) & set(old):
            return pids
        await asyncio.sleep(0.02)
    raise AssertionError(f"workers {old} were not replaced")


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("extract-worker-")]


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Fail the test if it leaves worker threads, processes or file descriptors behind."""
    gc.collect()
    before = open_fds()
    children_before = set(child_pids())
    yield
    gc.collect()
    assert pool_threads() == []
    assert set(child_pids()) - children_before == set()
    # listdir's own descriptor may show up in either listing.
    assert len(open_fds() - before) <= 1


def child_pids() -> list[int]:
    """Live or zombie processes whose parent is this one."""
    pids = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) is in parentheses and may hold spaces: split after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            pids.append(int(entry))
    return pids


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_results_equal_extraction_in_process() -> None:
    require_realpages()
    pages = [(p.html, p.url) for p in realpages(150)]
    assert len(pages) >= 6
    pages += [
        (path.read_text(encoding="utf-8"), f"https://snapshot.test/{path.name}")
        for path in sorted((SNAPSHOT / "state-1").glob("*.html"))
    ]
    options = ExtractOptions(min_words=10)
    expected = [extract_article(html, url, options) for html, url in pages]
    async with ExtractionPool(2, options=options) as pool:
        got = await asyncio.gather(*(pool.extract(html, url) for html, url in pages))
        stats = pool.stats
    assert got == expected
    assert sum(isinstance(r, Article) for r in got) > len(pages) // 2
    assert stats.submitted == stats.completed == len(pages)
    assert stats.crashes == stats.timeouts == stats.memory_kills == stats.restarts == 0
    assert 0 < stats.peak_worker_rss_mb < 1024


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_a_hanging_page_is_killed_at_the_time_limit_and_the_pool_goes_on() -> None:
    # The limit is far above what a warm worker needs for the good page on a loaded machine:
    # only the hanging page may reach it.
    async with fault_pool(timeout=5.0) as pool:
        warm = await pool.extract(SMALL_PAGE, SMALL_URL)  # imports and models load once
        first_pid = pool.worker_pids()[0]
        hung, after = await asyncio.gather(
            pool.extract("<html></html>", "hook://hang"), pool.extract(SMALL_PAGE, SMALL_URL)
        )
        assert hung == Rejection("extractor-error", "timed out after 5 s")
        assert after == warm == extract_article(SMALL_PAGE, SMALL_URL)
        await replacement(pool, [first_pid])
        assert not alive(first_pid)
        stats = pool.stats
    assert (stats.timeouts, stats.restarts, stats.completed) == (1, 1, 3)


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
@pytest.mark.parametrize("hook", ["alloc-huge", "alloc-grow", "alloc-swallowed"])
async def test_a_page_over_the_memory_limit_is_rejected_and_the_pool_goes_on(hook: str) -> None:
    async with fault_pool(memory_mb=600) as pool:
        result = await pool.extract("<html></html>", f"hook://{hook}")
        assert result == Rejection("extractor-error", "memory limit of 600 MB exceeded")
        assert await pool.extract(SMALL_PAGE, SMALL_URL) == extract_article(SMALL_PAGE, SMALL_URL)
        stats = pool.stats
    assert (stats.memory_kills, stats.restarts, stats.crashes) == (1, 1, 0)


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_crashed_workers_are_replaced_and_their_pages_rejected() -> None:
    details = {
        "exit": "extraction worker crashed: exited with status 1",
        "segfault": "extraction worker crashed: killed by SIGSEGV",
        "raise": "RuntimeError: unexpected",
        "wrong-type": "target returned str, not Article or Rejection",
    }
    async with fault_pool() as pool:
        for hook, detail in details.items():
            before = pool.worker_pids()
            assert await pool.extract("", f"hook://{hook}") == Rejection("extractor-error", detail)
            await replacement(pool, before)
            assert not any(alive(pid) for pid in before)
        assert await pool.extract(SMALL_PAGE, SMALL_URL) == extract_article(SMALL_PAGE, SMALL_URL)
        stats = pool.stats
    assert (stats.crashes, stats.restarts, stats.completed) == (4, 4, 5)


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_extract_waits_while_max_pending_pages_are_in_the_pool() -> None:
    async with fault_pool(size=2, max_pending=3) as pool:
        tasks = [
            asyncio.ensure_future(pool.extract("<p>page</p>", "hook://sleep-0.05"))
            for _ in range(20)
        ]
        await asyncio.sleep(0.02)
        assert pool.stats.pending == pool.stats.submitted == 3
        results = await asyncio.gather(*tasks)
        stats = pool.stats
    assert all(r == Rejection("no-article", "slept sleep-0.05") for r in results)
    assert stats.peak_pending == 3
    assert stats.submitted == stats.completed == 20
    assert stats.pending == 0


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_workers_are_recycled_after_max_tasks() -> None:
    async with fault_pool(max_tasks_per_worker=3, reset_caches_every=2) as pool:
        pids = [await pool.extract("", "hook://pid") for _ in range(7)]
        stats = pool.stats
    assert len({r.detail for r in pids if isinstance(r, Rejection)}) == 3
    assert (stats.recycled, stats.restarts, stats.crashes) == (2, 2, 0)


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_a_cancelled_caller_does_not_wedge_the_pool() -> None:
    async with fault_pool(max_pending=1) as pool:
        task = asyncio.ensure_future(pool.extract("", "hook://sleep-0.3"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await pool.extract("", "hook://sleep-0") == Rejection("no-article", "slept sleep-0")
        assert pool.stats.pending == 0


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_close_now_fails_unfinished_pages_and_leaves_no_process() -> None:
    pool = fault_pool(size=2, timeout=60.0)
    await pool.start()
    pids = pool.worker_pids()
    tasks = [asyncio.ensure_future(pool.extract("", "hook://hang")) for _ in range(3)]
    await asyncio.sleep(0.2)
    pool.close_now()
    for task in tasks:
        with pytest.raises(PoolClosedError):
            await task
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(PoolClosedError):
        await pool.extract(SMALL_PAGE, SMALL_URL)


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_close_finishes_accepted_pages_then_stops_the_workers() -> None:
    pool = fault_pool(size=2)
    tasks = [asyncio.ensure_future(pool.extract("", "hook://sleep-0.1")) for _ in range(4)]
    await asyncio.sleep(0)
    await pool.start()
    pids = pool.worker_pids()
    await asyncio.sleep(0.05)
    await pool.close()
    assert all(
        r == Rejection("no-article", "slept sleep-0.1") for r in await asyncio.gather(*tasks)
    )
    assert not any(alive(pid) for pid in pids)
    await pool.close()  # closing twice is harmless


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"target": "tests.no_such_module:f"}, "ModuleNotFoundError"),
        ({"target": "no colon"}, "is not 'module:function'"),
        ({"memory_mb": 20}, "memory limit of 20 MB is below"),
    ],
)
async def test_a_worker_that_cannot_start_fails_start(
    settings: dict[str, object], message: str
) -> None:
    pool = fault_pool(size=2, **settings)
    with pytest.raises(WorkerStartError, match=message):
        await pool.start()
    with pytest.raises(PoolClosedError):
        await pool.extract("", "hook://pid")


@pytest.mark.parametrize(
    "settings",
    [{"size": 0}, {"timeout": 0}, {"max_pending": 0}, {"max_tasks_per_worker": 0}],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ExtractionPool(**settings)  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_leaks")
@deferred_f_from_coro_f
async def test_workers_sketch_articles_for_syndication_when_asked() -> None:
    config = SyndicationConfig(min_words=20)
    pages = [
        (path.read_text(encoding="utf-8"), f"https://snapshot.test/{path.name}")
        for path in sorted((SNAPSHOT / "state-1").glob("*.html"))[:4]
    ]
    async with ExtractionPool(1, sketch=dataclasses.asdict(config)) as pool:
        got = await asyncio.gather(*(pool.extract(html, url) for html, url in pages))
    async with ExtractionPool(1) as pool:
        plain = await pool.extract(*pages[0])
    articles = [a for a in got if isinstance(a, Article)]
    assert articles
    sketcher = Sketcher(config)
    for article in articles:
        assert article.sketch is not None
        made = Sketch.from_bytes(article.sketch, sketcher.params)
        here = Sketch(*sketcher.sketch(article.text))
        assert made.signature.to_bytes() == here.signature.to_bytes()
        assert np.array_equal(made.shingled.hashes, here.shingled.hashes)
    assert isinstance(plain, Article)
    assert plain.sketch is None
