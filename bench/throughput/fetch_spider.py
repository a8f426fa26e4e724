"""Baseline (a): plain Scrapy, fetch every URL of a list, the callback does nothing.

Run by ``bench_throughput.py`` as ``scrapy runspider fetch_spider.py -a urls=FILE -a stats=OUT``
from a folder outside the project, so that only Scrapy's defaults and the ``-s`` options apply.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response


class FetchSpider(scrapy.Spider):
    name = "fetch"

    def __init__(self, urls: str, stats: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file, self.stats_file = Path(urls), Path(stats)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls_file.read_text().split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> None:
        return None

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.stats_file.write_text(json.dumps(stats, default=str))
