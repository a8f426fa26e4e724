"""Access to the real pages of ``../shared/data/realpages`` (never copied into the repository)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import REALPAGES


@dataclass(frozen=True)
class RealPage:
    url: str
    file: str
    html: str
    with_: tuple[str, ...]
    without: tuple[str, ...]


def require_realpages() -> None:
    if not (REALPAGES / "evaldata.json").is_file():
        pytest.skip(f"real pages not found at {REALPAGES}")


def realpages(step: int = 1) -> Iterator[RealPage]:
    """Every ``step``-th page of the evaluation data, in a fixed order."""
    data: dict[str, Any] = json.loads((REALPAGES / "evaldata.json").read_text(encoding="utf-8"))
    for url in sorted(data)[::step]:
        entry = data[url]
        path = REALPAGES / "pages" / f"{entry['file']}.gz"
        if not path.is_file():
            continue
        raw = gzip.decompress(path.read_bytes())
        yield RealPage(
            url=url,
            file=entry["file"],
            html=raw.decode("utf-8", errors="replace"),
            with_=tuple(entry.get("with", ())),
            without=tuple(entry.get("without", ())),
        )
