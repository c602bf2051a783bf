"""General industrial solid waste (soil-waste.md §4; worked example E3)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards import solid_waste as sw

COLS = ["code", *sw.FLOW_COLUMNS, "opening_stock", "closing_stock"]
# E3: coal-fired plant, November 2026 (t): G, U, U_p, D, D_p, S, X, stock open, close
E3 = [
    ("S02", "42350.6", "38900.0", "2100.0", "0", "0", "5550.6", "0", "12000.0", "15450.6"),
    ("S03", "6120.0", "6120.0", "0", "0", "0", "0", "0", "0", "0"),
    ("S06", "9800.4", "7350.0", "0", "1200.0", "300.0", "1550.4", "0", "2640.0", "3890.4"),
]


def frame(rows) -> pl.DataFrame:
    df = pl.DataFrame(rows, schema=COLS, orient="row")
    return df.with_columns([exact.scaled_from_str(c).alias(c) for c in COLS[1:]])


def test_e3_every_row_balances_and_stock_closes():
    checked = sw.balance_check(frame(E3))
    assert checked["residual"].to_list() == [0, 0, 0]
    assert checked["accepted"].all() and not checked["dumping"].any()
    assert checked["closing_expected"].to_list() == [15_450_600_000, 0, 3_890_400_000]


def test_e3_rates():
    agg = sw.aggregate(sw.balance_check(frame(E3)), ["code"])
    rates = {r["code"]: sw.rate_value(r["utilisation_rate"]) for r in agg.iter_rows(named=True)}
    assert rates["S02"] == Fraction(194500, 222253) and sw.publish_percent(rates["S02"]) == "87.51"
    assert rates["S03"] == 1 and sw.publish_percent(rates["S03"]) == "100.00"
    assert rates["S06"] == Fraction(6125, 8167) and sw.publish_percent(rates["S06"]) == "75.00"
    gypsum_disposal = sw.rate_value(agg.filter(pl.col("code") == "S06")["disposal_rate"][0])
    assert gypsum_disposal == Fraction("1200") / Fraction("10100.4") and sw.publish_percent(gypsum_disposal) == "11.88"


def test_e3_gypsum_74_997_fails_75_exact_passes_published():
    rate = Fraction(6125, 8167)
    assert sw.meets_target(rate, 75) is False
    assert sw.meets_target(rate, 75, comparison="published") is True


def test_e3_plant_sums_first():
    plant = sw.aggregate(sw.balance_check(frame(E3)).with_columns(plant=pl.lit("P")), ["plant"]).row(0, named=True)
    assert plant["generated"] == 58_271_000_000 and plant["utilised"] == 52_370_000_000
    assert plant["utilised_prior"] == 2_100_000_000 and plant["disposed"] == 1_200_000_000
    assert plant["disposed_prior"] == 300_000_000 and plant["stored"] == 7_101_000_000
    rate = sw.rate_value(plant["utilisation_rate"])
    assert rate == Fraction(52370, 60371) and sw.publish_percent(rate) == "86.75"
    # never the mean of the rates
    mean = (Fraction(194500, 222253) + 1 + Fraction(6125, 8167)) / 3
    assert rate != mean
    hundredths = sw.aggregate(sw.balance_check(frame(E3)).with_columns(plant=pl.lit("P")), ["plant"]).select(
        sw.percent_hundredths("utilisation_rate")).item()
    assert hundredths == 8675


def test_e3_fly_ash_without_prior_storage_is_rejected():
    bad = [("S02", "42350.6", "38900.0", "0", "0", "0", "5550.6", "0", "12000.0", None)]
    row = sw.balance_check(frame(bad)).row(0, named=True)
    assert row["residual"] == -2_100_000_000  # −2 100.0 t
    assert row["problems"] == ["residual"] and not row["accepted"]


def test_other_rejections_and_dumping():
    rows = [
        ("a", "10", "5", "6", "0", "0", "11", "0", "20", None),  # U_p > U (balance holds: 10 = -1 + 11)
        ("b", "10", "0", "0", "5", "6", "11", "0", "20", None),  # D_p > D
        ("c", "10", "10", "5", "0", "0", "5", "0", "2", None),  # U_p exceeds opening, closing 2+5-5 = 2 ≥ 0
        ("d", "10", "5", "0", "0", "0", "4", "1", "0", None),  # dumping: accepted, flagged
        ("e", "10", "5", "0", "0", "0", "5", "0", "0", "6"),  # closing mismatch (0 + 5 = 5)
        ("f", "-1", "0", "0", "0", "0", "-1", "0", "0", None),  # negative
    ]
    out = {r["code"]: r for r in sw.balance_check(frame(rows)).iter_rows(named=True)}
    assert out["a"]["problems"] == ["utilised_prior_gt_utilised"]
    assert out["b"]["problems"] == ["disposed_prior_gt_disposed"]
    assert out["c"]["problems"] == ["prior_exceeds_opening"]
    assert out["d"]["accepted"] and out["d"]["dumping"]
    assert out["e"]["problems"] == ["closing_mismatch"]
    assert "negative_quantity" in out["f"]["problems"]


def test_tolerance_setting():
    rows = [("x", "10.001", "10", "0", "0", "0", "0", "0", "0", None)]
    assert not sw.balance_check(frame(rows))["accepted"][0]
    assert sw.balance_check(frame(rows), sw.Settings(balance_tolerance_t=Fraction("0.001")))["accepted"][0]


def test_zero_denominator_is_undefined():
    agg = sw.aggregate(sw.balance_check(frame([("z", "0", "0", "0", "0", "0", "0", "0", "0", None)])), ["code"])
    assert agg["utilisation_rate"][0] is None
    assert sw.publish_percent(None) == "—" and sw.meets_target(None, 75) is None


def test_stock_continuity_flags_a_broken_chain():
    df = frame([("S02", "1", "0", "0", "0", "0", "1", "0", "10", None), ("S02", "1", "0", "0", "0", "0", "1", "0", "12", None)])
    df = df.with_columns(month=pl.Series([date(2026, 1, 1), date(2026, 2, 1)]), enterprise_id=pl.lit(1),
                         waste_code=pl.col("code"))
    out = sw.stock_continuity(sw.balance_check(df))
    assert out["stock_discontinuity"].to_list() == [False, True]  # Jan closes 11, Feb opens 12


def _m(month, g, u, up, d, dp, s, opening):
    t = lambda x: int(Fraction(x) * sw.MICRO)  # noqa: E731
    return {"month": month, "generated": t(g), "utilised": t(u), "utilised_prior": t(up), "disposed": t(d),
            "disposed_prior": t(dp), "stored": t(s), "dumped": 0, "opening_stock": t(opening)}


def test_quarter_from_months_oldest_stock_first():
    # 100 t in stock before January; Feb stores 30; March uses 120 from stock: 100 is pre-quarter, 20 is February's
    months = [
        _m(date(2027, 1, 1), 50, 50, 0, 0, 0, 0, 100),
        _m(date(2027, 2, 1), 50, 20, 0, 0, 0, 30, 100),
        _m(date(2027, 3, 1), 50, 170, 120, 0, 0, 0, 130),
    ]
    p = sw.period_flows(months, date(2027, 1, 1), date(2027, 3, 31))
    assert p.generated == 150 * sw.MICRO and p.utilised == 240 * sw.MICRO
    assert p.utilised_prior == 100 * sw.MICRO  # not 120: February's storage is this quarter's own
    assert p.stored == (150 - 140) * sw.MICRO  # identity: 150 = (240 - 100) + S
    assert p.complete and not p.withdrawal_order_assumed
    rate = Fraction(p.utilised, p.generated + p.utilised_prior)
    assert rate == Fraction(240, 250)


def test_period_missing_month_and_assumed_order():
    months = [_m(date(2027, 1, 1), 10, 15, 10, 10, 10, 5, 15)]
    p = sw.period_flows(months, date(2027, 1, 1), date(2027, 2, 28))
    assert p.missing_months == (date(2027, 2, 1),) and not p.complete
    assert p.withdrawal_order_assumed  # 15 t of stock for 20 t withdrawn: utilisation first
    assert (p.utilised_prior, p.disposed_prior) == (10 * sw.MICRO, 5 * sw.MICRO)


@pytest.mark.parametrize("text, code", [("441-001-S02", "441-001-S02"), ("441-001-SW02", "441-001-S02"),
                                        ("062-010-s04", "062-010-S04")])
def test_sw_codes(text, code):
    assert sw.parse_sw_code(text).code == code


@pytest.mark.parametrize("bad", ["441-000-S02", "441-100-S02", "441-001-S08", "441-001-S60", "44-001-S02", "441001S02"])
def test_sw_codes_refused(bad):
    with pytest.raises(sw.SwCodeError):
        sw.parse_sw_code(bad)


def test_sw_category_labels():
    assert sw.normalise_category("SW06") == "S06" and sw.normalise_category("s6") == "S06"
    assert sw.parse_sw_code("441-001-S02").category_name == "粉煤灰"


def test_gb18599_class():
    assert sw.gb18599_class({"As": ("0.4", "0.5")}, "6") == ("I", ())
    assert sw.gb18599_class({"As": ("0.5", "0.5")}, "9")[0] == "I"  # equal passes, bounds inclusive
    assert sw.gb18599_class({"As": ("0.51", "0.5")}, "7")[0] == "II"
    assert sw.gb18599_class({}, "9.01")[0] == "II"
