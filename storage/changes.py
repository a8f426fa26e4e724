"""What changed in the store since a time: new articles, versions and copies, troubled crawls.

One query per kind, each bounded by ``limit`` and ordered newest first; the CLI merges them. Times
are naive UTC, as stored. ``publisher`` matches any part of the name in any case; ``collection``
keeps articles the collection follows (through its frontier) and that collection's crawl runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from storage import models
from storage.diff import Op, diff_texts
from storage.queries import escape_like

EXCERPT_WORDS = 12
EXCERPTS_PER_VERSION = 3
# a run that ended any other way (failed, shutdown, a timeout) did not crawl what it should have
FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Filters:
    """What every change query is limited to (``limit`` None: no limit)."""

    since: dt.datetime
    collection: str | None = None
    publisher: str | None = None
    limit: int | None = 50


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article stored for the first time."""

    at: dt.datetime
    url: str
    publisher: str | None
    title: str | None
    word_count: int


@dataclass(frozen=True, slots=True)
class ChangeExcerpt:
    """One change of a new version: the words before it, what was removed, what was added."""

    context: str
    removed: str
    added: str


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A later version of a known article, with what it changed."""

    at: dt.datetime
    url: str
    publisher: str | None
    title: str | None
    version: int
    words_added: int
    words_removed: int
    excerpts: tuple[ChangeExcerpt, ...]


@dataclass(frozen=True, slots=True)
class NewCopy:
    """An article found to carry another's story, with its cluster's original."""

    at: dt.datetime
    url: str
    publisher: str | None
    title: str | None
    relation: str
    cluster: int
    original_url: str | None
    original_publisher: str | None
    matched_url: str | None
    jaccard: float | None
    containment: float | None


@dataclass(frozen=True, slots=True)
class CrawlProblem:
    """A crawl that failed (ended other than ``finished``) or finished with fetch errors."""

    at: dt.datetime
    run_id: int
    collection: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    pages: int
    errors: int
    rejected: int
    error: str | None

    @property
    def failed(self) -> bool:
        """Whether the crawl did not finish (else it finished degraded, with errors)."""
        return self.status != FINISHED


def _followed_by(article: type[models.Article], collection: str) -> ColumnElement[bool]:
    """The article is in the collection's frontier, under its URL or one it was fetched under."""
    other_urls = select(models.ArticleURL.url).where(models.ArticleURL.article_id == article.id)
    return (
        select(models.FrontierEntry.id)
        .where(
            models.FrontierEntry.collection == collection,
            or_(models.FrontierEntry.url == article.url, models.FrontierEntry.url.in_(other_urls)),
        )
        .exists()
    )


def _article_filters(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.publisher:
        pattern = f"%{escape_like(filters.publisher.lower())}%"
        conditions.append(func.lower(models.Article.publisher).like(pattern, escape="\\"))
    if filters.collection is not None:
        conditions.append(_followed_by(models.Article, filters.collection))
    return conditions


def new_articles(session: Session, filters: Filters) -> list[NewArticle]:
    """Articles first stored since ``filters.since``, newest first, with their first version."""
    query = (
        select(
            models.Article.first_seen,
            models.Article.url,
            models.Article.publisher,
            models.Version.title,
            models.Version.word_count,
        )
        .join(
            models.Version,
            (models.Version.article_id == models.Article.id) & (models.Version.version == 1),
        )
        .where(models.Article.first_seen >= filters.since, *_article_filters(filters))
        .order_by(models.Article.first_seen.desc(), models.Article.id.desc())
        .limit(filters.limit)
    )
    return [NewArticle(*row) for row in session.execute(query)]


def new_versions(session: Session, filters: Filters) -> list[NewVersion]:
    """Versions after the first stored since ``filters.since``, newest first, each compared with
    the version before it."""
    previous = aliased(models.Version)
    query = (
        select(
            models.Version.fetched_at,
            models.Article.url,
            models.Article.publisher,
            models.Version.title,
            models.Version.version,
            models.Version.text,
            previous.title,
            previous.text,
        )
        .join(models.Article, models.Article.id == models.Version.article_id)
        .join(
            previous,
            (previous.article_id == models.Version.article_id)
            & (previous.version == models.Version.version - 1),
        )
        .where(
            models.Version.version > 1,
            models.Version.fetched_at >= filters.since,
            *_article_filters(filters),
        )
        .order_by(models.Version.fetched_at.desc(), models.Version.id.desc())
        .limit(filters.limit)
    )
    result = []
    for at, url, publisher, title, number, text, old_title, old_text in session.execute(query):
        diff = diff_texts(f"{old_title or ''}\n{old_text}", f"{title or ''}\n{text}")
        result.append(
            NewVersion(
                at=at,
                url=url,
                publisher=publisher,
                title=title,
                version=number,
                words_added=diff.words_added,
                words_removed=diff.words_removed,
                excerpts=change_excerpts(diff.words),
            )
        )
    return result


def change_excerpts(
    words: list[tuple[Op, str]],
    *,
    most: int = EXCERPTS_PER_VERSION,
    width: int = EXCERPT_WORDS,
) -> tuple[ChangeExcerpt, ...]:
    """The first ``most`` changes of a word diff, each cut to ``width`` words a side."""
    excerpts: list[ChangeExcerpt] = []
    context: list[str] = []
    removed: list[str] = []
    added: list[str] = []

    def close() -> None:
        if removed or added:
            excerpts.append(
                ChangeExcerpt(
                    context=" ".join(context[-width // 2 :]) if width > 1 else "",
                    removed=_cut(removed, width),
                    added=_cut(added, width),
                )
            )
            removed.clear()
            added.clear()

    for op, chunk in words:
        if len(excerpts) >= most:
            break
        tokens = chunk.split()
        if op == "equal":
            if not tokens:
                continue
            close()
            context = tokens
        elif op == "delete":
            removed.extend(tokens)
        else:
            added.extend(tokens)
    if len(excerpts) < most:
        close()
    return tuple(excerpts[:most])


def _cut(tokens: list[str], width: int) -> str:
    if len(tokens) <= width:
        return " ".join(tokens)
    return " ".join(tokens[:width]) + " …"


def new_copies(session: Session, filters: Filters) -> list[NewCopy]:
    """Articles whose first counted syndication pair was found since ``filters.since``, newest
    first, with their cluster's original; pairs the current rules no longer count are left out."""
    ends = union_all(
        select(
            models.SyndicationPair.article_id.label("article_id"),
            models.SyndicationPair.found_at.label("found_at"),
        ).where(models.SyndicationPair.counted.is_(True)),
        select(
            models.SyndicationPair.other_id.label("article_id"),
            models.SyndicationPair.found_at.label("found_at"),
        ).where(models.SyndicationPair.counted.is_(True)),
    ).subquery()
    first_found = (
        select(ends.c.article_id, func.min(ends.c.found_at).label("found_at"))
        .group_by(ends.c.article_id)
        .having(func.min(ends.c.found_at) >= filters.since)
        .subquery()
    )
    original = aliased(models.Article)
    matched = aliased(models.Article)
    query = (
        select(
            first_found.c.found_at,
            models.Article.url,
            models.Article.publisher,
            models.Version.title,
            models.ClusterMember.relation,
            models.ClusterMember.cluster_id,
            original.url,
            original.publisher,
            matched.url,
            models.ClusterMember.jaccard,
            models.ClusterMember.containment,
        )
        .join(models.Article, models.Article.id == first_found.c.article_id)
        .join(
            models.ClusterMember,
            and_(
                models.ClusterMember.article_id == models.Article.id,
                models.ClusterMember.relation != "original",
            ),
        )
        .join(models.Cluster, models.Cluster.id == models.ClusterMember.cluster_id)
        .outerjoin(original, original.id == models.Cluster.original_article_id)
        .outerjoin(matched, matched.id == models.ClusterMember.matched_article_id)
        .outerjoin(
            models.Version,
            (models.Version.article_id == models.Article.id)
            & (models.Version.version == models.Article.current_version),
        )
        .where(*_article_filters(filters))
        .order_by(first_found.c.found_at.desc(), models.Article.id.desc())
        .limit(filters.limit)
    )
    return [NewCopy(*row) for row in session.execute(query)]


def crawl_problems(session: Session, filters: Filters) -> list[CrawlProblem]:
    """Crawls since ``filters.since`` that failed or finished with fetch errors, newest first.

    Crawls belong to no publisher: a ``publisher`` filter leaves none.
    """
    if filters.publisher:
        return []
    at = func.coalesce(models.CrawlRun.finished_at, models.CrawlRun.started_at)
    query = (
        select(
            at,
            models.CrawlRun.id,
            models.CrawlRun.collection,
            models.CrawlRun.status,
            models.CrawlRun.started_at,
            models.CrawlRun.finished_at,
            models.CrawlRun.pages,
            models.CrawlRun.errors,
            models.CrawlRun.rejected,
            models.CrawlRun.error,
        )
        .where(
            at >= filters.since,
            models.CrawlRun.status != "running",
            or_(models.CrawlRun.status != FINISHED, models.CrawlRun.errors > 0),
        )
        .order_by(at.desc(), models.CrawlRun.id.desc())
        .limit(filters.limit)
    )
    if filters.collection is not None:
        query = query.where(models.CrawlRun.collection == filters.collection)
    return [
        CrawlProblem(
            at=row[0],
            run_id=row.id,
            collection=row.collection,
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            pages=row.pages,
            errors=row.errors,
            rejected=row.rejected,
            error=row.error,
        )
        for row in session.execute(query)
    ]
