"""The demo calendar: data up to yesterday, evaluation 1—N月 of the last complete month."""

from __future__ import annotations

from datetime import date

import pytest

from qingshan.demo.calendar import demo_period, last_complete_month


def test_default_on_the_session_day():
    p = demo_period(today=date(2026, 11, 29))
    assert (p.data_start, p.data_end) == (date(2025, 1, 1), date(2026, 11, 28))
    assert (p.year, p.month, p.label) == (2026, 10, "2026年1—10月")
    assert (p.eval_start, p.eval_end) == (date(2026, 1, 1), date(2026, 10, 31))
    assert (p.last_year_start, p.last_year_end) == (date(2025, 1, 1), date(2025, 10, 31))
    assert p.has_last_year


def test_month_end_counts_as_complete_and_cap_at_2026():
    assert last_complete_month(date(2026, 2, 28)) == (2026, 2)
    assert last_complete_month(date(2026, 3, 1)) == (2026, 2)
    assert last_complete_month(date(2026, 1, 15)) == (2025, 12)
    p = demo_period(today=date(2027, 6, 1))
    assert p.data_end == date(2026, 12, 31) and p.label == "2026年1—12月"


def test_short_period_for_tests():
    p = demo_period(data_start=date(2026, 1, 1), data_end=date(2026, 2, 28))
    assert p.label == "2026年1—2月" and not p.has_last_year
    assert demo_period(data_start=date(2026, 1, 1), data_end=date(2026, 2, 28), months=1).label == "2026年1月"


def test_impossible_periods_are_refused_in_chinese():
    with pytest.raises(ValueError, match="不包含完整"):
        demo_period(data_start=date(2026, 1, 1), data_end=date(2026, 2, 28), months=3)
    with pytest.raises(ValueError, match="早于"):
        demo_period(data_start=date(2026, 1, 1), data_end=date(2025, 2, 28))
