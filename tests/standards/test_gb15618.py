"""GB 15618—2018 (soil-waste.md §2; worked example E1; tables row by row against the spec)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.standards import gb15618 as g
from qingshan.standards.soil_values import parse_reading
from soil_spec import clean, section, spec_text, table_rows

LU_SPEC = {"水田 paddy": "paddy", "水田": "paddy", "其他 other": "other", "其他": "other", "果园 orchard": "orchard",
           "all": "all"}


def r(value, unit="mg/kg"):
    return parse_reading(value, unit)


# --- the tables against the spec, row by row --------------------------------------------------


def test_table1_matches_spec_row_by_row(shared_dir):
    rows = table_rows(section(spec_text(shared_dir), "### 2.2 Table 1"))
    assert len(rows) == 14
    packaged = {(x["item"], x["land_use"]): x for x in g.TABLE.rows.filter(g.TABLE.rows["table"] == "1").iter_rows(named=True)}
    assert len(packaged) == 14
    for item_cell, lu_cell, *bands in rows:
        symbol = item_cell.split()[1]
        row = packaged[(symbol, LU_SPEC[lu_cell])]
        assert [Fraction(clean(b)) for b in bands] == [Fraction(row[b]) for b in ("b1", "b2", "b3", "b4")], item_cell


def test_table2_matches_spec(shared_dir):
    rows = table_rows(section(spec_text(shared_dir), "### 2.3 Table 2"))
    assert [(x[0], x[1]) for x in rows] == [("六六六总量 total HCH", "0.10"), ("滴滴涕总量 total DDT", "0.10"),
                                          ("苯并[a]芘 benzo[a]pyrene", "0.55")]
    for (_name, value, _d), item in zip(rows, ("HCH", "DDT", "BaP"), strict=True):
        for band in g.BANDS:
            assert g.screening_value(item, "paddy", band) == Fraction(value)


def test_table3_matches_spec_row_by_row(shared_dir):
    rows = table_rows(section(spec_text(shared_dir), "### 2.4 Table 3"))
    assert len(rows) == 5
    for item_cell, *bands in rows:
        symbol = item_cell.split()[1]
        assert [g.intervention_value(symbol, b) for b in g.BANDS] == [Fraction(clean(v)) for v in bands]


def test_screening_never_above_intervention():
    for item in ("Cd", "Hg", "As", "Pb", "Cr"):
        for lu in g.LAND_USES:
            for band in g.BANDS:
                assert g.screening_value(item, lu, band) <= g.intervention_value(item, band)


def test_spot_values_typed_from_the_standard():
    assert g.screening_value("Cd", "paddy", "B3") == Fraction("0.6")
    assert g.screening_value("Cu", "orchard", "B4") == 200
    assert g.screening_value("Cu", "paddy", "B1") == 50  # paddy Cu has no 水田 row: 其他
    assert g.screening_value("Cd", "paddy_dry_rotation", "B4") == Fraction("0.6")  # min(0.8, 0.6)
    assert g.screening_value("Pb", "paddy_dry_rotation", "B2") == 90  # min(100, 90)
    assert g.intervention_value("Cu", "B1") is None


# --- pH bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ph, band", [("5.5", "B1"), ("5.51", "B2"), ("6.5", "B2"), ("6.8", "B3"), ("7.5", "B3"),
                                      ("7.50001", "B4"), ("0", "B1"), ("14", "B4")])
def test_ph_bands(ph, band):
    assert g.ph_band(ph) == band


# --- E1 ------------------------------------------------------------------------------------------


def test_e1_paddy_ph_6_8():
    s = g.classify_sample("E1", "paddy", "6.8", {"Cd": r("0.45"), "As": r("28")})
    assert s.band == "B3"
    cd, as_ = s.items
    assert (cd.item, cd.screening, cd.intervention, cd.item_class) == ("Cd", Fraction("0.6"), Fraction("3.0"), 1)
    assert cd.index == Fraction(3, 4)
    assert (as_.screening, as_.intervention, as_.item_class) == (25, 120, 2)
    assert as_.index == Fraction(28, 25) and as_.multiple == Fraction(3, 25)
    assert s.sample_class == 2 and s.class_zh == "安全利用类" and s.deciding_items == ("As",)
    items = g.items_frame([s]).to_dicts()
    assert [(x["item"], x["index"], x["multiple"]) for x in items] == [("Cd", "0.75", ""), ("As", "1.12", "0.12")]


def test_e1_dry_land():
    s = g.classify_sample("E1", "other", "6.8", {"Cd": r("0.45"), "As": r("28")})
    cd, as_ = s.items
    assert cd.screening == Fraction("0.3") and cd.item_class == 2
    assert cd.index == Fraction(3, 2) and cd.multiple == Fraction(1, 2)
    assert as_.screening == 30 and as_.item_class == 1 and as_.index == Fraction(28, 30)
    assert s.sample_class == 2 and s.deciding_items == ("Cd",)


def test_e1_paddy_dry_rotation():
    s = g.classify_sample("E1", "paddy_dry_rotation", "6.8", {"Cd": r("0.45"), "As": r("28")})
    assert [i.item_class for i in s.items] == [2, 2]
    assert s.sample_class == 2 and s.deciding_items == ("Cd", "As")


def test_e1_ph_exactly_6_5_moves_the_deciding_item():
    s = g.classify_sample("E1", "paddy", "6.5", {"Cd": r("0.45"), "As": r("28")})
    cd, as_ = s.items
    assert s.band == "B2" and cd.screening == Fraction("0.4") and cd.item_class == 2
    assert cd.index == Fraction(9, 8) and g.items_frame([s])["index"][0] == "1.12"  # 1.125 half-even
    assert as_.screening == 30 and as_.item_class == 1
    assert s.deciding_items == ("Cd",)


def test_e1_strict():
    s = g.classify_sample("S", "paddy", "5.2", {"Cd": r("1.62")})
    cd = s.items[0]
    assert (cd.screening, cd.intervention) == (Fraction("0.3"), Fraction("1.5"))
    assert s.sample_class == 3 and s.class_zh == "严格管控类"
    assert cd.multiple == Fraction(22, 5) and g.items_frame([s])["multiple"][0] == "4.40"


# --- §1 and §2.5 rules ---------------------------------------------------------------------------


def test_equal_to_limit_satisfies_it():
    assert g.classify_sample("x", "paddy", "6.8", {"Cd": r("0.6")}).sample_class == 1
    assert g.classify_sample("x", "paddy", "6.8", {"Cd": r("3.0")}).sample_class == 2
    assert g.classify_sample("x", "paddy", "6.8", {"Cd": r("3.0000001")}).sample_class == 3


def test_microgram_units_are_converted_exactly():
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("600", "µg/kg")})
    assert s.items[0].content == Fraction("0.6") and s.sample_class == 1
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("600.001", "ug/kg")})
    assert s.items[0].content == Fraction("0.600001") and s.sample_class == 2


def test_unit_case_is_normalised_with_a_note_and_other_units_are_bad():
    rd = r("0.45", "MG/KG")
    assert rd.value == Fraction("0.45") and rd.unit_note and "MG/KG" in rd.unit_note
    assert r("0.45", "mg/kg").unit_note is None
    assert r("0.45", "μg/kg").value == Fraction("0.00045")  # Greek mu
    for bad in ("g/kg", "%", "mg/kg鲜重", "mg/L", ""):
        assert r("0.45", bad).problem == "bad_unit"


def test_non_detect_forms_and_policy():
    for text in ("<0.01", "0.01L", "ND(0.01)", "未检出（0.01）", "ND (0.01)"):
        rd = r(text)
        assert not rd.detected and rd.dl == Fraction("0.01"), text
    assert r("ND").problem == "nd_without_limit" and r("未检出").problem == "nd_without_limit"
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("<0.5"), "Hg": r("<0.7")})
    cd, hg = s.items
    assert cd.item_class == 1 and cd.index is None  # DL 0.5 ≤ S 0.6
    assert hg.item_class is None and hg.problem == "nd_above_screening"  # DL 0.7 > S 0.6
    assert s.status == "incomplete" and s.sample_class == 1 and ("Hg", "nd_above_screening") in s.undetermined


def test_negative_and_text_values_are_bad():
    assert r("-0.1").problem == "bad_value"
    assert r("abc").problem == "bad_value"
    assert r("1/2").problem == "bad_value"
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("-0.1")})
    assert s.sample_class is None and s.status == "undetermined"


def test_class_3_stands_with_undetermined_items():
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("3.5"), "As": r("x")})
    assert s.sample_class == 3 and s.status == "incomplete"


def test_items_without_intervention_value_policy():
    vals = {"Zn": r("300"), "Cd": r("0.1")}  # Zn B3 S 250, no G
    flag = g.classify_sample("x", "other", "7.0", vals)
    assert flag.sample_class == 1 and flag.flagged == ("Zn",)
    safe = g.classify_sample("x", "other", "7.0", vals, settings=g.Settings(no_intervention_item_policy="safe_use"))
    assert safe.sample_class == 2 and safe.deciding_items == ("Zn",)


def test_missing_ph_undetermined_policy():
    # Cd 0.2 is class 1 in every band (spec §1 example)
    s = g.classify_sample("x", "paddy", None, {"Cd": r("0.2")})
    assert s.sample_class == 1 and s.status == "ok"
    s = g.classify_sample("x", "paddy", None, {"Cd": r("0.5")})  # class 2 in B1/B2, 1 in B3/B4
    assert s.sample_class is None and s.undetermined == (("Cd", "ph_missing"),)
    s = g.classify_sample("x", "other", None, {"Zn": r("220")})  # flag_only: flagged if any band flags
    assert s.flagged == ("Zn",) and s.sample_class == 1


def test_missing_ph_strictest_policy():
    s = g.classify_sample("x", "paddy", None, {"Cd": r("0.5")}, settings=g.Settings(missing_ph_policy="strictest"))
    cd = s.items[0]
    assert (cd.screening, cd.intervention, s.sample_class) == (Fraction("0.3"), Fraction("1.5"), 2)


def test_sums_of_congeners():
    hch = {"α-HCH": r("0.02"), "β-HCH": r("<0.01"), "γ-HCH": r("0.03"), "δ-HCH": r("0.06")}
    s = g.classify_sample("x", "other", "7.0", hch)
    total = s.items[0]
    assert total.item == "HCH" and total.content == Fraction("0.11") and total.flagged
    all_nd = {k: r("<0.01") for k in hch} | {"γ-HCH": r("<0.02")}
    t = g.classify_sample("x", "other", "7.0", all_nd).items[0]
    assert not t.detected and t.dl == Fraction("0.02") and t.item_class == 1
    partial = {"α-HCH": r("0.02")}
    assert g.classify_sample("x", "other", "7.0", partial).undetermined == (("六六六总量", "incomplete_sum"),)
    reported = {"HCH": r("0.05"), "α-HCH": r("0.2")}  # a reported total is used as given
    assert g.classify_sample("x", "other", "7.0", reported).items[0].content == Fraction("0.05")


@pytest.mark.parametrize("text", ["镉", "Cd", "cd", "CD", "总镉", "镉(Cd)", "镉（Cd）", " 镉 ", "总 镉"])
def test_item_names(text):
    assert g.match_item(text) == "Cd"


def test_item_names_congeners_and_unknown():
    assert g.match_item("p,p′-滴滴伊") == "p,p'-DDE"
    assert g.match_item("α-六六六") == "α-HCH"
    assert g.match_item("苯并[a]芘") == "BaP"
    assert g.match_item("铬") == "Cr"
    assert g.match_item("钴") is None and g.match_item("Sb") is None


# --- the long table ------------------------------------------------------------------------------


def rows(*specs):
    return [dict(zip(("sample_id", "land_use", "ph", "item", "value", "unit"), s)) | {"row": i + 2}
            for i, s in enumerate(specs)]


def test_long_table_e1_and_errors():
    res, issues = g.classify_rows(rows(
        ("P1", "paddy", "6.8", "镉", "0.45", "mg/kg"),
        ("P1", "paddy", "6.8", "As", "28000", "µg/kg"),
        ("P2", "paddy", "6.8", "Cd", "0.45", "mg/kg"),
        ("P2", "other", "6.8", "As", "28", "mg/kg"),  # land use differs → rejected
        ("P3", "paddy", "15", "Cd", "0.2", "mg/kg"),  # pH out of range → missing
        ("P4", "paddy", "6.8", "钴", "10", "mg/kg"),  # no GB 15618 value
        ("P4", "paddy", "6.8", "Cd", "0.1", "MG/KG"),
        ("P5", "paddy", "6.8", "Cd", "0.1", "mg/kg"),
        ("P5", "paddy", "6.8", "镉", "0.2", "mg/kg"),  # duplicate item
    ))
    by = {x.sample_id: x for x in res}
    assert by["P1"].sample_class == 2 and by["P1"].deciding_items == ("As",)
    assert by["P2"].status == "rejected" and "用地类型不一致" in by["P2"].reject_reason
    assert by["P3"].ph is None and by["P3"].sample_class == 1
    assert by["P4"].no_limit_items == ("钴",) and by["P4"].sample_class == 1
    assert by["P5"].sample_class is None and by["P5"].undetermined == (("Cd", "duplicate_item"),)
    codes = {(i.row, i.code) for i in issues}
    assert {(6, "ph_missing"), (7, "no_limit"), (8, "unit_spelling"), (10, "duplicate_item")} <= codes
    assert any(i.code == "inconsistent_sample" and i.sample_id == "P2" for i in issues)
    frame = g.results_frame(res)
    assert frame.columns[:3] == ["sample_id", "class", "deciding_items"]
    assert frame["class"].to_list() == ["2", "rejected", "1", "1", "undetermined"]


def test_unknown_land_use_rejects_the_sample():
    res, _ = g.classify_rows(rows(("P", "vegetable", "6.8", "Cd", "0.1", "mg/kg")))
    assert res[0].status == "rejected" and "未知" in res[0].reject_reason


def test_results_carry_table_version():
    s = g.classify_sample("x", "paddy", "6.8", {"Cd": r("0.1")})
    assert (s.table_version, s.table_status) == ("GB 15618—2018", "confirmed")


def _dec(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000), st.sampled_from(g.LAND_USES), st.integers(0, 140))
def test_more_cadmium_never_lowers_the_class(a, b, lu, ph10):
    lo, hi = sorted((a, b))
    ph = Fraction(ph10, 10)
    s_lo = g.classify_sample("x", lu, ph, {"Cd": r(_dec(lo))}).sample_class
    s_hi = g.classify_sample("x", lu, ph, {"Cd": r(_dec(hi))}).sample_class
    assert s_lo <= s_hi
