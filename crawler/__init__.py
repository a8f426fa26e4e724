"""crawler: crawl news sources, clean articles, detect syndicated copies, keep every version."""

from __future__ import annotations

__version__ = "0.1.0"
