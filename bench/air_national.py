"""National-scale benchmark of the air evaluation pipeline.

A synthetic year of hourly data for ``stations`` stations in ``cities`` cities (≈ the national
network: 1,700 stations, 340 cities), then, end to end and exact:
hourly → station daily statistics → city daily series → daily AQI → annual evaluation (HJ 663)
→ composite index and ranking (环办监测〔2018〕19号).

Run::

    .venv/bin/python bench/air_national.py [stations] [hours] [cities]

Prints the wall time of each stage and the peak resident memory (``resource.getrusage``;
Linux reports kilobytes). Synthetic values are integers (µg/m³; CO with one decimal, mg/m³)
with about 3 % missing hours; they are not real data.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date, datetime

import numpy as np
import polars as pl


def synthetic_year(stations: int = 1700, hours: int = 8760, cities: int = 340, seed: int = 2023):
    """Hourly frame and station registry of a synthetic national year (2023)."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"{1001 + i}A" for i in range(stations)])
    city = np.array([f"{110000 + (i % cities) * 100}" for i in range(stations)])
    times = pl.datetime_range(datetime(2023, 1, 1, 1), datetime(2023, 1, 1, 1) + (hours - 1) * (datetime(2023, 1, 1, 2) - datetime(2023, 1, 1, 1)),
                              "1h", eager=True)
    n = stations * hours
    hour_of_day = np.tile(np.arange(hours) % 24, stations)
    level = np.repeat(rng.uniform(0.5, 1.5, stations), hours)
    season = np.tile(1 + 0.5 * np.cos(np.arange(hours) / hours * 2 * np.pi), stations)

    def series(mean, spread, scale=1):
        v = rng.gamma(4.0, mean / 4.0, n) * level * season * scale
        v = np.round(v).astype(np.int64)
        miss = rng.random(n) < 0.03
        return pl.Series(v).set(pl.Series(miss), None) if False else pl.Series(np.where(miss, -1, v)).cast(pl.Int64)

    def nullify(s: pl.Series) -> pl.Series:
        return pl.when(s < 0).then(None).otherwise(s)

    o3 = np.round(rng.gamma(4.0, 20.0, n) * (0.6 + 0.8 * np.sin(np.clip(hour_of_day - 8, 0, 12) / 12 * np.pi))).astype(np.int64)
    frame = pl.DataFrame(
        {
            "station_code": pl.Series(np.repeat(codes, hours)),
            "time": pl.Series(np.tile(times.to_numpy(), stations)),
            "so2": series(10, 1),
            "no2": series(28, 1),
            "co": series(8, 1),  # tenths of mg/m³
            "o3": pl.Series(o3),
            "pm10": series(55, 1),
            "pm25": series(30, 1),
        }
    )
    frame = frame.with_columns(
        [pl.when(pl.col(c) >= 0).then(pl.col(c)) for c in ("so2", "no2", "co", "pm10", "pm25")]
    ).with_columns((pl.col("co").cast(pl.Float64) / 10).alias("co"))
    reg = pl.DataFrame(
        {
            "code": codes,
            "name": codes,
            "city_code": city,
            "county_code": city,
            "county_name": city,
            "is_control": np.zeros(stations, dtype=bool),
        }
    )
    return frame, reg


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(stations: int = 1700, hours: int = 8760, cities: int = 340) -> dict:
    """Run the pipeline once; returns wall seconds per stage, total and peak RSS [MB]."""
    from qingshan.air import evaluation as ev
    from qingshan.standards import city_series, hj633

    t = {}
    t0 = time.perf_counter()
    hourly, reg = synthetic_year(stations, hours, cities)
    t["generate"] = time.perf_counter() - t0
    start_mem = _peak_mb()

    t1 = time.perf_counter()
    sd = city_series.StationDays.from_hourly(hourly)
    del hourly
    t["layout"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    days = city_series.station_daily(sd)
    t["station_daily"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    city = city_series.city_daily(sd, reg)
    t["city_daily"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    city = hj633.daily_aqi(city)
    t["daily_aqi"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    y0, y1 = date(2023, 1, 1), date(2023, 12, 31)
    period = ev.evaluate_daily(city, y0, y1)
    t["annual_evaluation"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    from qingshan.standards import city_ranking

    ranking = city_ranking.rank_cities(period.select("city_code", "so2", "no2", "pm10", "pm25", "co", "o3"),
                                       attained=period.select("city_code", "attained"))
    t["ranking"] = time.perf_counter() - t1
    t["pipeline_total"] = sum(v for k, v in t.items() if k != "generate")
    return {
        "stations": stations,
        "hours": hours,
        "cities": cities,
        "station_days": days.height,
        "city_days": city.height,
        "ranked": int(ranking["rank"].is_not_null().sum()),
        "seconds": {k: round(v, 2) for k, v in t.items()},
        "peak_rss_mb_after_generation": round(start_mem, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    out = run(*args)
    for k, v in out.items():
        if k == "seconds":
            for stage, s in v.items():
                print(f"  {stage:<20} {s:8.2f} s")
        else:
            print(f"{k}: {v}")
