"""Fixtures of the gateway tests: a migrated database on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from qingshan.store.migrate import upgrade

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "qingshan_test_hj212"
PG_URL = f"{PG_SERVER}/{PG_DB}"


def _reset_pg() -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DB}).scalar():
                conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    finally:
        admin.dispose()
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
        _reset_pg()
        url = PG_URL
    upgrade(url)
    return url


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    upgrade(url)
    return url
