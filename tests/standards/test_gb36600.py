"""GB 36600—2018 (soil-waste.md §3; worked example E2; all 85 rows against the spec)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from qingshan.standards import gb36600 as g
from qingshan.standards.soil_values import parse_reading
from soil_spec import clean, section, spec_text, table_rows


def r(value, unit="mg/kg"):
    return parse_reading(value, unit)


def _packaged(table: str) -> dict[str, dict]:
    rows = g.TABLE.rows
    return {x["no"]: x for x in rows.filter(rows["table"] == table).iter_rows(named=True)}


def test_table1_matches_spec_row_by_row(shared_dir):
    rows = [x for x in table_rows(section(spec_text(shared_dir), "### 3.2 Table 1")) if x[0]]
    assert len(rows) == 45
    packaged = _packaged("1")
    for no, name, cas, s1, s2, i1, i2 in rows:
        p = packaged[no]
        assert name.startswith(p["name_zh"]), (no, name)
        assert cas == p["cas"], no
        assert [Fraction(clean(v)) for v in (s1, s2, i1, i2)] == [Fraction(p[k]) for k in ("s1", "s2", "i1", "i2")], no
        assert (p["background_s1"] == "1", p["background_s2"] == "1") == ("ᵃ" in s1, "ᵃ" in s2), no


def test_table2_matches_spec_row_by_row(shared_dir):
    rows = table_rows(section(spec_text(shared_dir), "### 3.3 Table 2"))
    assert len(rows) == 40
    packaged = _packaged("2")
    for no, name, cas, s1, s2, i1, i2 in rows:
        p = packaged[no]
        assert name == p["name_zh"], no
        assert cas == p["cas"], no
        assert [Fraction(clean(v)) for v in (s1, s2, i1, i2)] == [Fraction(p[k]) for k in ("s1", "s2", "i1", "i2")], no
        assert (p["background_s1"] == "1", p["background_s2"] == "1") == ("ᵃ" in s1, "ᵃ" in s2), no


def test_all_85_rows_are_ordered_as_the_spec_checked():
    for p in g.TABLE.rows.iter_rows(named=True):
        s1, s2, i1, i2 = (Fraction(p[k]) for k in ("s1", "s2", "i1", "i2"))
        assert s1 <= s2 and i1 <= i2 and s1 <= i1 and s2 <= i2, p["name_zh"]
    assert g.TABLE.rows.height == 85


def test_i1_below_s2_rows_listed_by_the_spec():
    # §3.2 notes: I1 < S2 in Table 1 No. 2, 4, 6, 7, 10, 13–16, 20, 27, 33, 36, 37; Table 2 No. 1, 4–6, 11, 13–15, 19, 27, 28
    t1 = {"2", "4", "6", "7", "10", "13", "14", "15", "16", "20", "27", "33", "36", "37"}
    t2 = {"1", "4", "5", "6", "11", "13", "14", "15", "19", "27", "28"}
    got = {(p["table"], p["no"]) for p in g.TABLE.rows.iter_rows(named=True) if Fraction(p["i1"]) < Fraction(p["s2"])}
    assert got == {("1", n) for n in t1} | {("2", n) for n in t2}


# --- E2 ------------------------------------------------------------------------------------------

E2 = [("S-1", "苯", "6.2"), ("S-1", "铅", "950"), ("S-2", "苯", "45"), ("S-2", "铅", "620"), ("S-2", "苯并[a]芘", "1.2")]


def _e2(land_class: str, background=None):
    rows = [dict(sample_id=s, land_use=land_class, item=i, value=v, unit="mg/kg") for s, i, v in E2]
    return g.classify_rows(rows, stage="detailed", background_values=background)


def test_e2_class_2_detailed():
    res, issues = _e2("2")
    assert not [i for i in issues if i.level == "error"]
    items = {(x["sample_id"], x["item"]): x for x in g.items_frame(res).to_dicts()}
    assert items[("S-1", "苯")]["decision"] == "risk_assessment" and items[("S-1", "苯")]["index"] == "1.55"
    assert items[("S-1", "Pb")]["decision"] == "risk_assessment" and items[("S-1", "Pb")]["index"] == "1.19"
    assert items[("S-2", "苯")]["decision"] == "control_or_remediation" and items[("S-2", "苯")]["index"] == "11.25"
    assert items[("S-2", "Pb")]["decision"] == "negligible"
    assert items[("S-2", "BaP")]["decision"] == "negligible"
    assert (items[("S-2", "苯")]["screening"], items[("S-2", "苯")]["intervention"]) == ("4", "40")
    site = g.site_decision(res)
    assert site.decision == "control_or_remediation" and site.set_by == (("S-2", "苯"),)
    frame = g.results_frame(res).to_dicts()
    assert [x["class"] for x in frame] == ["between", "above_intervention"]


def test_e2_same_data_class_1():
    res, _ = _e2("1")
    items = {(x["sample_id"], x["item"]): x for x in g.items_frame(res).to_dicts()}
    assert items[("S-1", "Pb")]["decision"] == "control_or_remediation"
    assert items[("S-1", "苯")]["decision"] == "risk_assessment"
    assert items[("S-2", "苯")]["decision"] == "control_or_remediation"
    assert items[("S-2", "Pb")]["decision"] == "risk_assessment"
    assert items[("S-2", "BaP")]["decision"] == "risk_assessment"
    assert (items[("S-2", "BaP")]["screening"], items[("S-2", "BaP")]["intervention"]) == ("0.55", "5.5")


def test_e2_planned_use_unknown_is_class_1():
    rows = [dict(sample_id=s, land_use="", item=i, value=v, unit="mg/kg") for s, i, v in E2]
    res, _ = g.classify_rows(rows)
    assert [x.land_class for x in res] == [1, 1] and res[0].land_class_note
    assert g.site_decision(res).set_by == (("S-1", "Pb"), ("S-2", "苯"))


def test_e2_background_exception():
    bg = g.BackgroundValues({"As": "30"}, "hypothetical (spec E2)")
    res, _ = g.classify_rows([dict(sample_id="A", land_use="1", item="As", value="25", unit="mg/kg"),
                              dict(sample_id="B", land_use="1", item="砷", value="34", unit="mg/kg")], background_values=bg)
    a, b = res
    assert a.decision == "background_exception" and a.background_exception_items == ("As",)
    assert b.decision == "risk_assessment" and not b.background_exception_items
    assert g.results_frame(res)["notes"][0].endswith("hypothetical (spec E2)")


def test_background_exception_only_for_footnoted_items_and_classes():
    with pytest.raises(ValueError, match="砷、钴、钒"):
        g.BackgroundValues({"Pb": "500"}, "x").resolved()
    bg = g.BackgroundValues({"钒": "900"}, "survey")
    s1 = g.classify_sample("x", {"2-5": r("800")}, 1, background_values=bg)  # S1 165 ≤ 800 ≤ 900: exception
    s2 = g.classify_sample("x", {"2-5": r("800")}, 2, background_values=bg)  # S2 752 < 800: V has no S2 footnote
    assert s1.decision == "background_exception"
    assert s2.decision == "risk_assessment"
    # the exception holds even where the background reaches above Ik (V I1 = 330)
    assert s1.items[0].item_class == "above_intervention"


def test_initial_stage_flags_above_intervention_as_indicative_only():
    s = g.classify_sample("x", {"1-26": r("45"), "1-5": r("900")}, 2, "initial")
    assert s.decision == "detailed_investigation"
    assert s.indicative_items == ("苯",)
    assert g.site_decision([s]).decision == "detailed_investigation"


def test_non_detect_uses_sk():
    s = g.classify_sample("x", {"1-26": r("<1"), "1-25": r("<0.2")}, 1)
    by = {i.item: i for i in s.items}
    assert by["1-26"].item_class == "below_screening"  # DL 1 ≤ S1 1
    assert by["1-25"].problem == "nd_above_screening"  # DL 0.2 > S1 0.12
    assert s.status == "incomplete"


def test_sums_and_total_chromium():
    s = g.classify_sample("x", {"m-xylene": r("100"), "p-xylene": r("70")}, 1)
    assert s.items[0].item == "1-33" and s.items[0].content == 170 and s.items[0].item_class == "between"
    res, issues = g.classify_rows([dict(sample_id="x", land_use="2", item="铬", value="100", unit="mg/kg"),
                                   dict(sample_id="x", land_use="2", item="六价铬", value="1", unit="mg/kg")])
    assert res[0].no_limit_items == ("铬",) and res[0].sample_class == "below_screening"
    assert "需按 HJ 25.3 推导筛选值" in g.results_frame(res)["notes"][0]
    assert any(i.code == "no_limit" for i in issues)


def test_pcb_total_from_twelve_congeners():
    names = ["PCB 77", "PCB 81", "PCB 105", "PCB 114", "PCB 118", "PCB 123", "PCB 126", "PCB 156", "PCB 157",
             "PCB 167", "PCB 169", "PCB 189"]
    readings = {g.match_item(n): r("0.01") for n in names}
    s = g.classify_sample("x", readings, 1)
    by = {i.item: i for i in s.items}
    assert by["2-35"].content == Fraction("0.12") and by["2-35"].item_class == "below_screening"
    assert by["2-36"].item_class == "above_intervention"  # PCB 126 0.01 > I1 0.0004
    del readings["PCB 77"]
    s = g.classify_sample("x", readings, 1)
    assert ("多氯联苯（总量）", "incomplete_sum") in s.undetermined


def test_dioxin_in_ng_teq():
    assert parse_reading("5", "ng TEQ/kg").value == Fraction(5, 10**6)
    s = g.classify_sample("x", {g.match_item("二噁英类（总毒性当量）"): parse_reading("5", "ngTEQ/kg")}, 1)
    assert s.items[0].item_class == "below_screening"  # 5e-6 ≤ 1e-5


@pytest.mark.parametrize("text, key", [("苯", "1-26"), ("Benzene", "1-26"), ("71-43-2", "1-26"), ("铬（六价）", "1-3"),
                                        ("Cr(VI)", "1-3"), ("As", "1-1"), ("总砷", "1-1"), ("石油烃(C10-C40)", "2-40"),
                                        ("p,p'-滴滴伊", "2-24"), ("滴滴涕", "2-25")])
def test_item_names(text, key):
    assert g.match_item(text) == key


def test_remediation_target_must_be_below_intervention():
    assert g.check_remediation_target("苯", "39.9", 2) == Fraction("39.9")
    with pytest.raises(ValueError, match="不低于"):
        g.check_remediation_target("苯", "40", 2)


def test_land_class_codes():
    assert g.land_class_for_code("R21") == 1 and g.land_class_for_code("A33") == 1 and g.land_class_for_code("A5") == 1
    assert g.land_class_for_code("M1") == 2 and g.land_class_for_code("A1") == 2 and g.land_class_for_code("G2") == 2
    assert g.land_class_for_code(None) == 1
    with pytest.raises(ValueError, match="G1"):
        g.land_class_for_code("G1")
    with pytest.raises(ValueError, match="land_use_code_map"):
        g.land_class_for_code("0701")
    assert g.land_class_for_code("0701", {"0701": 1}) == 1


def test_bad_land_class_and_inconsistent_sample():
    res, issues = g.classify_rows([dict(sample_id="a", land_use="3", item="苯", value="1", unit="mg/kg"),
                                   dict(sample_id="b", land_use="1", item="苯", value="1", unit="mg/kg"),
                                   dict(sample_id="b", land_use="2", item="Pb", value="1", unit="mg/kg")])
    assert [x.status for x in res] == ["rejected", "rejected"]
    assert g.results_frame(res)["class"].to_list() == ["rejected", "rejected"]
