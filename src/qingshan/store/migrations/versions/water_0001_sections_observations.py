"""water: section registry, targets, observations, published classes, import batches and errors

Revision ID: water_0001
Revises:
Create Date: 2026-12-06

Base of the ``water`` branch (independent of every other branch). Mirrors
:mod:`qingshan.water.models`; constraint names follow :data:`qingshan.store.base.NAMING` so
SQLite and PostgreSQL schemas are identical.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "water_0001"
down_revision = None
branch_labels = ("water",)
depends_on = None

_ID64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite rowid needs INTEGER


def upgrade() -> None:
    op.create_table(
        "water_sections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("river", sa.String(64), nullable=True),
        sa.Column("basin", sa.String(64), nullable=True),
        sa.Column("water_system", sa.String(64), nullable=True),
        sa.Column("water_body", sa.String(10), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=True),
        sa.Column("control_level", sa.String(4), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("responsible_unit", sa.String(128), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("downstream_code", sa.String(32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_water_sections"),
        sa.UniqueConstraint("code", name="uq_water_sections_code"),
        sa.CheckConstraint("water_body IN ('river', 'lake', 'reservoir')", name="ck_water_sections_water_body"),
        sa.CheckConstraint(
            "control_level IS NULL OR control_level IN ('国考', '省考', '市考')", name="ck_water_sections_control_level"
        ),
    )
    op.create_table(
        "water_section_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_class", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"], ["water_sections.id"], ondelete="CASCADE",
            name="fk_water_section_targets_section_id_water_sections",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_water_section_targets"),
        sa.UniqueConstraint("section_id", "year", name="uq_water_section_targets_section_id_year"),
        sa.CheckConstraint("target_class BETWEEN 1 AND 6", name="ck_water_section_targets_target_class"),
    )
    op.create_table(
        "water_import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("encoding", sa.String(16), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("values_written", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_water_import_batches"),
    )
    op.create_table(
        "water_import_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["water_import_batches.id"], ondelete="CASCADE",
            name="fk_water_import_errors_batch_id_water_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_water_import_errors"),
    )
    op.create_index("ix_water_import_errors_batch_id", "water_import_errors", ["batch_id"])
    op.create_table(
        "water_observations",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("item", sa.String(12), nullable=False),
        sa.Column("value_nano", sa.BigInteger(), nullable=True),
        sa.Column("nd", sa.Boolean(), nullable=False),
        sa.Column("dl_nano", sa.BigInteger(), nullable=True),
        sa.Column("flag", sa.String(4), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("text", sa.String(40), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["section_id"], ["water_sections.id"], ondelete="CASCADE",
            name="fk_water_observations_section_id_water_sections",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["water_import_batches.id"], ondelete="SET NULL",
            name="fk_water_observations_batch_id_water_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_water_observations"),
        sa.UniqueConstraint(
            "section_id", "time", "item", "source", name="uq_water_observations_section_id_time_item_source"
        ),
    )
    op.create_index("ix_water_observations_time", "water_observations", ["time"])
    op.create_table(
        "water_published_class",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("class", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["section_id"], ["water_sections.id"], ondelete="CASCADE",
            name="fk_water_published_class_section_id_water_sections",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["water_import_batches.id"], ondelete="SET NULL",
            name="fk_water_published_class_batch_id_water_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_water_published_class"),
        sa.UniqueConstraint("section_id", "time", "source", name="uq_water_published_class_section_id_time_source"),
    )


def downgrade() -> None:
    op.drop_table("water_published_class")
    op.drop_index("ix_water_observations_time", table_name="water_observations")
    op.drop_table("water_observations")
    op.drop_index("ix_water_import_errors_batch_id", table_name="water_import_errors")
    op.drop_table("water_import_errors")
    op.drop_table("water_import_batches")
    op.drop_table("water_section_targets")
    op.drop_table("water_sections")
