"""The importers' value parser over every magnitude (issue 7, item 7): a number that does not fit
Int64 micro-units is refused as too large, never wrapped around into a plausible or negative value."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from qingshan import exact
from qingshan.ingest import checks

TOO_LARGE = "过大，超出可精确保存的范围（最大 9223372036854.775807），不是有效值"


def _texts():
    int_digits = st.integers(0, 30).flatmap(
        lambda k: st.just("") if k == 0 else st.integers(10 ** (k - 1), 10**k - 1).map(str))
    return st.tuples(st.sampled_from(["", "+", "-", " "]), int_digits, st.text("0123456789", max_size=8)).filter(
        lambda t: t[1] or t[2]).map(lambda t: f"{t[0]}{t[1]}" + (f".{t[2]}" if t[2] else ""))


@settings(deadline=None, derandomize=True, max_examples=60, database=None)
@given(st.lists(_texts(), min_size=1, max_size=50))
def test_every_magnitude_is_exact_or_refused_with_its_reason(texts):
    micro, reason = checks.values_micro(pl.Series(texts))
    for text, m, why in zip(texts, micro.to_list(), reason.to_list(), strict=True):
        x = Fraction(text.strip()) * exact.SCALE
        floor = abs(x).numerator // abs(x).denominator
        if floor > exact.MAX_SCALED:
            assert m is None and why == f"数值「{text.strip()}」{TOO_LARGE}"
        elif x < 0:
            assert m is None and why.startswith("浓度为负数")
        else:
            assert why is None
            assert m in (floor, floor + 1) and (m == x or m % 2 == 1)


@pytest.mark.parametrize("text", ["18446744073710", "9223372036855", "99999999999999999999999999"])
def test_issue_cases(text):
    micro, reason = checks.values_micro(pl.Series([text]))
    assert micro.to_list() == [None]
    assert reason.to_list() == [f"数值「{text}」{TOO_LARGE}"]


def test_other_digits_are_not_called_too_large():
    """Found by review: polars' ``\\d`` is Unicode-aware, so "９９" and "٣" passed the number
    pattern, failed the integer cast and were refused as too large. Full-width digits, point and
    signs (a Chinese input method) are the number they show; other scripts' digits are not numbers."""
    micro, reason = checks.values_micro(pl.Series(["９９", "１２．５", "－３", "٣", "1٣"]))
    assert micro.to_list() == [99_000_000, 12_500_000, None, None, None]
    assert reason.to_list() == [None, None, "浓度为负数（-3），不是有效值", "数值「٣」不是数字", "数值「1٣」不是数字"]
    assert pl.select(exact.scaled_from_str(pl.lit("٣"))).item() is None
    assert pl.select(exact.text_exceeds_scale(pl.lit("٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣"))).item() is False
