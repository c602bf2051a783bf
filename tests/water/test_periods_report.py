"""Periods (water.md §3), the period evaluation and the report builder."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.standards import cwqi
from qingshan.standards.water_rules import WaterSettings
from qingshan.standards.water_values import nano_of_text
from qingshan.water.evaluation import evaluate_periods, worse_than_v
from qingshan.water.evidence import rectification_evidence
from qingshan.water.importer import import_frame
from qingshan.water.periods import kind_of_range, period_of, range_label
from qingshan.water.registry import add_section, sections_frame, set_target, targets
from qingshan.water.report import build_report
from qingshan.water.store import WRITE_SCHEMA

BG = {"cu": "0.005", "zn": "0.02", "f": "0.4", "se": "0.0004", "as": "0.001", "hg": "0.00002", "cd": "0.0002",
      "cr6": "0.004", "pb": "0.002", "cn": "0.002", "phenol": "0.0008", "petroleum": "0.02", "las": "0.05",
      "sulfide": "0.01"}
W1 = {"ph": "7.6", "do": "6.8", "codmn": "4.8", "cod": "18", "bod5": "3.5", "nh3n": "1.32", "tp": "0.18", **BG}
W2 = {"ph": "7.2", "do": "4.0", "codmn": "9.0", "cod": "42", "bod5": "7", "nh3n": "2.6", "tp": "0.45", **BG}
S4 = {"ph": "8.1", "do": "7.9", "codmn": "2.9", "cod": "11", "bod5": "1.8", "nh3n": "0.21", "tp": "0.06", **BG}


@pytest.mark.parametrize(
    ("kind", "t", "expected"),
    [
        ("week", date(2026, 3, 4), (date(2026, 3, 2), date(2026, 3, 9), "2026年第10周")),
        ("xun", date(2026, 2, 10), (date(2026, 2, 1), date(2026, 2, 11), "2026年2月上旬")),
        ("xun", date(2026, 2, 11), (date(2026, 2, 11), date(2026, 2, 21), "2026年2月中旬")),
        ("xun", date(2026, 2, 28), (date(2026, 2, 21), date(2026, 3, 1), "2026年2月下旬")),
        ("month", date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1), "2026年12月")),
        ("quarter", date(2026, 11, 5), (date(2026, 10, 1), date(2027, 1, 1), "2026年第4季度")),
        ("year", date(2026, 6, 1), (date(2026, 1, 1), date(2027, 1, 1), "2026年")),
    ],
)
def test_periods(kind, t, expected):
    assert period_of(kind, t) == expected


def test_ytd_and_ranges():
    assert period_of("ytd", date(2026, 2, 3), 4) == (date(2026, 1, 1), date(2026, 5, 1), "2026年1—4月")
    assert kind_of_range(date(2026, 1, 1), date(2026, 5, 1)) == ("ytd", 4)
    assert kind_of_range(date(2026, 4, 1), date(2026, 7, 1)) == ("quarter", None)
    assert kind_of_range(date(2026, 1, 1), date(2027, 1, 1)) == ("year", None)
    assert kind_of_range(date(2026, 3, 1), date(2026, 4, 1)) == ("month", None)
    assert kind_of_range(date(2026, 3, 5), date(2026, 4, 1)) == ("range", None)
    assert range_label(date(2026, 3, 5), date(2026, 4, 1)) == "2026-03-05至2026-03-31"


def _obs(rows: list[tuple[str, datetime, dict]]) -> pl.DataFrame:
    out = []
    for sec, t, values in rows:
        for item, text in values.items():
            out.append({"section_code": sec, "time": t, "item": item, "value_nano": nano_of_text(text), "nd": False,
                        "dl_nano": None, "flag": None, "text": text})
    return pl.DataFrame(out, schema=WRITE_SCHEMA, orient="row")


@pytest.fixture
def three_sections(store):
    with Session(store.engine) as s:
        for code, county in (("S1", "140215"), ("S2", "140215"), ("S4", "140221")):
            add_section(s, code=code, name=f"断面{code}", river="桑干河", county_code=county, control_level="国考")
            for year in (2025, 2026):
                set_target(s, code, year, 3)
        s.commit()
    # 2026-03: S1, S2, S4 as in W7; 2025-03: everything a little worse (ΔCWQI negative)
    data = [(c, datetime(2026, 3, 10), v) for c, v in (("S1", W1), ("S2", W2), ("S4", S4))]
    data += [(c, datetime(2025, 3, 10), dict(v, nh3n=str(Decimal(v["nh3n"]) + Decimal("0.4"))))
             for c, v in (("S1", W1), ("S2", W2), ("S4", S4))]
    import_frame(_obs(data), store, source="lab", kind="lab", label="test")
    return store


def test_evaluate_month_classes_targets_cwqi(three_sections):
    st = three_sections
    ev = evaluate_periods(st.observations(), sections_frame(st.engine), kind="month", targets=targets(st.engine))
    m = ev.sections.filter(pl.col("period") == "2026年3月").sort("section")
    assert m["class"].to_list() == [4, 6, 2]
    assert m["attained"].to_list() == [False, False, True]
    assert m["main_pollutants_label"].to_list()[1] == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"
    got = [exact.to_fraction(x) for x in m["cwqi"].to_list()]
    assert [exact.fraction_to_str(x, 4) for x in got] == ["7.5453", "13.2650", "4.8912"]
    assert worse_than_v(ev).select("section", "period").rows() == [("S2", "2025年3月"), ("S2", "2026年3月")]
    assert ev.rules_status == "UNCONFIRMED"


def test_report_w7_city_index_and_change(three_sections):
    r = build_report(three_sections, date(2026, 3, 1), date(2026, 4, 1), county_names={"140215": "云州区", "140221": "阳高县"})
    assert r.period == "2026年3月" and r.previous_period == "2025年3月"
    assert r.city.cwqi_text == "8.5672" and r.city.n_sections == 3
    base = cwqi.city_index([cwqi.section_index(dict(v, nh3n=str(Decimal(v["nh3n"]) + Decimal("0.4")))) for v in (W1, W2, S4)], []).value
    assert r.city.base == base and r.city.delta == cwqi.change(r.city.cwqi, base)
    assert r.city.delta_text == exact.fraction_to_str(cwqi.change(r.city.cwqi, base), 2) + "%"
    yz = next(u for u in r.counties if u.unit == "140215")
    assert yz.name == "云州区" and yz.cwqi == (cwqi.section_index(W1) + cwqi.section_index(W2)) / 2
    assert [u.rank for u in r.counties] == [1, 2] and r.counties[0].unit == "140221"
    assert [x.code for x in r.worse_than_v] == ["S2"]
    fig = {f.scope: f for f in r.figures}
    assert fig["全部断面"].n_good == 1 and fig["全部断面"].good_share_text == "33.3%"
    assert fig["全部断面"].n_worse_than_v == 1 and fig["全部断面"].n_attained == 1
    s1 = next(x for x in r.sections if x.code == "S1")
    assert s1.previous_class == 5 and s1.change == "好转"  # NH3-N 1.72 last year: Ⅴ
    assert not r.demo
    d = r.to_dict()
    assert d["city"]["cwqi_text"] == "8.5672" and isinstance(d["sections"][0]["cwqi"], str)


def test_cwqi_missing_items_exclude_or_carry_forward(three_sections):
    st = three_sections
    # April: S4 without petroleum
    import_frame(_obs([("S4", datetime(2026, 4, 10), {k: v for k, v in S4.items() if k != "petroleum"})]), st,
                 source="lab", kind="lab", label="april")
    r = build_report(st, date(2026, 4, 1), date(2026, 5, 1), county_names={})
    s4 = next(x for x in r.sections if x.code == "S4")
    assert s4.class_ == 2 and s4.cwqi is None and s4.cwqi_missing == ("petroleum",)
    assert any("石油类" in n for n in r.notes)
    carry = WaterSettings(cwqi_missing_items="carry_forward")
    r2 = build_report(st, date(2026, 4, 1), date(2026, 5, 1), county_names={}, settings=carry)
    s4b = next(x for x in r2.sections if x.code == "S4")
    assert s4b.cwqi == cwqi.section_index(S4)  # March's petroleum 0.02 carried forward
    too_old = WaterSettings(cwqi_missing_items="carry_forward", cwqi_carry_forward_months=0)
    r3 = build_report(st, date(2026, 4, 1), date(2026, 5, 1), county_names={}, settings=too_old)
    assert next(x for x in r3.sections if x.code == "S4").cwqi is None


def test_evidence_payload_for_rectification(three_sections):
    ev = rectification_evidence(three_sections, "S2", date(2026, 3, 1), date(2026, 4, 1))
    assert ev["section"]["code"] == "S2" and ev["class_label"] == "劣Ⅴ" and ev["target_label"] == "Ⅲ"
    assert ev["attained"] is False and ev["main_pollutants"][0] == {"item": "nh3n", "name": "氨氮", "class_label": "劣Ⅴ",
                                                                    "value": "2.60", "limit_iii": "1.0", "multiple": "1.60"}
    assert ev["rules_status"] == "UNCONFIRMED" and ev["period"] == "2026年3月"
    assert {o["item"] for o in ev["observations"]} >= {"nh3n", "tp", "cod"}
    with pytest.raises(KeyError):
        rectification_evidence(three_sections, "nope", date(2026, 3, 1), date(2026, 4, 1))


def test_per_point_versus_per_lake_city_index_and_rivers(store):
    """water.md §9: two points of one reservoir with DO 4 and 8 (all else equal): per_point
    averages the indices (DO part 0.9375), per_lake indexes the averaged values (DO 6: 0.8333…)."""
    with Session(store.engine) as s:
        for code in ("L1", "L2"):
            add_section(s, code=code, name=f"点位{code}", river="演示水库", water_body="reservoir",
                        county_code="140212", control_level="国考")
        s.commit()
    base = dict(S4, tp="0.04", tn="0.9", chla="8", sd="1.5")
    rows = [("L1", datetime(2026, 3, 10), dict(base, do="4")), ("L2", datetime(2026, 3, 10), dict(base, do="8"))]
    import_frame(_obs(rows), store, source="lab", kind="lab", label="lake")
    pp = build_report(store, date(2026, 3, 1), date(2026, 4, 1), county_names={})
    pl_ = build_report(store, date(2026, 3, 1), date(2026, 4, 1), county_names={},
                       settings=WaterSettings(cwqi_aggregation="per_lake"))
    rest = cwqi.section_index(dict(S4, tp="0.04", do="4"), "reservoir") - cwqi.single_index("do", "4")
    assert pp.city.cwqi == rest + Fraction("0.9375")
    assert pl_.city.cwqi == rest + Fraction(5, 6)
    lake = next(r for r in pp.rivers if r.name == "演示水库")
    assert (lake.method, lake.n_sections, lake.tn_class_label) == ("lake", 2, "Ⅲ")
    assert lake.class_label == "Ⅲ"  # DO 6.0 mean → Ⅱ; TP 0.04 lake column → Ⅲ
    assert lake.trophic_state and lake.tli_text


def test_week_and_xun_ranges_are_periods():
    # water.md §3 periods: 旬 = days 1–10, 11–20, 21 to the month's end; week = Monday to Sunday.
    # 2026-03-01 is a Sunday (1 January 2026 is a Thursday), so 2 March is a Monday, ISO week 10.
    assert kind_of_range(date(2026, 3, 1), date(2026, 3, 11)) == ("xun", None)
    assert kind_of_range(date(2026, 3, 11), date(2026, 3, 21)) == ("xun", None)
    assert kind_of_range(date(2026, 2, 21), date(2026, 3, 1)) == ("xun", None)  # 下旬 of a 28-day February
    assert kind_of_range(date(2026, 3, 21), date(2026, 4, 1)) == ("xun", None)
    assert kind_of_range(date(2026, 3, 2), date(2026, 3, 9)) == ("week", None)
    assert range_label(date(2026, 3, 1), date(2026, 3, 11)) == "2026年3月上旬"
    assert range_label(date(2026, 3, 2), date(2026, 3, 9)) == "2026年第10周"
    # not a period: a Tuesday-to-Monday week, a 旬 one day too long, 1–20
    assert kind_of_range(date(2026, 3, 3), date(2026, 3, 10)) == ("range", None)
    assert kind_of_range(date(2026, 3, 1), date(2026, 3, 12)) == ("range", None)
    assert kind_of_range(date(2026, 3, 1), date(2026, 3, 21)) == ("range", None)


def test_report_of_a_xun_and_a_week(three_sections):
    # the fixture's only 2026 samples are on 10 March: in 3月上旬 and in ISO week 11 (9–15 March);
    # one result is enough for a week or a 旬 (§3), so the classes are those of the month: S1 Ⅳ,
    # S2 劣Ⅴ, S4 Ⅱ (W7)
    r = build_report(three_sections, date(2026, 3, 1), date(2026, 3, 11), county_names={})
    assert (r.kind, r.period, r.previous_period) == ("xun", "2026年3月上旬", "2025年3月上旬")
    assert [(s.code, s.class_label, s.no_data) for s in r.sections] == [("S1", "Ⅳ", False), ("S2", "劣Ⅴ", False),
                                                                        ("S4", "Ⅱ", False)]
    w = build_report(three_sections, date(2026, 3, 9), date(2026, 3, 16), county_names={})
    assert (w.kind, w.period) == ("week", "2026年第11周")
    assert [s.class_label for s in w.sections] == ["Ⅳ", "劣Ⅴ", "Ⅱ"]


def test_period_without_samples_lists_the_registered_sections(three_sections):
    # 3月中旬 has no sample: the three registered sections are listed, marked as having no data,
    # with their 2026 target (Ⅲ) and no class; the figures count no evaluated section
    r = build_report(three_sections, date(2026, 3, 11), date(2026, 3, 21), county_names={})
    assert r.period == "2026年3月中旬"
    assert [(s.code, s.no_data, s.class_, s.target_label) for s in r.sections] == [
        ("S1", True, None, "Ⅲ"), ("S2", True, None, "Ⅲ"), ("S4", True, None, "Ⅲ")]
    assert r.figures[0].n_sections == 0 and r.worse_than_v == [] and r.city.cwqi is None
    # a period with samples for some sections only: a section registered without samples (S5)
    # is listed beside the evaluated ones, as no data, and is not counted
    with Session(three_sections.engine) as s:
        add_section(s, code="S5", name="断面S5", river="御河", county_code="140215", control_level="市考")
        s.commit()
    m = build_report(three_sections, date(2026, 3, 1), date(2026, 4, 1), county_names={})
    assert {s.code: s.no_data for s in m.sections} == {"S1": False, "S2": False, "S4": False, "S5": True}
    assert m.figures[0].n_sections == 3
