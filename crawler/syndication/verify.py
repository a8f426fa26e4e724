"""Exact comparison of two shingled texts: Jaccard, containment and the shared passages.

Shared text that is boilerplate (site chrome, newsletter pitches, paywall lines: see
:mod:`crawler.syndication.boilerplate`) is discounted: a comparison is given the anchors known to
be boilerplate for the two texts, and estimates from them how much of each shared passage, and of
each text, is boilerplate. Anchors are a uniform 1/``anchor_mod`` sample of the shingles, so the
share of boilerplate anchors in a passage estimates the share of boilerplate shingles in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from crawler.syndication.shingles import Shingled, U64Array

Relation = Literal["near-duplicate", "partial-copy"]
_NONE = np.empty(0, dtype=np.uint64)


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
    """Exact overlap of texts ``a`` and ``b``; ``contained`` names the shorter one.

    ``jaccard`` and ``containment`` leave boilerplate out of both the shared text and the texts'
    sizes; ``story_words`` is the shared text that is not boilerplate, in words, counted in
    passages of at least ``passage_words`` words.
    """

    jaccard: float
    containment: float
    contained: Literal["a", "b"]
    passages: tuple[Passage, ...]
    story_words: int = 0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    # Maximal runs of True as half-open [start, end) intervals.
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def _flagged_share(hashes: U64Array, anchor_mod: int, boilerplate: U64Array) -> float | None:
    # The share of boilerplate among ``hashes``' anchors; None when there is no anchor to judge.
    anchors = hashes[hashes % np.uint64(anchor_mod) == 0]
    if not len(anchors):
        return None
    return float(np.isin(anchors, boilerplate).mean())


def compare(
    a: Shingled,
    b: Shingled,
    shingle_size: int,
    passage_words: int,
    *,
    anchor_mod: int = 8,
    boilerplate: U64Array | None = None,
) -> Comparison:
    """Compare two shingled texts exactly.

    Containment is the share of the shorter text's distinct shingles that lie in passages of at
    least ``passage_words`` words also found in the other text: isolated common phrases
    ("the prime minister said on") do not count, so only copied runs of text make a copy.

    Args:
        a: the first text's shingles (the ``a_*`` spans of passages refer to it).
        b: the second text's shingles.
        shingle_size: the word n-gram size both were shingled with.
        passage_words: the shortest shared run that counts, in words.
        anchor_mod: the anchor sampling modulus the texts' signatures use.
        boilerplate: sorted anchor hashes that are boilerplate for these two texts.
    """
    flagged = _NONE if boilerplate is None else boilerplate
    ua = np.unique(a.hashes)
    ub = np.unique(b.hashes)
    shared = np.intersect1d(ua, ub, assume_unique=True)
    inter = len(shared)
    contained: Literal["a", "b"] = "a" if len(ua) <= len(ub) else "b"
    short, long_, ushort, ulong = (a, b, ua, ub) if contained == "a" else (b, a, ub, ua)
    if not len(flagged):
        f_a = f_b = f_shared = 0.0
    else:
        f_a = _flagged_share(ua, anchor_mod, flagged) or 0.0
        f_b = _flagged_share(ub, anchor_mod, flagged) or 0.0
        share = _flagged_share(shared, anchor_mod, flagged)
        f_shared = max(f_a, f_b) if share is None else share
    story_inter = inter * (1.0 - f_shared)
    union = len(ua) * (1.0 - f_a) + len(ub) * (1.0 - f_b) - story_inter
    jaccard = min(1.0, story_inter / union) if union > 0 else 0.0
    if inter == 0 or not len(ushort):
        return Comparison(jaccard, 0.0, contained, ())
    min_run = max(1, passage_words - shingle_size + 1)
    in_long = np.isin(short.hashes, ulong, assume_unique=False)
    kept = [(s, e) for s, e in _runs(in_long) if e - s >= min_run]
    if not kept:
        return Comparison(jaccard, 0.0, contained, ())
    covered = len(np.unique(np.concatenate([short.hashes[s:e] for s, e in kept])))
    f_short = f_a if contained == "a" else f_b
    boiler_shingles = 0.0
    story_words = 0.0
    for s, e in kept:
        share = _flagged_share(short.hashes[s:e], anchor_mod, flagged) if len(flagged) else 0.0
        # a passage too short to hold an anchor is judged by its text's overall share
        share = f_short if share is None else share
        boiler_shingles += (e - s) * share
        story_words += (e - s + shingle_size - 1) * (1.0 - share)
    story_size = len(ushort) * (1.0 - f_short)
    story_covered = max(0.0, covered - boiler_shingles)
    containment = min(1.0, story_covered / story_size) if story_size > 0 else 0.0
    passages = _align(short, long_, kept, shingle_size, min_run)
    if contained == "b":
        passages = [Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.words) for p in passages]
    return Comparison(jaccard, containment, contained, tuple(passages), round(story_words))


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
    comparison: Comparison,
    near_jaccard: float,
    partial_containment: float,
    min_shared_words: int = 0,
) -> Relation | None:
    """The relation two compared texts have under the given thresholds, or None.

    Either relation also needs ``min_shared_words`` words of shared text that is not
    boilerplate: a 60-word page is not "40% contained" in another through two common sentences.
    """
    if comparison.story_words < min_shared_words:
        return None
    if comparison.jaccard >= near_jaccard:
        return "near-duplicate"
    if comparison.containment >= partial_containment:
        return "partial-copy"
    return None
