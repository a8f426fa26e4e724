"""A crawl killed with SIGKILL at random moments, 20 times: the store stays whole every time,
and the next run completes what was due."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, SnapshotServer
from tests.storecheck import assert_store_whole

TRIALS = 20


def crawl_command(seeds: Path, db: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        str(seeds),
        "--db",
        str(db),
        "--due-only",
        "--log-level",
        "ERROR",
        "--set",
        "SSRF_ALLOW=127.0.0.1",
        "--set",
        "DOWNLOAD_DELAY=0",
        "--set",
        "AUTOTHROTTLE_ENABLED=False",
        "--set",
        "FRONTIER_LEASE_SECONDS=1",
        "--set",
        "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        *extra,
    ]


def test_twenty_sigkills_leave_a_whole_store_and_the_next_run_completes(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    db = tmp_path / "killed.db"
    rng = random.Random(7)
    for _trial in range(TRIALS):
        # every URL due at every trial, so each kill can land anywhere in a crawl
        crawl = subprocess.Popen(
            crawl_command(
                seeds, db, "--set", "RECRAWL_INITIAL_SECONDS=1", "--set", "RECRAWL_MIN_SECONDS=1"
            ),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 3.5))
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
        assert_store_whole(db)
    time.sleep(1.1)  # the killed crawls' leases expire
    done = subprocess.run(
        crawl_command(seeds, db), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert_store_whole(db)
    with sqlite3.connect(db) as conn:
        never = conn.execute(
            "SELECT count(*) FROM frontier WHERE last_fetched_at IS NULL"
        ).fetchone()
        held = conn.execute(
            "SELECT count(*) FROM frontier WHERE lease_owner IS NOT NULL"
        ).fetchone()
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert never == (0,)
    assert held == (0,)
    assert stored >= 25
