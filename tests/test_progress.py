"""Progress lines a person can read while a crawl runs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from crawler.progress import Progress, progress_of
from spiders.seeds import SeedsSpider
from tests.conftest import SnapshotServer
from tests.test_crawl_local_server import crawl_settings


def test_a_line_says_done_of_total_rate_problems_and_time_left() -> None:
    line = Progress(done=412, total=1032, rejected=2, errors=1, elapsed=11.2, rate=38.5).line()
    # 620 pages left at 38.5 pages/s
    assert line == (
        "412 of 1,032 pages (40%), 38.5 pages/s, 2 rejected, 1 errors, 11 s elapsed, "
        "about 16 s left"
    )


@pytest.mark.parametrize(
    ("progress", "expected_end"),
    [
        # total unknown: no share, no time left
        (
            Progress(50, 0, 0, 0, 75.0, 2.0),
            "50 pages, 2.0 pages/s, 0 rejected, 0 errors, 1 min 15 s elapsed",
        ),
        # stalled: no time left can be given
        (Progress(10, 100, 0, 0, 30.0, 0.0), "0 errors, 30 s elapsed"),
        # hours
        (Progress(1000, 100_000, 0, 0, 3600.0, 1.0), "about 27 h 30 min left"),
    ],
)
def test_a_line_leaves_out_what_is_not_known(progress: Progress, expected_end: str) -> None:
    assert progress.line().endswith(expected_end)


def test_the_rate_is_over_the_last_interval() -> None:
    stats = {"item_scraped_count": 90, "item_dropped_count": 10, "frontier/leased": 400}
    progress = progress_of(stats, elapsed=20.0, done_before=60, interval=10.0)
    assert (progress.done, progress.total, progress.rate) == (100, 400, 4.0)


@deferred_f_from_coro_f
async def test_a_crawl_logs_its_progress(
    snapshot_server: SnapshotServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    settings = crawl_settings(f"sqlite:///{tmp_path / 'crawl.db'}") | {
        "PROGRESS_INTERVAL": 0.05,
        "LOG_LEVEL": "INFO",
    }
    crawler = get_crawler(SeedsSpider, settings)
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        await crawler.crawl_async(seeds=str(seeds))
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.progress"]
    assert any(line.startswith("progress: ") and " of 30 pages (" in line for line in lines)
    assert lines[-1].startswith("finished: 30 of 30 pages (100%)")
    assert "left" not in lines[-1]
