"""The emergency domain's one call into the air evaluation: city daily AQI series.

Observed (or synthetic) station hours → the city's daily AQI (HJ 633 daily report over the
city's daily statistics, air-evaluation.md §7) through :func:`qingshan.air.evaluation.daily_series`.
The core refactor replaces that function's keywords with an ``EvaluationSettings``; this is the
one place to adapt.
"""

from __future__ import annotations

import polars as pl

from qingshan.air.evaluation import daily_series


def city_daily_aqi(hourly: pl.DataFrame, stations: pl.DataFrame, city_code: str) -> pl.DataFrame:
    """``date, aqi, primary_pollutants, edition`` of ``city_code``, one row per natural day.

    ``hourly``/``stations`` as :func:`qingshan.air.evaluation.daily_series` takes them (station
    hours labelled by their end, air-evaluation.md §3).
    """
    d = daily_series(hourly, stations, by="city_code")
    return (d.filter(pl.col("city_code") == city_code)
            .select("date", "aqi", "primary_pollutants", "edition").sort("date"))
