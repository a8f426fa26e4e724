"""Item pipelines: clean → dedup → store → syndication, thin adapters over the core modules.

Each stage has a ``<PREFIX>_ENABLED`` switch and counts what it does in the crawl stats.
"""

from __future__ import annotations

from crawler.pipelines.clean import CleanPipeline
from crawler.pipelines.dedup import DedupPipeline
from crawler.pipelines.store import StorePipeline
from crawler.pipelines.syndication import SyndicationPipeline, syndication_config
from crawler.syndication.config import signature_scheme

__all__ = [
    "CleanPipeline",
    "DedupPipeline",
    "StorePipeline",
    "SyndicationPipeline",
    "signature_scheme",
    "syndication_config",
]
