"""bulletin: reviewer and publisher, the published documents themselves, the title for the portal

Revision ID: bulletin_0002
Revises: bulletin_0001
Create Date: 2026-12-06

Mirrors :mod:`qingshan.bulletin.models` (issue 11 phase 2: the review freezes the snapshot, the
publication stores the .docx and HTML the public portal serves).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bulletin_0002"
down_revision = "bulletin_0001"
branch_labels = None
depends_on = None

COLUMNS = (
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("reviewed_by", sa.String(64), nullable=True),
    sa.Column("reviewed_at", sa.DateTime(), nullable=True),
    sa.Column("published_by", sa.String(64), nullable=True),
    sa.Column("docx", sa.LargeBinary(), nullable=True),
    sa.Column("html", sa.Text(), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("bulletin_issue") as batch:
        for c in COLUMNS:
            batch.add_column(c)


def downgrade() -> None:
    with op.batch_alter_table("bulletin_issue") as batch:
        for c in reversed(COLUMNS):
            batch.drop_column(c.name)
