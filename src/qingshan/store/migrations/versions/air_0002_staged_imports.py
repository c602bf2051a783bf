"""air: staged imports (undo records), import summary columns, issue kinds

Revision ID: air_0002
Revises: air_0001
Create Date: 2026-12-07

* ``air_import_stage`` (PostgreSQL's stage; SQLite stages in a scratch file) and
  ``air_import_undo`` (SQLite: what each published value replaced, so a failed or interrupted
  import is rolled back); docs/ingest-and-store.md §3.2.
* ``import_batches``: ``values_flagged``, ``values_rejected``, ``options`` (the import options
  that shape the result; with the SHA-256 they recognise an unchanged re-import),
  ``heartbeat_at`` (a stale running import is rolled back), ``previous_batch_id`` (a skipped
  re-import names the batch that imported the file).
* ``import_errors.kind``: rejected | flagged | skipped | replaced | kept.
* ``ix_air_published_aqi_time``: the importer asks whether anything is stored in a chunk's hours
  before it looks for conflicts value by value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "air_0002"
down_revision = "air_0001"
branch_labels = None
depends_on = None

_ID64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as b:
        b.add_column(sa.Column("values_flagged", sa.Integer(), server_default="0", nullable=False))
        b.add_column(sa.Column("values_rejected", sa.Integer(), server_default="0", nullable=False))
        b.add_column(sa.Column("options", sa.String(512), nullable=True))
        b.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        b.add_column(sa.Column("previous_batch_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("published_upto", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("import_errors") as b:
        b.add_column(sa.Column("kind", sa.String(16), server_default="rejected", nullable=False))
    op.create_table(
        "air_import_stage",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=True),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("flag", sa.String(4), nullable=True),
        sa.Column("primary_pollutant", sa.String(64), nullable=True),
        sa.Column("state", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], ondelete="CASCADE",
            name="fk_air_import_stage_batch_id_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_air_import_stage"),
    )
    op.create_index("ix_air_import_stage_key", "air_import_stage", ["batch_id", "station_id", "time", "pollutant"])
    op.create_table(
        "air_import_undo",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=True),
        sa.Column("old_value", sa.BigInteger(), nullable=True),
        sa.Column("old_flag", sa.String(4), nullable=True),
        sa.Column("old_primary", sa.String(64), nullable=True),
        sa.Column("old_batch", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], ondelete="CASCADE",
            name="fk_air_import_undo_batch_id_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_air_import_undo"),
    )
    op.create_index("ix_air_import_undo_batch_id", "air_import_undo", ["batch_id"])
    op.create_index("ix_air_published_aqi_time", "air_published_aqi", ["time"])


def downgrade() -> None:
    op.drop_index("ix_air_published_aqi_time", table_name="air_published_aqi")
    op.drop_index("ix_air_import_undo_batch_id", table_name="air_import_undo")
    op.drop_table("air_import_undo")
    op.drop_index("ix_air_import_stage_key", table_name="air_import_stage")
    op.drop_table("air_import_stage")
    with op.batch_alter_table("import_errors") as b:
        b.drop_column("kind")
    with op.batch_alter_table("import_batches") as b:
        b.drop_column("published_upto")
        b.drop_column("previous_batch_id")
        b.drop_column("heartbeat_at")
        b.drop_column("options")
        b.drop_column("values_rejected")
        b.drop_column("values_flagged")
