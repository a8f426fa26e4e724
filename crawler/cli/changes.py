"""``crawler changes``: what the store learned since a time, newest first."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from crawler.cli.common import (
    console,
    db_option,
    json_option,
    plain_text,
    print_json,
    since_option,
    when,
)
from crawler.cli.marks import ADDED, REMOVED, append_marked, printable
from crawler.cli.query import reading
from storage import changes as c

Change = c.NewArticle | c.NewVersion | c.NewCopy | c.CrawlProblem
KINDS = {
    c.NewArticle: "article",
    c.NewVersion: "version",
    c.NewCopy: "copy",
    c.CrawlProblem: "crawl",
}


@click.command()
@click.option(
    "--since",
    callback=since_option,
    default="24h",
    show_default=True,
    metavar="24h|7d|DATE",
    help="Changes since then: a duration back from now (30m, 24h, 7d, 2w) or a date.",
)
@click.option(
    "--collection",
    callback=plain_text,
    help="Only articles this collection follows, and its crawls.",
)
@click.option(
    "--publisher",
    callback=plain_text,
    help="Only articles of publishers whose name contains this (any case); leaves out crawls.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Show at most this many changes, the newest; 0 shows them all.",
)
@db_option
@json_option
def changes(
    since: dt.datetime,
    collection: str | None,
    publisher: str | None,
    limit: int,
    db: str | None,
    as_json: bool,
) -> None:
    """List what changed since a time, newest first.

    New articles; new versions of known articles, with the words added and removed and the first
    changes ([-removed-] {+added+}); new syndicated copies with their cluster's original; crawls
    that failed (ended other than "finished") or finished with fetch errors. Times are UTC.
    """
    filters = c.Filters(
        since=since, collection=collection, publisher=publisher, limit=limit or None
    )
    with reading(db) as session:
        found: list[Change] = [
            *c.new_articles(session, filters),
            *c.new_versions(session, filters),
            *c.new_copies(session, filters),
            *c.crawl_problems(session, filters),
        ]
    found.sort(key=lambda change: change.at, reverse=True)
    if limit:
        found = found[:limit]
    if as_json:
        print_json([record(change) for change in found])
        return
    if not found:
        console.print(f"no changes since {when(since)} UTC", markup=False)
        return
    table = Table(title=f"{len(found)} changes since {when(since)} UTC")
    for column in ("when", "what", "publisher", "title / detail", "url"):
        table.add_column(column, overflow="fold")
    for change in found:
        table.add_row(*row(change))
    console.print(table)


def record(change: Change) -> dict[str, Any]:
    """A change as a JSON object: its ``kind``, then its fields."""
    fields = dataclasses.asdict(change)
    if isinstance(change, c.CrawlProblem):
        fields["failed"] = change.failed
    return {"kind": KINDS[type(change)], **fields}


def row(change: Change) -> list[Text]:
    """A change as table cells; stored text is neither markup nor terminal control."""
    at = Text(when(change.at))
    if isinstance(change, c.NewArticle):
        return [
            at,
            Text("new article"),
            _cell(change.publisher),
            _cell(f"{change.title or '-'} ({change.word_count} words)"),
            _cell(change.url),
        ]
    if isinstance(change, c.NewVersion):
        detail = Text(printable(change.title or "-"))
        detail.append(f"\n+{change.words_added} / -{change.words_removed} words")
        for excerpt in change.excerpts:
            detail.append("\n…" + (printable(excerpt.context) + " " if excerpt.context else ""))
            append_marked(detail, excerpt.removed, REMOVED, plain=True)
            detail.append(" " if excerpt.removed and excerpt.added else "")
            append_marked(detail, excerpt.added, ADDED, plain=True)
            detail.append("…")
        return [
            at,
            Text(f"version {change.version}"),
            _cell(change.publisher),
            detail,
            _cell(change.url),
        ]
    if isinstance(change, c.NewCopy):
        detail = Text(printable(change.title or "-"))
        detail.append(f"\ncopy of {printable(change.original_url or 'an unknown original')}")
        if change.original_publisher:
            detail.append(f" ({printable(change.original_publisher)})")
        return [at, Text(change.relation), _cell(change.publisher), detail, _cell(change.url)]
    state = "failed" if change.failed else "degraded"
    detail = Text(
        f"run #{change.run_id} of {printable(change.collection)}: {printable(change.status)}, "
        f"{change.pages} pages, {change.errors} errors, {change.rejected} rejected"
    )
    if change.error:
        detail.append(f"\n{printable(change.error)}")
    return [at, Text(f"crawl {state}"), Text("-"), detail, Text("-")]


def _cell(value: str | None) -> Text:
    return Text(printable(value or "-"))
