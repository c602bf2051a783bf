"""The water branch: models and the hand-written migration agree; the branch goes up and down alone."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from qingshan.store import migrate
from qingshan.store.base import Base
from qingshan.water import models  # noqa: F401  (registers the water tables)

WATER_TABLES = {"water_sections", "water_section_targets", "water_observations", "water_published_class", "water_rectifications",
                "water_import_batches", "water_import_errors", "water_station_links"}


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def _check(url: str) -> None:
    migrate.upgrade(url)
    assert WATER_TABLES <= _tables(url)
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        eng.dispose()
    assert [d for d in diff if any(t in repr(d) for t in WATER_TABLES)] == []
    others = migrate.current(url) - {"water_0003"}
    migrate.downgrade("water@base", url)
    assert not (WATER_TABLES & _tables(url)) and migrate.current(url) == others
    migrate.upgrade(url)
    assert WATER_TABLES <= _tables(url)


def test_water_branch_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_water_branch_postgres(_pg_database):
    import pgutil

    db = _pg_database.rsplit("/", 1)[1]
    pgutil.reset_schema(db)
    _check(_pg_database)
