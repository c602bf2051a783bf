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
    # integer draws (fast): station level × season × a uniform spread, about 3 % missing hours
    level = np.repeat(rng.integers(50, 151, stations, dtype=np.int64), hours)
    season = np.tile(100 + np.round(50 * np.cos(np.arange(hours) / hours * 2 * np.pi)).astype(np.int64), stations)

    def series(mean: int) -> np.ndarray:
        v = rng.integers(0, 2 * mean + 1, n, dtype=np.int64) * level * season // 10000
        return np.where(rng.random(n, dtype=np.float32) < 0.03, -1, v)

    hour_of_day = np.tile(np.arange(hours, dtype=np.int64) % 24, stations)
    o3 = rng.integers(0, 160, n, dtype=np.int64) * (60 + 80 * ((hour_of_day >= 10) & (hour_of_day <= 18))) // 100
    cols = {"so2": series(10), "no2": series(28), "co": series(8), "o3": o3, "pm10": series(55), "pm25": series(30)}
    frame = pl.DataFrame(
        {
            "station_code": pl.Series(codes.tolist(), dtype=pl.Utf8).gather(np.repeat(np.arange(stations), hours)),
            "time": times.gather(np.tile(np.arange(hours), stations)),
            **{k: pl.Series(v) for k, v in cols.items()},
        }
    )
    del cols
    frame = frame.with_columns(
        [pl.when(pl.col(c) >= 0).then(pl.col(c)) for c in ("so2", "no2", "co", "pm10", "pm25")]
    ).with_columns((pl.col("co").cast(pl.Float64) / 10).alias("co"))  # CO in mg/m³, one decimal
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


def _cpu() -> float:
    """User + system CPU seconds of this process (all threads): the work done, independent of
    how many other processes share the cores."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(stations: int = 1700, hours: int = 8760, cities: int = 340) -> dict:
    """Run the pipeline once; returns wall seconds per stage, total and peak RSS [MB]."""
    from qingshan.air import evaluation as ev
    from qingshan.standards import city_series, hj633

    t = {}
    cpu = {}
    c0 = _cpu()
    t0 = time.perf_counter()
    hourly, reg = synthetic_year(stations, hours, cities)
    t["generate"] = time.perf_counter() - t0
    cpu["generate"], c0 = _cpu() - c0, _cpu()
    start_mem = _peak_mb()

    t1 = time.perf_counter()
    sd = city_series.StationDays.from_hourly(hourly)
    del hourly
    t["layout"] = time.perf_counter() - t1
    cpu["layout"], c0 = _cpu() - c0, _cpu()

    t1 = time.perf_counter()
    days = city_series.station_daily(sd)
    t["station_daily"] = time.perf_counter() - t1
    cpu["station_daily"], c0 = _cpu() - c0, _cpu()

    t1 = time.perf_counter()
    city = city_series.city_daily(sd, reg)
    t["city_daily"] = time.perf_counter() - t1
    cpu["city_daily"], c0 = _cpu() - c0, _cpu()

    t1 = time.perf_counter()
    city = hj633.daily_aqi(city)
    t["daily_aqi"] = time.perf_counter() - t1
    cpu["daily_aqi"], c0 = _cpu() - c0, _cpu()

    t1 = time.perf_counter()
    y0, y1 = date(2023, 1, 1), date(2023, 12, 31)
    period = ev.evaluate_daily(city, y0, y1)
    t["annual_evaluation"] = time.perf_counter() - t1
    cpu["annual_evaluation"], c0 = _cpu() - c0, _cpu()

    t1 = time.perf_counter()
    from qingshan.standards import city_ranking

    ranking = city_ranking.rank_cities(period.select("city_code", "so2", "no2", "pm10", "pm25", "co", "o3"),
                                       attained=period.select("city_code", "attained"))
    t["ranking"] = time.perf_counter() - t1
    cpu["ranking"], c0 = _cpu() - c0, _cpu()
    t["pipeline_total"] = sum(v for k, v in t.items() if k != "generate")
    cpu["pipeline_total"] = sum(v for k, v in cpu.items() if k != "generate")
    return {
        "stations": stations,
        "hours": hours,
        "cities": cities,
        "station_days": days.height,
        "city_days": city.height,
        "ranked": int(ranking["rank"].is_not_null().sum()),
        "seconds": {k: round(v, 2) for k, v in t.items()},
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "load_average_1min": round(__import__("os").getloadavg()[0], 2),
        "peak_rss_mb_after_generation": round(start_mem, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    out = run(*args)
    for k, v in out.items():
        if k == "seconds":
            print(f"  {'stage':<20} {'wall':>8}   {'cpu':>8}")
            for stage, s in v.items():
                print(f"  {stage:<20} {s:8.2f} s {out['cpu_seconds'].get(stage, 0):8.2f} s")
        elif k == "cpu_seconds":
            continue
        else:
            print(f"{k}: {v}")
