"""web: organisation units, accounts, sessions, login attempts, append-only audit trail, ledgers

Revision ID: web_0001
Revises:
Create Date: 2026-11-29

Base of the ``web`` branch. Mirrors :mod:`qingshan.core.org`, :mod:`qingshan.core.audit`, :mod:`qingshan.web.models` and :mod:`qingshan.ledgers.models`;
constraint names follow :data:`qingshan.store.base.NAMING`. Installs the triggers that make
``web_audit`` append-only (:func:`qingshan.core.audit.audit_guard_ddl`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_web_unit"),
        sa.UniqueConstraint("code", name="uq_web_unit_code"),
        sa.UniqueConstraint("name", name="uq_web_unit_name"),
        sa.ForeignKeyConstraint(["parent_id"], ["web_unit.id"], name="fk_web_unit_parent_id_web_unit"),
    )
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_user"),
        sa.UniqueConstraint("username", name="uq_web_user_username"),
        sa.ForeignKeyConstraint(["unit_id"], ["web_unit.id"], name="fk_web_user_unit_id_web_unit"),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_session"),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], name="fk_web_session_user_id_web_user"),
    )
    op.create_table(
        "web_login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_login_attempt"),
    )
    op.create_index("ix_web_login_attempt_ip", "web_login_attempt", ["ip"])
    op.create_index("ix_web_login_attempt_at", "web_login_attempt", ["at"])
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=True),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("object_repr", sa.String(200), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_web_audit"),
    )
    op.create_index("ix_web_audit_at", "web_audit", ["at"])
    op.create_index("ix_web_audit_request_id", "web_audit", ["request_id"])

    op.create_table(
        "ledger_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("tracking_no", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_item"),
        sa.UniqueConstraint("code", name="uq_ledger_item_code"),
        sa.UniqueConstraint("tracking_no", name="uq_ledger_item_tracking_no"),
        sa.ForeignKeyConstraint(["lead_unit_id"], ["web_unit.id"], name="fk_ledger_item_lead_unit_id_web_unit"),
    )
    op.create_index("ix_ledger_item_kind", "ledger_item", ["kind"])
    op.create_index("ix_ledger_item_status", "ledger_item", ["status"])
    op.create_index("ix_ledger_item_lead_unit_id", "ledger_item", ["lead_unit_id"])
    op.create_table(
        "ledger_item_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_item_unit"),
        sa.UniqueConstraint("item_id", "unit_id", name="uq_ledger_item_unit_item_id_unit_id"),
        sa.ForeignKeyConstraint(["item_id"], ["ledger_item.id"], name="fk_ledger_item_unit_item_id_ledger_item",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["web_unit.id"], name="fk_ledger_item_unit_unit_id_web_unit"),
    )
    op.create_index("ix_ledger_item_unit_item_id", "ledger_item_unit", ["item_id"])
    op.create_table(
        "ledger_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("unit_name", sa.String(100), nullable=True),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_progress"),
        sa.ForeignKeyConstraint(["item_id"], ["ledger_item.id"], name="fk_ledger_progress_item_id_ledger_item",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_ledger_progress_item_id", "ledger_progress", ["item_id"])
    op.create_table(
        "ledger_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("progress_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.String(300), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_attachment"),
        sa.ForeignKeyConstraint(["item_id"], ["ledger_item.id"], name="fk_ledger_attachment_item_id_ledger_item",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["progress_id"], ["ledger_progress.id"],
                                name="fk_ledger_attachment_progress_id_ledger_progress"),
    )
    op.create_index("ix_ledger_attachment_item_id", "ledger_attachment", ["item_id"])

    for stmt in _audit_guard(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS web_audit_append_only ON web_audit")
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_truncate ON web_audit")
        op.execute("DROP FUNCTION IF EXISTS web_audit_refuse()")
    else:
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_delete")
    for table in ("ledger_attachment", "ledger_progress", "ledger_item_unit", "ledger_item",
                  "web_audit", "web_login_attempt", "web_session", "web_user", "web_unit"):
        op.drop_table(table)


def _audit_guard(dialect: str) -> list[str]:
    # frozen copy of qingshan.core.audit.audit_guard_ddl at this revision
    msg = "审计记录不可修改或删除 (audit records are append-only)"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER web_audit_no_update BEFORE UPDATE ON web_audit BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            f"CREATE TRIGGER web_audit_no_delete BEFORE DELETE ON web_audit BEGIN SELECT RAISE(ABORT, '{msg}'); END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION web_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{msg}'; END $$",
        "CREATE TRIGGER web_audit_append_only BEFORE UPDATE OR DELETE ON web_audit "
        "FOR EACH ROW EXECUTE FUNCTION web_audit_refuse()",
        "CREATE TRIGGER web_audit_no_truncate BEFORE TRUNCATE ON web_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION web_audit_refuse()",
    ]
