"""``crawler schedule``: run crawls on a schedule, in the foreground."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from crawler.cli.common import console, db_option


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("schedule.toml"),
    show_default=True,
    help="Schedule file: jobs with an interval or cron expression (see the README).",
)
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@db_option
def schedule(config_path: Path, once: bool, db: str | None) -> None:
    """Run scheduled crawls until stopped (SIGINT or SIGTERM stop it cleanly).

    Each crawl runs in a child process with a time limit and fetches only the URLs that are
    due. The schedule is kept in the store's database: a restart keeps each job's next run.
    """
    from crawler.schedule.config import load_schedule
    from crawler.schedule.service import CrawlScheduler
    from storage import Store

    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    config = load_schedule(config_path)
    store = Store(db)
    try:
        service = CrawlScheduler(config, store)
        if once:
            results = service.run_once()
            for job_id, outcome in results:
                console.print(f"{job_id}: {outcome}", markup=False)
            if not results:
                console.print("no job is due")
            if any(outcome != "finished" for _, outcome in results):
                sys.exit(1)
            return
        service.run_forever()
    finally:
        store.close()
