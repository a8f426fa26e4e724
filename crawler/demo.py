"""``crawler demo``: crawl the bundled offline snapshot twice and summarise the store."""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from crawler.runner import CrawlSpec, run_crawls
from crawler.seeds import load_seeds
from crawler.snapshot import Snapshot
from seeds import bundled_seeds, bundled_snapshot
from storage import Store, models
from storage.queries import ClusterRow, list_clusters


@dataclass
class DemoSummary:
    """What the demo found, read back from the store it wrote."""

    db_path: Path
    sources: int
    runs: list[models.CrawlRun]
    articles: int
    versions: int
    changed: list[tuple[str, int]]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    clusters: list[ClusterRow] = field(default_factory=list)
    seconds: float = 0.0


def run_demo(db_path: Path, *, quiet_logs: bool = True) -> DemoSummary:
    """Crawl the snapshot into ``db_path`` in its first state, then in its second."""
    started = time.monotonic()
    snapshot = Snapshot.load(bundled_snapshot())
    seeds = bundled_seeds()
    url = f"sqlite:///{db_path}"
    specs = [
        CrawlSpec(
            spider_args={"seeds": str(seeds)},
            settings={"REPLAY_SNAPSHOT": str(snapshot.root), "REPLAY_STATE": state},
        )
        for state in snapshot.states[:2]
    ]
    overrides = {"STORAGE_URL": url, "LOG_LEVEL": "WARNING" if quiet_logs else "INFO"}
    run_crawls(specs, overrides)
    summary = summarise(Store(url, create=False), load_seeds(seeds).name)
    summary.db_path = db_path
    summary.seconds = time.monotonic() - started
    return summary


def summarise(store: Store, collection: str) -> DemoSummary:
    """Read the demo's figures back from the store."""
    try:
        with store.reader() as s:
            sources = s.scalar(select(func.count()).where(models.Source.collection == collection))
            runs = list(s.scalars(select(models.CrawlRun).order_by(models.CrawlRun.id)))
            articles = s.scalar(select(func.count(models.Article.id))) or 0
            versions = s.scalar(select(func.count(models.Version.id))) or 0
            changed = [
                (u, n)
                for u, n in s.execute(
                    select(models.Article.url, models.Article.current_version)
                    .where(models.Article.current_version > 1)
                    .order_by(models.Article.url)
                )
            ]
            outcomes = s.execute(
                select(models.Fetch.outcome, models.Fetch.url, models.Fetch.reason)
                .where(models.Fetch.outcome.in_(("rejected", "error")))
                .order_by(models.Fetch.url, models.Fetch.id)
            )
            rejected: list[tuple[str, str]] = []
            errors: list[tuple[str, str]] = []
            latest = {url: (outcome, reason) for outcome, url, reason in outcomes}
            for url, (outcome, reason) in latest.items():
                bucket = rejected if outcome == "rejected" else errors
                bucket.append((url, reason or "unknown"))
            duplicates = [
                (u, d)
                for u, d in s.execute(
                    select(models.Article.url, models.Version.duplicate_of)
                    .join(models.Version)
                    .where(models.Version.duplicate_of.is_not(None))
                    .where(models.Version.version == models.Article.current_version)
                )
                if d is not None
            ]
            clusters = list_clusters(s)
    finally:
        store.close()
    return DemoSummary(
        db_path=Path(),
        sources=sources or 0,
        runs=runs,
        articles=articles,
        versions=versions,
        changed=changed,
        rejected=rejected,
        errors=errors,
        duplicates=duplicates,
        clusters=clusters,
    )


def crawler_command() -> str:
    """How to run this ``crawler`` from the user's shell, as it is now.

    ``crawler`` when that name finds this installation (the virtualenv is active), else the
    script's own path (or ``python -m crawler``), so that pasted commands work as printed.
    """
    script = Path(sys.argv[0]).resolve()
    if script.name != "crawler":
        return f"{shlex.quote(sys.executable)} -m crawler"
    found = shutil.which("crawler")
    if found is not None and Path(found).resolve() == script:
        return "crawler"
    return shlex.quote(str(script))


def example_queries(db_path: Path, changed_url: str | None) -> list[str]:
    """Three queries a user can paste to look at the demo's store, as they can be pasted."""
    crawler = crawler_command()
    db = shlex.quote(str(db_path))
    queries = [
        f'sqlite3 {db} "SELECT a.publisher, v.version, v.title, v.word_count FROM articles a '
        "JOIN versions v ON v.article_id = a.id AND v.version = a.current_version "
        'ORDER BY a.publisher;"',
    ]
    if changed_url:
        queries.append(f"{crawler} diff {shlex.quote(changed_url)} --db {db}")
    else:
        queries.append(f"{crawler} fetches --errors --db {db}")
    queries.append(f"{crawler} duplicates --db {db}")
    return queries
