"""GB 3095 limits and data-validity rules (air-evaluation.md §1, §2, §4; E3–E6)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards import gb3095
from qingshan.standards.city_series import station_daily


def test_limit_tables_both_editions():
    # air-evaluation.md §1.1 and §2 / air-2026-revision.md §1.1
    assert gb3095.limit("pm25", "annual", "2012") == 35
    assert gb3095.limit("pm25", "daily", "2012", grade=1) == 35
    assert gb3095.limit("pm25", "annual", "2026-1") == 30
    assert gb3095.limit("pm25", "daily", "2026-1") == 60
    assert gb3095.limit("pm25", "annual", "2026-2") == 25
    assert gb3095.limit("pm25", "annual", "2026-2", grade=1) == 10
    assert gb3095.limit("pm10", "annual", "2026-1") == 60
    assert gb3095.limit("pm10", "daily", "2026-2") == 100
    assert gb3095.limit("so2", "annual", "2026-2") == 20
    assert gb3095.limit("no2", "daily", "2026-2") == 50
    assert gb3095.limit("o3", "8h", "2026-2") == 160
    assert gb3095.limit("co", "daily", "2012") == 4
    assert gb3095.limit("bap", "daily", "2012") == Fraction("0.0025")
    assert gb3095.limit("nox", "annual", "2026-1") == 50
    assert gb3095.limit("nox", "annual", "2026-2") == 40
    assert gb3095.limit("nox", "daily", "2026-2") == 70
    with pytest.raises(KeyError):
        gb3095.limit("pm25", "8h", "2012")


def test_limits_frame_is_complete():
    t = gb3095.LIMITS
    assert set(t["stage"].unique()) == {"2012", "2026-1", "2026-2"}
    # 23 pollutant/averaging rows × 3 stages × 2 grades
    assert t.height == 23 * 3 * 2
    assert t.filter(pl.col("pollutant") == "co")["unit"].unique().to_list() == ["mg/m³"]


def _day(values, start=datetime(2023, 7, 1, 1), col="o3"):
    t = [start + timedelta(hours=i) for i in range(len(values))]
    return pl.DataFrame({"station_code": ["S"] * len(values), "time": t, col: values},
                        schema_overrides={col: pl.Float64})


E4 = [40, 35, 30, 28, 25, 24, 30, 45, 62, 80, 101, 125, 148, 166, 178, 182, 175, 160, 138, 110, 86, 70, 58, 50]


def test_e3_daily_mean_validity():
    v = [35, 38, 41, None, 45, 52, 60, 58, 55, 49, 44, None, 40, 38, 36, 35, 37, 42, 48, None, 57, 61, 63, 59]
    r = station_daily(_day(v, col="pm25"), with_counts=True)
    assert r["n_pm25"][0] == 21
    m = exact.to_fraction(r["pm25"][0])
    assert m == Fraction(993, 21)
    assert exact.round_fraction(m) == 47
    # 19 valid hours → invalid (null), never a partial value
    v2 = list(v)
    v2[0] = None
    v2[1] = None
    assert station_daily(_day(v2, col="pm25"))["pm25"][0] is None


def test_e4_mda8_complete_day():
    r = station_daily(_day(E4), with_counts=True)
    assert r["n_o3_8h"][0] == 17
    assert exact.to_fraction(r["o3_8h"][0]) == 159
    assert exact.to_fraction(r["o3_1h"][0]) == 182


def test_e5_mda8_invalid():
    v = [None] * 6 + E4[6:]
    r = station_daily(_day(v), with_counts=True)
    assert r["n_o3_8h"][0] == 13
    assert r["o3_8h"][0] is None


def test_e6_mda8_valid_by_exceedance():
    v = [None] * 8 + [70, 95, 120, 150, 175, 196, 208, 212, 205, 188, 160, 130, 100, 80, 66, 55]
    r = station_daily(_day(v), with_counts=True)
    assert r["n_o3_8h"][0] == 11
    m = exact.to_fraction(r["o3_8h"][0])
    assert m == Fraction("186.75")
    assert exact.round_fraction(m) == 187
    # exception limit is a setting: with 190 the same day is invalid
    assert station_daily(_day(v), mda8_exception_limit=190)["o3_8h"][0] is None


def test_mda8_exception_uses_rounded_max():
    # 11 valid windows with max exactly 160.4 (rounds to 160, does not exceed) → invalid
    # hours 09..24 chosen so the window ending 16:00 (hours 09..16) averages 160.4·… use a flat day
    v = [None] * 8 + [Fraction("160.4")] * 16
    hourly = _day([float(x) if x is not None else None for x in v])
    r = station_daily(hourly, with_counts=True)
    assert r["n_o3_8h"][0] == 11
    assert r["o3_8h"][0] is None
    v = [None] * 8 + [160.6] * 16
    r = station_daily(_day(v))
    assert exact.to_fraction(r["o3_8h"][0]) == Fraction("160.6")


def test_mda8_uses_only_in_day_windows():
    # hours of the previous day never enter the MDA8 (windows end D 08:00 … D 24:00)
    prev = [300.0] * 24
    r = station_daily(_day(prev + E4, start=datetime(2023, 6, 30, 1)))
    assert r.filter(pl.col("date") == date(2023, 7, 1))["o3_8h"].map_elements(exact.to_fraction, return_dtype=pl.Object)[0] == 159


def test_hour_labelled_midnight_belongs_to_previous_day():
    # label 2023-07-02T00:00 is hour 24 of 2023-07-01
    r = station_daily(_day([10.0] * 24, col="pm25"))
    assert r["date"].to_list() == [date(2023, 7, 1)]


def test_daily_max_o3_1h_validity():
    # 19 hours, max 201 → valid by the >200 exception; 19 hours max 199 → invalid
    v = [None] * 5 + [100.0] * 18 + [201.0]
    assert exact.to_fraction(station_daily(_day(v))["o3_1h"][0]) == 201
    v = [None] * 5 + [100.0] * 18 + [199.0]
    assert station_daily(_day(v))["o3_1h"][0] is None


def _days_frame(days: list[date]):
    return pl.DataFrame({"g": ["x"] * len(days), "date": days, "v": [1] * len(days)})


def test_annual_validity_324_and_monthly_minimum():
    year = [date(2023, 1, 1) + timedelta(days=i) for i in range(365)]
    v = gb3095.period_validity(_days_frame(year), by=["g"], date_col="date", value_cols=["v"],
                               start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert v["valid_v"][0] and v["n_v"][0] == 365
    # drop 4 days of March → 27 left: still valid; drop 5 → 26: invalid
    for drop, ok in ((4, True), (5, False)):
        days = [d for d in year if not (d.month == 3 and d.day <= drop)]
        v = gb3095.period_validity(_days_frame(days), by=["g"], date_col="date", value_cols=["v"],
                                   start=date(2023, 1, 1), end=date(2023, 12, 31))
        assert v["valid_v"][0] is ok
    # 27 days in every month but 324 total fails: 12 × 27 = 324 exactly → valid
    days = [d for d in year if d.day <= 27]
    v = gb3095.period_validity(_days_frame(days), by=["g"], date_col="date", value_cols=["v"],
                               start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert v["n_v"][0] == 324 and v["valid_v"][0]
    days = [d for d in year if d.day <= 27 and not (d.month == 2 and d.day > 25)]
    v = gb3095.period_validity(_days_frame(days), by=["g"], date_col="date", value_cols=["v"],
                               start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert v["n_v"][0] == 322 and not v["valid_v"][0]


@pytest.mark.parametrize("year", [2023, 2024])
def test_february_25_days_leap_or_not(year):
    feb = [date(year, 2, d) for d in range(1, 26)]
    v = gb3095.period_validity(_days_frame(feb), by=["g"], date_col="date", value_cols=["v"],
                               start=date(year, 2, 1), end=date(year, 2, 28 + (year == 2024)))
    assert v["valid_v"][0]
    v = gb3095.period_validity(_days_frame(feb[:-1]), by=["g"], date_col="date", value_cols=["v"],
                               start=date(year, 2, 1), end=date(year, 2, 28 + (year == 2024)))
    assert not v["valid_v"][0]


def test_period_validity_none_and_missing_month():
    # Q1 with no data at all in March: invalid under monthly_minimum, valid under "none"
    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(59)]
    kw = dict(by=["g"], date_col="date", value_cols=["v"], start=date(2023, 1, 1), end=date(2023, 3, 31))
    assert not gb3095.period_validity(_days_frame(days), **kw)["valid_v"][0]
    assert gb3095.period_validity(_days_frame(days), period_validity="none", **kw)["valid_v"][0]
    with pytest.raises(ValueError):
        gb3095.period_validity(_days_frame(days), period_validity="bogus", **kw)


def test_validity_expressions():
    f = pl.DataFrame({"n": [14, 13, 13, 0], "mx": [100, 161, 160, 0], "h": [20, 19, 19, 0], "m1": [50, 201, 200, 0]})
    r = f.select(
        gb3095.mda8_valid(pl.col("n"), pl.col("mx")).alias("mda8"),
        gb3095.o3_1h_max_valid(pl.col("h"), pl.col("m1")).alias("o3_1h"),
        gb3095.daily_mean_valid(pl.col("h")).alias("mean"),
        gb3095.window_valid(pl.col("n") - 8).alias("win"),
    )
    assert r["mda8"].to_list() == [True, True, False, False]
    assert r["o3_1h"].to_list() == [True, True, False, False]
    assert r["mean"].to_list() == [True, False, False, False]
    assert r["win"].to_list() == [True, False, False, False]
    assert gb3095.month_minimum_days(2024, 2) == 25 and gb3095.month_minimum_days(2024, 3) == 27
