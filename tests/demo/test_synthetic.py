"""The synthetic demo series: deterministic, well-shaped, seasonal, with missing data, plausible for Datong."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import polars as pl

from qingshan.demo.synthetic import POLLUTANTS, SOURCE, generate, plan_episodes, to_long

URBAN = ["1723A", "1724A", "1725A", "1726A", "3282A", "3676A"]


def _with_day(frame: pl.DataFrame) -> pl.DataFrame:
    # air-evaluation.md §3: the hour labelled T belongs to the natural day of T − 1 h.
    return frame.with_columns(day=(pl.col("time") - pl.duration(hours=1)).dt.date())


def test_deterministic(stations):
    a = generate(stations, date(2026, 1, 1), date(2026, 1, 10), seed=7)
    b = generate(stations, date(2026, 1, 1), date(2026, 1, 10), seed=7)
    c = generate(stations, date(2026, 1, 1), date(2026, 1, 10), seed=8)
    assert a.equals(b)
    assert not a.equals(c)


def test_shape_and_time_labels(stations, series):
    n_days = (date(2026, 12, 31) - date(2025, 1, 1)).days + 1
    assert n_days == 730
    assert series.height == stations.height * n_days * 24
    assert series.columns == ["station_code", "time", *POLLUTANTS, "source"]
    assert set(series["source"]) == {SOURCE} == {"synthetic-demo"}
    assert set(series["station_code"]) == set(stations["code"])
    # Hour-end labels: first hour of 2025-01-01 is 01:00, the last of 2026-12-31 is 2027-01-01 00:00.
    assert series["time"].min() == datetime(2025, 1, 1, 1)
    assert series["time"].max() == datetime(2027, 1, 1, 0)
    assert series.select(pl.struct("station_code", "time").is_unique().all()).item()


def test_values_rounded_as_published_and_in_range(series):
    for k in ("so2", "no2", "o3", "pm10", "pm25"):
        v = series[k].drop_nulls().to_numpy()
        assert np.array_equal(v, np.rint(v)), k
        assert v.min() >= 0
    co = series["co"].drop_nulls().to_numpy()
    assert np.allclose(co * 10, np.rint(co * 10)) and co.min() >= 0.1 and co.max() < 15
    assert series["pm25"].max() < 600 and series["pm10"].max() < 1500
    assert series["o3"].max() < 400 and series["so2"].max() < 500 and series["no2"].max() < 300


def test_winter_primary_pollutants_exceed_summer(series):
    m = series.with_columns(month=pl.col("time").dt.month())
    winter = m.filter(pl.col("month").is_in([12, 1, 2]))
    summer = m.filter(pl.col("month").is_in([6, 7, 8]))
    for k, factor in (("pm25", 1.8), ("so2", 2.5), ("co", 1.8)):
        assert winter[k].mean() > factor * summer[k].mean(), k
    assert summer["o3"].mean() > 1.5 * winter["o3"].mean()


def test_summer_ozone_afternoon_peak_and_no2_rush_hours(series):
    summer = series.filter(pl.col("time").dt.month().is_in([6, 7, 8]))
    by_hour = summer.group_by(pl.col("time").dt.hour().alias("h")).agg(pl.col("o3", "no2").mean()).sort("h")
    o3 = dict(zip(by_hour["h"], by_hour["o3"]))
    no2 = dict(zip(by_hour["h"], by_hour["no2"]))
    afternoon = np.mean([o3[h] for h in (15, 16, 17)])  # hours 14–17 local
    night = np.mean([o3[h] for h in (2, 3, 4, 5)])
    assert afternoon > 2 * night
    assert max(o3, key=o3.get) in range(14, 19)
    assert no2[9] > no2[15] and no2[21] > no2[15]  # morning and evening rush hours


def test_spatial_correlation_decays_with_distance(series):
    daily = (
        _with_day(series)
        .group_by("station_code", "day")
        .agg(pl.col("pm25").mean())
        .pivot(on="station_code", index="day")
        .sort("day")
    )
    r = lambda a, b: daily.select(pl.corr(a, b)).item()  # noqa: E731
    near = r("1724A", "1726A")  # ~6 km apart in 平城区
    far = r("1724A", "DT-140224-S1")  # 灵丘, ~110 km south-east
    assert near > 0.9
    assert 0.3 < far < near


def test_missing_hours_and_invalid_days(series):
    rate = series.select(pl.col("pm25").is_null().mean()).item()
    assert 0.003 < rate < 0.05
    valid = _with_day(series).group_by("station_code", "day").agg(pl.col("pm25").is_not_null().sum().alias("n"))
    short = valid.filter(pl.col("n") < 20)  # GB 3095 Table 4: daily mean needs ≥ 20 valid hours
    assert short.height >= 10  # a few per station over two years…
    assert short.height < 0.02 * valid.height  # …but rare


def test_winter_episodes_and_spring_dust(series):
    episodes = plan_episodes(date(2025, 1, 1), date(2026, 12, 31))
    haze = [e for e in episodes if e.kind == "haze"]
    dust = [e for e in episodes if e.kind == "dust"]
    assert len(haze) >= 8 and all(e.hours >= 72 and e.start.month in (1, 2, 11, 12) for e in haze)
    assert len(dust) >= 8 and all(e.start.month in (3, 4, 5) for e in dust)
    city = (
        _with_day(series.filter(pl.col("station_code").is_in(URBAN)))
        .group_by("day")
        .agg(pl.col("pm25", "pm10").mean())
    )
    # Heavy-pollution days exist (daily PM2.5 > 150 µg/m³ ⇒ IAQI > 200) but are few.
    assert 1 <= city.filter(pl.col("pm25") > 150).height <= 25
    # Dust days: PM10 > 150 with a PM2.5/PM10 ratio well below the winter haze ratio.
    dusty = city.filter((pl.col("pm10") > 250) & pl.col("day").dt.month().is_in([3, 4, 5]))
    assert dusty.height >= 3
    assert (dusty["pm25"] / dusty["pm10"]).mean() < 0.35


def test_calibrated_to_published_datong_magnitudes(series):
    """FACTS.md §3.1: 2023 Jan–Apr PM2.5 33 µg/m³; 2025 Jan 1–May 29 PM2.5 26; Shanxi 2024 PM2.5 36.

    The synthetic city mean (urban stations, control point excluded) must be of the same order:
    annual 20–32, Jan–Apr 25–42.
    """
    urban = _with_day(series.filter(pl.col("station_code").is_in(URBAN)))
    daily = urban.group_by("day").agg(pl.col("pm25").mean())
    for year in (2025, 2026):
        d = daily.filter(pl.col("day").dt.year() == year)
        assert 20 < d["pm25"].mean() < 32
        assert 25 < d.filter(pl.col("day").dt.month() <= 4)["pm25"].mean() < 42


def test_to_long(series):
    small = series.head(48)
    long = to_long(small)
    assert long.columns == ["station_code", "time", "pollutant", "value", "source"]
    assert long.height == sum(small[k].is_not_null().sum() for k in POLLUTANTS)


def test_fast_enough(stations):
    import time

    t = time.perf_counter()
    generate(stations, date(2025, 1, 1), date(2026, 12, 31), seed=1)
    assert time.perf_counter() - t < 10  # "a few seconds" for all stations × two years, on a shared 2-core box
