"""A crawl says how it went: finished, degraded, failed or interrupted, and exits by it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.repository import run_status
from storage.types import Outcome
from tests.test_cli_subprocess import BIN, run


@pytest.mark.parametrize(
    ("reason", "counts", "status"),
    [
        ("finished", {Outcome.NEW_VERSION: 10, Outcome.ERROR: 2}, "finished"),
        ("finished", {}, "finished"),  # nothing was due
        ("finished", {Outcome.DISCOVERED: 5, Outcome.UNCHANGED: 1}, "finished"),
        ("finished", {Outcome.REJECTED: 3, Outcome.ERROR: 3}, "finished"),
        ("finished", {Outcome.UNCHANGED: 2, Outcome.ERROR: 3}, "degraded"),
        ("finished", {Outcome.ERROR: 30}, "failed"),
        ("closespider_itemcount", {Outcome.NEW_VERSION: 5}, "finished"),
        ("shutdown", {Outcome.NEW_VERSION: 5}, "interrupted"),
        ("closespider_timeout", {}, "interrupted"),
        ("cancelled", {Outcome.NEW_VERSION: 5}, "failed"),
    ],
)
def test_run_status(reason: str, counts: dict[str, int], status: str) -> None:
    assert run_status(reason, counts) == status


def test_a_crawl_that_reaches_no_host_fails_and_says_why(tmp_path: Path) -> None:
    # nothing listens on port 1: every connection is refused at once
    seeds = tmp_path / "down.toml"
    seeds.write_text(
        '[collection]\nname = "down"\n'
        + "".join(
            f'[[sources]]\npublisher = "P"\ntitle = "T"\nurl = "http://{host}:1/{n}"\n'
            for n, host in enumerate(["127.0.0.1", "localhost", "127.0.0.1"])
        )
    )
    db = tmp_path / "down.db"
    result = run(
        [
            *(str(BIN / "crawler"), "crawl", str(seeds), "--db", str(db)),
            *("--set", "SSRF_ALLOW=127.0.0.1,localhost", "--set", "RETRY_TIMES=0"),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "down: failed:" in result.stdout
    assert "no network? 2 of 2 hosts unreachable" in result.stderr
    assert "SSRF_ALLOW" not in result.stderr  # the hint cannot help here
    assert "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]
