"""Progress a person can read while a crawl runs: pages done, rate, problems, time left."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler import defaults

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a crawl stands.

    ``total`` is the number of pages known to be coming (the URLs the crawl leased, discovered
    ones included), 0 when unknown; ``rate`` is pages per second over the last interval.
    """

    done: int
    total: int
    rejected: int
    errors: int
    elapsed: float
    rate: float

    def line(self, *, eta: bool = True) -> str:
        """One log line, e.g. ``412 of 1,032 pages (40%), 38.5 pages/s, ... about 16 s left``."""
        if self.total:
            share = min(self.done / self.total, 1.0)
            head = f"{self.done:,} of {self.total:,} pages ({share:.0%})"
        else:
            head = f"{self.done:,} pages"
        parts = [
            head,
            f"{self.rate:.1f} pages/s",
            f"{self.rejected:,} rejected",
            f"{self.errors:,} errors",
            f"{_duration(self.elapsed)} elapsed",
        ]
        left = self.total - self.done
        if eta and self.total and left > 0 and self.rate > 0:
            parts.append(f"about {_duration(left / self.rate)} left")
        return ", ".join(parts)


def _duration(seconds: float) -> str:
    whole = max(round(seconds), 0)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_of(
    stats: dict[str, Any], elapsed: float, done_before: int, interval: float
) -> Progress:
    """A crawl's progress from its Scrapy stats, given the pages done ``interval`` seconds ago."""
    done = stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0)
    rate = (done - done_before) / interval if interval > 0 else 0.0
    return Progress(
        done=done,
        total=stats.get("frontier/leased", 0),
        rejected=stats.get("storage/rejected", 0),
        errors=stats.get("storage/error", 0),
        elapsed=elapsed,
        rate=rate,
    )


class CrawlProgress:
    """Log the crawl's progress every ``PROGRESS_INTERVAL`` seconds, and once at the end."""

    def __init__(self, stats: StatsCollector, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.started = time.monotonic()
        self.done_before = 0
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", defaults.PROGRESS_INTERVAL)
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        assert crawler.stats is not None
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def log(self) -> Progress:
        """Log the progress now; returns it."""
        progress = progress_of(
            self.stats.get_stats(),
            time.monotonic() - self.started,
            self.done_before,
            self.interval,
        )
        self.done_before = progress.done
        logger.info("progress: %s", progress.line())
        return progress

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        elapsed = time.monotonic() - self.started
        # the rate over the whole crawl
        overall = progress_of(self.stats.get_stats(), elapsed, 0, elapsed)
        logger.info("finished: %s", overall.line(eta=False))
