"""Store fixtures: a fresh SQLite file per test and the local PostgreSQL test database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "qingshan_test_air"
PG_URL = f"{PG_SERVER}/{PG_DB}"


def _ensure_pg_database() -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DB}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    finally:
        admin.dispose()


def _reset_pg_schema() -> None:
    eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


_LOCK_KEY = 0x71696E67  # pg_advisory_lock key shared by tests/store and tests/ingest


@pytest.fixture
def _pg_database():
    """The test database, emptied, held under an advisory lock for the test's duration.

    The lock serialises concurrent pytest runs on this machine (several engineers, CI) that
    would otherwise drop each other's schema mid-test.
    """
    _ensure_pg_database()
    lock = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    conn = lock.connect()
    try:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        _reset_pg_schema()
        yield PG_URL
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
        conn.close()
        lock.dispose()


@pytest.fixture
def pg_url(_pg_database) -> str:
    """An empty PostgreSQL database (schema dropped and recreated for each test)."""
    return _pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """Every store test runs on the embedded SQLite default AND on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("_pg_database")
