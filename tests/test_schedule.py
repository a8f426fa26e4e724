"""Scheduled crawls against the local snapshot server, with short intervals, in subprocesses."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.schedule.config import ScheduleError, load_schedule
from tests.conftest import ROOT, SnapshotServer

FAST = (
    "settings = { RECRAWL_INITIAL_SECONDS = 1, RECRAWL_MIN_SECONDS = 1, DOWNLOAD_DELAY = 0, "
    'AUTOTHROTTLE_ENABLED = "False", CONCURRENT_REQUESTS_PER_DOMAIN = 8, LOG_LEVEL = "WARNING", '
    'FRONTIER_LEASE_SECONDS = 1, SSRF_ALLOW = "127.0.0.1" }'
)


def write_schedule(folder: Path, seeds: Path, interval: str, timeout: str = "120s") -> Path:
    """A one-job schedule; leases of killed crawls expire after 1 s so the next run retries."""
    path = folder / "schedule.toml"
    path.write_text(
        "[scheduler]\nmisfire_grace_seconds = 60\nstop_grace_seconds = 2\n\n"
        f'[[jobs]]\nid = "local"\n'
        f'seeds = "{seeds}"\ninterval = "{interval}"\ntimeout = "{timeout}"\n{FAST}\n'
    )
    return path


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []  # tables not created yet


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def finished_runs(db: Path) -> int:
    rows = query(db, "SELECT count(*) FROM crawl_runs WHERE status = 'finished'")
    return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]


def start_scheduler(config: Path, db: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", "schedule", "--config", str(config), "--db", str(db)],
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_schedule_file_errors_name_the_job_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[jobs]]\nseeds = "putin-india-visit"\ninterval = "often"\n')
    with pytest.raises(ScheduleError, match=r"job #1: field 'interval': 'often' is not a duration"):
        load_schedule(bad)
    bad.write_text('[[jobs]]\nseeds = "putin-india-visit"\ncron = "61 * * * *"\n')
    with pytest.raises(ScheduleError, match="job #1: field 'cron'"):
        load_schedule(bad)
    bad.write_text('[[jobs]]\nseeds = "nowhere.toml"\ninterval = 60\n')
    with pytest.raises(ScheduleError, match="job #1: field 'seeds': no seeds file"):
        load_schedule(bad)
    bad.write_text('[[jobs]]\nseeds = "putin-india-visit"\ninterval = 60\ncron = "* * * * *"\n')
    with pytest.raises(ScheduleError, match="exactly one of 'interval' and 'cron'"):
        load_schedule(bad)
    job = '[[jobs]]\nseeds = "putin-india-visit"\ninterval = 60\n'
    bad.write_text(f'[scheduler]\nshared_workers = "yes"\n{job}')
    with pytest.raises(ScheduleError, match="shared_workers must be true or false, not 'yes'"):
        load_schedule(bad)
    bad.write_text(f"[scheduler]\nworkers_idle_seconds = -5\n{job}")
    with pytest.raises(ScheduleError, match="workers_idle_seconds: -5 is not a duration"):
        load_schedule(bad)
    bad.write_text(f'[scheduler]\nshared_workers = false\nworkers_idle_seconds = "2m"\n{job}')
    config = load_schedule(bad)
    assert (config.shared_workers, config.workers_idle_seconds) == (False, 120.0)


def test_scheduled_cycles_record_changes_honour_304_and_survive_a_restart(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    config = write_schedule(tmp_path, seeds, "3s")
    db = tmp_path / "sched.db"
    log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(config, db, log)
    try:
        wait_for(lambda: finished_runs(db) >= 2, 90, "two scheduled crawls")
        stored = query(db, "SELECT count(*) FROM articles")[0][0]
        assert query(db, "SELECT count(*) FROM versions")[0][0] == stored
        snapshot_server.set_state("2")
        wait_for(lambda: finished_runs(db) >= 4, 90, "two more scheduled crawls")
    finally:
        assert stop(scheduler) == 0, log.read_text()[-3000:]
    # the crawls that extracted (the first, and those after the change) shared warm workers
    assert log.read_text().count("extraction workers started:") == 1
    articles = query(db, "SELECT count(*) FROM articles")[0][0]
    changed = query(db, "SELECT count(*) FROM articles WHERE current_version = 2")[0][0]
    assert changed >= 2
    assert query(db, "SELECT max(current_version) FROM articles")[0][0] == 2
    assert query(db, "SELECT count(*) FROM versions")[0][0] == articles + changed  # type: ignore[operator]
    not_modified = query(db, "SELECT count(*) FROM fetches WHERE outcome = 'not-modified'")
    assert not_modified[0][0] >= articles  # type: ignore[operator]
    runs = query(
        db,
        "SELECT started_at, finished_at FROM crawl_runs WHERE finished_at IS NOT NULL "
        "ORDER BY started_at",
    )
    for (_, end), (start, _) in itertools.pairwise(runs):
        assert start >= end, "two runs of one job overlapped"  # type: ignore[operator]

    before = query(db, "SELECT id, next_run_time FROM apscheduler_jobs")
    assert len(before) == 1
    runs_before = len(query(db, "SELECT id FROM crawl_runs"))
    scheduler = start_scheduler(config, db, log)
    try:
        wait_for(lambda: "job local: kept" in log.read_text(), 30, "the restarted scheduler")
        # the job and its grid of run times survive: the next run is the old one, or (if that
        # came due meanwhile) a whole number of intervals after it, never "now + interval"
        ((job_id, next_run),) = query(db, "SELECT id, next_run_time FROM apscheduler_jobs")
        steps = (float(next_run) - float(before[0][1])) / 3.0  # type: ignore[arg-type]
        assert job_id == "local"
        assert abs(steps - round(steps)) < 0.01
        wait_for(lambda: finished_runs(db) > runs_before, 60, "the next scheduled run")
    finally:
        assert stop(scheduler) == 0


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_hanging_crawl_is_recorded_as_failed_and_the_scheduler_goes_on(
    black_hole: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "hole.toml"
    seeds.write_text(
        '[collection]\nname = "hole"\n[[sources]]\npublisher = "Nobody"\ntitle = "Silence"\n'
        f'url = "{black_hole}/story"\n'
    )
    config = write_schedule(tmp_path, seeds, "2s", timeout="3s")
    db = tmp_path / "hole.db"
    log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(config, db, log)
    try:
        wait_for(
            lambda: len(query(db, "SELECT id FROM crawl_runs WHERE status = 'failed'")) >= 2,
            60,
            "two failed runs",
        )
        assert scheduler.poll() is None, "the scheduler died with its crawl"
    finally:
        assert stop(scheduler) == 0, log.read_text()[-3000:]
    errors = [row[0] for row in query(db, "SELECT error FROM crawl_runs WHERE status = 'failed'")]
    assert all("timed out after 3 s" in str(e) for e in errors)


def test_kill_9_mid_crawl_then_the_next_run_completes_what_was_due(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    db = tmp_path / "killed.db"
    slow = [
        "--set",
        "CONCURRENT_REQUESTS=1",
        "--set",
        "DOWNLOAD_DELAY=0.3",
        "--set",
        "AUTOTHROTTLE_ENABLED=False",
        "--set",
        "FRONTIER_LEASE_SECONDS=2",
        "--set",
        "SSRF_ALLOW=127.0.0.1",
    ]
    base = [sys.executable, "-m", "crawler", "crawl", str(seeds), "--db", str(db), "--due-only"]
    crawl = subprocess.Popen(
        [*base, *slow, "--log-level", "WARNING"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(query(db, "SELECT id FROM fetches")) >= 4, 60, "a few fetches")
    finally:
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
    fetched_first = len(query(db, "SELECT id FROM fetches"))
    total = len(query(db, "SELECT id FROM frontier"))
    assert 0 < fetched_first < total
    time.sleep(2.5)  # the dead crawl's leases expire
    done = subprocess.run(
        [
            *base,
            *("--set", "DOWNLOAD_DELAY=0", "--set", "SSRF_ALLOW=127.0.0.1"),
            *("--log-level", "WARNING"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        unfetched = conn.execute(
            "SELECT count(*) FROM frontier WHERE last_fetched_at IS NULL"
        ).fetchone()
        assert unfetched == (0,)
        twice = conn.execute(
            "SELECT url, count(*) FROM fetches GROUP BY url HAVING count(*) > 1"
        ).fetchall()
        assert twice == []
        assert conn.execute("SELECT count(*) FROM versions WHERE version > 1").fetchone() == (0,)
        leased = conn.execute(
            "SELECT count(*) FROM frontier WHERE lease_owner IS NOT NULL"
        ).fetchone()
        assert leased == (0,)


def test_once_runs_what_is_due_then_nothing(
    snapshot_server: SnapshotServer, tmp_path: Path
) -> None:
    seeds = snapshot_server.local_seeds(tmp_path)
    config = write_schedule(tmp_path, seeds, "1h")
    db = tmp_path / "once.db"
    command = [
        sys.executable,
        "-m",
        "crawler",
        "schedule",
        "--once",
        "--config",
        str(config),
        "--db",
        str(db),
    ]
    first = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert first.returncode == 0, first.stdout[-3000:]
    assert "local: finished" in first.stdout
    second = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert second.returncode == 0
    assert "no job is due" in second.stdout
    assert query(db, "SELECT count(*) FROM crawl_runs")[0][0] == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            "{ DOWNLAOD_DELAY = 1 }",
            "unknown setting 'DOWNLAOD_DELAY' (did you mean DOWNLOAD_DELAY?)",
        ),
        ('{ DOWNLOAD_DELAY = "abc" }', "DOWNLOAD_DELAY='abc': expected a number >= 0"),
        ("{ CONCURRENT_REQUESTS = -1 }", "CONCURRENT_REQUESTS=-1: expected an integer >= 1"),
        ('{ ROBOTSTXT_OBEY = "maybe" }', "ROBOTSTXT_OBEY='maybe': expected true or false"),
        ("{ SSRF_ENABLED = 2 }", "SSRF_ENABLED=2: expected true or false"),
        ('{ SSRF_ALLOW = "[127.0.0.1" }', "SSRF_ALLOW='[127.0.0.1': expected host names"),
    ],
)
def test_job_settings_are_checked_when_the_file_loads(
    tmp_path: Path, settings: str, message: str
) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text(f'[[jobs]]\nseeds = "putin-india-visit"\ninterval = 60\nsettings = {settings}\n')
    with pytest.raises(ScheduleError) as caught:
        load_schedule(bad)
    assert str(caught.value).startswith(f"{bad}: job #1: field 'settings': {message}")


def test_job_settings_that_do_not_go_together_name_the_job(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text(
        '[[jobs]]\nseeds = "putin-india-visit"\ninterval = 60\n'
        "settings = { RECRAWL_MIN_SECONDS = 90000 }\n"
    )
    with pytest.raises(ScheduleError, match=r"job #1: RECRAWL_\* settings: need 0 < minimum"):
        load_schedule(bad)


def test_job_settings_reach_the_crawl_as_the_crawl_reads_them(tmp_path: Path) -> None:
    from crawler.config.check import parse_assignments
    from crawler.schedule import jobs

    path = tmp_path / "s.toml"
    path.write_text(
        '[[jobs]]\nseeds = "putin-india-visit"\ninterval = 60\nsettings = { SSRF_ALLOW = '
        '["127.0.0.1", "10.0.0.0/8"], AUTOTHROTTLE_ENABLED = "False", LOG_LEVEL = "warning", '
        "DOWNLOAD_DELAY = 0 }\n"
    )
    (job,) = load_schedule(path).jobs
    command = jobs.crawl_command(job.seeds, "sqlite:///x.db", job.settings)
    given = [command[i + 1] for i, part in enumerate(command) if part == "--set"]
    assert parse_assignments(given, "--set") == {
        "SSRF_ALLOW": ["127.0.0.1", "10.0.0.0/8"],
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_DELAY": 0.0,
    }


def test_crawls_get_the_shared_workers_socket_unless_their_job_sets_one() -> None:
    from crawler.schedule import jobs

    jobs.share_workers("/run/w.sock")
    try:
        plain = jobs.crawl_command("s.toml", "sqlite:///x.db", {"DOWNLOAD_DELAY": 1})
        own = jobs.crawl_command("s.toml", "sqlite:///x.db", {"EXTRACT_POOL_SOCKET": ""})
    finally:
        jobs.share_workers(None)
    alone = jobs.crawl_command("s.toml", "sqlite:///x.db", {})
    assert "EXTRACT_POOL_SOCKET=/run/w.sock" in plain
    assert "DOWNLOAD_DELAY=1" in plain
    assert "EXTRACT_POOL_SOCKET=" in own
    assert "EXTRACT_POOL_SOCKET=/run/w.sock" not in own
    assert not any("EXTRACT_POOL_SOCKET" in part for part in alone)


def test_a_scheduler_whose_workers_cannot_be_served_still_runs_crawls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import tempfile

    from crawler.schedule import jobs
    from crawler.schedule.config import ScheduleConfig
    from crawler.schedule.service import CrawlScheduler

    deep = tmp_path / ("d" * 100)  # too long a path for a Unix socket
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    scheduler = CrawlScheduler.__new__(CrawlScheduler)
    scheduler.config = ScheduleConfig(tmp_path / "s.toml", 60, ())
    with scheduler.shared_workers():
        command = jobs.crawl_command("s.toml", "sqlite:///x.db", {})
    assert not any("EXTRACT_POOL_SOCKET" in part for part in command)
    assert "extraction workers not shared" in caplog.text
    assert "cannot listen there" in caplog.text
    assert list(deep.iterdir()) == []  # its private folder is gone
