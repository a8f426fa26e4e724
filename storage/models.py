"""Tables of the article store (documented for plain-SQL users in ``docs/schema.md``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


class Source(Base):
    """A source a collection follows, as listed in its seeds file."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("collection", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    title_hint: Mapped[str | None] = mapped_column(Text)
    published_hint: Mapped[dt.datetime | None]
    url_verified: Mapped[bool] = mapped_column(default=False)


class Article(Base):
    """One article, identified by its URL; its content lives in its versions."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    publisher: Mapped[str | None] = mapped_column(String(200), index=True)
    first_seen: Mapped[dt.datetime]
    last_fetched: Mapped[dt.datetime] = mapped_column(index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)

    versions: Mapped[list[Version]] = relationship(
        back_populates="article", order_by="Version.version"
    )


class Version(Base):
    """An immutable state of an article's content; a new one only when text or title changed."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version"),
        Index("ix_versions_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int]
    fetched_at: Mapped[dt.datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.datetime | None] = mapped_column(index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int]
    duplicate_of: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="versions")


class CrawlRun(Base):
    """One crawl of a collection: when, how it ended, what it found."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(32), default="running")
    pages: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Fetch(Base):
    """Every fetch attempt, successful or not, with its outcome."""

    __tablename__ = "fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(Text, index=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    fetched_at: Mapped[dt.datetime] = mapped_column(index=True)
    http_status: Mapped[int | None]
    bytes: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)


class Signature(Base):
    """The syndication sketch of a version, with the scheme that made it."""

    __tablename__ = "signatures"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    scheme: Mapped[str] = mapped_column(String(200), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Cluster(Base):
    """A group of articles that carry the same story, and which of them is the original."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    original_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    original_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ClusterMember(Base):
    """An article's place in a cluster: how it relates to the member it matched."""

    __tablename__ = "cluster_members"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    relation: Mapped[str] = mapped_column(String(32))
    matched_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    jaccard: Mapped[float | None] = mapped_column(Float)
    containment: Mapped[float | None] = mapped_column(Float)
    shared_passages: Mapped[str | None] = mapped_column(Text)


class SyndicationPair(Base):
    """A verified relation between two articles' current versions (``article_id < other_id``).

    ``passages`` is a JSON list of shared spans: character offsets in each article's text.
    """

    __tablename__ = "syndication_pairs"
    __table_args__ = (UniqueConstraint("article_id", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(32))
    jaccard: Mapped[float] = mapped_column(Float)
    containment: Mapped[float] = mapped_column(Float)
    contained_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    passages: Mapped[str] = mapped_column(Text)
    found_at: Mapped[dt.datetime]
    # shared text that is not boilerplate, in words; None for pairs judged by older rules
    story_words: Mapped[int | None] = mapped_column(Integer)
    # False when the current rules no longer count the pair: it is kept, out of every cluster
    counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # the judging rules' version (crawler.syndication.config.RULES_VERSION); 0 = before 0006
    rules: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)


class FrontierEntry(Base):
    """A URL a collection follows: when it is next due, who holds it, what it last looked like.

    A crawl leases due URLs (``lease_owner`` until ``lease_expires_at``) and releases each lease
    in the transaction that stores the fetch's result; the lease of a crawl that died expires.
    """

    __tablename__ = "frontier"
    __table_args__ = (
        UniqueConstraint("collection", "url"),
        Index("ix_frontier_due", "collection", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(200))
    title_hint: Mapped[str | None] = mapped_column(Text)
    published_hint: Mapped[dt.datetime | None]
    added_at: Mapped[dt.datetime]
    next_due_at: Mapped[dt.datetime]
    interval_seconds: Mapped[int]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None]
    last_fetched_at: Mapped[dt.datetime | None]
    last_changed_at: Mapped[dt.datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)


class ArticleURL(Base):
    """Another URL under which an article was fetched (its canonical URL is ``articles.url``)."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    first_seen: Mapped[dt.datetime]


class Listing(Base):
    """A feed or sitemap a collection reads a publisher through, and where it was found.

    ``origin`` is ``declared``, ``robots.txt``, ``home page``, ``probed`` or ``sitemap index``;
    ``found_on`` is the robots.txt, home page or index that named it. ``outcome`` is the last
    crawl's: ``ok``, ``empty``, ``error``, or ``refused`` (never fetched, ``reason`` says why).
    """

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("collection", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(32))
    found_on: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
