"""Normalised words of a text and their seeded 64-bit word-shingle hashes."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import numpy.typing as npt
import xxhash

_WORD = re.compile(r"\w+", re.UNICODE)
_JUNK = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
# An odd multiplier makes the polynomial combination of word hashes a bijection per position.
_MULT = np.uint64(0x9E3779B97F4A7C15)

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]


class Shingled:
    """A text's word-shingle hashes, with each word's character span for reporting passages.

    The spans are found when first asked for: only texts that turn out to share passages, or
    that travel between processes, need them, and finding them costs as much as the words.
    """

    __slots__ = ("_ends", "_starts", "_text", "hashes", "word_count")

    def __init__(
        self,
        hashes: U64Array,
        starts: I64Array | None = None,
        ends: I64Array | None = None,
        *,
        word_count: int | None = None,
        text: str | None = None,
    ) -> None:
        if (starts is None) != (ends is None) or (starts is None and text is None):
            raise ValueError("Shingled needs both spans, or the text to find them in")
        self.hashes = hashes
        self._starts = starts
        self._ends = ends
        self._text = text
        self.word_count: int = len(starts) if starts is not None else int(word_count or 0)

    @property
    def starts(self) -> I64Array:
        """Each word's start in the text."""
        return self._spans()[0]

    @property
    def ends(self) -> I64Array:
        """Each word's end in the text."""
        return self._spans()[1]

    def _spans(self) -> tuple[I64Array, I64Array]:
        if self._starts is None or self._ends is None:
            text = self._text or ""
            norm = unicodedata.normalize("NFKC", text)
            # NFKC can change lengths (ligatures): spans are reported in the caller's text only
            # when it is stable
            if len(norm) != len(text):
                self._starts = np.zeros(self.word_count, dtype=np.int64)
                self._ends = np.zeros(self.word_count, dtype=np.int64)
            else:
                spans = [m.span() for m in _WORD.finditer(norm)]
                self._starts = np.fromiter((a for a, _ in spans), np.int64, count=len(spans))
                self._ends = np.fromiter((b for _, b in spans), np.int64, count=len(spans))
            self._text = None
        return self._starts, self._ends


def prose_share(text: str, sample_chars: int = 600) -> float:
    """The share of ``text``'s opening that reads as words: 0.0 for junk, near 1.0 for prose.

    Words must start with a letter and be of a word's length; a text that is mostly replacement or
    control characters (binary decoded as text) scores 0. Articles score 0.8 or more; tables of
    figures, hashes and binary junk far less, and their repeated tokens would otherwise look
    like shared passages.
    """
    sample = text[:sample_chars]
    if len(_JUNK.findall(sample)) * 50 > len(sample):
        return 0.0
    words = _WORD.findall(sample)
    if not words:
        return 0.0
    # a word starts with a letter ("0x3f", "9981" and hashes do not) and is of a word's length
    return sum(1 for w in words if w[0].isalpha() and len(w) <= 30) / len(words)


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
    words = [w.casefold() for w in _WORD.findall(norm)]
    hash_word = xxhash.xxh3_64_intdigest
    word_hashes = np.fromiter(
        (hash_word(w.encode(), seed) for w in words), dtype=np.uint64, count=len(words)
    )
    n = len(words) - size + 1
    if n <= 0:
        return Shingled(np.empty(0, dtype=np.uint64), word_count=len(words), text=text)
    with np.errstate(over="ignore"):
        acc = word_hashes[:n].copy()
        for j in range(1, size):
            acc = acc * _MULT + word_hashes[j : j + n]
        hashes = _fmix64(acc)
    return Shingled(hashes, word_count=len(words), text=text)
