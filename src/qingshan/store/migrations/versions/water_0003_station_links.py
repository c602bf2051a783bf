"""water: HJ 212 automatic stations (device MN) linked to sections

Revision ID: water_0003
Revises: water_0002
Create Date: 2026-12-07

Mirrors :class:`qingshan.water.models.StationLink`: one row per MN (unique), the section by id
(cascade: a section deleted takes its links along), the station's per-item factor codes and
per-code unit overrides as JSON (hj212.md §12.3), ``active`` and the validity bounds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "water_0003"
down_revision = "water_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "water_station_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mn", sa.String(24), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_to", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"], ["water_sections.id"], ondelete="CASCADE",
            name="fk_water_station_links_section_id_water_sections",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_station_links")),
        sa.UniqueConstraint("mn", name=op.f("uq_water_station_links_mn")),
    )
    op.create_index(op.f("ix_water_station_links_section_id"), "water_station_links", ["section_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_water_station_links_section_id"), table_name="water_station_links")
    op.drop_table("water_station_links")
