"""Fixtures for the air evaluation tests: synthetic hourly data with day-constant values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import polars as pl

POLS = ("so2", "no2", "co", "o3", "pm10", "pm25")
CLEAN = {"so2": 10, "no2": 20, "co": "0.5", "o3": 100, "pm10": 50, "pm25": 28}


def day_constant_hourly(
    stations: dict[str, Callable[[date], dict]], start: date, end: date
) -> pl.DataFrame:
    """Hourly frame where each station's 24 hours of a natural day all carry the values the
    callable returns for that day (decimal text, so the inputs are exact)."""
    rows = {k: [] for k in ("station_code", "time", *POLS)}
    d = start
    while d <= end:
        for code, fn in stations.items():
            v = fn(d)
            for h in range(1, 25):
                rows["station_code"].append(code)
                rows["time"].append(datetime(d.year, d.month, d.day) + timedelta(hours=h))
                for p in POLS:
                    x = v.get(p)
                    rows[p].append(None if x is None else str(x))
        d += timedelta(days=1)
    return pl.DataFrame(rows, schema={"station_code": pl.Utf8, "time": pl.Datetime("us"),
                                      **{p: pl.Utf8 for p in POLS}})


def registry(rows: list[tuple[str, str, str, bool]]) -> pl.DataFrame:
    """(code, city_code, county_code, is_control) → registry frame."""
    return pl.DataFrame({
        "code": [r[0] for r in rows],
        "name": [f"站{r[0]}" for r in rows],
        "city_code": [r[1] for r in rows],
        "city_name": ["大同市" if r[1] == "140200" else f"城市{r[1]}" for r in rows],
        "county_code": [r[2] for r in rows],
        "county_name": [f"区县{r[2]}" for r in rows],
        "is_control": [r[3] for r in rows],
    })
