"""hj212: the raw packet archive is append-only (UPDATE, DELETE and TRUNCATE refused by triggers)

Revision ID: hj212_0002
Revises: hj212_0001
Create Date: 2026-11-29

The archive is the single source of every stored value and the evidence of every alarm
(docs/hj212-gateway.md), so no code path, and no operator with plain SQL, may rewrite it.
"""

from __future__ import annotations

from alembic import op

revision = "hj212_0002"
down_revision = "hj212_0001"
branch_labels = None
depends_on = None

_MSG = "原始报文存档不可修改或删除 (the HJ 212 raw archive is append-only)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER hj212_raw_no_update BEFORE UPDATE ON hj212_raw_packet "
                   f"BEGIN SELECT RAISE(ABORT, '{_MSG}'); END")
        op.execute(f"CREATE TRIGGER hj212_raw_no_delete BEFORE DELETE ON hj212_raw_packet "
                   f"BEGIN SELECT RAISE(ABORT, '{_MSG}'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION hj212_raw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{_MSG}'; END $$")
    op.execute("CREATE TRIGGER hj212_raw_append_only BEFORE UPDATE OR DELETE ON hj212_raw_packet "
               "FOR EACH ROW EXECUTE FUNCTION hj212_raw_refuse()")
    op.execute("CREATE TRIGGER hj212_raw_no_truncate BEFORE TRUNCATE ON hj212_raw_packet "
               "FOR EACH STATEMENT EXECUTE FUNCTION hj212_raw_refuse()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS hj212_raw_no_update")
        op.execute("DROP TRIGGER IF EXISTS hj212_raw_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS hj212_raw_append_only ON hj212_raw_packet")
    op.execute("DROP TRIGGER IF EXISTS hj212_raw_no_truncate ON hj212_raw_packet")
    op.execute("DROP FUNCTION IF EXISTS hj212_raw_refuse()")
