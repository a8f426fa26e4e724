"""The crawl frontier (each URL's due time, lease, interval, validators); crawl run errors.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(200)),
        sa.Column("title_hint", sa.Text()),
        sa.Column("published_hint", sa.DateTime()),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires_at", sa.DateTime()),
        sa.Column("last_fetched_at", sa.DateTime()),
        sa.Column("last_changed_at", sa.DateTime()),
        sa.Column("last_outcome", sa.String(32)),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("body_hash", sa.String(64)),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.UniqueConstraint("collection", "url"),
    )
    op.create_index("ix_frontier_due", "frontier", ["collection", "next_due_at"])
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("error", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("error")
    op.drop_table("frontier")
