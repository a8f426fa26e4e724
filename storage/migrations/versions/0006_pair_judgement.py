"""Syndication pairs record the shared story text and the rules that judged them.

``story_words`` is the shared text that is not boilerplate; ``counted`` is false for a pair that
the current rules no longer count (it rests on boilerplate): it is kept, and left out of clusters;
``rules`` is the version of the judging rules, 0 for pairs stored before this revision, which the
next crawl (or ``crawler db recluster``) judges again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("syndication_pairs") as batch:
        batch.add_column(sa.Column("story_words", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("rules", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_syndication_pairs_rules", "syndication_pairs", ["rules"])


def downgrade() -> None:
    op.drop_index("ix_syndication_pairs_rules", "syndication_pairs")
    with op.batch_alter_table("syndication_pairs") as batch:
        batch.drop_column("rules")
        batch.drop_column("counted")
        batch.drop_column("story_words")
