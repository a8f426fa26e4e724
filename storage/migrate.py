"""Schema migrations: find a store's revision and bring it to the product's (Alembic)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision whose schema version 0.1.0 created without recording any revision.
UNVERSIONED_BASELINE = "0001"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision this version of the product needs."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's revision; ``None`` for an empty database or one made before revisions."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_unversioned_store(engine: Engine) -> bool:
    """Whether the database holds the product's tables without a recorded revision."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables:
            return False
    return {"articles", "versions", "fetches"} <= tables


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the head revision; returns (revision before, revision after)."""
    before = current_revision(engine)
    if before is None and is_unversioned_store(engine):
        with engine.begin() as conn:
            command.stamp(_config(conn), UNVERSIONED_BASELINE)
        before = UNVERSIONED_BASELINE
    head = head_revision()
    if before != head:
        with engine.begin() as conn:
            command.upgrade(_config(conn), "head")
    return before, head
