"""One store per running crawler, shared by the components that need it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from crawler import defaults
from storage import Store

_STORES: WeakKeyDictionary[Crawler, tuple[Store, int]] = WeakKeyDictionary()


def acquire_store(crawler: Crawler) -> Store:
    """The store named by ``STORAGE_URL`` (else ``CRAWLER_DB_URL``), opened on first use."""
    store, users = _STORES.get(crawler, (None, 0))
    if store is None:
        store = Store(crawler.settings.get("STORAGE_URL", defaults.STORAGE_URL) or None)
    _STORES[crawler] = (store, users + 1)
    return store


def release_store(crawler: Crawler) -> None:
    """Give the store back; the last user closes it."""
    entry = _STORES.get(crawler)
    if entry is None:
        return
    store, users = entry
    if users <= 1:
        store.close()
        del _STORES[crawler]
    else:
        _STORES[crawler] = (store, users - 1)
