"""End-to-end evaluation: hourly → daily → period → ranking (air-evaluation.md §0, §6, §9)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.air import evaluation as ev
from qingshan.air.settings import EvaluationSettings
from qingshan.standards import hj663

from .conftest import CLEAN, day_constant_hourly, registry


def evaluate(hourly, stations, start, end, *, by="city_code", areas=None, **settings):
    """:func:`qingshan.air.evaluation.evaluate` with ``settings`` as an EvaluationSettings."""
    return ev.evaluate(hourly, stations, start, end, EvaluationSettings(**settings), by=by, areas=areas)


def evaluate_daily(daily, start, end, *, by="city_code", **settings):
    return ev.evaluate_daily(daily, start, end, EvaluationSettings(**settings), by=by)

REG = registry([("A", "140200", "140202", False), ("B", "140200", "140203", False),
                ("X", "140200", "140203", True)])


def station_a(d: date) -> dict:
    # 10 polluted days in 2023 (city PM2.5 (130 + 26)/2 = 78)
    return CLEAN | {"pm25": 130 if (d.month == 11 and d.day <= 10) else 30}


def station_b(d: date) -> dict:
    return CLEAN | {"pm25": 26}


def control(d: date) -> dict:
    return CLEAN | {"pm25": 900}


@pytest.fixture(scope="module")
def hourly2023():
    return day_constant_hourly({"A": station_a, "B": station_b, "X": control}, date(2023, 1, 1), date(2023, 12, 31))


@pytest.fixture(scope="module")
def year2023(hourly2023):
    return evaluate(hourly2023, REG, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False)


def test_annual_city_statistics(year2023):
    r = year2023.period.row(0, named=True)
    # city daily PM2.5: 28 on 355 days, 78 on 10 days; the control site is excluded
    assert exact.to_fraction(r["pm25"]) == Fraction(355 * 28 + 10 * 78, 365)
    assert r["pm25_pub"] == "29"
    assert exact.to_fraction(r["pm25_p95"]) == hj663.percentile([28] * 355 + [78] * 10, "0.95") == 28
    assert r["co_pub"] == "0.5" and r["o3_pub"] == "100" and r["so2_pub"] == "10"
    assert (r["n_valid"], r["n_good"], r["n_polluted"], r["n_heavy"]) == (365, 355, 10, 0)
    assert r["good_ratio_pub"] == "97.3"
    assert r["exceed_days_pm25"] == 10 and r["exceed_days_o3"] == 0
    assert r["attained"] is True and r["exceeding"] == []
    isum = Fraction(10, 60) + Fraction(20, 40) + Fraction(50, 70) + Fraction(29, 35) + Fraction(5, 40) + Fraction(100, 160)
    assert exact.to_fraction(r["isum"]) == isum
    assert r["isum_pub"] == exact.fraction_to_str(isum, 2)
    assert r["stage"] == "2012" and r["name"] == "大同市"


def test_daily_series_has_aqi_and_levels(year2023):
    d = year2023.daily.filter(pl.col("date") == date(2023, 11, 1)).row(0, named=True)
    # PM2.5 78 → IAQI 100 + 3·50/40 = 103.75 → 104 (HJ 633—2012)
    assert d["aqi"] == 104 and d["level"] == 3
    assert year2023.daily["edition"].unique().to_list() == ["2012"]


def test_stage2_re_evaluation(hourly2023):
    h = hourly2023
    e1 = evaluate(h, REG, date(2023, 1, 1), date(2023, 12, 31), stage="2026-1", compare_last_year=False)
    r1 = e1.period.row(0, named=True)
    assert r1["pm25_attained"] is True and r1["stage"] == "2026-1"
    e2 = evaluate(h, REG, date(2023, 1, 1), date(2023, 12, 31), stage="2026-2", compare_last_year=False)
    r2 = e2.period.row(0, named=True)
    assert r2["pm25_attained"] is False and r2["exceeding"] == ["PM2.5"]
    assert r2["pm25_multiple_pub"] == "0.16"  # (29 − 25)/25
    # the stage decides limits and S_i only (§0 (b)): 2023 days keep HJ 633—2012 (§0 (a))
    assert e2.daily["edition"].unique().to_list() == ["2012"]
    # an explicit aqi_edition puts every day under HJ 633—2026 (PM2.5 IAQI-100 node 60)
    e3 = evaluate(h, REG, date(2023, 1, 1), date(2023, 12, 31), stage="2026-2", aqi_edition="2026",
                     compare_last_year=False)
    assert e3.daily["edition"].unique().to_list() == ["2026"]
    # composite index with the stage-2 denominators (PM2.5 25, PM10 50, SO2 20, NO2 30)
    isum = Fraction(10, 20) + Fraction(20, 30) + Fraction(50, 50) + Fraction(29, 25) + Fraction(5, 40) + Fraction(100, 160)
    assert exact.to_fraction(r2["isum"]) == isum


def test_straddle_year_2026():
    def a(d):
        return CLEAN | {"pm25": 65 if d.month == 1 and d.day <= 5 else 28}

    # the first quarter of 2026 straddles 2026-03-01 like the calendar year does
    end = date(2026, 3, 31)
    h = day_constant_hourly({"A": a}, date(2026, 1, 1), end)
    reg = registry([("A", "140200", "140202", False)])
    e = evaluate(h, reg, date(2026, 1, 1), end, compare_last_year=False)
    r = e.period.row(0, named=True)
    # limits at the period end: GB 3095—2026 stage 1; daily AQI per own day
    assert r["stage"] == "2026-1"
    ed = dict(zip(e.daily["date"], e.daily["edition"]))
    assert ed[date(2026, 2, 28)] == "2012" and ed[date(2026, 3, 1)] == "2026"
    # PM2.5 65 in January: HJ 633—2012 IAQI 88 (good)
    assert r["n_good"] == 90
    e = evaluate(h, reg, date(2026, 1, 1), end, compare_last_year=False,
                    straddle_daily_aqi="period_end")
    # under HJ 633—2026 the same days are polluted (65 > 60)
    assert e.period["n_good"][0] == 85
    e = evaluate(h, reg, date(2026, 1, 1), end, compare_last_year=False,
                    straddle_limits="period_start")
    assert e.period["stage"][0] == "2012"


def test_county_ranking_with_ties_and_change():
    def clean(d):
        return CLEAN | {"pm25": 20 if d.year == 2023 else 25}

    def dirty(d):
        return CLEAN | {"pm25": 40 if d.year == 2023 else 38}

    reg = registry([("A", "140200", "140221", False), ("B", "140200", "140222", False),
                    ("C", "140200", "140223", False), ("D", "140200", "140223", False)])
    h = pl.concat([
        day_constant_hourly({"A": dirty, "B": dirty, "C": clean, "D": clean}, date(y, 3, 1), date(y, 3, 31))
        for y in (2022, 2023)
    ])
    r = ev.rank_counties(h, reg, date(2023, 3, 1), date(2023, 3, 31), city_code="140200")
    got = {c: (rk, ch) for c, rk, ch in zip(r["county_code"], r["rank"], r["change_pub"])}
    assert got["140223"][0] == 1
    assert got["140221"][0] == got["140222"][0] == 2
    # ΔI from the published indices, March 2023 vs March 2022
    base = Fraction(10, 60) + Fraction(20, 40) + Fraction(50, 70) + Fraction(25, 35) + Fraction(5, 40) + Fraction(100, 160)
    cur = base - Fraction(5, 35)
    cb, cc = round(base, 2), round(cur, 2)
    assert got["140223"][1] == exact.fraction_to_str((cc - cb) / cb * 100, 1)
    det = dict(zip(r["county_code"], r["deterioration_rank"]))
    assert det["140221"] == det["140222"] == 1 and det["140223"] is None
    imp = dict(zip(r["county_code"], r["improvement_rank"]))
    assert imp["140223"] == 1


def test_invalid_year_keeps_day_counts():
    def gap(d):
        return CLEAN | ({"pm25": None} if d.month == 3 and d.day <= 5 else {})

    reg = registry([("A", "140200", "140202", False)])
    h = day_constant_hourly({"A": gap}, date(2023, 1, 1), date(2023, 12, 31))
    e = evaluate(h, reg, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False)
    r = e.period.row(0, named=True)
    assert r["pm25"] is None and r["n_pm25"] == 360  # March has 26 valid days < 27
    assert r["isum"] is None
    assert r["pm10_pub"] == "50"
    # a PM2.5-less day still has an AQI ≤ 100 only as NA (HJ 633 §10): 5 NA days excluded
    assert r["n_valid"] == 360
    # the calendar year keeps the §4.1 rule under period_validity="none"; a quarter does not
    e = evaluate(h, reg, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False, period_validity="none")
    assert e.period["pm25"][0] is None
    q1 = evaluate_daily(e.daily, date(2023, 1, 1), date(2023, 3, 31))
    assert q1["pm25"][0] is None
    q1 = evaluate_daily(e.daily, date(2023, 1, 1), date(2023, 3, 31), period_validity="none")
    assert exact.to_fraction(q1["pm25"][0]) == 28


def test_published_ratios_match_datong_bulletins():
    # FACTS.md §3.1: 2023 Jan–Apr 98 good days, 81.7 %; Jan–Oct 249 days, 81.9 %;
    # 2025 1 Jan–29 May 134 days, 89.9 % — each reproduced with every day valid (NA excluded)
    for n_good, n_days, pub in ((98, 120, "81.7"), (249, 304, "81.9"), (134, 149, "89.9")):
        daily = pl.DataFrame({"c": ["x"] * n_days, "aqi": [50] * n_good + [120] * (n_days - n_good),
                              "level": [1] * n_good + [3] * (n_days - n_good)})
        assert hj663.day_counts(daily, by=["c"])["good_ratio_pub"][0] == pub


def test_periods_helpers():
    assert ev.same_period_last_year(date(2024, 1, 1), date(2024, 2, 29)) == (date(2023, 1, 1), date(2023, 2, 28))
    assert ev.ytd_period(2023, 4) == (date(2023, 1, 1), date(2023, 4, 30))
    assert ev.month_period(2024, 2) == (date(2024, 2, 1), date(2024, 2, 29))


def test_change_rate_across_the_2026_switch_uses_each_periods_own_denominators():
    def a(d):
        return CLEAN | {"pm25": 30}

    reg = registry([("A", "140200", "140202", False)])
    h = pl.concat([day_constant_hourly({"A": a}, date(y, 3, 1), date(y, 3, 31)) for y in (2025, 2026)])
    # default (spec §0 (b), §9 Step 5): March 2025 with the 2012 S_i (PM10 70, PM2.5 35),
    # March 2026 with the stage-1 S_i (PM10 60, PM2.5 30); SO2 60, NO2 40, CO 4, O3 160 both
    common = Fraction(10, 60) + Fraction(20, 40) + Fraction("0.5") / 4 + Fraction(100, 160)
    base = round(common + Fraction(50, 70) + Fraction(30, 35), 2)   # 2.99
    cur = round(common + Fraction(50, 60) + Fraction(30, 30), 2)    # 3.25
    expected = exact.fraction_to_str((cur - base) / base * 100, 1)  # ΔI from published values
    e = evaluate(h, reg, date(2026, 3, 1), date(2026, 3, 31))
    assert e.ranking["change_pub"][0] == expected == "8.7"
    e = evaluate(h, reg, date(2026, 3, 1), date(2026, 3, 31), change_base_stage="own")
    assert e.ranking["change_pub"][0] == "8.7"
    # project addition "current": both periods with the stage-1 S_i → identical air, ΔI = 0
    e = evaluate(h, reg, date(2026, 3, 1), date(2026, 3, 31), change_base_stage="current")
    assert e.ranking["change_pub"][0] == "0.0"
    with pytest.raises(ValueError, match="change_base_stage"):
        evaluate(h, reg, date(2026, 3, 1), date(2026, 3, 31), change_base_stage="base")


def test_stage_does_not_change_the_daily_aqi_edition():
    # reviewer's case: two stations, PM2.5 70 every hour, 2026-02-01 … 2026-03-31
    def a(d):
        return CLEAN | {"pm25": 70}

    reg = registry([("A", "140200", "140202", False), ("B", "140200", "140203", False)])
    h = day_constant_hourly({"A": a, "B": a}, date(2026, 2, 1), date(2026, 3, 31))
    kw = dict(compare_last_year=False)
    # §0 (a) own_day: February (28 days) under HJ 633—2012, PM2.5 70 ≤ 75 → good; March (31
    # days) under HJ 633—2026, 70 > 60 → polluted. 28/59 × 100 = 47.457… → 47.5
    expected = exact.fraction_to_str(Fraction(28 * 100, 59), 1)
    default = evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), **kw).period.row(0, named=True)
    assert default["good_ratio_pub"] == expected == "47.5"
    # §0 (b): the stage decides limits and S_i only, never the daily AQI edition
    staged = evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), stage="2026-1", **kw)
    assert staged.period["good_ratio_pub"][0] == "47.5"
    assert staged.period["stage"][0] == "2026-1"
    staged = evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), stage="2012", **kw)
    assert staged.period["good_ratio_pub"][0] == "47.5"
    # an explicit aqi_edition fixes every daily AQI: all 59 days polluted (2026) or good (2012)
    fixed = evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), stage="2026-1", aqi_edition="2026", **kw)
    assert fixed.period["good_ratio_pub"][0] == "0.0"
    fixed = evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), aqi_edition="2012", **kw)
    assert fixed.period["good_ratio_pub"][0] == "100.0"
    with pytest.raises(ValueError, match="aqi_edition"):
        evaluate(h, reg, date(2026, 2, 1), date(2026, 3, 31), aqi_edition="2026-1", **kw)


def test_precision_setting_and_provincial_rankings(hourly2023):
    e = evaluate(hourly2023, REG, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False,
                    precision={"pm25": 1})
    r = e.period.row(0, named=True)
    # 10720/365 = 29.369… → 29.4 with one decimal; the composite index uses C = 29.4
    assert r["pm25_pub"] == "29.4"
    isum = Fraction(10, 60) + Fraction(20, 40) + Fraction(50, 70) + Fraction("29.4") / 35 + Fraction(5, 40) + Fraction(100, 160)
    assert exact.to_fraction(r["isum"]) == isum


def test_provincial_rankings_with_ties():
    def city(p):
        return lambda d: CLEAN | {"pm25": p}

    reg = registry([("A", "1", "1", False), ("B", "2", "2", False), ("C", "3", "3", False)])
    h = day_constant_hourly({"A": city(30), "B": city(30), "C": city(80)}, date(2023, 3, 1), date(2023, 3, 31))
    r = evaluate(h, reg, date(2023, 3, 1), date(2023, 3, 31)).ranking
    d = {c: (p, g) for c, p, g in zip(r["city_code"], r["pm25_rank"], r["good_ratio_rank"])}
    assert d == {"1": (1, 1), "2": (1, 1), "3": (3, 3)}


def test_three_year_moving_average_switch():
    def a(d):
        return CLEAN | {"pm25": {2021: 40, 2022: 35, 2023: 33}[d.year]}

    reg = registry([("A", "140200", "140202", False)])
    h = day_constant_hourly({"A": a}, date(2021, 1, 1), date(2023, 12, 31))
    e = evaluate(h, reg, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False)
    assert "pm25_3y" not in e.period.columns  # off by default (UNCONFIRMED)
    e = evaluate(h, reg, date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False,
                    three_year_moving_average=True)
    assert exact.to_fraction(e.period["pm25_3y"][0]) == 36
    with pytest.raises(ValueError):
        evaluate(h, reg, date(2023, 1, 1), date(2023, 6, 30), three_year_moving_average=True)
