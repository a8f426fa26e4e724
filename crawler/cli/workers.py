"""``crawler workers``: keep warm extraction workers for crawls started by hand."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import click

from crawler.cli.common import console


@click.command()
@click.option(
    "--socket",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Unix socket to listen on; crawls name it with --set EXTRACT_POOL_SOCKET=PATH.",
)
@click.option(
    "--idle-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=900.0,
    show_default=True,
    help="Stop a pool's workers when no crawl has used them for this long.",
)
def workers(path: Path, idle_seconds: float) -> None:
    """Serve warm extraction workers to crawls until stopped (SIGINT or SIGTERM).

    A crawl started with EXTRACT_POOL_SOCKET=PATH sends its pages here instead of starting
    workers of its own, so it skips their set-up; crawls with the same extraction settings share
    workers. Only this user can connect to the socket.
    """
    from crawler.workers.service import PoolService

    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    service = PoolService(path, idle_seconds)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, service.stop)
        await service.serve()

    asyncio.run(run())
    console.print(f"stopped after {service.pages} pages", markup=False)
