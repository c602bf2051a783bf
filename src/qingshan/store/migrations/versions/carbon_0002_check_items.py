"""carbon: rectification-ledger items opened for failed checks, with their evidence

Revision ID: carbon_0002
Revises: carbon_0001
Create Date: 2026-12-07

Mirrors :class:`qingshan.carbon.models.CarbonCheckItem`. ``ledger_item_id`` has no foreign key: the
ledger's table belongs to the ``web`` branch, upgraded and downgraded on its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "carbon_0002"
down_revision = "carbon_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('carbon_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_row_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('check_id', sa.String(length=5), nullable=False),
    sa.Column('ledger_item_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['check_row_id'], ['carbon_check.id'], name='fk_carbon_check_item_check_row_id_carbon_check'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_check_item_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_check_item'),
    sa.UniqueConstraint('check_row_id', name='uq_carbon_check_item_check_row_id')
    )
    op.create_index('ix_carbon_check_item_ledger_item_id', 'carbon_check_item', ['ledger_item_id'], unique=False)
    op.create_index('ix_carbon_check_item_unit_id', 'carbon_check_item', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_table("carbon_check_item")
