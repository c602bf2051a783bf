"""§8.4 tracking rules (status, no_data, end year) and invariants (hypothesis)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.standards.carbon_common import nth_root, one_minus_root, percent
from qingshan.standards.carbon_tracking import SeriesRow, TrackingError, TrackingSettings, track, ytd_reduction

R17 = F("0.17")


def series(*rows):
    return [SeriesRow(y, None if c is None else F(c), None if i is None else F(i)) for y, c, i in rows]


def test_red_when_intensity_rises():
    t = track(series((2025, "100", None), (2026, "106", "105")), 2025, R17)
    (row,) = t.after_base
    assert row.r < 0 and row.status == "red"


def test_red_when_required_rate_above_max_feasible():
    # R(2026) = 1 − 100/105·… small; with R* = 0.25 the remaining 4 years need > 5 %
    t = track(series((2025, "100", None), (2026, "104", "105")), 2025, F("0.25"))
    (row,) = t.after_base
    assert row.r > 0 and row.r_req > Decimal("0.05") and row.status == "red"


def test_yellow_when_behind_time_progress():
    t = track(series((2025, "100", None), (2026, "104", "105")), 2025, R17)
    (row,) = t.after_base
    assert row.P < row.tau and row.status == "yellow"  # R = 0.95 %, P = 5.6 % < 20 %


def test_end_year_rule_and_published_comparison():
    # R(2030) = 1 − X/(X_b × Π index) with X chosen so that R = 0.16996 (published 17.00)
    idx = "105"
    chain = F(105, 100) ** 5
    x_2030 = 100 * chain * (1 - F("0.16996"))
    rows = [SeriesRow(2025, F(100), None)] + [SeriesRow(y, F(100) * F(105, 100) ** (y - 2025), F(idx)) for y in range(2026, 2030)]
    rows.append(SeriesRow(2030, x_2030, F(idx)))
    exact = track(rows, 2025, R17)
    end = exact.rows[-1]
    assert end.year == 2030 and end.r_req is None and end.published()["R"] == "17.00"
    assert end.status == "red"  # exact R < R*
    published = track(rows, 2025, R17, settings=TrackingSettings(fyp_target_comparison="published"))
    assert published.rows[-1].status == "green"


def test_target_met_gives_negative_required_rate_published_as_computed():
    t = track(series((2025, "100", None), (2026, "80", "105")), 2025, R17)
    (row,) = t.after_base
    assert row.R > R17 and row.r_req < 0 and row.published()["r_req"].startswith("-")
    assert row.status == "green"


def test_no_data_rules():
    t = track(series((2025, "100", None), (2026, None, "105"), (2027, "98", "105"), (2028, "97", None), (2029, "90", "105")),
              2025, R17)
    by_year = {r.year: r for r in t.after_base}
    assert by_year[2026].status == "no_data" and by_year[2026].R is None
    assert by_year[2027].r is None and by_year[2027].R is not None and by_year[2027].status in ("green", "yellow", "red")
    assert by_year[2028].status == "no_data" and by_year[2029].status == "no_data"  # every later row
    assert by_year[2029].R is None


def test_without_target():
    t = track(series((2025, "100", None), (2026, "100", "105")), 2025, None)
    (row,) = t.after_base
    assert row.P is None and row.r_req is None and row.status is None and row.R is not None


def test_rows_after_end_ignored_with_warning():
    rows = series(*[(2025 + k, "100", None if k == 0 else "100") for k in range(7)])
    t = track(rows, 2025, R17)
    assert [r.year for r in t.after_base] == [2026, 2027, 2028, 2029, 2030]
    assert t.warnings and "忽略" in t.warnings[0]


@pytest.mark.parametrize("rows,message", [
    (series((2026, "1", None)), "基年"),
    (series((2025, "1", None), (2027, "1", "100")), "不连续"),
    (series((2025, "1", None), (2025, "1", None)), "重复"),
])
def test_bad_series_refused(rows, message):
    with pytest.raises(TrackingError, match=message):
        track(rows, 2025, R17)


def test_target_must_be_a_fraction():
    with pytest.raises(TrackingError, match="0 与 1"):
        track(series((2025, "1", None)), 2025, F(17))


def test_ytd_reduction():
    assert ytd_reduction(F("101.2"), F(100), F("105.3")) == 1 - F("1.012") / F("1.053")


# --- roots ----------------------------------------------------------------------------------------------


def test_nth_root_exact_and_truncated():
    r = nth_root(F(27, 8), 3)
    assert r.exact and r.value == Decimal("1.5")
    r2 = nth_root(F(2), 2, digits=50)
    assert not r2.exact
    assert str(r2.value) == "1.41421356237309504880168872420969807856967187537694"


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=F(1, 100), max_value=F(3), max_denominator=10**6), st.integers(1, 5))
def test_one_minus_root_rounds_like_the_true_value(x, n):
    dec, q = one_minus_root(x, n)
    with localcontext() as ctx:
        ctx.prec = 120
        true = 1 - (Decimal(x.numerator) / Decimal(x.denominator)) ** (Decimal(1) / Decimal(n))
    assert abs(Decimal(dec) - true) < Decimal("1e-49")
    assert percent(q) == percent(F(true))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(50, 150), st.integers(95, 112)), min_size=1, max_size=5))
def test_cumulative_is_chained_not_added(steps):
    rows, x = [SeriesRow(2025, F(1000), None)], F(1000)
    for k, (dx, idx) in enumerate(steps, start=1):
        x = x * F(dx, 100)
        rows.append(SeriesRow(2025 + k, x, F(idx)))
    t = track(rows, 2025, R17)
    prod = F(1)
    for row in t.after_base:
        prod *= 1 - row.r
        assert row.R == 1 - prod  # R(t) = 1 − Π (1 − r(k))
        assert row.P == row.R / R17
