"""``crawler db``: the store's schema revision and its upgrade."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.exc import DBAPIError

from crawler.cli.common import (
    command_line_settings,
    console,
    db_option,
    err_console,
    progress_bar,
    set_option,
)
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


@db.command()
@db_option
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Judge every pair again, not only those judged by older rules (after changing "
    "SYNDICATION_* settings, or to apply the boilerplate the store has learned since).",
)
@set_option("A SYNDICATION_* setting for this run, as the crawl would use it (repeatable).")
def recluster(db: str | None, everything: bool, overrides: tuple[str, ...]) -> None:
    """Judge stored syndication pairs again and rebuild the clusters.

    Pairs are judged with the current rules and with the boilerplate the whole store has
    learned, in batches that each commit: a run that stops goes on where it stopped when run
    again. The clusters are rebuilt in one transaction at the end; a failure leaves the
    previous ones in place. No article, version or pair is deleted.
    """
    from scrapy.exceptions import NotConfigured
    from scrapy.settings import Settings

    from crawler.pipelines.syndication import syndication_config
    from crawler.syndication.config import signature_scheme
    from storage import Store
    from storage.recluster import judge_again, load_index
    from storage.syndication import SyndicationStore

    settings = Settings()
    for name, value in command_line_settings(overrides).items():
        if not name.startswith("SYNDICATION_"):
            raise click.BadParameter(
                f"{name}: only SYNDICATION_* settings apply to reclustering", param_hint="'--set'"
            )
        settings.set(name, value)
    try:
        config = syndication_config(settings)
    except NotConfigured as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    store = Store(db, create=False)
    try:
        syn = SyndicationStore(store)
        if everything:
            syn.mark_stale()
        pairs = syn.pairs_to_judge()
        err_console.print(f"loading the syndication index; {len(pairs)} pairs to judge")
        index, signed = load_index(syn, config, signature_scheme(config))
        with progress_bar(len(pairs), "judging pairs") as advance:
            report = judge_again(syn, index, pairs, progress=advance)
        clusters = syn.recluster()
    finally:
        store.close()
    console.print(
        f"{report.judged} pairs judged ({report.uncounted} rest on boilerplate or too little "
        f"shared text and no longer count), {signed} versions signed, {clusters} clusters",
        markup=False,
        soft_wrap=True,
    )


@db.command("datasette-metadata")
@db_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def datasette_metadata(db: str | None, out: Path | None) -> None:
    """Write the Datasette metadata that turns on full-text search in the versions table.

    Datasette does not detect the store's search index by itself; pass this file with
    --metadata: datasette STORE --metadata FILE. It names the database after the store's file,
    as Datasette does, so write it again for a store under another name.
    """
    from sqlalchemy.engine import make_url

    from storage import datasette

    url = resolve_db_url(db)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise click.UsageError(f"{safe_url(url)} is not a SQLite file; Datasette reads SQLite")
    engine = open_engine(url, create=False)
    try:
        with engine.connect() as conn:
            if not datasette.has_fts_table(conn):
                raise StorageError(f"{safe_url(url)} has no {datasette.FTS_TABLE} table")
    finally:
        engine.dispose()
    document = json.dumps(datasette.metadata(datasette.database_name(parsed.database)), indent=2)
    if out is None:
        click.echo(document)
        return
    out.write_text(document + "\n", encoding="utf-8")
    err_console.print(f"Datasette metadata written to {out}", markup=False)
