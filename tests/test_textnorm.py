"""Stored text is what the page says; only the content hash folds compatibility forms."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.textnorm import content_hash, normalize_text

FAITHFUL = [
    "\ufeb3\ufeae\ufee3 السلام",  # Arabic presentation forms
    "Add ½ cup of sugar",
    "ⓒ 2024 Example News",
    "ﬁnal ﬂight",  # ligatures
    "x² and H₂O",
]


@pytest.mark.parametrize("text", FAITHFUL)
def test_stored_text_keeps_what_the_page_says(text: str) -> None:
    assert normalize_text(text) == text


def test_only_whitespace_is_normalised() -> None:
    assert normalize_text("  one\u00a0 two\r\n\r\n\tthree  \rfour ") == "one two\nthree\nfour"


@pytest.mark.parametrize("text", FAITHFUL)
def test_hash_is_that_of_the_folded_text_stored_before(text: str) -> None:
    # versions stored NFKC-folded by earlier releases keep their hash: no new version
    folded = normalize_text(unicodedata.normalize("NFKC", text))
    assert content_hash(text) == content_hash(folded)
    assert content_hash(text + " more") != content_hash(text)


def test_hash_ignores_whitespace_and_compatibility_forms() -> None:
    assert content_hash("A\u00a0 B\n\nC") == content_hash("A B\nC")
    assert content_hash("ﬁnal ½") == content_hash("final 1\u20442")
