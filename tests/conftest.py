"""Shared fixtures: stores on SQLite and PostgreSQL, the local snapshot server, saved pages."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from storage import Store

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "seeds" / "snapshots" / "putin-india-visit"
SEEDS = ROOT / "seeds" / "putin-india-visit.toml"
REALPAGES = ROOT.parent / "shared" / "data" / "realpages"
PG_URL = os.environ.get("CRAWLER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True, scope="session")
def _no_user_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Neither a config file nor CRAWLER_* variables of the person running the tests reach them
    (subprocesses included); tests that need either set their own."""
    from crawler.config.table import BY_ENV

    saved = dict(os.environ)
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    for variable in BY_ENV:
        if variable != "CRAWLER_DB_URL":
            os.environ.pop(variable, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _pg_problem() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except (OperationalError, ModuleNotFoundError) as exc:
        return f"PostgreSQL at {PG_URL} is not usable: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The PostgreSQL test server's URL; skips (or fails under CI=true) when it is down."""
    problem = _pg_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests must run)")
        pytest.skip(problem)
    return PG_URL


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_base_url else "?"
    url = f"{pg_base_url}{sep}options=-csearch_path%3D{schema}"
    Store(url, migrate=True).close()
    yield url
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@dataclass
class SnapshotServer:
    """A running ``crawler.snapserver`` subprocess."""

    base_url: str
    process: subprocess.Popen[str]

    def set_state(self, state: str) -> None:
        with urllib.request.urlopen(f"{self.base_url}/_snapshot/state?set={state}") as resp:
            assert resp.read().decode().strip() == state

    def local_seeds(self, folder: Path) -> Path:
        with urllib.request.urlopen(f"{self.base_url}/_snapshot/seeds.toml") as resp:
            body = resp.read()
        path = folder / "local-seeds.toml"
        path.write_bytes(body)
        return path


@pytest.fixture
def snapshot_server() -> Iterator[SnapshotServer]:
    """The bundled snapshot served over real HTTP on 127.0.0.1 (a free port)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.snapserver", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("serving "), line
    yield SnapshotServer(line.removeprefix("serving "), process)
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


def snapshot_page(name: str, state: str = "1") -> str:
    """The HTML of a snapshot page, by file name."""
    return (SNAPSHOT / f"state-{state}" / name).read_text(encoding="utf-8")
