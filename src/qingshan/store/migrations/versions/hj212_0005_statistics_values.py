"""hj212: typed values of the statistics packets (CN 2051, 2061, 2031), and their backfill queue

Revision ID: hj212_0005
Revises: hj212_0004
Create Date: 2026-12-07

* ``hj212_value``: one row per (MN, CN, DataTime, factor) of the minute, hourly and daily
  packets, the fields as exact micro-unit integers, the factor's flag and the raw packet id.
  From now on the gateway's writer fills it in the same transaction as the archive
  (docs/hj212-gateway.md "Values table").
* ``hj212_value_backfill``: the index rows of those CNs stored before this revision. They are
  queued here, not parsed here: reading a packet's values takes the codec (lenient grammar,
  2005 code translation, hj212.md §5, §12.4, §13), and a migration imports no domain code
  (the layers contract of docs/architecture.md; a migration must also keep doing the same
  thing after the codec changes). :func:`qingshan.hj212.values.backfill` copies the queue with
  the codec (chunked, resumable, earlier packet wins); every reader of the table runs it first
  when the queue is not empty, and ``qingshan hj212 backfill`` runs it by hand.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hj212_0005"
down_revision = "hj212_0004"
branch_labels = None
depends_on = None

ID64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hj212_value",
        sa.Column("mn", sa.String(32), nullable=False),
        sa.Column("cn", sa.String(8), nullable=False),
        sa.Column("datatime", sa.DateTime(), nullable=False),
        sa.Column("factor", sa.String(16), nullable=False),
        sa.Column("cou", sa.BigInteger(), nullable=True),
        sa.Column("min", sa.BigInteger(), nullable=True),
        sa.Column("avg", sa.BigInteger(), nullable=True),
        sa.Column("max", sa.BigInteger(), nullable=True),
        sa.Column("zs_min", sa.BigInteger(), nullable=True),
        sa.Column("zs_avg", sa.BigInteger(), nullable=True),
        sa.Column("zs_max", sa.BigInteger(), nullable=True),
        sa.Column("flag", sa.String(4), nullable=True),
        sa.Column("raw_id", ID64, sa.ForeignKey("hj212_raw_packet.id", name="fk_hj212_value_raw_id_hj212_raw_packet"),
                  nullable=False),
        sa.PrimaryKeyConstraint("mn", "cn", "datatime", "factor", name="pk_hj212_value"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hj212_value_backfill",
        sa.Column("raw_id", ID64, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("raw_id", name="pk_hj212_value_backfill"),
    )
    op.execute(sa.text("INSERT INTO hj212_value_backfill (raw_id) SELECT raw_id FROM hj212_data "
                       "WHERE cn IN ('2051', '2061', '2031') AND datatime IS NOT NULL"))


def downgrade() -> None:
    op.drop_table("hj212_value_backfill")
    op.drop_table("hj212_value")
