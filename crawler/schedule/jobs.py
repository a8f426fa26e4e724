"""The scheduled job: one crawl in a child process, with a time limit, recorded in the store.

A child process per crawl means a reactor never has to restart and a crawl that crashes, hangs
or is killed never takes the scheduler down.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from sqlalchemy import select, update

from crawler.config.check import render
from storage import Store, models
from storage.types import utcnow

logger = logging.getLogger(__name__)

_children: dict[str, subprocess.Popen[bytes]] = {}
_lock = threading.Lock()
_stopping = threading.Event()
_workers_socket: list[str] = []
STOP_GRACE_SECONDS = 20.0


def share_workers(socket: str | None) -> None:
    """Send the crawls started from now on to the shared extraction workers at ``socket``."""
    _workers_socket[:] = [socket] if socket else []


def crawl_command(seeds: str, db_url: str, settings: dict[str, Any]) -> list[str]:
    """The child's command line: ``python -m crawler crawl SEEDS --due-only``."""
    command = [sys.executable, "-m", "crawler", "crawl", seeds, "--db", db_url, "--due-only"]
    if _workers_socket:
        settings = {"EXTRACT_POOL_SOCKET": _workers_socket[0], **settings}
    for name, value in sorted(settings.items()):
        # written so that the child parses the same value back (a list as JSON, not repr)
        command += ["--set", f"{name}={render(name, value)}"]
    return command


def run_crawl_job(
    job_id: str,
    seeds: str,
    db_url: str,
    timeout: float,
    settings: dict[str, Any],
    grace: float = STOP_GRACE_SECONDS,
) -> str:
    """Run one crawl to completion or to its time limit; returns its outcome in words.

    The crawl records its own run; when the child fails, hangs past ``timeout`` or is killed,
    the run is marked failed here (or added, if the child died before it could record one).
    """
    started = utcnow()
    command = crawl_command(seeds, db_url, settings)
    logger.info("job %s: starting crawl of %s", job_id, seeds)
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
    with _lock:
        _children[job_id] = child
    try:
        try:
            code = child.wait(timeout=timeout)
            problem = None if code == 0 else f"crawl process exited with status {code}"
        except subprocess.TimeoutExpired:
            _stop(child, grace)
            problem = f"timed out after {timeout:g} s"
    finally:
        with _lock:
            _children.pop(job_id, None)
    if problem is None:
        logger.info("job %s: crawl finished", job_id)
        return "finished"
    if _stopping.is_set():
        # the scheduler is shutting down and asked the crawl to close: the crawl recorded its
        # own run as stopped, and its unfetched URLs stay due for the next start
        logger.info("job %s: crawl stopped with the scheduler", job_id)
        return "stopped"
    logger.error("job %s: %s", job_id, problem)
    _record_failure(db_url, seeds, started, problem)
    return f"failed: {problem}"


def stop_all() -> None:
    """Stop every running crawl: SIGTERM (Scrapy closes cleanly), then SIGKILL after a grace."""
    _stopping.set()
    with _lock:
        children = list(_children.values())
    for child in children:
        _stop(child)


def _stop(child: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    except ProcessLookupError:
        pass


def _record_failure(db_url: str, seeds: str, started: Any, problem: str) -> None:
    from crawler.seeds import load_seeds

    name = load_seeds(seeds).name
    store = Store(db_url)
    try:
        with store.session() as session, session.begin():
            open_runs = session.scalars(
                select(models.CrawlRun.id).where(
                    models.CrawlRun.collection == name,
                    models.CrawlRun.started_at >= started,
                    models.CrawlRun.status == "running",
                )
            ).all()
            if open_runs:
                session.execute(
                    update(models.CrawlRun)
                    .where(models.CrawlRun.id.in_(open_runs))
                    .values(status="failed", error=problem, finished_at=utcnow())
                )
            else:
                session.add(
                    models.CrawlRun(
                        collection=name,
                        started_at=started,
                        finished_at=utcnow(),
                        status="failed",
                        error=problem,
                    )
                )
    finally:
        store.close()
