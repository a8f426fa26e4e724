"""A writer killed with SIGKILL at random moments leaves a consistent store."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from storage import Store
from tests.conftest import ROOT
from tests.storecheck import assert_store_whole

WRITER = """
import datetime as dt, sys
from crawler.textnorm import content_hash
from storage import FetchRecord, Store
from storage.repository import ContentRecord
store = Store(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    n += 1
    url = f"https://example.com/{n % 40}"
    text = f"Story {n % 40} in its version {n}. " + "Words of the article. " * 200
    store.record_fetch(
        FetchRecord(url=url, fetched_at=dt.datetime(2024, 1, 1) + dt.timedelta(seconds=n)),
        ContentRecord(content_hash(text), text, len(text.split()), title=f"T{n % 7}"),
    )
"""


def check_consistent(path: Path) -> None:
    assert_store_whole(path)
    with sqlite3.connect(path) as conn:
        indexed = conn.execute(
            "SELECT count(*) FROM versions_fts WHERE versions_fts MATCH 'article'"
        ).fetchone()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()
        assert indexed == articles


def test_sigkill_during_writes_leaves_a_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    rng = random.Random(20241125)
    for _trial in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
        check_consistent(path)
    store = Store(str(path))  # and it opens and takes writes again
    store.close()
    check_consistent(path)
