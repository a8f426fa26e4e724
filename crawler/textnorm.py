"""Text normalisation and content hashing shared by extraction, dedup and storage."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalize_text(text: str) -> str:
    """An article text as stored: one space between words, one line a paragraph.

    Only whitespace is touched: the text is what the page says. Unicode compatibility folding
    (NFKC) would change what users read: Arabic presentation forms into other letters, "½" into
    "1", a fraction slash and "2", "ⓒ" into "c". It belongs to :func:`content_hash` and to the
    syndication shingles.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the text's canonical form: equal hashes mean the same article text.

    The canonical form is NFKC with whitespace normalised, so texts that differ only in
    whitespace, non-breaking spaces or compatibility forms hash alike, and a version stored
    NFKC-folded (as earlier versions of the product stored them) hashes as the same page's text
    does now: re-crawling it makes no new version.
    """
    canonical = normalize_text(unicodedata.normalize("NFKC", text))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def body_hash(body: bytes) -> str:
    """SHA-256 (hex) of a raw response body, to recognise a byte-identical page cheaply."""
    return hashlib.sha256(body).hexdigest()


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, punctuation dropped."""
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    """Number of words in a text."""
    return sum(1 for _ in _WORD.finditer(text))
