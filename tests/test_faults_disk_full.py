"""The disk fills up while a crawl writes: a clear error, a clean stop, an intact store."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.conftest import ROOT, SnapshotServer
from tests.storecheck import assert_store_whole

DISK_KB = 640


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 640 KB file system (tmpfs), where the store runs out of room mid-crawl."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mount_cmd, umount_cmd = shutil.which("mount"), shutil.which("umount")
    if mount_cmd is None or umount_cmd is None:
        pytest.skip("mount and umount are not available here")
    done = subprocess.run(
        [mount_cmd, "-t", "tmpfs", "-o", f"size={DISK_KB}k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run([umount_cmd, str(mount)], check=True)


def test_a_full_disk_stops_the_crawl_cleanly_and_keeps_the_store(
    snapshot_server: SnapshotServer, small_disk: Path, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    db = small_disk / "full.db"
    Store(str(db)).close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            str(seeds),
            "--db",
            str(db),
            "--log-level",
            "ERROR",
            "--set",
            "SSRF_ALLOW=127.0.0.1",
            "--set",
            "DOWNLOAD_DELAY=0",
            "--set",
            "AUTOTHROTTLE_ENABLED=False",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    output = result.stdout + result.stderr
    assert "store write failed" in output
    assert "storage-error" in output
    copy = tmp_path / "copy.db"  # checked off the full disk, which has no room for a WAL
    shutil.copy(db, copy)
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + "-wal"))
    assert_store_whole(copy)
    with sqlite3.connect(copy) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM frontier").fetchone()[0]
    assert 0 < stored < total  # it stopped part-way, keeping what it had stored
