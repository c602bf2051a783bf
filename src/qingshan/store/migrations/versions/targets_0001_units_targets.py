"""targets: units with dated station and section lists, annual targets, manual inputs, schemes

Revision ID: targets_0001
Revises:
Create Date: 2026-11-29

Base of the ``targets`` branch. Mirrors :mod:`qingshan.targets.models`; constraint names follow
:data:`qingshan.store.base.NAMING` so SQLite and PostgreSQL schemas are identical.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "targets_0001"
down_revision = None
branch_labels = ("targets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targets_unit",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_targets_unit"),
    )
    for what, col in (("station", "station_code"), ("section", "section_code")):
        table = f"targets_unit_{what}"
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("unit_code", sa.String(12), nullable=False),
            sa.Column(col, sa.String(32), nullable=False),
            sa.Column("valid_from", sa.Date(), nullable=False),
            sa.Column("valid_to", sa.Date(), nullable=True),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("unit_code", col, "valid_from", name=f"uq_{table}_unit_code_{col}_valid_from"),
        )
        op.create_index(f"ix_{table}_unit_code", table, ["unit_code"])
    op.create_table(
        "targets_target",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("indicator", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(2), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("dust_rule", sa.String(16), nullable=False),
        sa.Column("base_value", sa.String(32), nullable=True),
        sa.Column("source_doc", sa.Text(), nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets_target"),
        sa.UniqueConstraint("year", "unit_code", "indicator", name="uq_targets_target_year_unit_code_indicator"),
    )
    op.create_table(
        "targets_manual_input",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("indicator", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("doc_no", sa.String(128), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets_manual_input"),
        sa.UniqueConstraint("month", "kind", "unit_code", "period", "indicator",
                            name="uq_targets_manual_input_month_kind_unit_code_period_indicator"),
    )
    op.create_table(
        "targets_scheme",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets_scheme"),
        sa.UniqueConstraint("year", "name", name="uq_targets_scheme_year_name"),
    )


def downgrade() -> None:
    for t in ("targets_scheme", "targets_manual_input", "targets_target", "targets_unit_section",
              "targets_unit_station", "targets_unit"):
        op.drop_table(t)
