"""The demo's "Try:" lines work as printed, with the virtualenv not activated."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT

BIN = ROOT / ".venv" / "bin"


def test_the_demos_suggested_commands_run_as_printed(tmp_path: Path) -> None:
    # a shell in which `crawler` is not on the PATH: the venv is not activated
    env = {**os.environ, "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "300"}
    env.pop("CRAWLER_DB_URL", None)
    env.pop("VIRTUAL_ENV", None)
    db = tmp_path / "demo.db"
    demo = subprocess.run(
        [str(BIN / "crawler"), "demo", "--db", str(db)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    tries = [line.strip() for line in demo.stdout.split("Try:", 1)[1].strip().splitlines()]
    commands = [line for line in tries if not line.startswith("sqlite3 ")]
    assert len(commands) == 2
    for command in commands:
        assert not command.startswith("crawler ")  # `crawler` alone would not be found
        ran = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ran.returncode == 0, (command, ran.stderr[-2000:])
        assert ran.stdout.strip()
