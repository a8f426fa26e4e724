"""``crawler export``: every article's current version as JSON Lines or CSV, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy import func, select

from crawler.cli.common import db_option, err_console, progress_bar, since_option
from storage import Store, models
from storage.queries import EXPORT_KEYS, iter_export


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--all-versions", is_flag=True, help="Every stored version, not only the current.")
@click.option(
    "--since",
    callback=since_option,
    metavar="24h|7d|DATE",
    help="Only versions stored since then: a duration back from now (30m, 24h, 7d) or a date.",
)
@click.option("--collection", help="Only articles this collection follows.")
@click.option("--publisher", help="Only articles of this publisher.")
@db_option
def export(
    fmt: str,
    out: Path | None,
    force: bool,
    all_versions: bool,
    since: dt.datetime | None,
    collection: str | None,
    publisher: str | None,
    db: str | None,
) -> None:
    """Export the current version of every article (or every version), one record each.

    Records carry url (canonical), crawled_url (the URL fetched), publisher, title, authors,
    published, language, fetched_at, first_seen, version, content_hash, word_count, cluster,
    relation, original_url and text; times are UTC, written with a Z. A file is written under a
    temporary name and renamed when complete; it is never overwritten unless --force is given.
    """
    if out is not None and out.exists() and not force:
        raise click.UsageError(f"{out} already exists; pass --force to replace it")
    store = Store(db, create=False)
    try:
        with store.reader() as session:
            counted = models.Version.id if all_versions else models.Article.id
            total = session.scalar(select(func.count(counted))) or 0
            records = iter_export(
                session,
                all_versions=all_versions,
                since=since,
                collection=collection,
                publisher=publisher,
            )
            if out is None:
                _write(records, sys.stdout, fmt)
                return
            folder = out.resolve().parent
            if not folder.is_dir():
                raise click.UsageError(f"folder {folder} does not exist")
            # closed by the `with` below, then renamed over the target
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
                "w", encoding="utf-8", newline="", dir=folder, prefix=f".{out.name}.", delete=False
            )
            try:
                with handle, progress_bar(total, "exporting") as advance:
                    count = _write(records, handle, fmt, advance)
                os.replace(handle.name, out)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
            err_console.print(
                f"{count} {'versions' if all_versions else 'articles'} written to {out}",
                markup=False,
            )
    finally:
        store.close()


def _write(records: Any, stream: IO[str], fmt: str, advance: Any = None) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=list(EXPORT_KEYS))
        writer.writeheader()
    for record in records:
        if fmt == "csv":
            record["authors"] = "; ".join(record["authors"])
            writer.writerow(record)
        else:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
        if advance is not None:
            advance()
    return count
