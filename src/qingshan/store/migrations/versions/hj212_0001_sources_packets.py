"""hj212: source registry (enterprises, outlets, devices, limits), raw packet archive, data, alarms

Revision ID: hj212_0001
Revises:
Create Date: 2026-11-29

Base of the ``hj212`` branch (independent of ``air`` and ``web``). Mirrors
:mod:`qingshan.sources.models` and :mod:`qingshan.hj212.models`; constraint names follow
:data:`qingshan.store.base.NAMING` so SQLite and PostgreSQL schemas are identical.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hj212_0001"
down_revision = None
branch_labels = ("hj212",)
depends_on = None

_ID64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "src_enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("industry", sa.String(100), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_src_enterprise"),
        sa.UniqueConstraint("uscc", name="uq_src_enterprise_uscc"),
    )
    op.create_table(
        "src_outlet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(5), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_src_outlet"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["src_enterprise.id"],
                                name="fk_src_outlet_enterprise_id_src_enterprise"),
        sa.UniqueConstraint("enterprise_id", "code", name="uq_src_outlet_enterprise_id_code"),
        sa.CheckConstraint("kind IN ('gas', 'water')", name="ck_src_outlet_kind"),
    )
    op.create_table(
        "src_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(24), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("pw_hash", sa.String(200), nullable=False),
        sa.Column("st", sa.String(2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("datatime_label", sa.String(5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_src_device"),
        sa.ForeignKeyConstraint(["outlet_id"], ["src_outlet.id"], name="fk_src_device_outlet_id_src_outlet"),
        sa.UniqueConstraint("mn", name="uq_src_device_mn"),
        sa.CheckConstraint("datatime_label IN ('start', 'end')", name="ck_src_device_datatime_label"),
    )
    op.create_table(
        "src_outlet_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.String(6), nullable=False),
        sa.Column("limit_value", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("ref_o2", sa.String(10), nullable=True),
        sa.Column("period", sa.String(4), nullable=False),
        sa.Column("standard", sa.String(100), nullable=False),
        sa.Column("clause", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_src_outlet_limit"),
        sa.ForeignKeyConstraint(["outlet_id"], ["src_outlet.id"], name="fk_src_outlet_limit_outlet_id_src_outlet"),
        sa.UniqueConstraint("outlet_id", "factor", name="uq_src_outlet_limit_outlet_id_factor"),
        sa.CheckConstraint("basis IN ('measured', 'converted')", name="ck_src_outlet_limit_basis"),
        sa.CheckConstraint("period IN ('hour', 'day')", name="ck_src_outlet_limit_period"),
    )
    op.create_table(
        "hj212_raw_packet",
        sa.Column("id", _ID64, autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("peer", sa.String(64), nullable=False),
        sa.Column("mn", sa.String(32), nullable=True),
        sa.Column("st", sa.String(4), nullable=True),
        sa.Column("cn", sa.String(8), nullable=True),
        sa.Column("qn", sa.String(24), nullable=True),
        sa.Column("flag", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hj212_raw_packet"),
    )
    op.create_table(
        "hj212_data",
        sa.Column("raw_id", _ID64, autoincrement=False, nullable=False),
        sa.Column("mn", sa.String(32), nullable=False),
        sa.Column("st", sa.String(4), nullable=False),
        sa.Column("cn", sa.String(8), nullable=False),
        sa.Column("datatime", sa.DateTime(), nullable=True),
        sa.Column("pnum", sa.Integer(), nullable=False),
        sa.Column("pno", sa.Integer(), nullable=False),
        sa.Column("qn", sa.String(24), nullable=True),
        sa.Column("flag", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("raw_id", name="pk_hj212_data"),
        sa.ForeignKeyConstraint(["raw_id"], ["hj212_raw_packet.id"], name="fk_hj212_data_raw_id_hj212_raw_packet"),
        sa.UniqueConstraint("mn", "cn", "datatime", "pnum", "pno", name="uq_hj212_data_mn_cn_datatime_pnum_pno"),
    )
    op.create_table(
        "hj212_alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("mn", sa.String(32), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("factor", sa.String(8), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(6), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hj212_alarm"),
        sa.UniqueConstraint("kind", "mn", "factor", "start", name="uq_hj212_alarm_kind_mn_factor_start"),
    )


def downgrade() -> None:
    for table in ("hj212_alarm", "hj212_data", "hj212_raw_packet", "src_outlet_limit", "src_device",
                  "src_outlet", "src_enterprise"):
        op.drop_table(table)
