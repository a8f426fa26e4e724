"""Exact comparison of two shingled texts: Jaccard, containment and the shared passages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from crawler.syndication.shingles import Shingled

Relation = Literal["near-duplicate", "partial-copy"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of text present in both documents: character spans in each, and its length."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """Exact overlap of texts ``a`` and ``b``; ``contained`` names the shorter one."""

    jaccard: float
    containment: float
    contained: Literal["a", "b"]
    passages: tuple[Passage, ...]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    # Maximal runs of True as half-open [start, end) intervals.
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def compare(a: Shingled, b: Shingled, shingle_size: int, passage_words: int) -> Comparison:
    """Compare two shingled texts exactly.

    Containment is the share of the shorter text's distinct shingles that lie in passages of at
    least ``passage_words`` words also found in the other text: isolated common phrases
    ("the prime minister said on") do not count, so only copied runs of text make a copy.

    Args:
        a: the first text's shingles (the ``a_*`` spans of passages refer to it).
        b: the second text's shingles.
        shingle_size: the word n-gram size both were shingled with.
        passage_words: the shortest shared run that counts, in words.
    """
    ua = np.unique(a.hashes)
    ub = np.unique(b.hashes)
    inter = len(np.intersect1d(ua, ub, assume_unique=True))
    union = len(ua) + len(ub) - inter
    jaccard = inter / union if union else 0.0
    contained: Literal["a", "b"] = "a" if len(ua) <= len(ub) else "b"
    short, long_, ushort, ulong = (a, b, ua, ub) if contained == "a" else (b, a, ub, ua)
    if inter == 0 or not len(ushort):
        return Comparison(jaccard, 0.0, contained, ())
    min_run = max(1, passage_words - shingle_size + 1)
    in_long = np.isin(short.hashes, ulong, assume_unique=False)
    kept = [(s, e) for s, e in _runs(in_long) if e - s >= min_run]
    if not kept:
        return Comparison(jaccard, 0.0, contained, ())
    covered = np.unique(np.concatenate([short.hashes[s:e] for s, e in kept]))
    containment = len(covered) / len(ushort)
    passages = _align(short, long_, kept, shingle_size, min_run)
    if contained == "b":
        passages = [Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.words) for p in passages]
    return Comparison(jaccard, containment, contained, tuple(passages))


def _align(
    short: Shingled, long_: Shingled, runs: list[tuple[int, int]], size: int, min_run: int
) -> list[Passage]:
    # Greedy alignment: each run of the short text is followed through the long text from the
    # first position of its first shingle; a break (an edit) starts a new piece.
    first_pos: dict[int, int] = {}
    for pos, h in enumerate(long_.hashes.tolist()):
        first_pos.setdefault(h, pos)
    sh = short.hashes.tolist()
    lh = long_.hashes.tolist()
    out: list[Passage] = []
    for start, end in runs:
        k = start
        while k < end:
            p = first_pos.get(sh[k])
            if p is None:
                k += 1
                continue
            k0, p0 = k, p
            while k < end and p < len(lh) and lh[p] == sh[k]:
                k += 1
                p += 1
            if k - k0 >= min_run:
                out.append(
                    Passage(
                        int(short.starts[k0]),
                        int(short.ends[k - 1 + size - 1]),
                        int(long_.starts[p0]),
                        int(long_.ends[p - 1 + size - 1]),
                        k - k0 + size - 1,
                    )
                )
            if k == k0:
                k += 1
    return out


def relation_of(
    comparison: Comparison, near_jaccard: float, partial_containment: float
) -> Relation | None:
    """The relation two compared texts have under the given thresholds, or None."""
    if comparison.jaccard >= near_jaccard:
        return "near-duplicate"
    if comparison.containment >= partial_containment:
        return "partial-copy"
    return None
