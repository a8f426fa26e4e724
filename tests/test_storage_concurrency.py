"""Two processes writing one SQLite store at once: both finish, nothing is lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from storage import Store
from tests.conftest import ROOT

WRITER = """
import datetime as dt, sys
from crawler.textnorm import content_hash
from storage import FetchRecord, Store
from storage.repository import ContentRecord
store = Store(sys.argv[1])
name = sys.argv[2]
for n in range(150):
    url = f"https://example.com/shared/{n % 10}"
    text = f"{name} wrote version {n} of story {n % 10}. " + "More words follow here. " * 50
    store.record_fetch(
        FetchRecord(url=url, fetched_at=dt.datetime(2024, 1, 1) + dt.timedelta(seconds=n)),
        ContentRecord(content_hash(text), text, len(text.split())),
    )
print("done", flush=True)
"""


def test_two_writers_on_one_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    Store(str(path)).close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("scheduled", "manual")
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip() == "done"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM fetches").fetchone() == (300,)
        assert conn.execute("SELECT count(*) FROM versions").fetchone() == (300,)
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (10,)
        assert conn.execute("SELECT sum(current_version) FROM articles").fetchone() == (300,)
