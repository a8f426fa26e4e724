"""``crawler listings``: the feeds and sitemaps each publisher is read through, and their origin."""

from __future__ import annotations

import click
from rich.table import Table

from crawler.cli.common import console, db_option, json_option, plain_text, print_json, when
from crawler.cli.query import plain_cells, reading
from crawler.discovery.listings import ListingOrigin
from storage.listings import list_listings


@click.command()
@click.option("--collection", callback=plain_text, help="Only this collection.")
@click.option(
    "--publisher", callback=plain_text, help="Only publishers whose name contains this (any case)."
)
@click.option(
    "--origin",
    type=click.Choice([o.value for o in ListingOrigin]),
    help="Only listings found this way.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Show at most this many; 0 shows them all.",
)
@db_option
@json_option
def listings(
    collection: str | None,
    publisher: str | None,
    origin: str | None,
    limit: int,
    db: str | None,
    as_json: bool,
) -> None:
    """List the feeds and sitemaps each publisher is read through, and where each came from.

    Origins: declared (in the seeds file), robots.txt (its Sitemap lines), home page (a feed
    link), probed (a usual sitemap location), sitemap index (a child of an index). The outcome
    is the last crawl's: ok, empty, error, or refused (never fetched; the reason says why).
    """
    with reading(db) as session:
        rows = list_listings(
            session, collection=collection, publisher=publisher, origin=origin, limit=limit
        )
    if as_json:
        print_json(
            [
                {
                    "collection": r.collection,
                    "publisher": r.publisher,
                    "url": r.url,
                    "kind": r.kind,
                    "origin": r.origin,
                    "found_on": r.found_on,
                    "first_seen": r.first_seen,
                    "last_seen": r.last_seen,
                    "outcome": r.outcome,
                    "reason": r.reason,
                }
                for r in rows
            ]
        )
        return
    table = Table(title=f"{len(rows)} listings")
    for column in ("publisher", "kind", "origin", "found on", "outcome", "last seen", "reason"):
        table.add_column(column, overflow="fold")
    table.add_column("url", overflow="fold")
    for r in rows:
        table.add_row(
            *plain_cells(
                r.publisher,
                r.kind,
                r.origin,
                r.found_on or "-",
                r.outcome,
                when(r.last_seen),
                r.reason or "",
                r.url,
            )
        )
    console.print(table)
