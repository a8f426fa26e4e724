"""Access to the real pages of ``../shared/data/realpages`` (never copied into the repository)."""

from __future__ import annotations

import gzip
import hashlib
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


@dataclass
class SnippetCounts:
    """trafilatura's evaluation counts: ``with`` snippets found or missed, ``without`` ones kept
    (false positives) or left out."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def add(self, other: SnippetCounts) -> None:
        self.tp += other.tp
        self.fn += other.fn
        self.fp += other.fp
        self.tn += other.tn

    def f1(self) -> float:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def snippet_counts(page: RealPage, text: str) -> SnippetCounts:
    """How ``text`` (an extractor's output, ``""`` for none) fares on the page's snippets."""
    squashed = " ".join(text.split())
    found = sum(" ".join(s.split()) in squashed for s in page.with_)
    kept = sum(" ".join(s.split()) in squashed for s in page.without)
    return SnippetCounts(found, len(page.with_) - found, kept, len(page.without) - kept)


def held_out(page: RealPage) -> bool:
    """Whether the page is in the half kept out of choosing and adjusting extraction rules.

    The halves are drawn by a hash of the page's file name, so they never change with the data's
    order or size.
    """
    return hashlib.sha256(page.file.encode("utf-8")).digest()[0] % 2 == 1


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
