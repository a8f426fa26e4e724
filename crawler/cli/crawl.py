"""Commands that crawl: ``demo``, ``crawl`` and ``serve-snapshot``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from crawler.cli.common import command_line_settings, console, db_option, err_console, set_option
from crawler.config.layers import resolve
from crawler.config.table import LOG_LEVELS

if TYPE_CHECKING:
    from storage.queries import Reachability


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file to create (must not exist). Default: a new temporary folder.",
)
@click.option("--verbose", is_flag=True, help="Show Scrapy's log while crawling.")
def demo(db_path: Path | None, verbose: bool) -> None:
    """Crawl the bundled offline snapshot twice into a fresh store and summarise it.

    The first crawl sees the snapshot's first state, the second its later state, in which some
    articles were corrected. No network is used.
    """
    from crawler.demo import example_queries, run_demo

    if db_path is None:
        db_path = Path(tempfile.mkdtemp(prefix="crawler-demo-")) / "demo.db"
    elif db_path.exists():
        raise click.UsageError(f"{db_path} already exists; the demo writes a fresh store only")
    db_path = db_path.resolve()
    console.print(f"Crawling the offline snapshot twice into {db_path} …")
    summary = run_demo(db_path, quiet_logs=not verbose)
    for index, run in enumerate(summary.runs, start=1):
        console.print(
            f"  crawl {index}: {run.pages} pages fetched: {run.new_versions} new versions, "
            f"{run.unchanged} unchanged, {run.rejected} rejected, {run.errors} errors"
        )
    console.print()
    console.print(f"[bold]Sources[/]         {summary.sources}")
    console.print(f"[bold]Articles stored[/] {summary.articles}")
    console.print(
        f"[bold]Versions[/]        {summary.versions} "
        f"({len(summary.changed)} articles changed in the second crawl)"
    )
    for url, version in summary.changed:
        console.print(f"    {url} → version {version}", soft_wrap=True, markup=False)
    console.print(f"[bold]Rejected pages[/]  {len(summary.rejected)}")
    for url, reason in summary.rejected:
        console.print(f"    {url}\n      {reason}", soft_wrap=True, markup=False)
    if summary.errors:
        console.print(f"[bold]Fetch errors[/]    {len(summary.errors)}")
        for url, reason in summary.errors:
            console.print(f"    {url}\n      {reason}", soft_wrap=True, markup=False)
    console.print(f"[bold]Exact duplicates[/] {len(summary.duplicates)}")
    for url, original in summary.duplicates:
        console.print(f"    {url} = {original}", soft_wrap=True, markup=False)
    n = len(summary.clusters)
    console.print(f"[bold]Syndication[/]     {n} cluster{'' if n == 1 else 's'}")
    for cluster in summary.clusters:
        for m in cluster.members:
            scores = (
                f" (containment {m.containment:.2f}, Jaccard {m.jaccard:.2f})"
                if m.containment is not None and m.jaccard is not None
                else ""
            )
            console.print(f"    {m.relation}: {m.publisher}{scores}", markup=False)
        console.print(f"      original: {cluster.original_reason}", markup=False)
    console.print(f"[bold]Database[/]        {summary.db_path}")
    console.print(f"[bold]Time[/]            {summary.seconds:.1f} s")
    console.print("\nTry:")
    changed = summary.changed[0][0] if summary.changed else None
    for query in example_queries(summary.db_path, changed):
        console.print(f"  {query}", soft_wrap=True, markup=False)


@click.command()
@click.argument("seeds", required=False)
@db_option
@click.option(
    "--snapshot",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Answer from this offline snapshot folder instead of the network.",
)
@click.option(
    "--state",
    default=None,
    help="Snapshot state to replay (default: REPLAY_STATE, which is 1).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default=None,
    help="Scrapy log level, in any case (default: LOG_LEVEL, which is INFO).",
)
@click.option(
    "--due-only", is_flag=True, help="Fetch only the URLs that are due (as scheduled crawls do)."
)
@set_option(
    "Set a setting for this crawl (repeatable), as scrapy crawl -s does; "
    "`crawler config` lists them."
)
def crawl(
    seeds: str | None,
    db: str | None,
    snapshot: Path | None,
    state: str | None,
    log_level: str | None,
    due_only: bool,
    overrides: tuple[str, ...],
) -> None:
    """Fetch the sources of SEEDS (a seeds file or bundled collection name) once.

    Every source is fetched, unless --due-only limits the crawl to those the adaptive recrawl
    schedule says are due. Pages that did not change answer 304 or are recognised by their
    body hash and cost no extraction. Settings are checked before anything is fetched.
    """
    from crawler.runner import CrawlSpec, run_crawls
    from crawler.seeds import load_seeds
    from storage import Store

    settings = command_line_settings(overrides)
    if log_level is not None:
        settings["LOG_LEVEL"] = log_level
    if state is not None:
        settings["REPLAY_STATE"] = state
    if snapshot is not None:
        settings["REPLAY_SNAPSHOT"] = str(snapshot)
    resolve(command_line=settings)
    collection = load_seeds(seeds)
    db_given = click.get_current_context().get_parameter_source("db")
    if db_given is not ParameterSource.COMMANDLINE and "STORAGE_URL" in settings:
        db = str(settings["STORAGE_URL"]) or None
    store = Store(db)
    store.close()
    settings["STORAGE_URL"] = store.url
    spider_args = {"seeds": str(collection.path), "due_only": "1" if due_only else "0"}
    (stats,) = run_crawls([CrawlSpec(spider_args=spider_args)], settings)
    status = _status(stats)
    console.print(
        f"{collection.name}: {status}: {stats.get('item_scraped_count', 0)} pages, "
        f"{stats.get('storage/new-version', 0)} new versions, "
        f"{stats.get('storage/unchanged', 0)} unchanged, "
        f"{stats.get('storage/not-modified', 0)} not modified, "
        f"{stats.get('storage/rejected', 0)} rejected, {stats.get('storage/error', 0)} errors "
        f"→ {store.display_url}",
        markup=False,
        soft_wrap=True,
    )
    reach = _reachability(store.url, stats.get("storage/run_id"))
    if reach is not None and reach.hosts and reach.unreachable == reach.hosts:
        err_console.print(
            f"no network? {reach.unreachable} of {reach.hosts} hosts unreachable (DNS or "
            "connection failures): check the machine's connection or proxy",
            markup=False,
            soft_wrap=True,
        )
    elif stats.get("ssrf/refused", 0):
        err_console.print(
            f"note: {stats['ssrf/refused']} URLs were refused by the SSRF guard because they "
            "resolve to loopback, private or other non-public addresses; to crawl such hosts "
            "on purpose, allow them, e.g. --set SSRF_ALLOW=127.0.0.1",
            markup=False,
            soft_wrap=True,
        )
    if status in EXIT_CODES:
        reason = stats.get("finish_reason")
        raise SystemExit(
            EXIT_CODES[status]
            if status == "degraded"
            else f"crawl {status}" + (f" ({reason})" if reason not in (None, "finished") else "")
        )


# Exit codes of `crawler crawl` (documented in the README): 0 finished, 1 failed or
# interrupted (with a message), 2 a usage error, 3 degraded (fewer than half the fetches
# reached a page).
EXIT_CODES = {"failed": 1, "interrupted": 1, "degraded": 3}


def _status(stats: dict[str, object]) -> str:
    """How the crawl went, from its final stats (the finish reason is known only now)."""
    from storage.repository import run_status

    counts = {
        outcome: int(stats.get(f"storage/{outcome}", 0) or 0)  # type: ignore[call-overload]
        for outcome in ("new-version", "unchanged", "not-modified", "rejected", "error")
    }
    return run_status(str(stats.get("finish_reason") or "finished"), counts)


def _reachability(url: str, run_id: object) -> Reachability | None:
    if not isinstance(run_id, int):
        return None
    from storage import Store
    from storage.queries import run_reachability

    store = Store(url, create=False)
    try:
        with store.reader() as session:
            return run_reachability(session, run_id)
    finally:
        store.close()


@click.command("serve-snapshot")
@click.option("--port", type=int, default=8000, show_default=True, help="0 picks a free port.")
@click.option("--state", default=None, help="State to start in (default: the first).")
def serve_snapshot(port: int, state: str | None) -> None:
    """Serve the bundled offline snapshot over HTTP on 127.0.0.1.

    Pages are at /<host>/<path>; /_snapshot/seeds.toml is a seeds file pointing at them and
    /_snapshot/state?set=2 switches to the second state.
    """
    from crawler.snapserver import main as serve

    serve(["--port", str(port), *(["--state", state] if state else [])])
