"""Bundled seeds collections and their offline snapshots (package data)."""

from __future__ import annotations

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent
DEFAULT_COLLECTION = "putin-india-visit"


def bundled_seeds(name: str = DEFAULT_COLLECTION) -> Path:
    """Path of a bundled seeds file, by collection name."""
    return SEEDS_DIR / f"{name}.toml"


def bundled_snapshot(name: str = DEFAULT_COLLECTION) -> Path:
    """Folder of a bundled collection's offline snapshot."""
    return SEEDS_DIR / "snapshots" / name
