"""``crawler export``: every article's current version as JSON Lines or CSV, streamed."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy import func, select

from crawler.cli.common import db_option, err_console, progress_bar
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
@db_option
def export(fmt: str, out: Path | None, force: bool, db: str | None) -> None:
    """Export the current version of every article, one record each.

    Records carry url, publisher, title, authors, published, language, fetched_at, first_seen,
    version, content_hash, word_count, cluster, relation, original_url and text. A file is
    written under a temporary name and renamed when complete; it is never overwritten unless
    --force is given.
    """
    if out is not None and out.exists() and not force:
        raise click.UsageError(f"{out} already exists; pass --force to replace it")
    store = Store(db, create=False)
    try:
        with store.reader() as session:
            total = session.scalar(select(func.count(models.Article.id))) or 0
            records = iter_export(session)
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
            err_console.print(f"{count} articles written to {out}")
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
