"""Warm extraction workers shared across crawls: the service, its clients, and their fallbacks."""

from __future__ import annotations

import asyncio
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from crawler.extract import Article, ExtractOptions, extract_article
from crawler.workers import PoolClosedError
from crawler.workers.client import SharedPool, describe
from crawler.workers.service import PoolService, PoolServiceError, bind_socket
from crawler.workers.spec import PoolSpec
from spiders.seeds import SeedsSpider
from tests.conftest import SnapshotServer
from tests.test_crawl_local_server import crawl_settings, versions_by_url
from tests.test_workers_pool import SMALL_PAGE, SMALL_URL, alive

SPEC = PoolSpec(1, timeout=20.0)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[PoolService]:
    served = PoolService(tmp_path / "workers.sock", idle_seconds=60)
    served.start_in_thread()
    yield served
    served.stop()
    served.join(30)


async def extract_once(path: Path, spec: PoolSpec = SPEC) -> tuple[Article, bool]:
    """One crawl's worth of work: extract a page, disconnect; the article and whether shared."""
    async with SharedPool(path, spec) as pool:
        result = await pool.extract(SMALL_PAGE, SMALL_URL)
        shared = describe(pool)["shared"]
    assert isinstance(result, Article)
    return result, shared


@deferred_f_from_coro_f
async def test_workers_outlive_the_crawl_that_started_them(service: PoolService) -> None:
    first, shared = await extract_once(service.path)
    workers = service.worker_pids()
    second, shared_again = await extract_once(service.path)
    assert shared
    assert shared_again
    assert len(workers) == 1
    assert service.worker_pids() == workers  # the second crawl found them warm
    assert first == second == extract_article(SMALL_PAGE, SMALL_URL, ExtractOptions())
    assert service.pages == 2


@deferred_f_from_coro_f
async def test_crawls_with_other_extraction_settings_get_other_workers(
    service: PoolService,
) -> None:
    await extract_once(service.path)
    precise = PoolSpec(1, timeout=20.0, options=ExtractOptions(favor_precision=True))
    await extract_once(service.path, precise)
    assert len(service.worker_pids()) == 2


@deferred_f_from_coro_f
async def test_concurrent_pages_come_back_to_the_right_callers(service: PoolService) -> None:
    pages = [(SMALL_PAGE.replace("Modi", f"Modi{i}"), f"{SMALL_URL}/{i}") for i in range(6)]
    async with SharedPool(service.path, SPEC, max_pending=3) as pool:
        results = await asyncio.gather(*(pool.extract(html, url) for html, url in pages))
        assert pool.stats.peak_pending == 3
    for i, result in enumerate(results):
        assert isinstance(result, Article)
        assert f"Modi{i}" in result.text
        assert f"Modi{(i + 1) % 6}" not in result.text


@deferred_f_from_coro_f
async def test_no_service_means_workers_of_the_crawls_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with SharedPool(tmp_path / "nobody.sock", SPEC) as pool:
        result = await pool.extract(SMALL_PAGE, SMALL_URL)
        assert not describe(pool)["shared"]
    assert isinstance(result, Article)
    assert "no shared extraction workers at" in caplog.text
    assert "nobody.sock" in caplog.text


@deferred_f_from_coro_f
async def test_a_service_that_stops_mid_crawl_loses_no_page(service: PoolService) -> None:
    async with SharedPool(service.path, SPEC) as pool:
        assert isinstance(await pool.extract(SMALL_PAGE, SMALL_URL), Article)
        workers = service.worker_pids()
        pending = [
            asyncio.ensure_future(pool.extract(SMALL_PAGE, f"{SMALL_URL}/{i}")) for i in range(4)
        ]
        await asyncio.sleep(0)
        service.stop()
        results = await asyncio.gather(*pending)
        assert not pool.shared  # went on with workers of its own
        # each page counted once, wherever it was extracted
        assert pool.stats.submitted == pool.stats.completed == 5
    assert all(isinstance(r, Article) for r in results)
    with pytest.raises(PoolClosedError):
        await pool.extract(SMALL_PAGE, SMALL_URL)
    for _ in range(200):
        if not any(alive(pid) for pid in workers):
            break
        await asyncio.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


@deferred_f_from_coro_f
async def test_a_reply_the_crawl_cannot_read_leaves_no_page_waiting(tmp_path: Path) -> None:
    """A service of another version answers with a result this crawl cannot parse."""
    from crawler.workers import protocol

    async def confused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await protocol.read_frame(reader)
        writer.write(protocol.encode({"op": "ready", "workers": 1}))
        seen = 0
        while (frame := await protocol.read_frame(reader)) is not None:
            seen += 1
            if seen == 3:  # the others are never answered: the connection just stays open
                reply = {"op": "result", "id": frame[0]["id"], "result": {"kind": "newer"}}
                writer.write(protocol.encode(reply))
        writer.close()

    path = tmp_path / "confused.sock"
    server = await asyncio.start_unix_server(confused, str(path))
    try:
        async with SharedPool(path, SPEC, max_pending=100) as pool:
            pages = []
            for i in range(30):  # pages arrive one by one, as in a crawl
                pages.append(asyncio.ensure_future(pool.extract(SMALL_PAGE, f"{SMALL_URL}/{i}")))
                await asyncio.sleep(0)
            results = await asyncio.wait_for(asyncio.gather(*pages), 60)
            assert not pool.shared
            assert pool.stats.completed == 30
    finally:
        server.close()
    assert all(isinstance(r, Article) for r in results)


@deferred_f_from_coro_f
async def test_idle_workers_are_stopped(tmp_path: Path) -> None:
    served = PoolService(tmp_path / "idle.sock", idle_seconds=0.4)
    served.start_in_thread()
    try:
        await extract_once(served.path)
        workers = served.worker_pids()
        assert workers
        for _ in range(200):
            if not served.worker_pids() and not any(alive(pid) for pid in workers):
                break
            await asyncio.sleep(0.05)
        assert served.worker_pids() == []
        assert not any(alive(pid) for pid in workers)
        await extract_once(served.path)  # the next crawl starts them again
    finally:
        served.stop()
        served.join(30)


def test_a_bad_pool_spec_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="size must be a positive integer"):
        PoolSpec.from_dict({"size": 0})
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['colour'\]"):
        PoolSpec.from_dict({"colour": "red"})
    with pytest.raises(ValueError, match="timeout must be a number"):
        PoolSpec.from_dict({"timeout": "soon"})
    assert PoolSpec.from_dict(SPEC.to_dict()) == SPEC


@deferred_f_from_coro_f
async def test_a_bad_hello_gets_an_error_naming_the_field(service: PoolService) -> None:
    from crawler.workers import protocol

    reader, writer = await asyncio.open_unix_connection(str(service.path))
    writer.write(protocol.encode({"op": "hello", "pool": {"size": -1}}))
    answer = await protocol.read_frame(reader)
    writer.close()
    assert answer is not None
    assert answer[0]["op"] == "error"
    assert "size must be a positive integer" in answer[0]["detail"]


def test_the_socket_is_private_and_not_taken_twice(tmp_path: Path) -> None:
    path = tmp_path / "w.sock"
    listener = bind_socket(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with pytest.raises(PoolServiceError, match="another service already listens there"):
            bind_socket(path)
    finally:
        listener.close()
    # the service is gone but its socket file is left: the next one takes the path over
    bind_socket(path).close()
    stale = tmp_path / "stale.sock"
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(stale))
    leftover.close()
    bind_socket(stale).close()


def test_a_path_that_cannot_be_bound_is_named(tmp_path: Path) -> None:
    with pytest.raises(PoolServiceError, match=r"nodir/w\.sock: cannot listen there"):
        PoolService(tmp_path / "nodir" / "w.sock").start_in_thread()


@deferred_f_from_coro_f
async def test_crawls_extract_in_the_shared_workers(
    service: PoolService, snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    runs = []
    for name in ("a", "b"):
        db_url = f"sqlite:///{tmp_path / name}.db"
        settings = crawl_settings(db_url) | {"EXTRACT_POOL_SOCKET": str(service.path)}
        crawler = get_crawler(SeedsSpider, settings)
        await crawler.crawl_async(seeds=str(seeds))
        assert crawler.stats is not None
        runs.append((crawler.stats.get_stats(), versions_by_url(db_url), service.worker_pids()))
    (first, stored, workers), (second, stored_again, workers_again) = runs
    assert first["extract/pool/shared"] is True
    assert first["extract/article"] > 10
    assert first["extract/pool/submitted"] + second["extract/pool/submitted"] == service.pages
    assert first["syndication/sketched_in_worker"] == first["storage/new-version"]
    assert stored_again == stored  # a second store, filled by the same warm workers
    assert workers_again == workers
