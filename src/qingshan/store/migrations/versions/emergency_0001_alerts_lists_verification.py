"""emergency: versioned tables, forecasts, alerts and notices, grades, emergency lists, verification

Revision ID: emergency_0001
Revises:
Create Date: 2026-11-30

Base of the ``emergency`` branch. Mirrors :mod:`qingshan.emergency.models`; constraint names
follow :data:`qingshan.store.base.NAMING`. Depends on ``hj212_0001`` for ``src_enterprise``
(grades, list rows and results reference registered enterprises).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "emergency_0001"
down_revision = None
branch_labels = ("emergency",)
depends_on = ("hj212_0001",)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _fk(table: str, col: str, ref: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.id"], name=f"fk_{table}_{col}_{ref}", ondelete=ondelete)


def _ix(table: str, col: str) -> None:
    op.create_index(f"ix_{table}_{col}", table, [col])


def upgrade() -> None:
    t = "emergency_table_version"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("packaged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _pk(t),
        sa.UniqueConstraint("kind", "version", name=f"uq_{t}_kind_version"),
    )
    _ix(t, "kind")

    t = "emergency_forecast_batch"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("run_time", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_cities", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        _pk(t),
        sa.UniqueConstraint("kind", "sha256", name=f"uq_{t}_kind_sha256"),
    )
    _ix(t, "run_time")

    t = "emergency_forecast_block"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(40), nullable=False),
        sa.Column("block_start", sa.DateTime(), nullable=False),
        sa.Column("aqi", sa.Integer(), nullable=True),
        sa.Column("aqi_text", sa.String(40), nullable=True),
        sa.Column("primary", sa.String(100), nullable=True),
        sa.Column("cause", sa.String(20), nullable=True),
        sa.Column("row", sa.Integer(), nullable=False),
        _pk(t),
        _fk(t, "batch_id", "emergency_forecast_batch", "CASCADE"),
        sa.UniqueConstraint("batch_id", "city", "block_start", name=f"uq_{t}_batch_id_city_block_start"),
    )
    _ix(t, "batch_id")

    t = "emergency_notice"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("issuer", sa.String(100), nullable=False),
        sa.Column("document_no", sa.String(80), nullable=True),
        sa.Column("cities", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("lift_document_no", sa.String(80), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        _pk(t),
    )

    t = "emergency_alert"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(40), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("max_level", sa.String(10), nullable=False),
        sa.Column("first_issue", sa.DateTime(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("last_above_end", sa.DateTime(), nullable=False),
        sa.Column("lift_at", sa.DateTime(), nullable=True),
        sa.Column("rules", sa.String(20), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _pk(t),
        _fk(t, "notice_id", "emergency_notice"),
    )
    for c in ("city", "status", "start"):
        _ix(t, c)

    t = "emergency_alert_action"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("decide_by", sa.DateTime(), nullable=True),
        sa.Column("run_time", sa.DateTime(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document_no", sa.String(80), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        _pk(t),
        _fk(t, "alert_id", "emergency_alert", "CASCADE"),
        _fk(t, "batch_id", "emergency_forecast_batch"),
        sa.UniqueConstraint("alert_id", "seq", name=f"uq_{t}_alert_id_seq"),
    )
    _ix(t, "alert_id")

    t = "emergency_indicator"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(40), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("group", sa.String(20), nullable=False),
        sa.Column("grade_met", sa.String(10), nullable=True),
        sa.Column("value", sa.String(200), nullable=True),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        _pk(t),
        _fk(t, "enterprise_id", "src_enterprise"),
    )
    _ix(t, "enterprise_id")

    t = "emergency_grade"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("computed_grade", sa.String(10), nullable=True),
        sa.Column("deciding", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _pk(t),
        _fk(t, "enterprise_id", "src_enterprise"),
    )
    _ix(t, "enterprise_id")

    t = "emergency_list"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("season", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        _pk(t),
        sa.UniqueConstraint("sha256", name=f"uq_{t}_sha256"),
    )

    t = "emergency_list_row"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("county", sa.String(6), nullable=True),
        sa.Column("industry", sa.String(40), nullable=False),
        sa.Column("line_id", sa.String(80), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("protected", sa.String(20), nullable=False),
        sa.Column("max_load", sa.String(40), nullable=True),
        sa.Column("mn_codes", sa.JSON(), nullable=False),
        sa.Column("submeters", sa.JSON(), nullable=False),
        sa.Column("cap_eia", sa.String(40), nullable=True),
        sa.Column("cap_permit", sa.String(40), nullable=True),
        sa.Column("prod_lastyear", sa.String(40), nullable=True),
        sa.Column("p0", sa.String(40), nullable=True),
        sa.Column("unit", sa.String(20), nullable=True),
        sa.Column("e0", sa.JSON(), nullable=False),
        sa.Column("e_hold", sa.JSON(), nullable=False),
        sa.Column("t0", sa.String(40), nullable=True),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("r", sa.JSON(), nullable=False),
        sa.Column("r_declared", sa.JSON(), nullable=False),
        sa.Column("key_indicators", sa.JSON(), nullable=False),
        sa.Column("ramp_h", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _pk(t),
        _fk(t, "list_id", "emergency_list", "CASCADE"),
        _fk(t, "enterprise_id", "src_enterprise"),
        sa.UniqueConstraint("list_id", "enterprise_id", "line_id", name=f"uq_{t}_list_id_enterprise_id_line_id"),
    )
    _ix(t, "list_id")
    _ix(t, "enterprise_id")

    t = "emergency_list_other"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("pollutant", sa.String(6), nullable=False),
        sa.Column("t_per_day", sa.String(40), nullable=False),
        _pk(t),
        _fk(t, "list_id", "emergency_list", "CASCADE"),
        sa.UniqueConstraint("list_id", "category", "level", "pollutant", name=f"uq_{t}_list_id_category_level_pollutant"),
    )
    _ix(t, "list_id")

    t = "emergency_city_baseline"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(6), nullable=False),
        sa.Column("amount_t", sa.String(40), nullable=False),
        sa.Column("basis", sa.String(24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("season_days", sa.Integer(), nullable=True),
        sa.Column("t_per_day", sa.String(60), nullable=False),
        _pk(t),
        _fk(t, "list_id", "emergency_list", "CASCADE"),
        sa.UniqueConstraint("list_id", "pollutant", name=f"uq_{t}_list_id_pollutant"),
    )
    _ix(t, "list_id")

    t = "emergency_verification"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("window", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _pk(t),
        _fk(t, "alert_id", "emergency_alert"),
        _fk(t, "list_id", "emergency_list"),
    )
    _ix(t, "alert_id")

    t = "emergency_verification_result"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verification_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("line_ids", sa.JSON(), nullable=False),
        sa.Column("pollutant", sa.String(6), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rho_req", sa.String(80), nullable=True),
        sa.Column("rho", sa.String(120), nullable=True),
        sa.Column("coverage", sa.String(40), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _pk(t),
        sa.ForeignKeyConstraint(["verification_id"], ["emergency_verification.id"],
                                name="fk_emergency_verification_result_verification", ondelete="CASCADE"),
        _fk(t, "enterprise_id", "src_enterprise"),
    )
    for c in ("verification_id", "enterprise_id", "status"):
        _ix(t, c)


def downgrade() -> None:
    for table in ("emergency_verification_result", "emergency_verification", "emergency_city_baseline",
                  "emergency_list_other", "emergency_list_row", "emergency_list", "emergency_grade",
                  "emergency_indicator", "emergency_alert_action", "emergency_alert", "emergency_notice",
                  "emergency_forecast_block", "emergency_forecast_batch", "emergency_table_version"):
        op.drop_table(table)
