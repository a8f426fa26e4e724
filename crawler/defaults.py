"""Defaults of the product's own settings, typed, for the components that read them.

Components fall back to these when a setting is absent (as under ``get_crawler`` in tests, which
does not load ``crawler.settings``). The values come from the settings table
(``crawler.config.table``), the one place they are declared.
"""

from __future__ import annotations

from typing import TypeVar

from crawler.config.table import default

_Value = TypeVar("_Value", bool, int, float, str)


def _typed(name: str, kind: type[_Value]) -> _Value:
    value = default(name)
    if not isinstance(value, kind):
        raise TypeError(f"the table's default of {name} is not {kind.__name__}: {value!r}")
    return value


EXTRACT_ENABLED = _typed("EXTRACT_ENABLED", bool)
EXTRACT_MIN_WORDS = _typed("EXTRACT_MIN_WORDS", int)
EXTRACT_FAST = _typed("EXTRACT_FAST", bool)
EXTRACT_FAVOR_PRECISION = _typed("EXTRACT_FAVOR_PRECISION", bool)
EXTRACT_RULE_HIDDEN = _typed("EXTRACT_RULE_HIDDEN", bool)
EXTRACT_RULE_SPLIT_BODIES = _typed("EXTRACT_RULE_SPLIT_BODIES", bool)
EXTRACT_RULE_TRAILING_WIDGETS = _typed("EXTRACT_RULE_TRAILING_WIDGETS", bool)
EXTRACT_RULE_REPEATED_HEADLINE = _typed("EXTRACT_RULE_REPEATED_HEADLINE", bool)
EXTRACT_WORKERS = _typed("EXTRACT_WORKERS", int)
EXTRACT_TIMEOUT = _typed("EXTRACT_TIMEOUT", float)
EXTRACT_MEMORY_MB = _typed("EXTRACT_MEMORY_MB", int)
EXTRACT_MAX_PENDING = _typed("EXTRACT_MAX_PENDING", int)
EXTRACT_MAX_TASKS_PER_WORKER = _typed("EXTRACT_MAX_TASKS_PER_WORKER", int)
EXTRACT_POOL_SOCKET = _typed("EXTRACT_POOL_SOCKET", str)
DEDUP_ENABLED = _typed("DEDUP_ENABLED", bool)
STORAGE_ENABLED = _typed("STORAGE_ENABLED", bool)
STORAGE_URL = _typed("STORAGE_URL", str)
STORE_BATCH_SIZE = _typed("STORE_BATCH_SIZE", int)
STORE_BATCH_SECONDS = _typed("STORE_BATCH_SECONDS", float)
PROGRESS_INTERVAL = _typed("PROGRESS_INTERVAL", float)
REPLAY_SNAPSHOT = _typed("REPLAY_SNAPSHOT", str)
REPLAY_STATE = _typed("REPLAY_STATE", str)
SYNDICATION_ENABLED = _typed("SYNDICATION_ENABLED", bool)
RECRAWL_INITIAL_SECONDS = _typed("RECRAWL_INITIAL_SECONDS", int)
RECRAWL_MIN_SECONDS = _typed("RECRAWL_MIN_SECONDS", int)
RECRAWL_MAX_SECONDS = _typed("RECRAWL_MAX_SECONDS", int)
RECRAWL_GROW = _typed("RECRAWL_GROW", float)
RECRAWL_SHRINK = _typed("RECRAWL_SHRINK", float)
RECRAWL_FAILURE_BACKOFF = _typed("RECRAWL_FAILURE_BACKOFF", float)
FRONTIER_BATCH = _typed("FRONTIER_BATCH", int)
FRONTIER_LEASE_SECONDS = _typed("FRONTIER_LEASE_SECONDS", int)
DISCOVERY_MAX_LISTINGS = _typed("DISCOVERY_MAX_LISTINGS", int)
DISCOVERY_PROBE_SITEMAPS = _typed("DISCOVERY_PROBE_SITEMAPS", bool)
RETRY_BACKOFF_BASE = _typed("RETRY_BACKOFF_BASE", float)
RETRY_BACKOFF_MAX = _typed("RETRY_BACKOFF_MAX", float)
SSRF_ENABLED = _typed("SSRF_ENABLED", bool)
SSRF_DNS_CACHE_SECONDS = _typed("SSRF_DNS_CACHE_SECONDS", float)
