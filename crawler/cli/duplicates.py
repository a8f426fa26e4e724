"""``crawler duplicates``: syndication clusters, and what one article shares with the others."""

from __future__ import annotations

import dataclasses

import click
from rich.table import Table
from rich.text import Text

from crawler.cli.common import console, db_option, json_option, plain_text, print_json, when
from crawler.cli.marks import printable
from crawler.cli.marks import shared_passages as marked_passages
from crawler.cli.query import plain_cells, reading
from storage import queries as q


@click.command()
@click.argument("url", required=False, callback=plain_text)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Show at most this many clusters, the largest first; 0 shows them all.",
)
@db_option
@json_option
def duplicates(url: str | None, limit: int, db: str | None, as_json: bool) -> None:
    """List clusters of syndicated articles, the original first.

    With URL, show the cluster of that article and the passages it shares with each related
    article: highlighted in yellow at a terminal; elsewhere (a file, a pipe, a pager) each
    shared passage is marked [[...]].
    """
    with reading(db) as session:
        clusters = q.list_clusters(session, limit=limit, url=url)
        shared = q.shared_passages(session, url) if url else []
        summary = None if url or as_json else q.cluster_summary(session)
    if as_json:
        payload: dict[str, object] = {"clusters": [dataclasses.asdict(c) for c in clusters]}
        if url:
            payload["shared"] = [
                {
                    "other_url": s.other_url,
                    "relation": s.relation,
                    "jaccard": s.jaccard,
                    "containment": s.containment,
                    "passages": [s.text[a:b] for a, b in s.spans],
                }
                for s in shared
            ]
        print_json(payload if url else payload["clusters"])
        return
    if not clusters:
        console.print(f"{url} is in no cluster" if url else "no syndication clusters", markup=False)
        return
    for cluster in clusters:
        table = Table(title=f"cluster {cluster.id}: {cluster.original_reason or ''}")
        for column in ("relation", "jaccard", "containment", "publisher", "published", "url"):
            table.add_column(column, overflow="fold")
        for m in cluster.members:
            table.add_row(
                *plain_cells(
                    m.relation,
                    f"{m.jaccard:.2f}" if m.jaccard is not None else "",
                    f"{m.containment:.2f}" if m.containment is not None else "",
                    m.publisher or "-",
                    when(m.published)[:10],
                    m.url,
                )
            )
        console.print(table)
    if summary is not None:
        console.print(_summary_line(summary, shown=len(clusters)), markup=False)
    for s in shared:
        header = Text(f"\n{s.relation} with {printable(s.other_url)}", style="bold")
        header.append(f"  (Jaccard {s.jaccard:.2f}, containment {s.containment:.2f})")
        console.print(header)
        console.print(
            marked_passages(s.text, s.spans, plain=not console.is_terminal), soft_wrap=True
        )


def _summary_line(summary: q.ClusterSummary, *, shown: int) -> str:
    line = (
        f"{summary.clusters} cluster{'' if summary.clusters == 1 else 's'}, "
        f"{summary.pages} pages in clusters, largest {summary.largest} pages"
    )
    if shown < summary.clusters:
        line += f" (showing {shown}; --limit 0 shows all)"
    return line
