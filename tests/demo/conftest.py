"""Fixtures of the demo tests: the demo stations and one two-year synthetic series (generated once)."""

from __future__ import annotations

from datetime import date

import pgutil
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

PG_DB = "qingshan_test_demo"
_LOCK_KEY = 0x64656D6F  # "demo": serialises concurrent runs that would drop each other's schema


def _pg_database_url():
    with pgutil.exclusive(PG_DB, _LOCK_KEY, lambda: pgutil.reset_schema(PG_DB)) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The demo's database steps run on SQLite (embedded default) AND PostgreSQL (server mode)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'demo.db'}"
    else:
        yield from _pg_database_url()
