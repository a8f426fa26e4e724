"""The ``crawler`` command line."""

from __future__ import annotations

from crawler.cli.changes import changes
from crawler.cli.common import main
from crawler.cli.config import config
from crawler.cli.crawl import crawl, demo, serve_snapshot
from crawler.cli.db import db
from crawler.cli.duplicates import duplicates
from crawler.cli.export import export
from crawler.cli.listings import listings
from crawler.cli.query import articles, diff, fetches, search, stats, versions
from crawler.cli.schedule import schedule
from crawler.cli.workers import workers

for command in (demo, crawl, serve_snapshot, articles, versions, diff, search, fetches, stats):
    main.add_command(command)
main.add_command(export)
main.add_command(duplicates)
main.add_command(changes)
main.add_command(listings)
main.add_command(schedule)
main.add_command(db)
main.add_command(workers)
main.add_command(config)

__all__ = ["main"]
