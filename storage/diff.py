"""Differences between two versions of an article: by line and by word, with counts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

_TOKEN = re.compile(r"\S+")

Op = Literal["equal", "insert", "delete"]


@dataclass(frozen=True, slots=True)
class TextDiff:
    """How text ``b`` differs from text ``a``."""

    words_added: int
    words_removed: int
    unified: list[str] = field(default_factory=list)
    words: list[tuple[Op, str]] = field(default_factory=list)
    changed_lines: list[int] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """Whether the texts have the same words in the same order."""
        return self.words_added == 0 and self.words_removed == 0


def diff_texts(a: str, b: str, *, label_a: str = "a", label_b: str = "b") -> TextDiff:
    """Line-level (unified) and word-level differences between ``a`` and ``b``."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    unified = list(
        difflib.unified_diff(lines_a, lines_b, fromfile=label_a, tofile=label_b, lineterm="")
    )
    words: list[tuple[Op, str]] = []
    added = removed = 0
    changed_lines: list[int] = []
    # Word differences paragraph by paragraph keep the matcher's work small on long texts.
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for line in lines_a[i1:i2]:
                words.append(("equal", line + "\n"))
            continue
        old_words = _TOKEN.findall("\n".join(lines_a[i1:i2]))
        new_words = _TOKEN.findall("\n".join(lines_b[j1:j2]))
        changed_lines.extend(range(j1, max(j2, j1 + 1)))
        inner = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
        for wtag, k1, k2, m1, m2 in inner.get_opcodes():
            if wtag == "equal":
                words.append(("equal", " ".join(old_words[k1:k2]) + " "))
                continue
            if wtag in ("delete", "replace"):
                words.append(("delete", " ".join(old_words[k1:k2]) + " "))
                removed += k2 - k1
            if wtag in ("insert", "replace"):
                words.append(("insert", " ".join(new_words[m1:m2]) + " "))
                added += m2 - m1
        words.append(("equal", "\n"))
    return TextDiff(
        words_added=added,
        words_removed=removed,
        unified=unified,
        words=words,
        changed_lines=changed_lines,
    )
