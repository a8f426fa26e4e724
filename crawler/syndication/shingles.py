"""Normalised words of a text and their seeded 64-bit word-shingle hashes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import xxhash

_WORD = re.compile(r"\w+", re.UNICODE)
# a word that starts with a letter, of at most 30 characters ("0x3f", "9981" and hashes are not)
_LETTERED = re.compile(r"(?<!\w)[^\W\d_]\w{0,29}(?!\w)")
_JUNK = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
# An odd multiplier makes the polynomial combination of word hashes a bijection per position.
_MULT = np.uint64(0x9E3779B97F4A7C15)

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Shingled:
    """A text's word-shingle hashes, with each word's character span for reporting passages."""

    hashes: U64Array
    starts: I64Array
    ends: I64Array

    @property
    def word_count(self) -> int:
        """Number of words in the text."""
        return len(self.starts)


def prose_share(text: str, sample_chars: int = 1000) -> float:
    """The share of ``text``'s opening that reads as words: 0.0 for junk, near 1.0 for prose.

    Words must start with a letter and be of a word's length; a text that is mostly replacement or
    control characters (binary decoded as text) scores 0. Articles score 0.8 or more; tables of
    figures, hashes and binary junk far less, and their repeated tokens would otherwise look
    like shared passages.
    """
    sample = text[:sample_chars]
    if len(_JUNK.findall(sample)) * 50 > len(sample):
        return 0.0
    words = len(_WORD.findall(sample))
    return len(_LETTERED.findall(sample)) / words if words else 0.0


def _fmix64(h: U64Array) -> U64Array:
    # MurmurHash3 finaliser: spreads the polynomial's low-entropy high bits over the whole word.
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def shingle(text: str, size: int, seed: int) -> Shingled:
    """Hash the word ``size``-grams of ``text`` (NFKC, case-folded, punctuation dropped).

    Each word is hashed once with seeded xxh3-64 and the n-gram hashes are combined with numpy,
    which is what makes sketching fast enough to run on every stored version.
    A text with fewer than ``size`` words has no shingles.
    """
    norm = unicodedata.normalize("NFKC", text)
    spans = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(norm)]
    # NFKC can change lengths (ligatures): report spans in the caller's text only when it is stable.
    if len(norm) != len(text):
        spans = [(0, 0, w) for _, _, w in spans]
    hash_word = xxhash.xxh3_64_intdigest
    word_hashes = np.fromiter(
        (hash_word(w.encode(), seed) for _, _, w in spans), dtype=np.uint64, count=len(spans)
    )
    starts = np.fromiter((s for s, _, _ in spans), dtype=np.int64, count=len(spans))
    ends = np.fromiter((e for _, e, _ in spans), dtype=np.int64, count=len(spans))
    n = len(spans) - size + 1
    if n <= 0:
        return Shingled(np.empty(0, dtype=np.uint64), starts, ends)
    with np.errstate(over="ignore"):
        acc = word_hashes[:n].copy()
        for j in range(1, size):
            acc = acc * _MULT + word_hashes[j : j + n]
        hashes = _fmix64(acc)
    return Shingled(hashes, starts, ends)
