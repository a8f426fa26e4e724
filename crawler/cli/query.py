"""Commands that read the store: articles, versions, diff, search, fetches, stats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from crawler.cli.common import (
    DATE,
    console,
    db_option,
    json_option,
    plain_text,
    print_json,
    when,
)
from crawler.cli.marks import printable, word_diff
from storage import Store
from storage import queries as q
from storage.diff import Op, diff_texts
from storage.search import search as run_search


def plain_cells(*values: str) -> list[Text]:
    """Table cells shown as they are: stored text is never read as console markup."""
    return [Text(v) for v in values]


@contextmanager
def reading(db: str | None) -> Iterator[Session]:
    """A session on an existing store (a missing file is an error, not a new store)."""
    store = Store(db, create=False)
    try:
        with store.reader() as session:
            yield session
    finally:
        store.close()


@click.command()
@click.option(
    "--publisher",
    callback=plain_text,
    help="Only publishers whose name contains this (any case).",
)
@click.option("--since", type=DATE, help="Published (else first seen) on or after this date.")
@click.option("--until", type=DATE, help="Published (else first seen) before this date.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--sort", type=click.Choice(q.SORT_KEYS), default="last_fetched", show_default=True)
@db_option
@json_option
def articles(
    publisher: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    sort: str,
    db: str | None,
    as_json: bool,
) -> None:
    """List stored articles with their current version."""
    with reading(db) as session:
        rows = q.list_articles(
            session, publisher=publisher, since=since, until=until, limit=limit, sort=sort
        )
    if as_json:
        print_json([dataclasses.asdict(r) for r in rows])
        return
    table = Table(title=f"{len(rows)} articles")
    for column in ("publisher", "title", "v", "published", "last fetched", "words", "url"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            *plain_cells(
                r.publisher or "-",
                r.title or "-",
                str(r.version),
                when(r.published)[:10],
                when(r.last_fetched),
                str(r.word_count),
                r.url,
            )
        )
    console.print(table)


@click.command()
@click.argument("url", callback=plain_text)
@db_option
@json_option
def versions(url: str, db: str | None, as_json: bool) -> None:
    """List every version of the article at URL."""
    with reading(db) as session:
        rows = q.article_versions(session, url)
        records = [
            {
                "version": v.version,
                "fetched_at": v.fetched_at,
                "title": v.title,
                "published": v.published,
                "word_count": v.word_count,
                "content_hash": v.content_hash,
                "authors": json.loads(v.authors) if v.authors else [],
            }
            for v in rows
        ]
    if as_json:
        print_json({"url": url, "versions": records})
        return
    table = Table(title=url)
    for column in ("version", "fetched at", "words", "content hash", "title"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            *plain_cells(
                str(r["version"]),
                when(r["fetched_at"]),
                str(r["word_count"]),
                str(r["content_hash"])[:16],
                r["title"] or "-",
            )
        )
    console.print(table)


@click.command()
@click.argument("url", callback=plain_text)
@click.option("--from", "from_", type=int, default=-2, help="Older version (default: previous).")
@click.option("--to", "to", type=int, default=-1, help="Newer version (default: current).")
@click.option("--lines", is_flag=True, help="Show a unified line diff instead of words.")
@click.option(
    "--side-by-side",
    is_flag=True,
    help="Show the old and the new text of each changed paragraph in two columns.",
)
@db_option
@json_option
def diff(
    url: str,
    from_: int,
    to: int,
    lines: bool,
    side_by_side: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Show what changed in the article at URL between two versions.

    Version numbers count from 1; negative numbers count back from the current one. At a
    terminal removed words are red and struck through, added words green; elsewhere (a file, a
    pipe, a pager) they are marked [-removed-] and {+added+}.
    """
    if lines and side_by_side:
        raise click.UsageError("--lines and --side-by-side cannot be combined")
    with reading(db) as session:
        if len(q.article_versions(session, url)) < 2 and (from_, to) == (-2, -1):
            console.print(f"{url} has a single version: nothing to compare", markup=False)
            return
        old = q.get_version(session, url, from_)
        new = q.get_version(session, url, to)
        result = diff_texts(
            f"{old.title or ''}\n{old.text}",
            f"{new.title or ''}\n{new.text}",
            label_a=f"version {old.version}",
            label_b=f"version {new.version}",
        )
        numbers = (old.version, new.version)
    if as_json:
        print_json(
            {
                "url": url,
                "from": numbers[0],
                "to": numbers[1],
                "words_added": result.words_added,
                "words_removed": result.words_removed,
                "unified": result.unified,
            }
        )
        return
    plain = not console.is_terminal
    header = Text(printable(url), style="bold")
    header.append(f": version {numbers[0]} → {numbers[1]}: ")
    header.append(f"+{result.words_added}", style="green")
    header.append(" words, ")
    header.append(f"-{result.words_removed}", style="red")
    header.append(" words")
    console.print(header)
    if lines:
        for line in result.unified:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(Text(printable(line), style=style or ""), soft_wrap=True)
        return
    paragraphs = changed_paragraphs(result.words)
    if side_by_side:
        table = Table(expand=True, show_lines=True)
        table.add_column(f"version {numbers[0]}", ratio=1, overflow="fold")
        table.add_column(f"version {numbers[1]}", ratio=1, overflow="fold")
        for chunks in paragraphs:
            table.add_row(
                word_diff([c for c in chunks if c[0] != "insert"], plain=plain),
                word_diff([c for c in chunks if c[0] != "delete"], plain=plain),
            )
        console.print(table)
        return
    out = Text("\n\n").join(word_diff(chunks, plain=plain) for chunks in paragraphs)
    console.print(out, soft_wrap=True)


def changed_paragraphs(words: list[tuple[Op, str]]) -> list[list[tuple[Op, str]]]:
    """The paragraphs of a word diff that changed, each as its chunks (line ends dropped)."""
    paragraphs: list[list[tuple[Op, str]]] = []
    paragraph: list[tuple[Op, str]] = []
    for op, chunk in words:
        if op == "equal" and chunk.endswith("\n"):
            paragraph.append((op, chunk.rstrip("\n")))
            if any(o != "equal" for o, _ in paragraph):
                paragraphs.append(paragraph)
            paragraph = []
            continue
        paragraph.append((op, chunk))
    if any(o != "equal" for o, _ in paragraph):
        paragraphs.append(paragraph)
    return paragraphs


@click.command()
@click.argument("words", nargs=-1, required=True, callback=plain_text)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@db_option
@json_option
def search(words: tuple[str, ...], limit: int, db: str | None, as_json: bool) -> None:
    """Full-text search over the current version of every article.

    Words must all match; "quoted words" match as a phrase (crawler search '"state visit"'
    moscow), and several arguments are one query.
    """
    query = " ".join(words)
    with reading(db) as session:
        hits = run_search(session, query, limit=limit)
    if as_json:
        print_json([dataclasses.asdict(h) for h in hits])
        return
    table = Table(title=f"{len(hits)} results for {query!r}")
    for column in ("rank", "publisher", "title", "snippet", "url"):
        table.add_column(column, overflow="fold")
    for h in hits:
        table.add_row(
            *plain_cells(f"{h.rank:.2f}", h.publisher or "-", h.title or "-", h.snippet, h.url)
        )
    console.print(table)


@click.command()
@click.option("--errors", is_flag=True, help="Only rejected and failed fetches.")
@click.option("--url", callback=plain_text, help="Only fetches of this URL.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@db_option
@json_option
def fetches(errors: bool, url: str | None, limit: int, db: str | None, as_json: bool) -> None:
    """List the latest fetches with their outcome."""
    with reading(db) as session:
        rows = q.list_fetches(session, errors_only=errors, url=url, limit=limit)
    if as_json:
        print_json(
            [
                {
                    "fetched_at": f.fetched_at,
                    "url": f.url,
                    "http_status": f.http_status,
                    "bytes": f.bytes,
                    "duration_ms": f.duration_ms,
                    "outcome": f.outcome,
                    "reason": f.reason,
                    "run_id": f.run_id,
                }
                for f in rows
            ]
        )
        return
    table = Table(title=f"{len(rows)} fetches")
    for column in ("fetched at", "status", "outcome", "reason", "url"):
        table.add_column(column, overflow="fold")
    for f in rows:
        table.add_row(
            *plain_cells(
                when(f.fetched_at), str(f.http_status or "-"), f.outcome, f.reason or "", f.url
            )
        )
    console.print(table)


@click.command()
@db_option
@json_option
def stats(db: str | None, as_json: bool) -> None:
    """Summarise the store: articles, versions, fetch outcomes, the last crawl."""
    store = Store(db, create=False)
    try:
        with store.reader() as session:
            figures = q.store_stats(session)
        figures["store"] = store.display_url
    finally:
        store.close()
    if as_json:
        print_json(figures)
        return
    console.print(f"[bold]Store[/]      {figures['store']}")
    console.print(
        f"[bold]Articles[/]   {figures['articles']} "
        f"({figures['changed_articles']} with more than one version)"
    )
    console.print(f"[bold]Versions[/]   {figures['versions']}")
    console.print(f"[bold]Clusters[/]   {figures['clusters']}")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(figures["fetch_outcomes"].items()))
    console.print(f"[bold]Fetches[/]    {figures['fetches']} ({outcomes or 'none'})")
    console.print(f"[bold]Crawl runs[/] {figures['crawl_runs']}")
    last = figures["last_run"]
    if last:
        console.print(
            f"[bold]Last run[/]   #{last['id']} {last['collection']}: {last['status']}, "
            f"{last['pages']} pages, started {last['started_at'][:16]}"
        )
