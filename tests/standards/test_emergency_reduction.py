"""Reductions of the emergency list and the city check (air-emergency.md §2): worked example E2.

Reference values are typed in from the spec (§5 E2), never read off our output.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from qingshan.standards.emergency_reduction import (
    LEVELS,
    Line,
    Measure,
    ReductionError,
    capacity_base,
    city_baseline,
    city_check,
    emission_under,
    format_measures,
    line_reductions,
    parse_measure,
    parse_measures,
    percent_pub,
    required_cut,
    required_ratio,
)
from qingshan.standards.emergency_tables import packaged_default
from qingshan.standards.performance_grading import grade_measures

E0 = {"PM": F(66), "SO2": F(132), "NOx": F(1056)}  # kg/d: 4400 t × 0.015 / 0.03 / 0.24


def e2_plant(p0=F(4400)) -> Line:
    """The B-grade cement plant of E2 with the 2020 guide's cement measures (§3.2)."""
    ms = {lv: tuple(parse_measure(m) for m in grade_measures("cement", "B", lv)) for lv in LEVELS}
    return Line(e0={k: v * p0 / 4400 for k, v in E0.items()}, measures=ms, cap_eia=F(5000), cap_permit=F(4800),
                prod_lastyear=F(4500), p0=p0, label="E2 水泥熟料线")


def test_e2_capacity_base_and_e0():
    assert capacity_base(F(5000), F(4800), F(4500)) == 4500
    assert {k: v for k, v in E0.items()} == {"PM": 4400 * F("0.015"), "SO2": 4400 * F("0.03"), "NOx": 4400 * F("0.24")}


def test_e2_reductions_per_level():
    line = e2_plant()
    assert line_reductions(line, "yellow") == {"SO2": 0, "NOx": 0, "PM": 0, "VOCs": 0}  # truck ban only
    assert line_reductions(line, "orange") == {"SO2": 24, "NOx": 192, "PM": 12, "VOCs": 0}
    assert line_reductions(line, "red") == {"SO2": 132, "NOx": 1056, "PM": 66, "VOCs": 0}
    assert required_cut(line, "orange", "NOx") == F(2, 11)
    assert percent_pub(F(2, 11)) == "18.2%"
    assert emission_under(line, "orange", "NOx") == 1056 * F(3600, 4400)


def test_e2_plant_running_at_4700():
    line = e2_plant(F(4700))
    assert required_cut(line, "orange", "SO2") == F(11, 47)
    assert percent_pub(F(11, 47)) == "23.4%"


def test_e2_city_check_orange():
    line = e2_plant()
    rows = line_reductions(line, "orange")  # kg/d
    # list totals incl. other sources (E2 table): achieved SO2 3.9, NOx 7.95, PM 2.6, VOCs 4.3 t/d
    achieved = {"SO2": F("3.9"), "NOx": F("7.95"), "PM": F("2.6"), "VOCs": F("4.3")}
    other = {p: achieved[p] - rows[p] / 1000 for p in achieved}
    baseline = {"SO2": F(18), "NOx": F(42), "PM": F(12), "VOCs": F(20)}
    chk = city_check("orange", rows, other, baseline)
    got = {i.pollutant: i for i in chk.items}
    assert {p: got[p].required_t for p in got} == {"SO2": F("3.6"), "NOx": F("8.4"), "PM": F("2.4"), "VOCs": F("4.0")}
    assert {p: got[p].achieved_t for p in got} == achieved
    assert {p: got[p].share_pub for p in got} == {"SO2": "21.7%", "NOx": "18.9%", "PM": "21.7%", "VOCs": "21.5%"}
    assert {p: got[p].passed for p in got} == {"SO2": True, "NOx": False, "PM": True, "VOCs": True}
    assert got["NOx"].shortfall_t == F("0.45") and got["SO2"].shortfall_t == 0
    assert not chk.passed and chk.failing == ("NOx",)
    assert chk.table == {"kind": "required_ratio", "version": "648-2019", "status": "UNCONFIRMED"}


def test_city_check_zero_baseline_passes_with_dash():
    chk = city_check("yellow", {}, {}, {"SO2": F(0), "NOx": F(1), "PM": F(1), "VOCs": F(1)},
                     pollutants=("SO2",))
    assert chk.items[0].passed and chk.items[0].share_pub == "—"


def test_required_ratio_table():
    t = packaged_default("required_ratio")
    assert [required_ratio(lv, "NOx", t) for lv in LEVELS] == [F(1, 10), F(1, 5), F(3, 10)]


def test_city_baseline_basis():
    assert city_baseline(F(3650), year=2025) == 10
    assert city_baseline(F(3660), year=2024) == 10  # leap year: 366 days
    assert city_baseline(F(1510), basis="heating_season_daily", season_days=151) == 10
    with pytest.raises(ValueError):
        city_baseline(F(1), basis="monthly")


def test_measure_parsing_both_forms():
    assert parse_measure("限产20%") == Measure("cut", F(1, 5))
    assert parse_measure("cut 20") == Measure("cut", F(1, 5))
    assert parse_measure("停产50%（按生产线）") == Measure("stop_share", F(1, 2))
    assert parse_measure("延长结焦时间至36小时") == Measure("coking_time", F(36))
    assert parse_measures("停产；停止公路运输") == (Measure("stop"), Measure("no_road_transport"))
    assert format_measures(parse_measures("cut 20;truck_ban_le4")) == "限产20%；停用国四及以下重型货车"
    with pytest.raises(ReductionError, match="无法识别"):
        parse_measure("减产一点")
    with pytest.raises(ReductionError, match="0–100%"):
        parse_measure("限产120%")


def test_other_measures():
    base = dict(e0={"NOx": F(100), "PM": F(10)}, p0=F(100), cap_eia=F(100), label="x")
    share = Line(**base, measures={"orange": (Measure("stop_share", F(1, 2)),)})
    assert line_reductions(share, "orange")["NOx"] == 50
    coke = Line(**base, t0=F(20), measures={"orange": (Measure("coking_time", F(28)),)})
    assert emission_under(coke, "orange", "NOx") == 100 * F(20, 28)
    hold = Line(**base, e_hold={"NOx": F(15)}, measures={"red": (Measure("stop"),)})
    assert line_reductions(hold, "red") == {"SO2": 0, "NOx": 85, "PM": 10, "VOCs": 0}
    declared = Line(**base, measures={"yellow": (Measure("self"),)}, r_declared={"yellow": {"NOx": F(30)}})
    assert line_reductions(declared, "yellow")["NOx"] == 30
    # several measures multiply their remaining fractions
    both = Line(**base, t0=F(20), measures={"red": (Measure("stop_share", F(1, 2)), Measure("coking_time", F(40)))})
    assert emission_under(both, "red", "NOx") == 100 * F(1, 2) * F(1, 2)
    stopped = Line(e0={"NOx": F(0)}, p0=F(0), measures={"red": (Measure("stop"),)})
    assert line_reductions(stopped, "red")["NOx"] == 0
    with pytest.raises(ReductionError, match="T0"):
        line_reductions(Line(**base, measures={"red": (Measure("coking_time", F(40)),)}), "red")


def test_protected_row_max_load():
    heat = Line(e0={"NOx": F(200)}, p0=F(1000), cap_eia=F(1200), protected="heating", max_load=F(3, 4),
                measures={"red": (Measure("stop"),)}, label="供热")
    # 以热定产: E_L = E0 × min(1, 0.75 × 1200 / 1000) = 0.9 E0, replacing "stop"
    assert line_reductions(heat, "red")["NOx"] == 20
    with pytest.raises(ReductionError, match="最大允许负荷"):
        line_reductions(Line(e0={"NOx": F(1)}, p0=F(1), protected="heating"), "red")


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.integers(0, 100))
def test_reduction_bounded_by_e0(p0, cap, x):
    line = Line(e0={"NOx": F(1000)}, p0=F(p0), cap_eia=F(cap), measures={"red": (Measure("cut", F(x, 100)),)}) \
        if x else Line(e0={"NOx": F(1000)}, p0=F(p0))
    r = line_reductions(line, "red")["NOx"]
    assert 0 <= r <= 1000
