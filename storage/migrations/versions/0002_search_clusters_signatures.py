"""Full-text search over current versions, syndication clusters, signatures, query indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_last_fetched", "articles", ["last_fetched"])
    op.create_index("ix_fetches_outcome", "fetches", ["outcome"])
    op.create_index("ix_fetches_fetched_at", "fetches", ["fetched_at"])
    op.create_index("ix_versions_published", "versions", ["published"])
    op.create_table(
        "signatures",
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("scheme", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_signatures_scheme", "signatures", ["scheme"])
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "original_article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="SET NULL"),
        ),
        sa.Column("original_reason", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "cluster_members",
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "cluster_id",
            sa.Integer(),
            sa.ForeignKey("clusters.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("versions.id", ondelete="SET NULL")),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column(
            "matched_article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="SET NULL"),
        ),
        sa.Column("jaccard", sa.Float()),
        sa.Column("containment", sa.Float()),
        sa.Column("shared_passages", sa.Text()),
    )
    op.create_index("ix_cluster_members_cluster_id", "cluster_members", ["cluster_id"])

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # External-content FTS5 index over versions; the repository keeps exactly the current
        # version of each article in it, in the same transaction as the version itself.
        op.execute(
            "CREATE VIRTUAL TABLE versions_fts USING fts5("
            "title, text, content='versions', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "INSERT INTO versions_fts(rowid, title, text) "
            "SELECT v.id, coalesce(v.title, ''), v.text FROM versions v "
            "JOIN articles a ON a.id = v.article_id AND v.version = a.current_version"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE versions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('simple', text), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_versions_search_vector ON versions USING gin (search_vector)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS versions_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_versions_search_vector")
        op.execute("ALTER TABLE versions DROP COLUMN IF EXISTS search_vector")
    op.drop_table("cluster_members")
    op.drop_table("clusters")
    op.drop_table("signatures")
    for name, table in (
        ("ix_versions_published", "versions"),
        ("ix_fetches_fetched_at", "fetches"),
        ("ix_fetches_outcome", "fetches"),
        ("ix_articles_last_fetched", "articles"),
    ):
        op.drop_index(name, table_name=table)
