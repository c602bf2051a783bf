"""web: rate-limit events; login attempts indexed by the typed user name

Revision ID: web_0002
Revises: web_0001
Create Date: 2026-12-06

``web_rate_event`` holds one row per counted event of a rate limit when the limits are kept in
the database (:mod:`qingshan.web.ratelimit`, ``database`` store: shared by every worker).
Login throttling counts failures per typed user name as well as per address
(:mod:`qingshan.web.auth`), hence the index on ``web_login_attempt.username``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_rate_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_rate_event"),
    )
    op.create_index("ix_web_rate_event_key", "web_rate_event", ["key"])
    op.create_index("ix_web_rate_event_at", "web_rate_event", ["at"])
    op.create_index("ix_web_login_attempt_username", "web_login_attempt", ["username"])


def downgrade() -> None:
    op.drop_index("ix_web_login_attempt_username", table_name="web_login_attempt")
    op.drop_index("ix_web_rate_event_at", table_name="web_rate_event")
    op.drop_index("ix_web_rate_event_key", table_name="web_rate_event")
    op.drop_table("web_rate_event")
