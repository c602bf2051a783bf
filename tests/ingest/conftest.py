"""Ingest fixtures: a fresh SQLite file per test and the local PostgreSQL test database."""

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


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL database (schema dropped and recreated for each test)."""
    _ensure_pg_database()
    _reset_pg_schema()
    return PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """Every store test runs on the embedded SQLite default AND on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    _ensure_pg_database()
    _reset_pg_schema()
    return PG_URL
