"""``scrapy crawl`` that reports a bad seeds file as one clear line instead of a traceback."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.errors import CrawlerError
from crawler.seeds import load_seeds


class Command(ScrapyCrawlCommand):
    """Run a spider of the project by name, validating ``-a seeds=PATH`` before it starts."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if "seeds" in opts.spargs or (args and args[0] == "seeds"):
            try:
                load_seeds(opts.spargs.get("seeds"))
            except CrawlerError as exc:
                print(f"error: {exc}", file=sys.stderr)
                self.exitcode = 2
                return
        super().run(args, opts)
