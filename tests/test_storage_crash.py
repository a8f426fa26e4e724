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
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT count(*) FROM versions v LEFT JOIN articles a ON a.id = v.article_id "
            "WHERE a.id IS NULL"
        ).fetchone()
        assert orphans == (0,)
        missing_current = conn.execute(
            "SELECT count(*) FROM articles a LEFT JOIN versions v ON v.article_id = a.id "
            "AND v.version = a.current_version WHERE v.id IS NULL"
        ).fetchone()
        assert missing_current == (0,)
        gaps = conn.execute(
            "SELECT count(*) FROM articles a WHERE a.current_version != "
            "(SELECT count(*) FROM versions v WHERE v.article_id = a.id)"
        ).fetchone()
        assert gaps == (0,)
        unrecorded = conn.execute(
            "SELECT count(*) FROM versions v LEFT JOIN fetches f ON f.version_id = v.id "
            "WHERE f.id IS NULL"
        ).fetchone()
        assert unrecorded == (0,)
        # rank 0: the index's own consistency (it holds current versions only, by design)
        conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")
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
