"""Text normalisation and content hashing shared by extraction, dedup and storage."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Canonical form of an article text: NFKC, one space between words, one line a paragraph.

    Two texts that differ only in whitespace, non-breaking spaces or Unicode compatibility forms
    normalise to the same string, so re-serialised pages do not count as changed.
    """
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: equal hashes mean the same article text."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def body_hash(body: bytes) -> str:
    """SHA-256 (hex) of a raw response body, to recognise a byte-identical page cheaply."""
    return hashlib.sha256(body).hexdigest()


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, punctuation dropped."""
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    """Number of words in a text."""
    return sum(1 for _ in _WORD.finditer(text))
