"""The scheduler service: APScheduler 3 with its job store in the product's database."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.schedule import jobs
from crawler.schedule.config import JobSpec, ScheduleConfig
from storage import Store

logger = logging.getLogger(__name__)
JOB_FUNCTION = "crawler.schedule.jobs:run_crawl_job"


def _trigger(spec: JobSpec) -> IntervalTrigger | CronTrigger:
    if spec.cron:
        return CronTrigger.from_crontab(spec.cron, timezone=dt.UTC)
    assert spec.interval_seconds is not None
    return IntervalTrigger(seconds=spec.interval_seconds, timezone=dt.UTC)


class CrawlScheduler:
    """Runs a schedule's jobs; the schedule survives restarts in the store's database."""

    def __init__(self, config: ScheduleConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine)},
            executors={"default": ThreadPoolExecutor(max(len(config.jobs), 1))},
            job_defaults={
                # one run of a job at a time; missed runs collapse into one; a late run still
                # runs within the grace time (APScheduler's 1 s default skips it silently)
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": config.misfire_grace_seconds,
            },
            timezone=dt.UTC,
        )
        self._stopped = threading.Event()

    def _sync_jobs(self) -> None:
        """Add new jobs, update changed ones, keep unchanged ones (and their next run time)."""
        wanted = {spec.id: spec for spec in self.config.jobs}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                logger.info("job %s is no longer in %s: removed", job.id, self.config.path)
                job.remove()
        for spec in self.config.jobs:
            kwargs = self._kwargs(spec)
            job = self.scheduler.get_job(spec.id)
            if job is not None and job.kwargs == kwargs and job.name == spec.trigger_text:
                logger.info("job %s: kept, next run %s", spec.id, job.next_run_time)
                continue
            self.scheduler.add_job(
                JOB_FUNCTION,
                trigger=_trigger(spec),
                id=spec.id,
                name=spec.trigger_text,
                kwargs=kwargs,
                replace_existing=True,
                next_run_time=dt.datetime.now(dt.UTC),
            )
            logger.info("job %s: scheduled (%s), first run now", spec.id, spec.trigger_text)

    def _kwargs(self, spec: JobSpec) -> dict[str, Any]:
        return {
            "job_id": spec.id,
            "seeds": spec.seeds,
            "db_url": self.store.url,
            "timeout": spec.timeout_seconds,
            "settings": spec.settings,
            "grace": self.config.stop_grace_seconds,
        }

    @contextlib.contextmanager
    def shared_workers(self) -> Iterator[None]:
        """Keep warm extraction workers for the crawls while the scheduler runs, if configured.

        Each crawl is still a child process of its own; its pages go to the scheduler's workers
        (``EXTRACT_POOL_SOCKET``), which stay warm ``workers_idle_seconds`` after the last crawl.
        """
        if not self.config.shared_workers:
            yield
            return
        from crawler.workers.service import PoolService, PoolServiceError

        folder = Path(tempfile.mkdtemp(prefix="crawler-workers-"))
        service = PoolService(folder / "workers.sock", self.config.workers_idle_seconds)
        try:
            try:
                service.start_in_thread()
            except PoolServiceError as exc:
                # crawls then start workers of their own, as they would without the service
                logger.warning("extraction workers not shared: %s", exc)
                yield
                return
            jobs.share_workers(str(service.path))
            try:
                yield
            finally:
                jobs.share_workers(None)
                service.stop()
                service.join(60)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def run_forever(self) -> None:
        """Run in the foreground until SIGINT or SIGTERM; a running crawl is stopped cleanly."""

        def stop(signum: int, _frame: FrameType | None) -> None:
            logger.info("signal %d: stopping", signum)
            self._stopped.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        with self.shared_workers():
            self.scheduler.start(paused=True)
            self._sync_jobs()
            self.scheduler.resume()
            logger.info("scheduler running with %d jobs", len(self.scheduler.get_jobs()))
            try:
                while not self._stopped.wait(1.0):
                    pass
            finally:
                jobs.stop_all()
                self.scheduler.shutdown(wait=True)
                logger.info("scheduler stopped")

    def run_once(self) -> list[tuple[str, str]]:
        """Run every job that is due now, one after the other, then return."""
        self.scheduler.start(paused=True)
        results: list[tuple[str, str]] = []
        try:
            with self.shared_workers():
                self._sync_jobs()
                now = dt.datetime.now(dt.UTC)
                for job in self.scheduler.get_jobs():
                    if job.next_run_time is None or job.next_run_time > now:
                        continue
                    results.append((job.id, jobs.run_crawl_job(**job.kwargs)))
                    after = dt.datetime.now(dt.UTC)
                    job.modify(next_run_time=job.trigger.get_next_fire_time(None, after))
        finally:
            self.scheduler.shutdown(wait=False)
        return results
