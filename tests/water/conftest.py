"""Fixtures of the water tests: a migrated store on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import os

import pgutil
import pytest

from qingshan.store.migrate import upgrade
from qingshan.water.store import WaterStore

# One database per test process: concurrent runs on the shared server never reset each other.
PG_DB = f"qingshan_test_water_{os.getpid()}"
PG_URL = pgutil.url(PG_DB)


@pytest.fixture(scope="session")
def _pg_database():
    yield pgutil.ensure_database(PG_DB)
    pgutil.drop_database(PG_DB)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A freshly migrated, empty database (``alembic upgrade heads``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'water.db'}"
    else:
        request.getfixturevalue("_pg_database")
        pgutil.reset_schema(PG_DB)
        url = PG_URL
    upgrade(url)
    return url


@pytest.fixture
def store(db_url):
    s = WaterStore(db_url)
    yield s
    s.close()


@pytest.fixture
def water_dir(shared_dir):
    return shared_dir / "data" / "water"
