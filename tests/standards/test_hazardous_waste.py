"""Hazardous waste (soil-waste.md §5; worked example E4) and the working-day calendar."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from qingshan.exact import fraction_to_str
from qingshan.standards import hazardous_waste as hw
from qingshan.standards.cn_calendar import CalendarMissing, add_months, add_years, calendar_from_dict, load_calendar


def test_e4_manifest_number():
    n = hw.parse_manifest_number("20261402000123", transferor_region="140214", year=2026)
    assert (n.year, n.province, n.city, n.serial) == (2026, "14", "02", "000123")


@pytest.mark.parametrize("bad, why", [("2026140200012", "14 位"), ("2026140200012X", "14 位"),
                                      ("20261401000123", "省市代码"), ("20251402000123", "年份")])
def test_manifest_number_refused(bad, why):
    with pytest.raises(hw.CodeError, match=why):
        hw.parse_manifest_number(bad, transferor_region="140214", year=2026)


def test_e4_waste_code_and_discrepancy():
    c = hw.parse_hw_code("900-041-49")
    assert c.category_label == "HW49" and c.list_status == "list_not_loaded"
    d = hw.receipt_discrepancy("0.850", "0.842")
    assert d.difference_t == Fraction("0.008") and d.percent == Fraction(16, 17)
    assert fraction_to_str(d.percent, 2) == "0.94"
    assert d.flagged and d.notices == ("transferor", "receiving_bureau")
    assert not hw.receipt_discrepancy("0.850", "0.850").flagged
    assert not hw.receipt_discrepancy("0.850", "0.842", receipt_discrepancy_threshold="0.01").flagged


def test_e4_receipt_confirmation_deadline():
    d = hw.receipt_confirmation_deadline(date(2026, 11, 19))
    assert d.due == date(2026, 11, 26)
    assert d.overdue(None, date(2026, 11, 26)) is False  # the last day counts in full
    assert d.overdue(None, date(2026, 11, 27)) is True
    assert d.overdue(date(2026, 11, 26), date(2026, 12, 30)) is False


def test_e4_paper_backfill_deadline():
    assert hw.paper_backfill_deadline(date(2026, 11, 20)).due == date(2026, 12, 4)


def test_holidays_and_makeup_days_count():
    # received Wed 2026-09-30: 10-01…07 off, Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13
    assert hw.receipt_confirmation_deadline(date(2026, 9, 30)).due == date(2026, 10, 13)
    # Spring Festival 2026: 02-15…23 off, Sat 02-14 and 02-28 worked
    cal = load_calendar()
    assert cal.is_working_day(date(2026, 2, 14)) and not cal.is_working_day(date(2026, 2, 23))
    assert cal.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 14)


def test_missing_year_is_never_guessed():
    d = hw.receipt_confirmation_deadline(date(2026, 12, 28))  # runs into 2027, not loaded
    assert d.due is None and d.problem == "calendar_missing:2027" and d.overdue(None, date(2027, 3, 1)) is None
    with pytest.raises(CalendarMissing):
        load_calendar().is_working_day(date(2023, 6, 1))


def test_calendar_matches_the_notices():
    """Each year's days off and make-up days, typed from the State Council notices."""
    cal = load_calendar()
    y2026 = cal.year(2026)
    off = sorted(y2026.holidays)
    assert len(off) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(y2026.makeup_workdays) == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                                            date(2026, 9, 20), date(2026, 10, 10)]
    assert sorted(cal.year(2025).makeup_workdays) == [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27),
                                                     date(2025, 9, 28), date(2025, 10, 11)]
    assert date(2025, 10, 8) in cal.year(2025).holidays  # 国庆、中秋 8 days
    assert date(2024, 6, 10) in cal.year(2024).holidays and len(cal.year(2024).makeup_workdays) == 8
    # 2026 by hand: 365 − 104 weekend days − 19 holidays falling on weekdays (元旦 2, 春节 6, 清明 1,
    # 劳动节 3, 端午 1, 中秋 1, 国庆 5) + 6 make-up days = 248 working days
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert sum(cal.is_working_day(d) for d in days) == 248
    assert cal.status == "confirmed" and cal.version == "cn-workdays 2024–2026"


def test_calendar_refuses_a_weekday_makeup_day():
    with pytest.raises(ValueError, match="不是周末"):
        calendar_from_dict({"years": {"2026": {"status": "x", "document": "", "source": "", "holidays": [],
                                               "makeup_workdays": ["2026-01-05"]}}})


def test_month_and_year_periods():
    assert add_years(date(2028, 2, 29), 10) == date(2038, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert hw.retention_until(date(2026, 11, 30)) == date(2036, 11, 30)


def test_state_machine():
    s = hw.State.DRAFT
    for ev in ("submit", "load", "handover", "arrive", "accept_with_discrepancy", "report_result"):
        s = hw.next_state(s, ev)
    assert s == hw.State.CLOSED
    assert hw.next_state("ISSUED", "cancel") == hw.State.CANCELLED
    with pytest.raises(hw.TransitionError, match="不能执行"):
        hw.next_state("IN_TRANSIT", "cancel")  # only before loading
    with pytest.raises(hw.TransitionError):
        hw.next_state("CLOSED", "accept")
    assert hw.path_to("REJECTED")[-1] == hw.Event.REJECT


@pytest.mark.parametrize("text, code", [("900-041-49", "900-041-49"), ("90004149", "900-041-49"), ("261-001-11", "261-001-11")])
def test_hw_codes(text, code):
    assert hw.parse_hw_code(text).code == code


@pytest.mark.parametrize("bad", ["900-041-51", "900-041-00", "900-41-49", "HW49"])
def test_hw_codes_refused(bad):
    with pytest.raises(hw.CodeError):
        hw.parse_hw_code(bad)


def test_hw_code_against_a_loaded_list():
    assert hw.parse_hw_code("900-041-49", frozenset({"900-041-49"})).list_status == "in_list"
    assert hw.parse_hw_code("900-000-11", frozenset()).list_status == "in_list"  # tested, not listed
    with pytest.raises(hw.CodeError, match="名录"):
        hw.parse_hw_code("900-041-48", frozenset({"900-041-49"}))
