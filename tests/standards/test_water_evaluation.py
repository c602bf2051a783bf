"""地表水环境质量评价办法 (water.md §2–§6): worked examples W1–W6, limit ties, lakes, properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.standards import gb3838
from qingshan.standards import water_evaluation as we
from qingshan.standards.water_rules import WaterSettings, default_rules
from qingshan.standards.water_statistics import ph_mean

# water.md §10: the common background (all Class Ⅰ)
BG = {"cu": "0.005", "zn": "0.02", "f": "0.4", "se": "0.0004", "as": "0.001", "hg": "0.00002", "cd": "0.0002",
      "cr6": "0.004", "pb": "0.002", "cn": "0.002", "phenol": "0.0008", "petroleum": "0.02", "las": "0.05",
      "sulfide": "0.01"}
W1 = {"ph": "7.6", "do": "6.8", "codmn": "4.8", "cod": "18", "bod5": "3.5", "nh3n": "1.32", "tp": "0.18", **BG}
W2 = {"ph": "7.2", "do": "4.0", "codmn": "9.0", "cod": "42", "bod5": "7", "nh3n": "2.6", "tp": "0.45", **BG}
W3B = {"ph": "7.2", "do": "5.5", "codmn": "5", "cod": "42", "bod5": "4", "nh3n": "2.6", "tp": "0.45", **BG, "hg": "0.0005"}


def _vec(rows: list[dict], **kw) -> pl.DataFrame:
    return we.classify(pl.DataFrame(rows, schema={c: pl.Utf8 for c in rows[0]}), keep_item_classes=True, **kw)


def test_w1_section_iv_ammonia():
    r = we.evaluate_section(W1)
    assert r.item_classes["ph"] == 1 and r.item_classes["do"] == 2 and r.item_classes["codmn"] == 3
    assert r.item_classes["cod"] == 3 and r.item_classes["bod5"] == 3 and r.item_classes["nh3n"] == 4
    assert r.item_classes["tp"] == 3
    assert all(r.item_classes[c] == 1 for c in BG)
    assert (r.class_label, r.status, r.colour) == ("Ⅳ", "轻度污染", "黄色")
    assert r.main_pollutants_label() == "氨氮(0.32)"
    assert r.multiples["nh3n"] == Fraction("0.32")
    v = _vec([W1]).row(0, named=True)
    assert (v["class"], v["class_label"], v["status"]) == (4, "Ⅳ", "轻度污染")
    assert v["main_pollutants"] == ["nh3n"] and v["main_pollutants_label"] == "氨氮(0.32)"
    assert v["n_evaluated"] == 21 and v["partial"] is False and v["limit_tie"] is False


def test_w2_worse_than_v_three_main_pollutants():
    r = we.evaluate_section(W2)
    assert {c: r.item_classes[c] for c in ("do", "codmn", "cod", "bod5", "nh3n", "tp")} == {
        "do": 4, "codmn": 4, "cod": 6, "bod5": 5, "nh3n": 6, "tp": 6}
    assert (r.class_label, r.status, r.colour) == ("劣Ⅴ", "重度污染", "红色")
    assert r.main_pollutants_label() == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"
    assert (r.multiples["nh3n"], r.multiples["tp"], r.multiples["cod"]) == (Fraction("1.6"), Fraction("1.25"), Fraction("1.1"))
    assert _vec([W2])["main_pollutants_label"][0] == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"


def test_w3_heavy_metal_only_candidate():
    values = {"ph": "7.5", "do": "6", "codmn": "5", "nh3n": "0.8", "tp": "0.15", **BG, "pb": "0.06"}
    r = we.evaluate_section(values)
    assert (r.class_label, r.status) == ("Ⅴ", "中度污染")
    assert r.main_pollutants_label() == "铅(0.20)"
    assert _vec([values])["main_pollutants_label"][0] == "铅(0.20)"


def test_w3b_priority_item_before_worse_classes():
    r = we.evaluate_section(W3B)
    assert r.item_classes["hg"] == 4 and r.class_label == "劣Ⅴ"
    assert r.multiples["hg"] == 4
    assert r.main_pollutants_label() == "汞(4.00)、氨氮(1.60)、总磷(1.25)"
    assert _vec([W3B])["main_pollutants_label"][0] == "汞(4.00)、氨氮(1.60)、总磷(1.25)"
    # without the priority rule the class order would win — the result the spec calls wrong
    plain = WaterSettings(priority_set=frozenset())
    assert we.evaluate_section(W3B, settings=plain).main_pollutants_label() == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"
    assert _vec([W3B], settings=plain)["main_pollutants_label"][0] == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"


def test_no_main_pollutants_when_iii_or_better():
    v = dict(W1, nh3n="0.9")
    r = we.evaluate_section(v)
    assert r.class_ == 3 and r.main_pollutants == ()
    assert _vec([v])["main_pollutants"][0].to_list() == []


def test_do_without_multiple_after_items_with_one():
    v = dict(W1, do="2.5", nh3n="1.4")  # DO Ⅴ, NH3-N Ⅳ (multiple 0.40): class first → DO first
    assert we.evaluate_section(v).main_pollutants_label() == "溶解氧、氨氮(0.40)"
    v2 = dict(W1, do="2.5", nh3n="1.9")  # both Ⅴ: the item with a multiple first
    assert we.evaluate_section(v2).main_pollutants_label() == "氨氮(0.90)、溶解氧"
    assert _vec([v, v2])["main_pollutants_label"].to_list() == ["溶解氧、氨氮(0.40)", "氨氮(0.90)、溶解氧"]


def test_priority_set_is_versioned_unconfirmed():
    t = default_rules()["priority_set"]
    assert set(t.data) == {"cn", "pb", "cr6", "hg", "cd", "as"} and t.status == "UNCONFIRMED"


def test_w4_proportion_method():
    a = we.proportion_status([2, 2, 3, 3, 3, 4, 5, 6])
    assert a[:2] == ("轻度污染", "黄色") and a[2] == Fraction(125, 2) and a[3] == Fraction(25, 2)
    b = we.proportion_status([1] * 5 + [2] * 3 + [3] * 3 + [4])
    assert b[0] == "优" and round(float(b[2]), 1) == 91.7
    c = we.proportion_status([2, 3, 4, 6, 6, 5, 6, 4, 3, 6])
    assert c[:2] == ("重度污染", "红色") and (c[2], c[3]) == (30, 40)
    assert we.proportion_status([2, 3, 4, 6, 6, 5, 6, 4, 3, 6], WaterSettings(heavy_pollution_rule="g_lt_60"))[0] == "重度污染"


def test_proportion_thresholds_compared_unrounded():
    # G = 74.99…% (not 75 %): not 良好; exactly 75 %: 良好; exactly 90 %: 优
    assert we.proportion_status([3] * 2999 + [4] * 1001)[0] == "轻度污染"
    assert we.proportion_status([3] * 3 + [4])[0] == "良好"
    assert we.proportion_status([2] * 9 + [4])[0] == "优"
    # D exactly 20 % → 中度污染
    assert we.proportion_status([3, 3, 4, 6, 4])[0] == "中度污染"


def test_w5_river_with_three_sections_uses_means():
    secs = [
        {"ph": "7.4", "do": "6.5", "codmn": "4.0", "cod": "16", "bod5": "2.9", "nh3n": "0.8", "tp": "0.15"},
        {"ph": "7.8", "do": "5.9", "codmn": "5.2", "cod": "19", "bod5": "3.4", "nh3n": "1.4", "tp": "0.22"},
        {"ph": "8.0", "do": "5.1", "codmn": "6.3", "cod": "22", "bod5": "4.1", "nh3n": "2.3", "tp": "0.35"},
    ]
    assert [we.evaluate_section(s).class_label for s in secs] == ["Ⅲ", "Ⅳ", "劣Ⅴ"]
    inputs = [
        we.SectionMeans(f"S{i}", {c: Fraction(v) for c, v in s.items() if c != "ph"}, ph=Decimal(s["ph"]))
        for i, s in enumerate(secs, start=1)
    ]
    r = we.evaluate_river(inputs)
    assert r.method == "mean" and r.class_label == "Ⅳ" and r.status == "轻度污染"
    assert r.values["do"] == Fraction("5.8") and r.values["nh3n"] == Fraction("1.5") and r.values["tp"] == Fraction("0.24")
    assert r.values["cod"] == 19 and r.values["bod5"] == Fraction("3.5") and r.values["codmn"] == Fraction("5.2")
    assert str(Decimal(r.values["ph"].numerator) / Decimal(r.values["ph"].denominator)).startswith("7.6598")
    # fewer than 5 sections: main indicators per section, not from the means
    assert r.section_main_pollutants["S3"][:2] == ("nh3n", "tp")
    assert r.main_indicators == ()


def test_w6_river_main_indicators_by_exceedance_rate():
    classes = [{} for _ in range(8)]
    for i in range(3):
        classes[i]["nh3n"] = 4
    for i in (3, 4):
        classes[i]["tp"] = 4
    for i in (5, 6):
        classes[i]["cod"] = 5
    classes[7]["codmn"] = 4
    got = we.river_main_indicators(classes, "轻度污染")
    assert got == [("nh3n", Fraction(75, 2)), ("cod", 25), ("tp", 25)]
    assert we.river_main_indicators(classes, "良好") == []  # status gate
    assert len(we.river_main_indicators(classes, "良好", WaterSettings(river_main_indicator_gate="none"))) == 3


def test_evaluate_river_with_five_or_more_sections():
    secs = []
    for k, nh in enumerate(["0.4", "0.8", "1.2", "1.4", "2.5", "0.3"]):
        secs.append(we.SectionMeans(f"S{k}", {"do": Fraction(6), "nh3n": Fraction(nh)}, ph=Decimal("7.5")))
    r = we.evaluate_river(secs)
    assert r.method == "proportion" and r.n_sections == 6
    assert r.g_share == Fraction(100 * 3, 6) and r.d_share == Fraction(100, 6)
    assert r.status == "轻度污染" and r.main_indicators == (("nh3n", Fraction(100 * 3, 6)),)


def test_lake_tp_column_tn_apart_and_trophic():
    v = {"ph": "8.1", "do": "8", "codmn": "3.5", "nh3n": "0.3", "tp": "0.06", "tn": "1.6"}
    river = we.evaluate_section(v, "river")
    lake = we.evaluate_section(v, "lake")
    assert river.class_label == "Ⅱ" and river.tn_class is None
    assert lake.class_label == "Ⅳ" and lake.tn_class == 5 and lake.main_pollutants_label() == "总磷(0.20)"
    got = we.classify(pl.DataFrame([v, v]).with_columns(water_body=pl.Series(["river", "reservoir"])),
                      water_body="water_body")
    assert got["class_label"].to_list() == ["Ⅱ", "Ⅳ"]
    assert got["tn_class"].to_list() == [None, 5]


def test_faecal_coliform_reported_apart():
    v = dict(W1, nh3n="0.9", fc="25000")
    r = we.evaluate_section(v)
    assert r.class_ == 3 and r.fc_class == 5
    assert _vec([v])["fc_class"][0] == 5 and _vec([v])["class"][0] == 3


def test_evaluate_lake_several_points():
    pts = [we.SectionMeans("P1", {"do": Fraction(4), "tp": Fraction("0.04"), "tn": Fraction("0.9")}, ph=Decimal("8.2")),
           we.SectionMeans("P2", {"do": Fraction(8), "tp": Fraction("0.07"), "tn": Fraction("1.3")}, ph=Decimal("8.4"))]
    r = we.evaluate_lake(pts, "lake")
    assert r.values["do"] == 6 and r.values["tp"] == Fraction("0.055") and r.values["tn"] == Fraction("1.10")
    assert r.section.class_label == "Ⅳ" and r.tn_class == 4


def test_partial_when_items_missing():
    r = we.evaluate_section({"ph": "7", "do": "7"})
    assert r.partial and r.items_evaluated == ("ph", "do")
    assert not we.evaluate_section({"ph": "7"}, settings=WaterSettings(require_all_items=False)).partial
    out = _vec([{"ph": "7", "do": "7", "nh3n": None}])
    assert out["items_evaluated"][0].to_list() == ["ph", "do"] and out["partial"][0]


def test_no_data_gives_no_class():
    out = we.classify(pl.DataFrame({"ph": [None], "do": [None]}, schema={"ph": pl.Utf8, "do": pl.Utf8}))
    assert out["class"][0] is None and out["class_label"][0] is None and out["limit_tie"][0] is False
    assert out["main_pollutants"][0].to_list() == []


def test_limit_ties():
    # TP 0.100 decides Ⅱ (all else Ⅰ): the true value may be above → Ⅲ
    r = we.evaluate_section({"ph": "7.44", "do": "7.75", "codmn": "1.67", "nh3n": "0.017", "tp": "0.100"})
    assert r.class_ == 2 and r.limit_tie
    # the same TP under a Ⅲ section: no effect on the class → no tie
    assert not we.evaluate_section({"do": "5.78", "tp": "0.100"}).limit_tie
    # COD 15 is Ⅰ, a hair above is Ⅲ: a tie for a Ⅱ section even though COD does not decide it
    assert we.evaluate_section({"cod": "15", "codmn": "3"}).limit_tie
    # DO exactly on 5, pH on 9
    assert we.evaluate_section({"do": "5", "nh3n": "0.5"}).limit_tie
    assert we.evaluate_section({"ph": "9.00", "do": "8"}).limit_tie
    assert not we.evaluate_section({"ph": "9.00", "do": "1"}).limit_tie  # already 劣Ⅴ
    rows = [{"ph": "7.44", "do": "7.75", "codmn": "1.67", "nh3n": "0.017", "tp": "0.100"},
            {"ph": "7.51", "do": "5.78", "codmn": None, "nh3n": None, "tp": "0.100"}]
    assert _vec(rows)["limit_tie"].to_list() == [True, False]


def test_water_body_column_must_be_known():
    with pytest.raises(ValueError, match="未知的水体类型"):
        we.classify(pl.DataFrame({"tp": ["0.1"], "wb": ["sea"]}), water_body="wb")


def test_river_trend_and_section_trend():
    assert we.river_trend(Fraction(50), Fraction(20), Fraction(70), Fraction(10)) == ("明显变化", 1)
    assert we.river_trend(Fraction(50), Fraction(20), Fraction(55), Fraction(20)) == ("无明显变化", 0)
    assert we.river_trend(Fraction(50), Fraction(10), Fraction(40), Fraction(15)) == ("有所变化", -1)
    assert we.section_trend("良好", "优") == ("有所变化", 1)
    assert we.section_trend("良好", "重度污染") == ("明显变化", -1)


def test_ph_mean_used_at_river_level():
    r = we.evaluate_river([we.SectionMeans("A", {}, ph=Decimal("5.6")), we.SectionMeans("B", {}, ph=Decimal("6.4"))])
    assert r.class_label == "劣Ⅴ"  # [H⁺] mean 5.837… (water.md §8)
    assert ph_mean(["5.6", "6.4"]) < 6


_decimal = st.decimals(min_value=0, max_value=3, places=3, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({c: st.one_of(st.none(), _decimal) for c in ("do", "codmn", "nh3n", "tp", "cod", "hg", "pb", "cn")}),
       st.one_of(st.none(), st.decimals(min_value=4, max_value=10, places=2, allow_nan=False)),
       st.sampled_from(["river", "lake"]))
def test_vectorised_classify_equals_scalar_reference(values, ph, water_body):
    """Property: the polars engine gives the exact scalar evaluation on random inputs."""
    row = {c: (None if v is None else f"{v:f}") for c, v in values.items()}
    row["ph"] = None if ph is None else f"{ph:f}"
    ref = we.evaluate_section({k: v for k, v in row.items() if v is not None}, water_body)
    got = we.classify(pl.DataFrame([row], schema={c: pl.Utf8 for c in row}), water_body=water_body).row(0, named=True)
    assert got["class"] == ref.class_
    assert got["limit_tie"] == ref.limit_tie
    assert tuple(got["main_pollutants"]) == ref.main_pollutants
    assert got["main_pollutants_label"] == ref.main_pollutants_label()
    assert tuple(got["items_evaluated"]) == ref.items_evaluated


def test_float_input_is_its_decimal_text():
    """water.md §8: a float stands for its shortest decimal text (0.1 is 0.1, not the binary value
    above it; 0.30000000000000004 is above the Ⅳ limit 0.3)."""
    out = we.classify(pl.DataFrame({"tp": [0.1, 0.30000000000000004], "do": [7.5, 6.0]}))
    assert out["class"].to_list() == [2, 5]
    assert out["limit_tie"].to_list() == [True, False]


def test_huge_values_take_the_exact_fallback_path():
    """A value above ~150,000 × its Class Ⅲ limit does not fit the packed sort key; the
    long-form path must give the same exact answer; beyond Int64 headroom the frame is refused."""
    v = dict(W2, cod="9000000", nh3n="200000")
    ref = we.evaluate_section(v)
    got = _vec([v, W2])
    assert got["main_pollutants_label"].to_list() == [ref.main_pollutants_label(), "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"]
    assert ref.main_pollutants == ("cod", "nh3n", "tp")  # 449,999× and 199,999×
    with pytest.raises(ValueError, match="数值过大"):
        _vec([dict(W2, hg="100000")])


def test_many_rows_fast_path_equals_scalar_reference():
    """Many rows at once (the partition of the packed keys, the gathered code lists, the label
    scatter): every row equals the scalar reference of water.md §4 and §9."""
    import random

    from qingshan import exact
    from qingshan.standards import cwqi as C

    rng = random.Random(3838)
    items = list(gb3838.EVALUATED_ITEMS)
    rows = []
    for _ in range(600):
        row = {}
        for c in items:
            lim = gb3838.ITEM[c].limits
            if c == "ph":
                row[c] = f"{rng.uniform(5.5, 9.5):.2f}"
            elif c == "do":
                row[c] = f"{rng.uniform(1.0, 9.0):.1f}"
            else:
                row[c] = f"{float(lim[2]) * rng.choice([0.3, 0.9, 1.0, 1.4, 2.5, 6.0]):.6f}".rstrip("0").rstrip(".")
        rows.append(row)
    lake = [rng.random() < 0.3 for _ in rows]
    frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in items}).with_columns(
        wb=pl.Series(["lake" if x else "river" for x in lake]))
    got = we.classify(frame, water_body="wb", cwqi=True).to_dicts()
    for row, is_lake, g in zip(rows, lake, got, strict=True):
        wb = "lake" if is_lake else "river"
        ref = we.evaluate_section(row, wb)
        assert (g["class"], tuple(g["main_pollutants"]), g["main_pollutants_label"]) == (
            ref.class_, ref.main_pollutants, ref.main_pollutants_label()), row
        assert exact.to_fraction(g["cwqi"]) == C.section_index({c: Fraction(v) for c, v in row.items()}, wb)


def test_absurd_ph_is_refused_not_wrapped():
    """A pH of millions (a unit or typing error) would overflow the Int64 CWQI sum: refused."""
    with pytest.raises(ValueError, match="数值过大"):
        _vec([dict(W2, ph="3000000")])
