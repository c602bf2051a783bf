"""The landwaste branch: models and migration agree; the branch goes down and up alone."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import qingshan.landwaste.models  # noqa: F401
from qingshan.store import migrate
from qingshan.store.base import Base

PREFIXES = ("soil_", "waste_", "ponds_")


def _check(url: str) -> None:
    migrate.upgrade(url)
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        ours = [d for d in diff if any(p in repr(d) for p in PREFIXES)]
        assert ours == []
        tables = {t for t in inspect(eng).get_table_names() if t.startswith(PREFIXES)}
        assert tables == {t for t in Base.metadata.tables if t.startswith(PREFIXES)}
    finally:
        eng.dispose()
    others = migrate.current(url) - {"landwaste_0002"}
    migrate.downgrade("landwaste@base", url)
    assert migrate.current(url) == others
    eng = create_engine(url)
    try:
        assert not [t for t in inspect(eng).get_table_names() if t.startswith(PREFIXES)]
    finally:
        eng.dispose()
    migrate.upgrade(url)
    assert migrate.is_up_to_date(url)


def test_branch_on_sqlite(sqlite_url):
    _check(sqlite_url)


@pytest.mark.postgres
def test_branch_on_postgres(pg_url):
    _check(pg_url)
