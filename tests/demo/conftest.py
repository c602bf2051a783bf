"""Fixtures of the demo tests: the demo stations and one two-year synthetic series (generated once)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from qingshan.demo.stations import demo_stations
from qingshan.demo.synthetic import generate


@pytest.fixture(scope="session")
def stations() -> pl.DataFrame:
    return demo_stations()


@pytest.fixture(scope="session")
def series(stations) -> pl.DataFrame:
    return generate(stations, date(2025, 1, 1), date(2026, 12, 31))


# --- databases: the embedded SQLite default and the local PostgreSQL (server mode) -----------

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "qingshan_test_demo"
_LOCK_KEY = 0x64656D6F  # "demo": serialises concurrent runs that would drop each other's schema


def _pg_database_url():
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    conn = admin.connect()
    try:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DB}).scalar():
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        eng = create_engine(f"{PG_SERVER}/{PG_DB}", isolation_level="AUTOCOMMIT")
        try:
            with eng.connect() as c:
                c.execute(text("DROP SCHEMA public CASCADE"))
                c.execute(text("CREATE SCHEMA public"))
        finally:
            eng.dispose()
        yield f"{PG_SERVER}/{PG_DB}"
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
        conn.close()
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The demo's database steps run on SQLite (embedded default) AND PostgreSQL (server mode)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'demo.db'}"
    else:
        yield from _pg_database_url()
