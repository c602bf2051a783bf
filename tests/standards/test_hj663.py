"""HJ 663 evaluation (air-evaluation.md §6; E1, E2, E10, E11)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan import exact
from qingshan.standards import hj663

E1 = ["0.6", "0.8", "1.1", "0.9", "1.4", "2.0", "1.7", "0.7", "1.2", "1.0"]
E2 = [112, 98, 145, 160, 171, 132, 88, 120, 155, 168, 176, 149, 101, 95, 140, 162, 181, 190, 158, 133,
      127, 118, 109, 150, 166, 172, 139, 128, 143, 152]


def _vec_percentile(values, p, dtype=pl.Utf8):
    df = pl.DataFrame({"g": [1] * len(values), "v": values}, schema_overrides={"v": dtype})
    df = df.with_columns(v=exact.as_rational("v", dtype))
    e, L = hj663.common_denominator(df, "v")
    r = df.with_columns(_v=e).group_by("g").agg(hj663.percentile_agg(pl.col("_v"), Fraction(p), L).alias("p"))
    return exact.to_fraction(r["p"][0])


def test_e1_co_p95():
    assert hj663.percentile(E1, "0.95") == Fraction("1.865")
    assert _vec_percentile(E1, "0.95") == Fraction("1.865")
    assert exact.fraction_to_str(Fraction("1.865"), 1) == "1.9"


def test_e2_o3_p90_and_exceedance():
    m = hj663.percentile(E2, "0.9")
    assert m == Fraction("172.4")
    assert _vec_percentile(E2, "0.9", pl.Int64) == Fraction("172.4")
    c = exact.round_fraction(m)
    assert c == 172
    b = hj663.exceedance_multiple(c, 160)
    assert exact.fraction_to_str(b, 2) == "0.08"


def test_percentile_single_value_and_s_equals_n():
    assert hj663.percentile([5], "0.95") == 5
    assert _vec_percentile(["5"], "0.95") == 5
    assert hj663.percentile([1, 2], 1) == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=60),
       st.sampled_from(["0.9", "0.95", "0.98"]))
def test_percentile_equals_numpy_linear(values, p):
    # values/4 are exact binary floats and the linear interpolation is exact for them
    xs = [v / 4 for v in values]
    ref = np.percentile(np.array(xs), float(Fraction(p) * 100), method="linear")
    ours = hj663.percentile([Fraction(v, 4) for v in values], p)
    assert abs(float(ours) - ref) <= 1e-9 * max(1.0, abs(ref))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False), min_size=1, max_size=40),
       st.sampled_from(["0.9", "0.95", "0.98"]))
def test_vectorised_percentile_equals_fraction_reference(values, p):
    texts = [str(v) for v in values]
    assert _vec_percentile(texts, p) == hj663.percentile(texts, p)


def test_attainment_rate():
    assert hj663.attainment_rate([Fraction(70), Fraction(80), Fraction(75), Fraction(76)], Fraction(75)) == 50
    assert hj663.attainment_rate([], Fraction(75)) is None


def _stats_frame(d: dict):
    cols = {}
    for k, v in d.items():
        f = Fraction(v)
        cols[k] = [{"num": f.numerator, "den": f.denominator}]
    return pl.DataFrame({"city": ["A"], **cols}, schema_overrides={k: exact.RATIONAL for k in d})


def test_e10_annual_attainment_city_a_2023():
    stats = _stats_frame({"so2": 8, "no2": 30, "pm10": 65, "pm25": 38, "co": "1.1", "o3": 168,
                          "so2_p98": 21, "no2_p98": 66, "pm10_p95": 131, "pm25_p95": 70})
    r = hj663.attainment(stats, by=["city"], stage="2012").row(0, named=True)
    assert r["so2_attained"] and r["no2_attained"] and r["pm10_attained"] and r["co_attained"]
    assert r["pm25_attained"] is False and r["o3_attained"] is False
    assert exact.fraction_to_str(exact.to_fraction(r["pm25_multiple"]), 2) == "0.09"
    assert exact.fraction_to_str(exact.to_fraction(r["o3_multiple"]), 2) == "0.05"
    assert r["attained"] is False
    assert r["exceeding"] == ["PM2.5", "O3"]
    assert r["co_value"] == 11  # 1.1 mg/m³ in tenths


def test_annual_requires_percentile_switch():
    # PM10 mean 65 attains, P95 151 > 150 does not
    stats = _stats_frame({"pm10": 65, "pm10_p95": 151})
    assert hj663.attainment(stats, by=["city"])["pm10_attained"][0] is False
    assert hj663.attainment(stats, by=["city"], annual_requires_percentile=False)["pm10_attained"][0] is True


def test_percentile_only_failure_publishes_its_own_multiple():
    # §6.4: PM2.5 mean 30 ≤ 35 attains, P95 80 > 75 (24-h limit) does not; B = (80 − 75)/75
    stats = _stats_frame({"pm25": 30, "pm25_p95": 80})
    r = hj663.attainment(stats, by=["city"]).row(0, named=True)
    assert r["pm25_attained"] is False and r["exceeding"] == ["PM2.5"]
    assert r["pm25_stat_attained"] is True and exact.to_fraction(r["pm25_multiple"]) == 0
    assert r["pm25_p95_attained"] is False and r["pm25_p95_value"] == 80
    assert exact.to_fraction(r["pm25_p95_multiple"]) == Fraction(5, 75)
    assert exact.fraction_to_str(exact.to_fraction(r["pm25_p95_multiple"]), 2) == "0.07"
    # the percentile is still published with the switch off; it no longer decides the verdict
    r = hj663.attainment(stats, by=["city"], annual_requires_percentile=False).row(0, named=True)
    assert r["pm25_attained"] is True and r["pm25_p95_attained"] is False


def test_float_inputs_are_taken_by_their_text():
    # §5.1: Fraction(str(v)); E1 with floats gives the exact 1.865
    vals = [0.6, 0.8, 1.1, 0.9, 1.4, 2.0, 1.7, 0.7, 1.2, 1.0]
    assert hj663.percentile(vals, "0.95") == Fraction("1.865")
    assert hj663.attainment_rate([0.1, 0.3], Fraction("0.3")) == 100


def test_rounded_value_is_compared():
    # PM2.5 35.4 rounds to 35 and attains; 35.5 rounds to 36 (half even) and does not
    assert hj663.attainment(_stats_frame({"pm25": "35.4"}), by=["city"])["pm25_attained"][0] is True
    assert hj663.attainment(_stats_frame({"pm25": "35.5"}), by=["city"])["pm25_attained"][0] is False
    # 2026 stage 1: PM2.5 annual limit 30
    assert hj663.attainment(_stats_frame({"pm25": 31}), by=["city"], stage="2026-1")["pm25_attained"][0] is False


def test_e11_good_days_ratio_excludes_na_days():
    aqi = [50] * 22 + [120] * 7 + [None, None]
    level = [1] * 22 + [3] * 7 + [None, None]
    daily = pl.DataFrame({"city": ["A"] * 31, "aqi": aqi, "level": level},
                         schema_overrides={"aqi": pl.Int64, "level": pl.Int8})
    r = hj663.day_counts(daily, by=["city"]).row(0, named=True)
    assert (r["n_days"], r["n_valid"], r["n_good"], r["n_polluted"]) == (31, 29, 22, 7)
    assert exact.to_fraction(r["good_ratio"]) == Fraction(2200, 29)
    assert r["good_ratio_pub"] == "75.9"
    assert r["n_level1"] == 22 and r["n_level3"] == 7


def test_heavy_days_and_levels():
    daily = pl.DataFrame({"city": ["A"] * 4, "aqi": [201, 300, 301, 200], "level": [5, 5, 6, 4]})
    r = hj663.day_counts(daily, by=["city"]).row(0, named=True)
    assert r["n_heavy"] == 3 and r["n_good"] == 0 and r["n_level5"] == 2


def _daily_year(values_pm25, start=date(2023, 1, 1)):
    n = len(values_pm25)
    return pl.DataFrame({
        "city": ["A"] * n,
        "date": [start + timedelta(days=i) for i in range(n)],
        "pm25": values_pm25,
    }).with_columns(pm25=exact.as_rational("pm25", pl.Int64))


def test_period_statistics_mean_and_validity():
    d = _daily_year([30] * 300 + [60] * 65)
    s = hj663.period_statistics(d, by=["city"], start=date(2023, 1, 1), end=date(2023, 12, 31),
                                statistics=["pm25", "pm25_p95"])
    assert exact.to_fraction(s["pm25"][0]) == Fraction(30 * 300 + 60 * 65, 365)
    assert exact.to_fraction(s["pm25_p95"][0]) == 60
    # only 200 days → invalid year
    s = hj663.period_statistics(d.head(200), by=["city"], start=date(2023, 1, 1), end=date(2023, 12, 31),
                                statistics=["pm25"])
    assert s["pm25"][0] is None


def test_dust_exclusion_concentrations_and_ratio():
    d = _daily_year([30] * 28 + [300] * 3, start=date(2023, 3, 1))
    dust = pl.DataFrame({"date": [date(2023, 3, 29), date(2023, 3, 30), date(2023, 3, 31)]})
    kw = dict(by=["city"], start=date(2023, 3, 1), end=date(2023, 3, 31), statistics=["pm25"])
    assert exact.to_fraction(hj663.period_statistics(d, **kw)["pm25"][0]) == Fraction(30 * 28 + 900, 31)
    s = hj663.period_statistics(d, dust_days=dust, dust_exclusion="concentrations", **kw)
    assert exact.to_fraction(s["pm25"][0]) == 30
    s = hj663.period_statistics(d, dust_days=dust, dust_exclusion="ratio", **kw)
    assert exact.to_fraction(s["pm25"][0]) != 30
    # ratio: the three dust days leave the good-days ratio
    daily = d.with_columns(aqi=pl.when(pl.col("date").dt.day() > 28).then(400).otherwise(50), level=pl.lit(1))
    x = hj663.apply_exclusions(daily, by=["city"], dust_days=dust, dust_exclusion="ratio")
    assert hj663.day_counts(x, by=["city"])["good_ratio_pub"][0] == "100.0"
    x = hj663.apply_exclusions(daily, by=["city"], dust_days=dust, dust_exclusion="none")
    assert hj663.day_counts(x, by=["city"])["good_ratio_pub"][0] == "90.3"


def test_exceptional_events_off_by_default_and_switchable():
    d = _daily_year([30] * 30 + [90], start=date(2023, 3, 1))
    exc = pl.DataFrame({"city": ["A"], "date": [date(2023, 3, 31)]})
    kw = dict(by=["city"], start=date(2023, 3, 1), end=date(2023, 3, 31), statistics=["pm25"])
    assert exact.to_fraction(hj663.period_statistics(d, exceptional_days=exc, **kw)["pm25"][0]) == Fraction(990, 31)
    s = hj663.period_statistics(d, exceptional_days=exc, exceptional_events="concentrations", **kw)
    assert exact.to_fraction(s["pm25"][0]) == 30
    with pytest.raises(ValueError):
        hj663.apply_exclusions(d, by=["city"], exceptional_events="all")


def test_three_year_moving_average():
    annual = pl.DataFrame({"city": ["A"] * 4, "year": [2021, 2022, 2023, 2024], "pm25": [40, 35, 33, 31]})
    annual = annual.with_columns(pm25=exact.as_rational("pm25", pl.Int64))
    r = hj663.three_year_moving_average(annual, by=["city"])
    got = [exact.to_fraction(v) for v in r["pm25"].to_list()]
    assert got == [None, None, Fraction(108, 3), Fraction(99, 3)]


def test_daily_attainment_rates():
    daily = pl.DataFrame({"city": ["A"] * 4, "pm25": ["75.4", "75.5", "80", None], "o3_8h": ["160", "161", "100", "90"]})
    daily = daily.with_columns(pm25=exact.as_rational("pm25", pl.Utf8), o3_8h=exact.as_rational("o3_8h", pl.Utf8))
    r = hj663.daily_attainment_rates(daily, by=["city"]).row(0, named=True)
    # 75.4 → 75 attains; 75.5 → 76 (half even) does not; 80 does not: 1 of 3 valid days
    assert exact.to_fraction(r["rate_pm25"]) == Fraction(100, 3) and r["rate_pm25_pub"] == "33.3"
    assert r["rate_o3_pub"] == "75.0"
    r = hj663.daily_attainment_rates(daily, by=["city"], stage="2026-1").row(0, named=True)
    assert r["rate_pm25_pub"] == "0.0"


def test_region_statistics():
    period = pl.DataFrame({"city_code": ["A", "B", "C"], "pm25": ["30", "41", None],
                           "good_ratio": ["80", "85.5", "90"], "attained": [True, False, True]})
    period = period.with_columns(pm25=exact.as_rational("pm25", pl.Utf8), good_ratio=exact.as_rational("good_ratio", pl.Utf8))
    members = pl.DataFrame({"city_code": ["A", "B", "C"], "region": ["R1", "R1", "R2"]})
    r = hj663.region_statistics(period, members)
    d = {x["region"]: x for x in r.to_dicts()}
    assert exact.to_fraction(d["R1"]["pm25"]) == Fraction(71, 2)
    assert exact.to_fraction(d["R1"]["good_ratio"]) == Fraction(1655, 20)
    assert d["R1"]["attained"] is False and d["R2"]["attained"] is True
    assert d["R2"]["pm25"] is None  # a member without a valid value
