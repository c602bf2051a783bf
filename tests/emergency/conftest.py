"""Fixtures of the emergency tests: a migrated store on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import os

import pgutil
import pytest

from qingshan.store.migrate import upgrade

# One database per test process: concurrent runs of these tests on the shared server never reset
# each other's schema.
PG_DB = f"qingshan_test_emergency_{os.getpid()}"
PG_URL = pgutil.url(PG_DB)


@pytest.fixture(scope="session")
def _pg_database():
    yield pgutil.ensure_database(PG_DB)
    pgutil.drop_database(PG_DB)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A freshly migrated store (``alembic upgrade heads``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'em.db'}"
    else:
        request.getfixturevalue("_pg_database")
        pgutil.reset_schema(PG_DB)
        url = PG_URL
    upgrade(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'em.db'}"
    upgrade(url)
    return url


