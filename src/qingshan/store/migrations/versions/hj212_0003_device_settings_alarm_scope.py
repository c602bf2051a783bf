"""hj212: per-device parsing settings (strict, crc_variant), registration time; alarm scope

Revision ID: hj212_0003
Revises: hj212_0002
Create Date: 2026-11-29

* ``src_device.strict`` (default false: the gateway parses leniently, keeps what it safely can
  and archives the deviations) and ``src_device.crc_variant`` (a non-standard CRC the device is
  known to send, hj212.md §6a; NULL = only the HJ 212 CRC) — docs/hj212-gateway.md.
* ``src_device.registered_at`` (UTC): the start of a missing-data alarm for a device that
  never sent anything.
* ``hj212_alarm.scope``: constant-value episodes are per (MN, factor, field, CN); the upsert
  key (kind, MN, factor, start) let two of them collide, so the key gains ``scope``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hj212_0003"
down_revision = "hj212_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("src_device") as b:
        b.add_column(sa.Column("strict", sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("crc_variant", sa.String(20), nullable=True))
        b.add_column(sa.Column("registered_at", sa.DateTime(), nullable=True))
    # Devices registered before this revision: known to be registered since now (a lower
    # bound, never earlier than the truth), so a never-heard device is not alarmed from 1970.
    utc_now = "CURRENT_TIMESTAMP" if op.get_bind().dialect.name == "sqlite" else "(now() AT TIME ZONE 'UTC')"
    op.execute(sa.text(f"UPDATE src_device SET registered_at = {utc_now} WHERE registered_at IS NULL"))
    with op.batch_alter_table("hj212_alarm") as b:
        b.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default=""))
        b.drop_constraint("uq_hj212_alarm_kind_mn_factor_start", type_="unique")
        b.create_unique_constraint("uq_hj212_alarm_kind_mn_factor_scope_start",
                                   ["kind", "mn", "factor", "scope", "start"])


def downgrade() -> None:
    with op.batch_alter_table("hj212_alarm") as b:
        b.drop_constraint("uq_hj212_alarm_kind_mn_factor_scope_start", type_="unique")
        b.create_unique_constraint("uq_hj212_alarm_kind_mn_factor_start", ["kind", "mn", "factor", "start"])
        b.drop_column("scope")
    with op.batch_alter_table("src_device") as b:
        b.drop_column("registered_at")
        b.drop_column("crc_variant")
        b.drop_column("strict")
