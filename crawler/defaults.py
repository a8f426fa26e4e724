"""Defaults of the product's own settings, shared by ``crawler.settings`` and the components.

Components fall back to these when a setting is absent (as under ``get_crawler`` in tests, which
does not load ``crawler.settings``). Every setting is documented in the README's table.
"""

from __future__ import annotations

EXTRACT_ENABLED = True
EXTRACT_MIN_WORDS = 30
EXTRACT_FAST = False
EXTRACT_FAVOR_PRECISION = False
EXTRACT_WORKERS = 0
EXTRACT_TIMEOUT = 30.0
EXTRACT_MEMORY_MB = 1024
EXTRACT_MAX_PENDING = 0
EXTRACT_MAX_TASKS_PER_WORKER = 2000
DEDUP_ENABLED = True
STORAGE_ENABLED = True
STORAGE_URL = ""
REPLAY_SNAPSHOT = ""
REPLAY_STATE = "1"
SYNDICATION_ENABLED = True
RECRAWL_INITIAL_SECONDS = 6 * 3600
RECRAWL_MIN_SECONDS = 3600
RECRAWL_MAX_SECONDS = 30 * 86400
RECRAWL_GROW = 0.5
RECRAWL_SHRINK = 0.3
RECRAWL_FAILURE_BACKOFF = 2.0
FRONTIER_BATCH = 100_000
FRONTIER_LEASE_SECONDS = 3600
DISCOVERY_MAX_LISTINGS = 20
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
