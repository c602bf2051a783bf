"""The emergency models and the hand-written migration describe the same schema (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import qingshan.emergency.models  # noqa: F401 — registers the tables
from qingshan.store import migrate
from qingshan.store.base import Base


def test_models_match_migration(db_url):
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        eng.dispose()
    assert [d for d in diff if _table(d).startswith("emergency_")] == []


def _table(d) -> str:
    """The table a diff entry of ``compare_metadata`` concerns (only emergency tables are ours)."""
    d = d[0] if isinstance(d, list) else d
    op, args = d[0], d[1:]
    if op.endswith("_table"):
        return args[0].name
    if op.endswith("_column") or op.startswith("modify_"):
        return args[1]
    return args[0].table.name  # constraint, index, foreign key


def test_branch_downgrades_alone(db_url):
    migrate.downgrade("emergency@base", db_url)
    assert "emergency_0001" not in migrate.current(db_url)
    migrate.upgrade(db_url)
    assert migrate.is_up_to_date(db_url)
