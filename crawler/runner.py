"""Run crawls from Python: one or more crawls in sequence in a single reactor.

A Twisted reactor cannot be restarted, so a process runs all its crawls in one reactor run.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.settings import BaseSettings, Settings
from scrapy.utils.log import configure_logging

from crawler.config.check import check_all, check_together
from crawler.config.layers import user_values
from crawler.config.table import BY_NAME
from crawler.errors import CrawlerError

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@dataclass(frozen=True, slots=True)
class CrawlSpec:
    """One crawl: a spider name, its arguments and settings that differ from the project's."""

    spider: str = "seeds"
    spider_args: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's settings, whatever the current folder is, in the documented order.

    Built-in defaults (``crawler.settings``), then the config file and the ``CRAWLER_*``
    environment variables, then ``overrides`` (a schedule job's settings and the command line).

    Raises:
        SettingError: a setting is unknown or has a value it does not allow, alone or together
            with the others.
    """
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    apply_layers(settings, overrides)
    return settings


def apply_layers(settings: BaseSettings, overrides: Mapping[str, Any] | None = None) -> None:
    """Put the config file's and the environment's settings over the project's, and the
    checked ``overrides`` over those; refuse the values that are not allowed together."""
    settings.setdict(user_values(), priority="project")
    if overrides:
        settings.setdict(check_all(overrides, "settings"), priority="cmdline")
    check_together({name: settings.get(name) for name in BY_NAME if name in settings})


def run_crawls(
    specs: Sequence[CrawlSpec], overrides: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run ``specs`` one after the other; return each crawl's final stats."""
    from scrapy.crawler import AsyncCrawlerRunner, Crawler
    from scrapy.utils.defer import deferred_f_from_coro_f, deferred_from_coro
    from scrapy.utils.ossignal import install_shutdown_handlers
    from scrapy.utils.reactor import install_reactor
    from twisted.internet.task import react

    base = project_settings(overrides)
    configure_logging(base)
    install_reactor(REACTOR)
    results: list[dict[str, Any]] = []
    failures: list[CrawlerError] = []

    async def crawl_all(_reactor: Any) -> None:
        try:
            await crawl_each(_reactor)
        except CrawlerError as exc:
            # a bad setting or an unusable store, found while the crawl starts: said once,
            # plainly, by the caller, rather than as a traceback from the reactor
            failures.append(exc)

    async def crawl_each(_reactor: Any) -> None:
        runner = AsyncCrawlerRunner(base)
        stopping = False

        def shutdown(signum: int, _frame: Any) -> None:
            # first signal: close the crawl cleanly (pending items stored, leases returned);
            # a second one stops at once
            nonlocal stopping
            if stopping:
                _reactor.callFromThread(_reactor.stop)
                return
            stopping = True
            logging.getLogger(__name__).info("signal %d: closing the crawl", signum)
            # said where a person sees it, whatever the log level
            sys.stderr.write(
                "stopping: storing the pages in flight and returning leases "
                "(press Ctrl-C again to stop at once)\n"
            )
            _reactor.callFromThread(lambda: deferred_from_coro(runner.stop()))

        install_shutdown_handlers(shutdown)
        for spec in specs:
            if stopping:
                break
            settings = base.copy()
            if spec.settings:
                settings.setdict(check_all(spec.settings, "crawl settings"), priority="cmdline")
                check_together({n: settings.get(n) for n in BY_NAME if n in settings})
            crawler = Crawler(runner.spider_loader.load(spec.spider), settings)
            await runner.crawl(crawler, **dict(spec.spider_args))
            stats = crawler.stats.get_stats() if crawler.stats else {}
            results.append(dict(stats))

    try:
        react(deferred_f_from_coro_f(crawl_all))
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    if failures:
        raise failures[0]
    return results
