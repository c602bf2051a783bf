"""Building the demo database through the registry and the observation store (SQLite in a temp home)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from qingshan import exact
from qingshan.config import home_dir
from qingshan.demo import build
from qingshan.demo.stations import demo_stations
from qingshan.demo.synthetic import generate


def test_register_write_and_read_back(db_url):
    url = db_url
    build.migrate_database(url)
    reg = build.register_stations(url)
    assert (reg.real, reg.synthetic) == (10, 6)
    again = build.register_stations(url)  # idempotent
    assert again == reg

    stations = build.registry_frame(url)
    assert stations.height == 16
    by_code = {r["code"]: r for r in stations.iter_rows(named=True)}
    assert by_code["3566A"]["county_name"] == "新荣区" and by_code["3566A"]["county_code"] == "140212"
    assert by_code["1721A"]["is_control"] is True
    assert by_code["DT-140224-S1"]["county_name"] == "灵丘县"

    series = generate(demo_stations(), date(2026, 1, 30), date(2026, 2, 2), seed=3)
    n = build.write_series(url, series)
    assert n == sum(series[k].is_not_null().sum() for k in ("so2", "no2", "co", "o3", "pm10", "pm25"))
    assert build.write_series(url, series) == n  # idempotent upsert: rewriting changes nothing

    back = build.read_hourly(url, ["1724A"], date(2026, 2, 1), date(2026, 2, 1))
    assert back.height == 24
    assert back["time"].min() == datetime(2026, 2, 1, 1) and back["time"].max() == datetime(2026, 2, 2, 0)
    want = series.filter((pl.col("station_code") == "1724A") & pl.col("time").is_between(back["time"].min(), back["time"].max()))
    got_co = back.select(exact.rational_to_float("co")).to_series().to_list()
    assert got_co == want["co"].to_list()
    got_pm = back.select(exact.rational_to_float("pm25")).to_series().to_list()
    assert got_pm == want["pm25"].to_list()


def test_stored_count_reveals_values_from_another_run():
    url = f"sqlite:///{home_dir() / 'count.db'}"
    build.migrate_database(url)
    build.register_stations(url)
    a = generate(demo_stations(), date(2026, 3, 1), date(2026, 3, 2), seed=1)
    n = build.write_series(url, a)
    assert build.stored_count(url) == n
    b = generate(demo_stations(), date(2026, 3, 3), date(2026, 3, 3), seed=1)
    m = build.write_series(url, b)
    assert build.stored_count(url) == n + m  # another period's values stay: the demo warns about them
