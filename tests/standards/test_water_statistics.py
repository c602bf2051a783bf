"""Surface-water data statistics (water.md §3, §8): exact means, one rounding, pH mean, non-detects,
the flag policy, the decimals table."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan import exact
from qingshan.standards import gb3838
from qingshan.standards import water_statistics as ws
from qingshan.standards.water_rules import WaterSettings, default_rules
from qingshan.standards.water_values import NANO, nano_of_text

# water.md §8 decimals table, typed in from the spec
SPEC_DECIMALS = {
    "wt": 1, "ph": 0, "do": 1, "codmn": 1, "cod": 1, "bod5": 1, "nh3n": 2, "tp": 3, "tn": 2, "cu": 3, "zn": 3,
    "f": 3, "se": 4, "as": 4, "hg": 5, "cd": 5, "cr6": 3, "pb": 3, "cn": 3, "phenol": 4, "petroleum": 2, "las": 2,
    "sulfide": 3, "fc": 0,
}


def test_decimals_table_row_by_row_and_versioned():
    rules = default_rules()
    assert dict(rules.decimals) == SPEC_DECIMALS
    t = rules["decimals"]
    assert t.status == "UNCONFIRMED" and t.version and t.source


def _long(section_values: dict[str, list[str]], **extra) -> pl.DataFrame:
    rows = []
    for item, texts in section_values.items():
        for k, t in enumerate(texts):
            rows.append({"section": "S", "time": datetime(2026, 3, 1 + k), "item": item, "value_nano": nano_of_text(t),
                         "nd": False, "dl_nano": None, "flag": None, "source": "lab", **extra})
    return pl.DataFrame(rows, schema={"section": pl.Utf8, "time": pl.Datetime("us"), **ws.LONG_SCHEMA})


def _eval(long: pl.DataFrame, s: WaterSettings = WaterSettings()) -> dict[str, dict]:
    m = ws.period_means(long, ["section"], settings=s)
    return {r["item"]: r for r in m.to_dicts()}


def test_codmn_37_44_rounds_to_40_class_ii():
    """water.md §8: exact mean 4.05 → 4.0 (Class Ⅱ); the float mean 4.050000000000001 → 4.1 is wrong."""
    assert (3.7 + 4.4) / 2 == 4.050000000000001  # the trap the spec describes
    assert ws.evaluation_value("codmn", (Fraction("3.7") + Fraction("4.4")) / 2) == Fraction("4.0")
    r = _eval(_long({"codmn": ["3.7", "4.4"]}))["codmn"]
    assert r["published"] == "4.0"
    assert r["value_nano"] == 4 * NANO
    assert gb3838.item_class("codmn", Fraction(r["value_nano"], NANO)) == 2


def test_codmn_59_62_rounds_to_60_class_iii():
    r = _eval(_long({"codmn": ["5.9", "6.2"]}))["codmn"]
    assert r["published"] == "6.0"
    assert gb3838.item_class("codmn", Fraction(r["value_nano"], NANO)) == 3
    assert exact.to_fraction(r["mean"]) == Fraction("6.05")


def test_ph_hydrogen_ion_mean_example():
    """water.md §8: pH 5.6 and 6.4 → arithmetic 6.0 (Class Ⅰ), [H⁺] mean 5.837… (劣Ⅴ), published 6."""
    h = ws.ph_mean(["5.6", "6.4"])
    assert str(h).startswith("5.837")
    assert ws.ph_mean(["5.6", "6.4"], "arithmetic") == Decimal(6)
    r = _eval(_long({"ph": ["5.6", "6.4"]}))["ph"]
    assert r["published"] == "6"  # the rounded pH may read 6 …
    assert gb3838.item_class("ph", Fraction(r["value_nano"], NANO)) == 6  # … while the class is 劣Ⅴ
    assert r["ph_exact"].startswith("5.837")
    ra = _eval(_long({"ph": ["5.6", "6.4"]}), WaterSettings(ph_mean_method="arithmetic"))["ph"]
    assert gb3838.item_class("ph", Fraction(ra["value_nano"], NANO)) == 1


def test_ph_mean_is_never_above_arithmetic_and_equal_inputs_exact():
    assert ws.ph_mean(["7.2", "7.2", "7.2"]) == Decimal("7.2")
    assert ws.ph_mean(["6.5", "8.5"]) < ws.ph_mean(["6.5", "8.5"], "arithmetic")


def test_w5_river_means_exact():
    """water.md W5: exact means of the three sections, then one rounding."""
    means = {
        "do": ["6.5", "5.9", "5.1"], "codmn": ["4.0", "5.2", "6.3"], "cod": ["16", "19", "22"],
        "bod5": ["2.9", "3.4", "4.1"], "nh3n": ["0.8", "1.4", "2.3"], "tp": ["0.15", "0.22", "0.35"],
    }
    got = {c: sum((Fraction(x) for x in v), Fraction(0)) / 3 for c, v in means.items()}
    assert got == {"do": Fraction(35, 6), "codmn": Fraction(31, 6), "cod": 19, "bod5": Fraction(52, 15),
                   "nh3n": Fraction(3, 2), "tp": Fraction(6, 25)}
    ev = {c: ws.evaluation_value(c, m) for c, m in got.items()}
    assert ev == {"do": Fraction("5.8"), "codmn": Fraction("5.2"), "cod": 19, "bod5": Fraction("3.5"),
                  "nh3n": Fraction("1.50"), "tp": Fraction("0.240")}
    ph = ws.ph_mean(["7.4", "7.8", "8.0"])
    assert str(ph).startswith("7.6598")
    assert ws.ph_mean(["7.4", "7.8", "8.0"], "arithmetic").quantize(Decimal("0.01")) == Decimal("7.73")


def test_keep_one_significant_figure():
    """water.md §8: a non-zero mean that rounds to 0 keeps one significant figure."""
    assert ws.evaluation_value("nh3n", Fraction("0.004")) == Fraction("0.004")
    assert ws.evaluation_value("hg", Fraction("0.0000036")) == Fraction("0.000004")
    assert ws.evaluation_value("nh3n", Fraction("0.004"), WaterSettings(keep_one_significant=False)) == 0
    r = _eval(_long({"nh3n": ["0.004", "0.005"]}))["nh3n"]  # mean 0.0045 → 0.004 (half-even)
    assert r["value_nano"] == nano_of_text("0.004") and r["published"] == "0.004"


def test_non_detect_half_detection_limit():
    rows = _long({"cd": ["0.0004"]}).vstack(pl.DataFrame(
        [{"section": "S", "time": datetime(2026, 3, 9), "item": "cd", "value_nano": None, "nd": True,
          "dl_nano": nano_of_text("0.0005"), "flag": None, "source": "lab"}],
        schema={"section": pl.Utf8, "time": pl.Datetime("us"), **ws.LONG_SCHEMA}))
    r = _eval(rows)["cd"]
    assert exact.to_fraction(r["mean"]) == (Fraction("0.0004") + Fraction("0.00025")) / 2
    assert r["n_nd"] == 1 and r["n_valid"] == 2
    r0 = _eval(rows, WaterSettings(non_detect="zero"))["cd"]
    assert exact.to_fraction(r0["mean"]) == Fraction("0.0002")
    r1 = _eval(rows, WaterSettings(non_detect="dl"))["cd"]
    assert exact.to_fraction(r1["mean"]) == Fraction("0.00045")


def test_flag_policy_of_hj212_with_exclusion_counts():
    """hj212.md §9.3: only N enters by default; T with the setting; no flag from HJ 212 does not."""
    rows = [("7.0", "N"), ("8.0", "N"), ("30.0", "T"), ("99.0", "D"), ("50.0", None), ("40.0", "M")]
    long = pl.DataFrame(
        [{"section": "S", "time": datetime(2026, 3, 1, h), "item": "codmn", "value_nano": nano_of_text(v), "nd": False,
          "dl_nano": None, "flag": f, "source": "hj212"} for h, (v, f) in enumerate(rows)],
        schema={"section": pl.Utf8, "time": pl.Datetime("us"), **ws.LONG_SCHEMA})
    r = _eval(long)["codmn"]
    assert exact.to_fraction(r["mean"]) == Fraction("7.5") and r["n_valid"] == 2 and r["n_total"] == 6
    assert json.loads(r["excluded"]) == {"<无标记>": 1, "D": 1, "M": 1, "T": 1}
    rt = _eval(long, WaterSettings(statistics_valid_flags=frozenset({"N", "T"})))["codmn"]
    assert exact.to_fraction(rt["mean"]) == Fraction(45, 3)
    rm = _eval(long, WaterSettings(statistics_missing_flag_valid=True))["codmn"]
    assert exact.to_fraction(rm["mean"]) == Fraction(65, 3)
    # laboratory results carry no HJ 212 flag: they count
    lab = long.with_columns(source=pl.lit("lab"))
    assert _eval(lab)["codmn"]["n_valid"] == 3
    with pytest.raises(ValueError, match="审核"):
        WaterSettings(statistics_valid_flags=frozenset({"N", "S"}))


def test_min_results_quarter_needs_two():
    long = _long({"nh3n": ["0.5"]})
    m = ws.period_means(long, ["section"], min_results=2)
    r = m.to_dicts()[0]
    assert r["sufficient"] is False and r["value_nano"] is None
    assert exact.to_fraction(r["mean"]) == Fraction("0.5")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=50, places=3, allow_nan=False), min_size=1, max_size=8),
       st.sampled_from(["codmn", "nh3n", "tp", "hg", "fc", "petroleum"]))
def test_vectorised_means_equal_fraction_reference(values, code):
    texts = [f"{v:f}" for v in values]
    r = _eval(_long({code: texts}))[code]
    mean = sum((Fraction(t) for t in texts), Fraction(0)) / len(texts)
    assert exact.to_fraction(r["mean"]) == mean
    assert Fraction(r["value_nano"], NANO) == ws.evaluation_value(code, mean)


def test_to_wide_gives_exact_columns():
    m = ws.period_means(_long({"codmn": ["3.7", "4.4"], "ph": ["7.2"]}), ["section"])
    w = ws.to_wide(m, ["section"])
    assert w.columns == ["section", "ph", "codmn"]
    assert exact.to_fraction(w["codmn"][0]) == 4
