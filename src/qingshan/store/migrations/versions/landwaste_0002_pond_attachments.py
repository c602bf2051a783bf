"""landwaste: photos and documents of a tailings pond's file (一库一档, soil-waste.md §6.5)

Revision ID: landwaste_0002
Revises: landwaste_0001
Create Date: 2026-12-06

Mirrors :class:`qingshan.landwaste.ponds.models.PondAttachment`; the bytes live under
``QINGSHAN_HOME/attachments/pond-<id>/`` (the ledger's attachment store).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "landwaste_0002"
down_revision = "landwaste_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ponds_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pond_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=True),
        sa.Column("taken_on", sa.Date(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pond_id"], ["ponds_pond.id"], name=op.f("fk_ponds_attachment_pond_id_ponds_pond"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ponds_attachment")),
    )
    op.create_index(op.f("ix_ponds_attachment_pond_id"), "ponds_attachment", ["pond_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ponds_attachment_pond_id"), table_name="ponds_attachment")
    op.drop_table("ponds_attachment")
