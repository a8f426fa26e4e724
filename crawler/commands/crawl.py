"""``scrapy crawl`` that checks settings and the seeds file first, and reports either as one line.

Settings go through the same layers as ``crawler crawl``: the config file and the ``CRAWLER_*``
environment variables over the project's defaults, ``-s NAME=VALUE`` over those; an unknown name
or a value that is not allowed is a usage error, before the crawl starts.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.config.check import check
from crawler.config.check import parse_assignments as checked_assignments
from crawler.errors import CrawlerError, SettingError
from crawler.runner import apply_layers
from crawler.seeds import load_seeds


class Command(ScrapyCrawlCommand):
    """Run a spider of the project by name, validating settings and ``-a seeds=PATH`` first."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            overrides = checked_assignments(opts.set, "-s")
            if opts.loglevel:
                opts.loglevel = check("LOG_LEVEL", opts.loglevel, "--loglevel/-L")
        except SettingError as exc:
            raise UsageError(str(exc), print_help=False) from None
        super().process_options(args, opts)
        try:
            apply_layers(self.settings, overrides)
        except SettingError as exc:
            raise UsageError(str(exc), print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if "seeds" in opts.spargs or (args and args[0] == "seeds"):
            try:
                load_seeds(opts.spargs.get("seeds"))
            except CrawlerError as exc:
                print(f"error: {exc}", file=sys.stderr)
                self.exitcode = 2
                return
        super().run(args, opts)
