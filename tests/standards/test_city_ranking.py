"""Composite index and city ranking (air-evaluation.md §0, §9, §10; E7–E9)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards import city_ranking as cr

COLS = ("so2", "no2", "pm10", "pm25", "co", "o3")


def frame(rows: dict[str, tuple]):
    """{city: (so2, no2, pm10, pm25, co_p95, o3_p90)} with decimal text as published."""
    data = {"city_code": list(rows)}
    for i, c in enumerate(COLS):
        data[c] = [str(v[i]) for v in rows.values()]
    return pl.DataFrame(data)


A23 = (8, 30, 65, 38, "1.1", 168)
A22 = (9, 33, 70, 41, "1.2", 172)


def test_e7_composite_and_single_indices():
    r = cr.composite_index(frame({"A": A23})).row(0, named=True)
    isum = exact.to_fraction(r["isum"])
    assert isum == Fraction(8, 60) + Fraction(30, 40) + Fraction(65, 70) + Fraction(38, 35) + Fraction(11, 40) + Fraction(168, 160)
    assert str(float(isum))[:8] == "4.222619"
    assert r["isum_pub"] == "4.22"
    assert [r[f"i_{p}_pub"] for p in COLS] == ["0.133", "0.750", "0.929", "1.086", "0.275", "1.050"]
    assert r["max_pollutants"] == ["PM2.5"] and r["max_index_pub"] == "1.086"
    r22 = cr.composite_index(frame({"A": A22})).row(0, named=True)
    assert r22["isum_pub"] == "4.52"
    assert str(float(exact.to_fraction(r22["isum"])))[:8] == "4.521428"


def test_e7_weighted_variant():
    r = cr.composite_index(frame({"A": A23}), weights=cr.WEIGHTS_322).row(0, named=True)
    assert str(float(exact.to_fraction(r["isum"])))[:8] == "8.194047" or str(float(exact.to_fraction(r["isum"])))[:8] == "8.194048"
    assert r["isum_pub"] == "8.19"


def test_e7_change_rate_published_and_exact():
    r = cr.rank_cities(frame({"A": A23}), frame({"A": A22})).row(0, named=True)
    assert exact.to_fraction(r["change"]) == Fraction(422 - 452, 452) * 100  # −6.637…
    assert r["change_pub"] == "-6.6"
    r = cr.rank_cities(frame({"A": A23}), frame({"A": A22}), change_rate_input="exact").row(0, named=True)
    ch = exact.to_fraction(r["change"])
    assert round(float(ch), 3) == -6.609
    assert r["change_pub"] == "-6.6"


def test_e8_monthly_composite():
    r = cr.composite_index(frame({"X": (9, 15, 39, 21, "0.7", 192)})).row(0, named=True)
    assert str(float(exact.to_fraction(r["isum"])))[:7] == "3.05714"
    assert r["isum_pub"] == "3.06"


def test_e9_ranking_with_tie():
    f = frame({
        "A": (8, 30, 65, 38, "1.1", 168),
        "B": (6, 28, 60, 35, "1.0", 170),
        "C": (10, 35, 72, 40, "1.3", 160),
        "D": (8, 31, 64, 38, "1.1", 166),
    })
    r = cr.rank_cities(f)
    got = dict(zip(r["city_code"], zip(r["isum_pub"], r["rank"])))
    assert got == {"B": ("3.97", 1), "A": ("4.22", 2), "D": ("4.22", 2), "C": ("4.54", 4)}


def test_exact_statistics_are_rounded_before_use():
    # exact C_i: PM2.5 37.5 → 38 (half even), CO 1.05 → 1.0
    f = pl.DataFrame({"city_code": ["A"], "so2": ["8"], "no2": ["30"], "pm10": ["65"], "pm25": ["37.5"],
                      "co": ["1.05"], "o3": ["168"]})
    r = cr.composite_index(f).row(0, named=True)
    assert r["c_pm25"] == 38 and r["c_co"] == 10


def test_improvement_and_deterioration_rankings():
    cur = frame({"A": A23, "B": (10, 35, 72, 40, "1.3", 175), "C": (5, 20, 40, 20, "0.8", 120),
                 "D": (9, 33, 70, 41, "1.2", 172)})
    base = frame({"A": A22, "B": (9, 33, 70, 41, "1.2", 172), "C": (4, 18, 38, 19, "0.7", 110),
                  "D": (9, 33, 70, 41, "1.2", 172)})
    attained = pl.DataFrame({"city_code": ["A", "B", "C", "D"], "attained": [False, False, True, False]})
    r = cr.rank_cities(cur, base, attained=attained)
    d = {c: (ch, imp, det) for c, ch, imp, det in
         zip(r["city_code"], r["change_pub"], r["improvement_rank"], r["deterioration_rank"])}
    assert d["A"][0] == "-6.6" and d["A"][1] == 1
    assert d["D"][0] == "0.0"
    # C worsened but attains Grade II → not in the deterioration ranking; D (ΔI 0) not listed
    assert d["C"][2] is None and d["D"][2] is None and d["A"][2] is None
    assert d["B"][2] == 1
    r = cr.rank_cities(cur, base, deterioration_requires_increase=False)
    det = dict(zip(r["city_code"], r["deterioration_rank"]))
    assert det["C"] == 1 and det["A"] == 4


def test_ranking_denominators_per_stage():
    f = frame({"A": A23})
    assert cr.default_denominators("2026-1")["pm25"] == 30
    assert cr.default_denominators("2026-1")["pm10"] == 60
    r = cr.composite_index(f, stage="2026-1").row(0, named=True)
    assert exact.to_fraction(r["isum"]) == Fraction(8, 60) + Fraction(30, 40) + Fraction(65, 60) + Fraction(38, 30) + Fraction(11, 40) + Fraction(168, 160)
    r = cr.composite_index(f, stage="2026-1", ranking_denominators={"2026-1": {"pm25": 35, "pm10": 70}}).row(0, named=True)
    assert r["isum_pub"] == "4.22"


def test_straddle_settings():
    assert cr.stage_for_period(date(2026, 1, 1), date(2026, 12, 31)) == "2026-1"
    assert cr.stage_for_period(date(2026, 1, 1), date(2026, 12, 31), "period_start") == "2012"
    assert cr.stage_for_period(date(2030, 7, 1), date(2031, 6, 30)) == "2026-2"
    with pytest.raises(ValueError):
        cr.stage_for_period(date(2026, 1, 1), date(2026, 12, 31), "middle")
    days = pl.DataFrame({"d": [date(2026, 2, 28), date(2026, 3, 1)]})
    own = days.select(cr.daily_aqi_edition(pl.col("d"), date(2026, 12, 31)).alias("e"))["e"].to_list()
    end = days.with_columns(cr.daily_aqi_edition(pl.col("d"), date(2026, 12, 31), "period_end").alias("e"))["e"].to_list()
    assert own == ["2012", "2026"] and end == ["2026", "2026"]


def test_missing_statistic_is_not_ranked():
    f = frame({"A": A23, "B": (6, 28, 60, 35, "1.0", 170)}).with_columns(
        o3=pl.when(pl.col("city_code") == "B").then(None).otherwise(pl.col("o3")))
    r = cr.rank_cities(f)
    assert dict(zip(r["city_code"], r["rank"])) == {"A": 1, "B": None}


def test_float_weights_are_taken_by_their_text():
    # §5.1: a number enters as Fraction(str(v)); weight 0.3 is exactly 3/10, not the binary float
    r = cr.composite_index(frame({"A": A23}), weights={"pm25": 0.3, "no2": 2.5}).row(0, named=True)
    isum = (Fraction(8, 60) + Fraction(5, 2) * Fraction(30, 40) + Fraction(65, 70) + Fraction(3, 10) * Fraction(38, 35)
            + Fraction("1.1") / 4 + Fraction(168, 160))
    assert exact.to_fraction(r["isum"]) == isum
    assert exact.to_fraction(r["isum"]).denominator == isum.denominator  # 4200, a plain decimal-weight sum
