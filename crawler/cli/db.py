"""``crawler db``: the store's schema revision and its upgrade."""

from __future__ import annotations

import click
from sqlalchemy.exc import DBAPIError

from crawler.cli.common import console, db_option
from crawler.errors import StorageError
from storage.db import make_engine, open_engine, resolve_db_url, safe_url


@click.group()
def db() -> None:
    """Manage the store's schema."""


@db.command()
@db_option
def upgrade(db: str | None) -> None:
    """Bring the store's schema to this version's revision (server databases need this)."""
    from storage import migrate  # Alembic: loaded by the commands that need it

    url = resolve_db_url(db)
    engine = open_engine(url, migrate=True)
    try:
        console.print(f"{safe_url(url)}: schema at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()


@db.command()
@db_option
def revision(db: str | None) -> None:
    """Show the store's schema revision and the one this version needs."""
    from storage import migrate

    url = resolve_db_url(db)
    engine = make_engine(url, create=False)
    try:
        try:
            current = migrate.current_revision(engine)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0]
            raise StorageError(f"cannot open the store {safe_url(url)}: {reason}") from exc
        console.print(
            f"{safe_url(url)}: revision {current or 'none'}; "
            f"this version needs {migrate.head_revision()}"
        )
    finally:
        engine.dispose()
