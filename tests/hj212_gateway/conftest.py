"""Fixtures of the gateway tests: a migrated database on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from qingshan.store.migrate import upgrade

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# One database per test session: a developer's run and a full-suite run of the same tests on
# the shared server must not reset each other's schema halfway through a test.
PG_DB = f"qingshan_test_hj212_{os.getpid()}"
PG_URL = f"{PG_SERVER}/{PG_DB}"


def _admin(sql: str, **params) -> object:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            result = conn.execute(text(sql), params)
            return result.scalar() if result.returns_rows else None
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_database():
    if not _admin("SELECT 1 FROM pg_database WHERE datname = :d", d=PG_DB):
        _admin(f'CREATE DATABASE "{PG_DB}"')
    yield PG_URL
    _admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def _reset_pg() -> None:
    eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A freshly migrated database (``alembic upgrade heads``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        request.getfixturevalue("_pg_database")
        _reset_pg()
        url = PG_URL
    upgrade(url)
    return url


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    upgrade(url)
    return url
