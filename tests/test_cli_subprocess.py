"""The CLI and ``scrapy crawl`` as a user runs them, in subprocesses."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SNAPSHOT, SnapshotServer

BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRAWLER_DB_URL": "", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_scrapy_crawl_seeds_replays_the_snapshot_into_a_store(tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    result = run(
        [
            str(BIN / "scrapy"),
            "crawl",
            "seeds",
            "-s",
            f"STORAGE_URL=sqlite:///{db}",
            "-s",
            f"REPLAY_SNAPSHOT={SNAPSHOT}",
        ],
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'storage/new-version'" in result.stderr
    with sqlite3.connect(db) as conn:
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM fetches GROUP BY outcome"))
        walls = conn.execute(
            "SELECT count(*) FROM fetches WHERE outcome = 'rejected' AND reason LIKE 'bot-wall%'"
        ).fetchone()[0]
    assert outcomes["new-version"] > 10
    assert walls >= 1


def test_scrapy_crawl_with_a_bad_seeds_file_fails_clearly_and_writes_nothing(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\npublisher = "X"\ntitle = "T"\nurl = "gopher://x.org/"\n')
    db = tmp_path / "never.db"
    result = run(
        [
            str(BIN / "scrapy"),
            "crawl",
            "seeds",
            "-a",
            f"seeds={bad}",
            "-s",
            f"STORAGE_URL=sqlite:///{db}",
        ],
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert f"{bad}: source #1 (gopher://x.org/): field 'url'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_crawler_crawl_with_a_bad_seeds_file_fails_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\npublisher = "X"\nurl = "https://x.org/"\n')
    db = tmp_path / "never.db"
    result = run([str(BIN / "crawler"), "crawl", str(bad), "--db", str(db)], cwd=tmp_path)
    assert result.returncode != 0
    assert "field 'title': is required" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("STORE_BATCH_SIZE=0", "STORE_BATCH_SIZE='0': expected an integer >= 1"),
        ("STORE_BATCH_SECONDS=-1", "STORE_BATCH_SECONDS='-1': expected a number >= 0"),
    ],
)
def test_a_bad_store_batch_setting_fails_clearly(tmp_path: Path, setting: str, named: str) -> None:
    db = tmp_path / "store.db"
    seeds = ROOT / "seeds" / "putin-india-visit.toml"
    command = [str(BIN / "crawler"), "crawl", str(seeds), "--db", str(db), "--snapshot"]
    result = run([*command, str(SNAPSHOT), "--set", setting], cwd=tmp_path)
    assert result.returncode == 2
    assert f"Error: Invalid value for '--set': {named}" in result.stderr
    assert "Traceback" not in result.stderr
    # refused before the crawl started: not even the store was created
    assert not db.exists()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["crawl"],
        ["serve-snapshot"],
        ["schedule"],
        ["workers"],
        ["listings"],
        ["config"],
    ],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = run([str(BIN / "crawler"), *command, "--help"], cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_python_dash_m_crawler_works_from_any_folder(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "crawler", "--version"], cwd=tmp_path)
    assert result.returncode == 0
    assert re.search(r"\d+\.\d+\.\d+", result.stdout)


def test_demo_crawls_twice_and_summarises(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run([str(BIN / "crawler"), "demo", "--db", str(db)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert str(db) in out
    for label in ("Sources", "Articles stored", "Versions", "Rejected pages", "Exact duplicates"):
        assert label in out
    assert "bot-wall" in out
    tries = out.split("Try:", 1)[1].strip().splitlines()
    assert len(tries) == 3
    assert tries[0].strip().startswith(f"sqlite3 {db}")
    assert "crawler diff https://" in tries[1]
    assert "Syndication     1 cluster" in out
    assert "partial-copy: Firstpost" in out
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT count(*) FROM crawl_runs WHERE status = 'finished'").fetchone()
        changed = conn.execute("SELECT count(*) FROM articles WHERE current_version = 2").fetchone()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()
        versions = conn.execute("SELECT count(*) FROM versions").fetchone()
    assert runs == (2,)
    assert changed[0] >= 2
    assert versions[0] == articles[0] + changed[0]
    match = re.search(r"Versions\s+(\d+)", out)
    assert match
    assert int(match.group(1)) == versions[0]


def test_demo_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    precious = tmp_path / "mine.db"
    precious.write_text("keep me")
    result = run([str(BIN / "crawler"), "demo", "--db", str(precious)], cwd=tmp_path)
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert precious.read_text() == "keep me"


def test_a_crawl_of_loopback_urls_says_how_to_allow_them(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    db = tmp_path / "guarded.db"
    result = run(
        [str(BIN / "crawler"), "crawl", str(seeds), "--db", str(db), "--log-level", "ERROR"],
        cwd=tmp_path,
    )
    # nothing reached a page: the crawl failed, and says how to allow the hosts
    assert result.returncode == 1, result.stderr[-2000:]
    assert ": failed:" in result.stdout
    assert "refused by the SSRF guard" in result.stderr
    assert "--set SSRF_ALLOW=127.0.0.1" in result.stderr
    with sqlite3.connect(db) as conn:
        reasons = [r[0] for r in conn.execute("SELECT reason FROM fetches")]
    assert reasons
    assert all("ssrf: 127.0.0.1 is loopback" in r for r in reasons)


def test_crawls_by_hand_share_the_warm_workers_of_crawler_workers(tmp_path: Path) -> None:
    sock = tmp_path / "workers.sock"
    log = tmp_path / "workers.log"
    with log.open("wb") as out:
        service = subprocess.Popen(
            [str(BIN / "crawler"), "workers", "--socket", str(sock)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):
            if sock.exists() or service.poll() is not None:
                break
            time.sleep(0.05)
        seeds = ROOT / "seeds" / "putin-india-visit.toml"
        for name in ("a", "b"):
            crawl = [str(BIN / "crawler"), "crawl", str(seeds), "--db", str(tmp_path / name)]
            crawl += ["--snapshot", str(SNAPSHOT), "--set", f"EXTRACT_POOL_SOCKET={sock}"]
            result = run(crawl, cwd=tmp_path)
            assert result.returncode == 0, result.stderr[-2000:]
            assert "no shared extraction workers" not in result.stderr
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0, log.read_text()
    text = log.read_text()
    assert text.count("extraction workers started:") == 1  # the second crawl found them warm
    pages = int(re.search(r"stopped after (\d+) pages", text).group(1))  # type: ignore[union-attr]
    assert pages > 20
    assert not sock.exists()


def test_crawler_workers_names_a_socket_it_cannot_open(tmp_path: Path) -> None:
    result = run(
        [str(BIN / "crawler"), "workers", "--socket", str(tmp_path / "no" / "w.sock")],
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert "w.sock: cannot listen there" in result.stderr
    assert "Traceback" not in result.stderr
