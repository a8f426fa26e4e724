"""Open the store's database: choose the URL, set SQLite up properly, create the schema."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from crawler.errors import StorageError

ENV_VAR = "CRAWLER_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> Path:
    """The SQLite file used when no store is named: under ``$XDG_DATA_HOME/crawler``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "crawler" / "crawler.db"


def resolve_db_url(value: str | os.PathLike[str] | None = None) -> str:
    """The database URL for ``value``: a SQLAlchemy URL, a file path, or ``None``.

    ``None`` falls back to the ``CRAWLER_DB_URL`` environment variable, then to the default
    SQLite file. A plain path names a SQLite file.
    """
    raw = os.fspath(value) if value is not None else ""
    if not raw:
        raw = os.environ.get(ENV_VAR, "")
    if not raw:
        raw = str(default_db_path())
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


def safe_url(url: str) -> str:
    """``url`` with any password masked, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would issue a plain BEGIN; turn it off so that
    # _sqlite_begin decides how each transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


READ_ONLY = "crawler_read_only"


def _sqlite_begin(conn: Any) -> None:
    # In WAL mode a deferred transaction that reads and then writes fails at once with
    # "database is locked" when another writer got in between, whatever busy_timeout says:
    # writes take the lock up front. Read-only sessions (READ_ONLY execution option) must not,
    # or a long read would hold off every writer.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url`` with the store's connection settings, schema untouched.

    Raises:
        StorageError: the URL is invalid, its driver is missing, or (SQLite) the file is missing
            while ``create`` is off, or is a folder.
    """
    shown = safe_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {shown!r}") from exc
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.exists() and not create:
            raise StorageError(f"no store at {path}: run a crawl first or pass --db")
        if path.is_dir():
            raise StorageError(f"cannot open the store {path}: it is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite)
    except NoSuchModuleError as exc:
        raise StorageError(f"no driver for {shown!r}: {exc}") from exc
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"the driver for {shown!r} is not installed ({exc.name}); "
            "for PostgreSQL install crawler[postgres]"
        ) from exc
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_engine(url: str, *, create: bool = True, migrate: bool | None = None) -> Engine:
    """An engine for ``url``, with the schema at the product's revision.

    Args:
        url: SQLAlchemy database URL.
        create: create a missing SQLite file (otherwise a missing file is an error).
        migrate: apply pending migrations; by default only for SQLite, the embedded store.
            A server database is upgraded by ``crawler db upgrade``.

    Raises:
        StorageError: as :func:`make_engine`; or the database cannot be opened (for SQLite: the
            file is not a database); or its schema is behind and ``migrate`` is off.
    """
    engine = make_engine(url, create=create)
    if migrate is None:
        migrate = engine.dialect.name == "sqlite"
    try:
        _check_schema(engine, safe_url(url), migrate)
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise StorageError(f"cannot open the store {safe_url(url)}: {reason}") from exc
    except StorageError:
        engine.dispose()
        raise
    return engine


# The schema revision this version of the product writes: the head of ``storage/migrations``
# (a test checks that the two agree). A store already at it opens without loading Alembic.
SCHEMA_REVISION = "0007"


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None  # no revision table (a new or unversioned store), or not a database
    return str(value) if value is not None else None


def _check_schema(engine: Engine, shown: str, migrate: bool) -> None:
    if _stored_revision(engine) == SCHEMA_REVISION:
        return
    from alembic.util.exc import CommandError

    from storage import migrate as migrations

    head = migrations.head_revision()
    if migrate:
        try:
            migrations.upgrade(engine)
        except CommandError as exc:
            raise StorageError(
                f"cannot upgrade the store {shown}: {exc}; was it written by a newer version?"
            ) from exc
        return
    current = migrations.current_revision(engine)
    if current != head:
        raise StorageError(
            f"the store {shown} is at schema revision {current or 'none'}, this version needs "
            f"{head}: run `crawler db upgrade --db URL` first"
        )
