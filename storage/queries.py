"""Read-side queries of the store, shared by the CLI and the benchmarks.

User text only ever reaches SQL as bound parameters; ``LIKE`` wildcards in it are escaped and sort
keys come from a fixed list.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from crawler.errors import NotFoundError
from storage import models

SORT_KEYS = ("last_fetched", "first_seen", "published", "publisher", "url")
EXPORT_KEYS = (
    "url",
    "crawled_url",
    "publisher",
    "title",
    "authors",
    "published",
    "language",
    "fetched_at",
    "first_seen",
    "version",
    "content_hash",
    "word_count",
    "cluster",
    "relation",
    "original_url",
    "text",
)


def escape_like(value: str) -> str:
    """``value`` with ``LIKE`` wildcards taken literally (escape character ``\\``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article with its current version's headline figures."""

    url: str
    publisher: str | None
    title: str | None
    version: int
    published: dt.datetime | None
    first_seen: dt.datetime
    last_fetched: dt.datetime
    word_count: int


def _current() -> Select[models.Article, models.Version]:
    return select(models.Article, models.Version).join(
        models.Version,
        (models.Version.article_id == models.Article.id)
        & (models.Version.version == models.Article.current_version),
    )


def list_articles(
    session: Session,
    *,
    publisher: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
    sort: str = "last_fetched",
) -> list[ArticleRow]:
    """Articles with their current version, newest first by ``sort``.

    ``publisher`` matches case-insensitively anywhere in the name; ``since``/``until`` bound the
    published date (the first-seen time when the date is unknown).
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}; allowed: {', '.join(SORT_KEYS)}")
    when = func.coalesce(models.Version.published, models.Article.first_seen)
    query = _current()
    if publisher:
        pattern = f"%{escape_like(publisher.lower())}%"
        query = query.where(func.lower(models.Article.publisher).like(pattern, escape="\\"))
    if since is not None:
        query = query.where(when >= since)
    if until is not None:
        query = query.where(when < until)
    orders: dict[str, ColumnElement[Any]] = {
        "last_fetched": models.Article.last_fetched.desc(),
        "first_seen": models.Article.first_seen.desc(),
        "published": when.desc(),
        "publisher": models.Article.publisher.asc(),
        "url": models.Article.url.asc(),
    }
    order = orders[sort]
    rows = session.execute(query.order_by(order, models.Article.id).limit(max(limit, 0)))
    return [
        ArticleRow(
            url=a.url,
            publisher=a.publisher,
            title=v.title,
            version=v.version,
            published=v.published,
            first_seen=a.first_seen,
            last_fetched=a.last_fetched,
            word_count=v.word_count,
        )
        for a, v in rows
    ]


def find_article(session: Session, url: str) -> models.Article:
    """The article stored under ``url``, its canonical URL or another URL it was fetched under.

    Raises:
        NotFoundError: no article has this URL.
    """
    article = (
        session.scalars(select(models.Article).where(models.Article.url == url)).one_or_none()
        or session.scalars(
            select(models.Article)
            .join(models.ArticleURL, models.ArticleURL.article_id == models.Article.id)
            .where(models.ArticleURL.url == url)
        ).one_or_none()
    )
    if article is None:
        raise NotFoundError(f"no article with URL {url!r} in the store")
    return article


def article_versions(session: Session, url: str) -> list[models.Version]:
    """Every version of the article at ``url``, oldest first."""
    article = find_article(session, url)
    return list(
        session.scalars(
            select(models.Version)
            .where(models.Version.article_id == article.id)
            .order_by(models.Version.version)
        )
    )


def get_version(session: Session, url: str, number: int) -> models.Version:
    """Version ``number`` of the article at ``url``; negative numbers count from the last."""
    versions = article_versions(session, url)
    index = number - 1 if number > 0 else len(versions) + number
    if not 0 <= index < len(versions):
        raise NotFoundError(f"{url} has versions 1 to {len(versions)}, not {number}")
    return versions[index]


def list_fetches(
    session: Session, *, errors_only: bool = False, url: str | None = None, limit: int = 50
) -> list[models.Fetch]:
    """The latest fetches, newest first; ``errors_only`` keeps rejected and failed ones."""
    query = select(models.Fetch)
    if errors_only:
        query = query.where(models.Fetch.outcome.in_(("rejected", "error")))
    if url:
        query = query.where(models.Fetch.url == url)
    query = query.order_by(models.Fetch.fetched_at.desc(), models.Fetch.id.desc())
    return list(session.scalars(query.limit(max(limit, 0))))


def store_stats(session: Session) -> dict[str, Any]:
    """Counts that describe the store."""
    outcomes = {
        outcome: count
        for outcome, count in session.execute(
            select(models.Fetch.outcome, func.count()).group_by(models.Fetch.outcome)
        )
    }
    publishers = session.execute(
        select(models.Article.publisher, func.count())
        .group_by(models.Article.publisher)
        .order_by(func.count().desc(), models.Article.publisher)
        .limit(10)
    )
    last_run = session.scalars(
        select(models.CrawlRun).order_by(models.CrawlRun.id.desc()).limit(1)
    ).one_or_none()
    return {
        "articles": session.scalar(select(func.count(models.Article.id))) or 0,
        "versions": session.scalar(select(func.count(models.Version.id))) or 0,
        "changed_articles": session.scalar(
            select(func.count(models.Article.id)).where(models.Article.current_version > 1)
        )
        or 0,
        "fetches": sum(outcomes.values()),
        "fetch_outcomes": outcomes,
        "crawl_runs": session.scalar(select(func.count(models.CrawlRun.id))) or 0,
        "clusters": session.scalar(select(func.count(models.Cluster.id))) or 0,
        "top_publishers": [{"publisher": p, "articles": n} for p, n in publishers],
        "last_run": None
        if last_run is None
        else {
            "id": last_run.id,
            "collection": last_run.collection,
            "started_at": _iso(last_run.started_at),
            "finished_at": _iso(last_run.finished_at),
            "status": last_run.status,
            "pages": last_run.pages,
        },
    }


def iter_export(
    session: Session,
    batch: int = 500,
    *,
    all_versions: bool = False,
    since: dt.datetime | None = None,
    collection: str | None = None,
    publisher: str | None = None,
) -> Iterator[dict[str, Any]]:
    """One record per article's current version (or per version), streamed in batches.

    ``url`` is the article's canonical URL and ``crawled_url`` the URL whose fetch stored the
    version (a seed, feed or sitemap URL, before redirects and canonicalisation).

    Args:
        session: an open session.
        batch: rows fetched at a time.
        all_versions: every stored version, oldest first within an article.
        since: only versions stored at or after this time (naive UTC).
        collection: only articles a collection follows (by its frontier).
        publisher: only articles of this publisher.
    """
    original = aliased(models.Article)
    crawled = (
        select(models.Fetch.url)
        .where(
            models.Fetch.article_id == models.Article.id,
            models.Fetch.version_id == models.Version.id,
        )
        .order_by(models.Fetch.id)
        .limit(1)
        .correlate(models.Article, models.Version)
        .scalar_subquery()
    )
    version_of = (
        models.Version.article_id == models.Article.id
        if all_versions
        else (models.Version.article_id == models.Article.id)
        & (models.Version.version == models.Article.current_version)
    )
    query = (
        select(
            models.Article.url,
            crawled.label("crawled_url"),
            models.Article.publisher,
            models.Article.first_seen,
            models.Version.title,
            models.Version.authors,
            models.Version.published,
            models.Version.language,
            models.Version.fetched_at,
            models.Version.version,
            models.Version.content_hash,
            models.Version.word_count,
            models.ClusterMember.cluster_id,
            models.ClusterMember.relation,
            original.url.label("original_url"),
            models.Version.text,
        )
        .join(models.Version, version_of)
        .outerjoin(models.ClusterMember, models.ClusterMember.article_id == models.Article.id)
        .outerjoin(models.Cluster, models.Cluster.id == models.ClusterMember.cluster_id)
        .outerjoin(original, original.id == models.Cluster.original_article_id)
        .order_by(models.Article.id, models.Version.version)
        .execution_options(stream_results=True, yield_per=batch)
    )
    if since is not None:
        query = query.where(models.Version.fetched_at >= since)
    if publisher is not None:
        query = query.where(models.Article.publisher == publisher)
    if collection is not None:
        other_urls = select(models.ArticleURL.url).where(
            models.ArticleURL.article_id == models.Article.id
        )
        query = query.where(
            select(models.FrontierEntry.id)
            .where(
                models.FrontierEntry.collection == collection,
                or_(
                    models.FrontierEntry.url == models.Article.url,
                    models.FrontierEntry.url.in_(other_urls),
                ),
            )
            .exists()
        )
    for row in session.execute(query):
        yield {
            "url": row.url,
            "crawled_url": row.crawled_url or row.url,
            "publisher": row.publisher,
            "title": row.title,
            "authors": json.loads(row.authors) if row.authors else [],
            "published": _iso(row.published),
            "language": row.language,
            "fetched_at": _iso(row.fetched_at),
            "first_seen": _iso(row.first_seen),
            "version": row.version,
            "content_hash": row.content_hash,
            "word_count": row.word_count,
            "cluster": row.cluster_id,
            "relation": row.relation,
            "original_url": row.original_url,
            "text": row.text,
        }


def _iso(value: dt.datetime | None) -> str | None:
    # stored times are UTC without a zone: say so, in the form JSON and CSV readers expect
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True, slots=True)
class ClusterMemberRow:
    """A member of a syndication cluster, as listed to users."""

    article_id: int
    url: str
    publisher: str | None
    title: str | None
    published: dt.datetime | None
    relation: str
    jaccard: float | None
    containment: float | None
    matched_url: str | None


@dataclass(frozen=True, slots=True)
class ClusterRow:
    """A syndication cluster: its original first, then the other members."""

    id: int
    original_reason: str | None
    members: list[ClusterMemberRow]


def list_clusters(session: Session, *, limit: int = 50, url: str | None = None) -> list[ClusterRow]:
    """Syndication clusters, largest first (or the one holding the article at ``url``).

    A ``limit`` of 0 lists every cluster.
    """
    ids_query = (
        select(models.ClusterMember.cluster_id)
        .group_by(models.ClusterMember.cluster_id)
        .order_by(func.count().desc(), models.ClusterMember.cluster_id)
    )
    if limit > 0:
        ids_query = ids_query.limit(limit)
    if url is not None:
        article = find_article(session, url)
        ids_query = select(models.ClusterMember.cluster_id).where(
            models.ClusterMember.article_id == article.id
        )
    ids = list(session.scalars(ids_query))
    matched = aliased(models.Article)
    rows = session.execute(
        select(
            models.ClusterMember.cluster_id,
            models.Cluster.original_reason,
            models.Article.id,
            models.Article.url,
            models.Article.publisher,
            models.Version.title,
            models.Version.published,
            models.ClusterMember.relation,
            models.ClusterMember.jaccard,
            models.ClusterMember.containment,
            matched.url,
        )
        .join(models.Cluster, models.Cluster.id == models.ClusterMember.cluster_id)
        .join(models.Article, models.Article.id == models.ClusterMember.article_id)
        .join(
            models.Version,
            (models.Version.article_id == models.Article.id)
            & (models.Version.version == models.Article.current_version),
        )
        .outerjoin(matched, matched.id == models.ClusterMember.matched_article_id)
        .where(models.ClusterMember.cluster_id.in_(ids))
    ).all()
    by_cluster: dict[int, ClusterRow] = {i: ClusterRow(i, None, []) for i in ids}
    for cid, reason, *member in rows:
        cluster = by_cluster[cid]
        if cluster.original_reason is None:
            by_cluster[cid] = cluster = ClusterRow(cid, reason, cluster.members)
        cluster.members.append(ClusterMemberRow(*member))
    for cluster in by_cluster.values():
        cluster.members.sort(key=lambda m: (m.relation != "original", -(m.containment or 0)))
    return [by_cluster[i] for i in ids]


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    """The store's syndication clusters in three figures."""

    clusters: int
    pages: int
    largest: int


def cluster_summary(session: Session) -> ClusterSummary:
    """How many clusters the store holds, how many pages are in them, and the largest's size."""
    sizes = (
        select(func.count().label("size"))
        .select_from(models.ClusterMember)
        .group_by(models.ClusterMember.cluster_id)
        .subquery()
    )
    clusters, pages, largest = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(sizes.c.size), 0),
            func.coalesce(func.max(sizes.c.size), 0),
        ).select_from(sizes)
    ).one()
    # PostgreSQL sums counts as NUMERIC, which arrives as a Decimal
    return ClusterSummary(clusters=clusters, pages=int(pages), largest=largest)


@dataclass(frozen=True, slots=True)
class SharedPassages:
    """What the article at a URL shares with another article, as spans in both texts."""

    other_url: str
    relation: str
    jaccard: float
    containment: float
    text: str
    other_text: str
    spans: list[tuple[int, int]]
    other_spans: list[tuple[int, int]]


def shared_passages(session: Session, url: str) -> list[SharedPassages]:
    """Every verified relation of the article at ``url``, with the passages it shares.

    Pairs the current rules no longer count (they rest on boilerplate) are left out.
    """
    article = find_article(session, url)
    pairs = session.scalars(
        select(models.SyndicationPair).where(
            models.SyndicationPair.counted,
            (models.SyndicationPair.article_id == article.id)
            | (models.SyndicationPair.other_id == article.id),
        )
    ).all()
    ids = {p.article_id for p in pairs} | {p.other_id for p in pairs} | {article.id}
    texts: dict[int, str] = {
        a_id: text
        for a_id, text in session.execute(
            select(models.Version.article_id, models.Version.text)
            .join(
                models.Article,
                (models.Article.id == models.Version.article_id)
                & (models.Version.version == models.Article.current_version),
            )
            .where(models.Version.article_id.in_(ids))
        )
    }
    urls: dict[int, str] = {
        a_id: a_url
        for a_id, a_url in session.execute(
            select(models.Article.id, models.Article.url).where(models.Article.id.in_(ids))
        )
    }
    result = []
    for pair in pairs:
        mine = "a" if pair.article_id == article.id else "b"
        theirs = "b" if mine == "a" else "a"
        other = pair.other_id if mine == "a" else pair.article_id
        spans = json.loads(pair.passages)
        result.append(
            SharedPassages(
                other_url=urls[other],
                relation=pair.relation,
                jaccard=pair.jaccard,
                containment=pair.containment,
                text=texts.get(article.id, ""),
                other_text=texts.get(other, ""),
                spans=[tuple(s[mine]) for s in spans],
                other_spans=[tuple(s[theirs]) for s in spans],
            )
        )
    return sorted(result, key=lambda r: -r.containment)


# fetch errors that mean the host could not be reached at all (Twisted's and Scrapy's names,
# also when robots.txt was the request that met them)
NETWORK_ERRORS = re.compile(
    r"DNSLookupError|ConnectionRefused|ConnectError|TimedOut|TimeoutError|NoRouteError|"
    r"ConnectionLost|ConnectingCancelled|Download(?:Connection|Timeout)\w*Error"
)


@dataclass(frozen=True, slots=True)
class Reachability:
    """How many of a crawl run's hosts answered at all."""

    hosts: int
    unreachable: int


def run_reachability(session: Session, run_id: int) -> Reachability:
    """The hosts a run fetched from, and those of them that only failed DNS or connections."""
    outcome: dict[str, bool] = {}  # host -> reached at least once
    rows = session.execute(
        select(models.Fetch.url, models.Fetch.outcome, models.Fetch.reason).where(
            models.Fetch.run_id == run_id, models.Fetch.outcome != "discovered"
        )
    )
    for url, fetch_outcome, reason in rows:
        host = urlsplit(url).hostname or url
        network = fetch_outcome == "error" and NETWORK_ERRORS.search(reason or "") is not None
        outcome[host] = outcome.get(host, False) or not network
    return Reachability(len(outcome), sum(1 for reached in outcome.values() if not reached))
