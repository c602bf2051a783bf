"""hj212: dead-letter table; DataTimes that cannot be read back taken out of the data index

Revision ID: hj212_0004
Revises: hj212_0003
Create Date: 2026-12-06

* ``hj212_dead_letter``: items the gateway's own code failed on (issue 7 item 1).
* Before this revision the SQLite writer stored a DataTime with a year below 1000 unpadded
  (``'26-06-01 00:10:30'``, ``strftime('%Y')``), which SQLAlchemy cannot read back: every alarm
  tick that included such a row failed (issue 7 item 3). The gateway now rejects such
  DataTimes (outside its window). Rows already stored keep their index row and raw packet,
  but their ``datatime`` is set to NULL, so no time-based query (alarms, latest values) meets
  them; the raw archive (append-only) still has the packet with its DataTime as received.
  On PostgreSQL the same rows (years 1–999) are handled the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hj212_0004"
down_revision = "hj212_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hj212_dead_letter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("peer", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # readable: 'YYYY-MM-DD …' with a 4-digit year of at least 1000
        op.execute(sa.text("UPDATE hj212_data SET datatime = NULL WHERE datatime IS NOT NULL AND "
                           "(datatime NOT GLOB '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*')"))
    else:
        op.execute(sa.text("UPDATE hj212_data SET datatime = NULL WHERE datatime < '1000-01-01'"))


def downgrade() -> None:
    op.drop_table("hj212_dead_letter")
