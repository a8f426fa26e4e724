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


def check_whole(db: Path) -> None:
    with sqlite3.connect(db, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        half_written = conn.execute(
            "SELECT count(*) FROM articles a LEFT JOIN versions v ON v.article_id = a.id "
            "AND v.version = a.current_version WHERE v.id IS NULL"
        ).fetchone()
        assert half_written == (0,)
        unrecorded = conn.execute(
            "SELECT count(*) FROM versions v LEFT JOIN fetches f ON f.version_id = v.id "
            "WHERE f.id IS NULL"
        ).fetchone()
        assert unrecorded == (0,)
        conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")


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
        check_whole(db)
    time.sleep(1.1)  # the killed crawls' leases expire
    done = subprocess.run(
        crawl_command(seeds, db), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    check_whole(db)
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
