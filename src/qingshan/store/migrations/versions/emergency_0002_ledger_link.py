"""emergency: the rectification-ledger item of an enterprise that did not cut during an alert

Revision ID: emergency_0002
Revises: emergency_0001
Create Date: 2026-12-07

``emergency_ledger_link``: one row per (alert, enterprise) for which the bureau opened a ledger
item from a verification (issue 12 item 4: "enterprises that fail get an item in the existing
rectification ledger"); the unique key makes the action idempotent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "emergency_0002"
down_revision = "emergency_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emergency_ledger_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("emergency_alert.id", name="fk_emergency_ledger_link_alert_id_emergency_alert"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("src_enterprise.id", name="fk_emergency_ledger_link_enterprise_id_src_enterprise"), nullable=False),
        sa.Column("verification_id", sa.Integer(), sa.ForeignKey("emergency_verification.id", name="fk_emergency_ledger_link_verification_id_emergency_verification"), nullable=False),
        sa.Column("ledger_item_id", sa.Integer(), nullable=True),  # ledger_item (web branch): no FK across branches
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_emergency_ledger_link"),
        sa.UniqueConstraint("alert_id", "enterprise_id", name="uq_emergency_ledger_link_alert_id_enterprise_id"),
    )
    op.create_index("ix_emergency_ledger_link_alert_id", "emergency_ledger_link", ["alert_id"])


def downgrade() -> None:
    op.drop_index("ix_emergency_ledger_link_alert_id", "emergency_ledger_link")
    op.drop_table("emergency_ledger_link")
