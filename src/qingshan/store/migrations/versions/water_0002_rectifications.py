"""water: rectification items opened per section and evaluation period

Revision ID: water_0002
Revises: water_0001
Create Date: 2026-12-08

Mirrors :class:`qingshan.water.models.Rectification`. The ledger item is referenced by id and
code without a foreign key: the ledger tables belong to the ``web`` branch, and branches are
upgraded independently.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "water_0002"
down_revision = "water_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "water_rectifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("section_code", sa.String(32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("ledger_item_id", sa.Integer(), nullable=True),
        sa.Column("ledger_item_code", sa.String(40), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_rectifications")),
        sa.UniqueConstraint("section_code", "period_start", "period_end",
                            name=op.f("uq_water_rectifications_section_code_period_start_period_end")),
    )


def downgrade() -> None:
    op.drop_table("water_rectifications")
