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
