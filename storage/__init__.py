"""The article store: SQLAlchemy models and the repository every write goes through."""

from __future__ import annotations

from storage.db import open_engine, resolve_db_url, safe_url
from storage.repository import FetchRecord, Store
from storage.types import Outcome

__all__ = ["FetchRecord", "Outcome", "Store", "open_engine", "resolve_db_url", "safe_url"]
