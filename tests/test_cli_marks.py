"""``crawler diff`` and ``crawler duplicates URL``: colours at a terminal, markers elsewhere."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from rich.text import Text

from crawler.cli.marks import printable, shared_passages, word_diff
from tests import test_cli_query
from tests.test_cli_query import TIME_URL, cli

store_path = test_cli_query.store_path
clustered_store = test_cli_query.clustered_store
CRAWLER = str(Path(sys.executable).parent / "crawler")
COPY_URL = "https://site1.example/1"


def in_terminal(*args: str) -> str:
    """What the CLI writes to a terminal (a pseudo-terminal 200 columns wide)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", CRAWLER_DB_URL="", COLUMNS="200")
    process = subprocess.Popen(
        [CRAWLER, *args], stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    assert process.wait(timeout=60) == 0, b"".join(chunks)
    return b"".join(chunks).decode()


def in_pipe(*args: str) -> str:
    env = {**os.environ, "CRAWLER_DB_URL": "", "TERM": "xterm-256color"}
    done = subprocess.run(
        [CRAWLER, *args], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    return done.stdout


def test_diff_marks_words_outside_a_terminal(store_path: Path) -> None:
    result = cli("diff", TIME_URL, "--db", str(store_path))
    assert result.exit_code == 0, result.output
    assert "Ukraine in [-2019—-] {+2022—+} the two leaders" in result.output
    assert "\x1b[" not in result.output
    piped = in_pipe("diff", TIME_URL, "--db", str(store_path))
    assert "[-2019—-] {+2022—+}" in piped
    assert "\x1b[" not in piped


def test_diff_colours_words_at_a_terminal(store_path: Path) -> None:
    shown = in_terminal("diff", TIME_URL, "--db", str(store_path))
    assert "2019" in shown
    assert "2022" in shown
    assert "\x1b[" in shown
    assert "[-" not in shown
    assert "{+" not in shown


def test_diff_side_by_side_puts_old_left_and_new_right(store_path: Path) -> None:
    result = cli("diff", TIME_URL, "--db", str(store_path), "--side-by-side")
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    assert "version 2" in result.output
    rows = [line.split("│") for line in result.output.splitlines() if line.count("│") == 3]
    assert rows
    assert any("[-2019—-]" in old and "{+2022—+}" in new for _, old, new, _ in rows)
    assert not any("{+" in old or "[-" in new for _, old, new, _ in rows)
    assert "\x1b[" not in result.output
    both = cli("diff", TIME_URL, "--db", str(store_path), "--side-by-side", "--lines")
    assert both.exit_code == 2
    assert "cannot be combined" in both.output
    shown = in_terminal("diff", TIME_URL, "--db", str(store_path), "--side-by-side")
    assert "\x1b[" in shown
    assert "[-" not in shown


def test_duplicates_marks_shared_passages(clustered_store: Path) -> None:
    result = cli("duplicates", COPY_URL, "--db", str(clustered_store))
    assert result.exit_code == 0, result.output
    assert "[[copy 1 of]] story 1" in result.output
    help_text = cli("duplicates", "--help").output
    assert "[[...]]" in help_text
    shown = in_terminal("duplicates", COPY_URL, "--db", str(clustered_store))
    assert "copy 1 of" in shown
    assert "[[" not in shown
    assert "\x1b[" in shown


def test_marks_keep_spaces_outside_and_escape_controls() -> None:
    text = word_diff([("equal", "a "), ("delete", "b c "), ("insert", "d\x1b[2J ")], plain=True)
    assert text.plain == "a [-b c-] {+d\\x1b[2J+} "
    coloured = word_diff([("delete", " b ")], plain=False)
    assert coloured.plain == " b "
    assert [(s.start, s.end) for s in coloured.spans] == [(1, 2)]
    shared = shared_passages("one two three", [(4, 7), (0, 3), (5, 6)], plain=True)
    assert shared.plain == "[[one]] [[two]] three"
    assert printable("tab\tnew\nline\x07\x9b") == "tab\tnew\nline\\x07\\x9b"
    assert isinstance(shared, Text)
