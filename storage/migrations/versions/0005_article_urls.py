"""Other URLs of an article (AMP, print, tracking variants) pointing to its canonical one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_urls",
        sa.Column("url", sa.Text(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])


def downgrade() -> None:
    op.drop_table("article_urls")
