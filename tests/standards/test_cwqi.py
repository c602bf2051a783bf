"""City water-quality index (water.md §9, worked example W7) and the trophic index (§7, W8)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards import cwqi
from qingshan.standards import water_trophic as tli
from qingshan.standards.water_evaluation import classify
from qingshan.standards.water_statistics import evaluation_value

BG = {"cu": "0.005", "zn": "0.02", "f": "0.4", "se": "0.0004", "as": "0.001", "hg": "0.00002", "cd": "0.0002",
      "cr6": "0.004", "pb": "0.002", "cn": "0.002", "phenol": "0.0008", "petroleum": "0.02", "las": "0.05",
      "sulfide": "0.01"}
S1 = {"ph": "7.6", "do": "6.8", "codmn": "4.8", "cod": "18", "bod5": "3.5", "nh3n": "1.32", "tp": "0.18", **BG}
S2 = {"ph": "7.2", "do": "4.0", "codmn": "9.0", "cod": "42", "bod5": "7", "nh3n": "2.6", "tp": "0.45", **BG}
S4 = {"ph": "8.1", "do": "7.9", "codmn": "2.9", "cod": "11", "bod5": "1.8", "nh3n": "0.21", "tp": "0.06", **BG}

# water.md W7, the single-item indices of S1 as the spec lists them
W7_S1 = {"ph": "0.3", "do": Fraction(5, Fraction("6.8")), "codmn": "0.8", "cod": "0.9", "bod5": "0.875",
         "nh3n": "1.32", "tp": "0.9", "cu": "0.005", "zn": "0.02", "f": "0.4", "se": "0.04", "as": "0.02",
         "hg": "0.2", "cd": "0.04", "cr6": "0.08", "pb": "0.04", "cn": "0.01", "phenol": "0.16", "petroleum": "0.4",
         "las": "0.25", "sulfide": "0.05"}


def test_w7_single_indices_of_s1():
    got = cwqi.single_indices(S1)
    assert got == {k: Fraction(v) for k, v in W7_S1.items()}


def test_w7_section_city_and_change():
    s1, s2, s4 = cwqi.section_index(S1), cwqi.section_index(S2), cwqi.section_index(S4)
    assert exact.fraction_to_str(s1, 4) == "7.5453" and str(float(s1)).startswith("7.545294")
    assert exact.fraction_to_str(s2, 4) == "13.2650"
    assert exact.fraction_to_str(s4, 4) == "4.8912" and str(float(s4)).startswith("4.891244")
    seven = sum(cwqi.single_indices({k: S2[k] for k in ("ph", "do", "codmn", "cod", "bod5", "nh3n", "tp")}).values())
    assert seven == Fraction("11.55") and s2 - seven == Fraction("1.715")
    city = cwqi.city_index([s1, s2, s4], [])
    assert exact.fraction_to_str(city.value, 4) == "8.5672" and (city.n_river, city.m_lake) == (3, 0)
    d = cwqi.change(city.value, Fraction("9.2000"))
    assert exact.fraction_to_str(d, 2) == "-6.88" and str(float(d)).startswith("-6.87848")


def test_w7_rounded_ph_is_the_wrong_answer():
    """water.md W7 check: feeding the 0-decimal pH gives 7.7453, 13.1650, 4.8412, 8.5838, −6.70 %."""
    wrong = [cwqi.section_index(dict(s, ph=str(evaluation_value("ph", Fraction(s["ph"]))))) for s in (S1, S2, S4)]
    assert [exact.fraction_to_str(x, 4) for x in wrong] == ["7.7453", "13.1650", "4.8412"]
    city = cwqi.city_index(wrong, []).value
    assert exact.fraction_to_str(city, 4) == "8.5838"
    assert exact.fraction_to_str(cwqi.change(city, Fraction("9.2")), 2) == "-6.70"


def test_vectorised_section_index_is_exact():
    frame = pl.DataFrame([S1, S2, S4])
    out = classify(frame, cwqi=True)
    got = [exact.to_fraction(v) for v in out["cwqi"].to_list()]
    assert got == [cwqi.section_index(S1), cwqi.section_index(S2), cwqi.section_index(S4)]
    lake = classify(frame, cwqi=True, water_body="lake")
    assert exact.to_fraction(lake["cwqi"][0]) == cwqi.section_index(S1, "lake")
    assert cwqi.section_index(S1, "lake") - cwqi.section_index(S1) == Fraction("0.18") / Fraction("0.05") - Fraction("0.9")


def test_missing_item_means_no_section_index():
    partial = {k: v for k, v in S1.items() if k != "petroleum"}
    with pytest.raises(ValueError, match="石油类"):
        cwqi.section_index(partial)
    out = classify(pl.DataFrame([partial]), cwqi=True)
    assert out["cwqi"][0] is None and out["cwqi_missing"][0] == 1


def test_do_per_point_versus_per_lake():
    """water.md §9: DO 4 and 8 at two points of one lake: 0.9375 per point, 0.8333… per lake."""
    per_point = (cwqi.single_index("do", "4") + cwqi.single_index("do", "8")) / 2
    per_lake = cwqi.single_index("do", (Fraction(4) + Fraction(8)) / 2)
    assert per_point == Fraction("0.9375") and per_lake == Fraction(5, 6)


def test_ph_index_both_sides():
    assert cwqi.single_index("ph", "6") == 1 and cwqi.single_index("ph", "9") == 1
    assert cwqi.single_index("ph", "7") == 0 and cwqi.single_index("ph", "8.1") == Fraction("0.55")


def test_rank_shares_equal_values():
    r = cwqi.rank({"a": Fraction(5), "b": Fraction(3), "c": Fraction(5), "d": Fraction(7), "e": None})
    assert r == {"b": 1, "a": 2, "c": 2, "d": 4, "e": None}


def test_change_ranking_exclusion_rule():
    cur = {"A": Fraction(4), "B": Fraction(6), "C": Fraction(5), "D": None}
    base = {"A": Fraction(5), "B": Fraction(5), "C": Fraction(6), "D": Fraction(5)}
    rows = {r.unit: r for r in cwqi.change_ranking(
        cur, base, all_class_ii_or_better={"A": True, "C": True}, met_targets={"A": True, "C": False})}
    assert rows["A"].excluded and rows["A"].rank is None and rows["A"].delta == -20
    assert rows["C"].rank == 1 and rows["B"].rank == 2 and rows["B"].delta == 20
    assert rows["D"].rank is None and not rows["D"].excluded


def test_w8_trophic_state():
    a = tli.tli({"chla": "10", "tp": "0.05", "tn": "0.8", "sd": "1.2", "codmn": "4"})
    assert {k: f"{v.quantize(Decimal('0.01'))}" for k, v in a.indices.items()} == {
        "chla": "50.01", "tp": "45.71", "tn": "50.75", "sd": "47.64", "codmn": "37.98"}
    assert a.published() == "46.69" and a.state == "中营养" and a.value.quantize(Decimal("0.000001")) == Decimal("46.692582")
    b = tli.tli({"chla": "35", "tp": "0.12", "tn": "1.9", "sd": "0.5", "codmn": "6.5"})
    assert {k: f"{v.quantize(Decimal('0.01'))}" for k, v in b.indices.items()} == {
        "chla": "63.61", "tp": "59.93", "tn": "65.40", "sd": "64.63", "codmn": "50.90"}
    assert b.published() == "61.09" and b.state == "中度富营养" and b.value.quantize(Decimal("0.000001")) == Decimal("61.094349")
    assert a.table_status == "UNCONFIRMED"


def test_trophic_weights_and_display_weights():
    w = tli.weights()
    assert sum(w.values()) == 1
    assert w["chla"] == Fraction(1) / Fraction("3.7558")
    assert [round(float(w[k]), 4) for k in tli.PARAMETERS] == [0.2663, 0.1879, 0.1790, 0.1834, 0.1834]
    # with the 4-decimal display weights Lake A would be 46.692759… (water.md §7): not what we compute
    a = tli.tli({"chla": "10", "tp": "0.05", "tn": "0.8", "sd": "1.2", "codmn": "4"})
    disp = {"chla": "0.2663", "tp": "0.1879", "tn": "0.1790", "sd": "0.1834", "codmn": "0.1834"}
    shown = sum(Decimal(disp[k]) * a.indices[k] for k in tli.PARAMETERS)
    assert shown.quantize(Decimal("0.000001")) == Decimal("46.692759")


def test_trophic_thresholds_unrounded_and_partial():
    assert tli.state(Fraction("50.004")) == "轻度富营养"  # published 50.00, compared unrounded
    assert tli.state(Fraction(50)) == "中营养" and tli.state(Fraction("29.99")) == "贫营养"
    assert tli.state(Fraction(70)) == "中度富营养" and tli.state(Fraction("70.01")) == "重度富营养"
    p = tli.tli({"chla": "10", "tp": "0.05"})
    assert p.partial and sum(p.weights.values()) == 1
