"""Performance grading (air-emergency.md §3): short-board rule, grade tables row by row, online limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction as F

import polars as pl
import pytest

from qingshan.standards.emergency_tables import TableError, from_dict, packaged_default
from qingshan.standards.performance_grading import (
    Indicator,
    enterprise_grade,
    grade_measures,
    grade_rank,
    industry_scale,
    limit_grade,
    lowest,
    normalise_grade,
    online_limit_grades,
    short_board,
    transport_grade,
    validate_grade_limits,
    with_a_plus,
)


def test_order_and_lead_mapping():
    order = ["D", "C", "B-", "B", "A", "A+"]
    assert sorted(order, key=grade_rank) == order
    assert grade_rank("LEAD") == grade_rank("A") and grade_rank("NONLEAD") == grade_rank("C")
    assert lowest(["A", "B-", "LEAD"]) == "B-"
    assert normalise_grade("A级") == "A" and normalise_grade("引领性") == "LEAD" and normalise_grade("") == "UNGRADED"
    with pytest.raises(ValueError):
        normalise_grade("E")


def test_short_board_rule():
    inds = [Indicator("装备水平", "equipment", "A"), Indicator("排放限值:窑尾:NOx", "emission", "B"),
            Indicator("运输方式", "transport", "B"), Indicator("监测监控", "monitoring", "A")]
    d = short_board("cement", inds, scale=industry_scale("cement"))
    assert d.grade == "B" and d.deciding == ("排放限值:窑尾:NOx", "运输方式")
    bad = short_board("cement", inds + [Indicator("无组织排放", "fugitive", None)])
    assert bad.grade is None and bad.deciding == ("无组织排放",)
    with pytest.raises(ValueError, match="A\\+"):
        short_board("cement", [Indicator("x", "equipment", "A+")])


def test_multi_industry_lowest_and_a_plus():
    a = short_board("cement", [Indicator("i", "equipment", "A")])
    b = short_board("coking", [Indicator("j", "equipment", "B")])
    assert enterprise_grade([a, b]) == ("B", "coking")
    assert with_a_plus("A", True) == "A+" and with_a_plus("B", True) == "B" and with_a_plus("A", False) == "A"


# §3.3 tables, row by row as the spec prints them (mg/m³ at the reference O2)
SPEC_ROWS = {
    ("cement", "kiln_tail"): ("10", {"A": {"PM": "10", "SO2": "35", "NOx": "100", "NH3": "5"},
                                     "B": {"PM": "10", "SO2": "50", "NOx": "150", "NH3": "8"},
                                     "C": {"PM": "20", "SO2": "100", "NOx": "320", "NH3": "8"}}),
    ("coking", "coke_oven_stack"): ("8", {"A": {"PM": "10", "SO2": "30", "NOx": "150"},
                                          "B": {"PM": "15", "SO2": "30", "NOx": "150"},
                                          "C": {"PM": "30", "SO2": "50", "NOx": "500"}}),
    ("power", "stack"): ("6", {"A": {"PM": "10", "SO2": "35", "NOx": "50"}}),
    ("boiler", "boiler_stack"): ("9", {"A": {"PM": "10", "SO2": "35", "NOx": "50"},
                                       "B": {"PM": "20", "SO2": "50", "NOx": "100"},
                                       "C": {"PM": "30", "SO2": "200", "NOx": "200"}}),
}


@pytest.mark.parametrize("key", list(SPEC_ROWS))
def test_grade_limit_tables_match_spec(key):
    t = packaged_default("grade_limits")
    outlet = t.data["industries"][key[0]]["outlets"][key[1]]
    o2, limits = SPEC_ROWS[key]
    assert outlet["o2_ref"] == o2 and outlet["averaging"] == "hour"
    assert outlet["limits"] == limits
    assert t.status == "UNCONFIRMED"


def test_cement_measures_match_spec_table():
    """§3.2 cement clinker (confirmed): A self; B truck ban / 限产20% / stop; C 50 % by line / stop; D stop."""
    assert grade_measures("cement", "A", "red") == ("self",)
    assert grade_measures("cement", "B", "yellow") == ("truck_ban_le4",)
    assert grade_measures("cement", "B", "orange") == ("cut 20", "truck_ban_le4")
    assert grade_measures("cement", "B", "red") == ("stop", "truck_ban_le4")
    assert grade_measures("cement", "C", "yellow") == ("stop_share 50", "truck_ban_le4")
    assert grade_measures("cement", "C", "orange") == ("stop", "truck_ban_le4")
    assert grade_measures("cement", "D", "yellow") == ("stop", "no_road_transport")
    assert grade_measures("cement", "A+", "red") == ("self",)
    assert grade_measures("cement", "LEAD", "orange") == ("self",)
    assert grade_measures("cement", "B-", "orange") == ("cut 20", "truck_ban_le4")
    assert grade_measures("cement", "UNGRADED", "yellow") == ("stop", "no_road_transport")  # lowest grade (D)
    assert grade_measures("brick", "B", "orange") == ("cut 20", "truck_ban_le4")  # default pattern


def test_limit_grade_le_and_basic_level():
    assert limit_grade({"NOx": F(100), "SO2": F(35), "PM": F(10)}, "cement", "kiln_tail")[0] == "A"
    assert limit_grade({"NOx": F("100.1")}, "cement", "kiln_tail")[0] == "B"  # '≤': 100 passes, 100.1 not
    assert limit_grade({"NOx": F(400)}, "cement", "kiln_tail")[0] == "D"
    assert limit_grade({"NOx": F(400)}, "cement", "kiln_tail", meets_basic=False)[0] is None
    assert limit_grade({"NOx": F(60)}, "power", "stack")[0] == "C"


def test_online_limit_grades_share():
    t0 = datetime(2026, 1, 1)
    zs = [95, 98, 100, 120, 97]  # mg/m³ NOx at 10 % O2, one hour above A (100) but within B (150)
    hourly = pl.DataFrame({"outlet": ["K"] * 6, "factor": ["a21002"] * 6,
                           "hour": [t0 + timedelta(hours=i) for i in range(6)],
                           "zs_avg": [v * 10**6 for v in zs] + [500 * 10**6], "valid": [True] * 5 + [False]})
    outlets = pl.DataFrame({"outlet": ["K"], "industry": ["cement"], "outlet_kind": ["kiln_tail"]})
    g = online_limit_grades(hourly, outlets)
    row = g.row(0, named=True)
    assert row["grade_met"] == "B" and row["n_valid"] == 5 and row["n_le_A"] == 4  # the invalid 500 is ignored
    assert row["table_version"] == "2020-guide-defaults"
    from qingshan.standards.performance_grading import GradingSettings
    g = online_limit_grades(hourly, outlets, settings=GradingSettings(limit_hour_share=F(4, 5)))
    assert g["grade_met"].to_list() == ["A"]


def test_transport_rule():
    scale = industry_scale("coking")
    assert transport_grade({"clean": F(4, 5)}, scale)[0] == "A"
    assert transport_grade({"clean": F(79, 100), "g6_ne": F(1)}, scale)[0] == "A"
    assert transport_grade({"clean": F(1, 2), "g5_plus": F(1, 2)}, scale)[0] == "B"
    assert transport_grade({}, scale)[0] == "C"  # C has no transport requirement


def test_edited_limit_table_validation():
    d = packaged_default("grade_limits").to_dict()
    d["version"] = "city"
    d["data"]["industries"]["cement"]["outlets"]["kiln_tail"]["limits"]["A"]["NOx"] = "低"
    with pytest.raises(TableError, match="不是非负数"):
        validate_grade_limits(from_dict(d))
