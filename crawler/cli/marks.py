"""Marked text for the terminal and for files: colours at a terminal, plain markers elsewhere.

Piped to a file or a pager, colours vanish and with them what changed; markers in the style of
``git diff --word-diff=plain`` survive: ``[-removed-]``, ``{+added+}``, and ``[[shared]]`` for a
passage two articles share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text

from storage.diff import Op

# C0 controls but tab and newline, DEL and C1: an escape sequence in a stored page must not reach
# the terminal as one (it could move the cursor, retitle the window or hide lines)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` instead of acting on the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, slots=True)
class Mark:
    """How one kind of marked text is shown: a style at a terminal, markers elsewhere."""

    style: str
    opening: str
    closing: str


REMOVED = Mark("red strike", "[-", "-]")
ADDED = Mark("bold green", "{+", "+}")
SHARED = Mark("bold yellow", "[[", "]]")
_OPS = {"delete": REMOVED, "insert": ADDED}


def append_marked(out: Text, chunk: str, mark: Mark | None, *, plain: bool) -> None:
    """Add ``chunk`` to ``out``, marked by ``mark`` (spaces around it stay outside the marks)."""
    chunk = printable(chunk)
    core = chunk.strip()
    if mark is None or not core:
        out.append(chunk)
        return
    start = chunk.index(core)
    out.append(chunk[:start])
    if plain:
        out.append(f"{mark.opening}{core}{mark.closing}")
    else:
        out.append(core, style=mark.style)
    out.append(chunk[start + len(core) :])


def word_diff(chunks: Iterable[tuple[Op, str]], *, plain: bool) -> Text:
    """Word-diff chunks as one text: removed and added words marked."""
    out = Text()
    for op, chunk in chunks:
        append_marked(out, chunk, _OPS.get(op), plain=plain)
    return out


def shared_passages(text: str, spans: Iterable[tuple[int, int]], *, plain: bool) -> Text:
    """``text`` with the character ``spans`` it shares with another article marked."""
    out = Text()
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        if end <= start:
            continue
        append_marked(out, text[position:start], None, plain=plain)
        append_marked(out, text[start:end], SHARED, plain=plain)
        position = end
    append_marked(out, text[position:], None, plain=plain)
    return out
