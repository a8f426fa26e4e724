"""Bounded extraction in long-lived worker processes, fed from the asyncio loop.

WorkerPoolError          (a CrawlerError) the extraction pool cannot do what was asked
├── PoolClosedError      the pool was closed before or while a page was extracted
└── WorkerStartError     a worker process could not be started
"""

from __future__ import annotations

from crawler.workers.pool import (
    ExtractionPool,
    PoolClosedError,
    PoolStats,
    WorkerPoolError,
    WorkerStartError,
    available_cpus,
)

__all__ = [
    "ExtractionPool",
    "PoolClosedError",
    "PoolStats",
    "WorkerPoolError",
    "WorkerStartError",
    "available_cpus",
]
