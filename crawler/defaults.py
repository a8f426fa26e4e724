"""Defaults of the product's own settings, shared by ``crawler.settings`` and the components.

Components fall back to these when a setting is absent (as under ``get_crawler`` in tests, which
does not load ``crawler.settings``). Every setting is documented in the README's table.
"""

from __future__ import annotations

EXTRACT_ENABLED = True
EXTRACT_MIN_WORDS = 30
EXTRACT_FAST = False
EXTRACT_FAVOR_PRECISION = False
DEDUP_ENABLED = True
STORAGE_ENABLED = True
STORAGE_URL = ""
REPLAY_SNAPSHOT = ""
REPLAY_STATE = "1"
SYNDICATION_ENABLED = True
