"""bulletin: bulletin issues with state and frozen input snapshot

Revision ID: bulletin_0001
Revises:
Create Date: 2026-11-29

Base of the ``bulletin`` branch. Mirrors :mod:`qingshan.bulletin.models`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bulletin_0001"
down_revision = None
branch_labels = ("bulletin",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin_issue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("snapshot_sha256", sa.String(64), nullable=True),
        sa.Column("docx_sha256", sa.String(64), nullable=True),
        sa.Column("html_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bulletin_issue"),
        sa.UniqueConstraint("kind", "month", name="uq_bulletin_issue_kind_month"),
    )


def downgrade() -> None:
    op.drop_table("bulletin_issue")
