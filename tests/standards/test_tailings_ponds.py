"""Tailings ponds (soil-waste.md §6; worked example E5)."""

from __future__ import annotations

from datetime import date

import pytest

from qingshan.standards import tailings_ponds as tp

LIST_2026 = [tp.GradePeriod(1, date(2026, 1, 1), None, 2026, "（假设）2026年省级清单")]


def _months(first: date, last: date):
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def test_e5_schedule_2027():
    s = tp.year_schedule(LIST_2026, 2027, discharge_months=range(1, 13), toxic_discharge=True)
    assert s.grade.grade == 1 and s.grade.source == "provincial_list" and s.key_discharger_list
    checks = [o for o in s.obligations if o.kind == "city_check"]
    assert len(checks) == 2 and checks[0].due == date(2027, 5, 31) and checks[1].due == date(2027, 12, 31)
    op = [o for o in s.obligations if o.kind == "operator_inspection"]
    assert [o.due for o in op] == [date(2027, 5, 31)]
    report = [o for o in s.obligations if o.kind == "annual_report"]
    assert [o.due for o in report] == [date(2027, 1, 31)]  # a Sunday: not moved
    assert date(2027, 1, 31).weekday() == 6
    assert len([o for o in s.obligations if o.kind == "discharge_monitoring"]) == 12
    assert [o.due for o in s.obligations if o.kind == "receiving_water"] == [
        date(2027, 3, 31), date(2027, 6, 30), date(2027, 9, 30), date(2027, 12, 31)]
    assert any("永久保存" in n for n in s.notes)


def test_e5_grade_review_keeps_the_grade():
    reasons = tp.grade_review_reasons({"downstream_receptors": {"河流"}}, {"downstream_receptors": {"河流", "饮用水水源保护区"}})
    assert reasons and "敏感目标" in reasons[0]
    assert tp.grade_for_year(LIST_2026, 2027).grade == 1


def test_e5_closure_24_months():
    months = {m: (m > date(2025, 3, 1)) for m in _months(date(2024, 7, 1), date(2027, 6, 1))}
    assert tp.monitoring_may_end(months) == date(2027, 3, 31)
    months[date(2026, 5, 1)] = None  # a gap in the required monitoring restarts the count
    assert tp.monitoring_may_end(months) is None
    calendar_years = {m: True for m in _months(date(2025, 4, 1), date(2027, 12, 1))}
    assert tp.monitoring_may_end(calendar_years, tp.Settings(two_years_definition="2_calendar_years")) == date(2027, 12, 31)


def test_grade_by_year_uses_most_demanding_and_pre_flood_rule():
    # graded 二级 until 2027-07-31, 一级 from 08-01: year schedule 一级 (2 checks), but no pre-flood check
    periods = [tp.GradePeriod(2, date(2026, 1, 1), date(2027, 7, 31)), tp.GradePeriod(1, date(2027, 8, 1))]
    yg = tp.grade_for_year(periods, 2027)
    assert yg.grade == 1 and not yg.pre_flood_check_due
    s = tp.year_schedule(periods, 2027)
    assert [o.due for o in s.obligations if o.kind == "city_check"] == [date(2027, 12, 31)] * 2
    # a pond not on the list for part of the year: ungraded default 1
    assert tp.grade_for_year([tp.GradePeriod(3, date(2027, 3, 1))], 2027).source == "ungraded_default"
    three = tp.year_schedule([tp.GradePeriod(3, date(2020, 1, 1))], 2027)
    assert three.random_check_pool and not [o for o in three.obligations if o.kind == "city_check"]
    two = tp.year_schedule([tp.GradePeriod(2, date(2020, 1, 1))], 2027)
    checks = [o for o in two.obligations if o.kind == "city_check"]
    assert len(checks) == 1 and checks[0].status == "UNCONFIRMED"


def test_supervision_status_overdue():
    s = tp.year_schedule(LIST_2026, 2027)
    st = tp.supervision_status(s, {"city_check": [date(2027, 7, 3)], "operator_inspection": [date(2027, 5, 20)],
                                   "annual_report": [date(2027, 1, 25)]}, date(2027, 8, 1))
    by = {(x.obligation.kind, x.obligation.due): x for x in st}
    assert by[("city_check", date(2027, 5, 31))].state == "overdue"  # the July check is not before the flood season
    assert by[("city_check", date(2027, 5, 31))].days_overdue == 62
    assert by[("city_check", date(2027, 12, 31))].state == "done"
    assert by[("operator_inspection", date(2027, 5, 31))].state == "done"
    assert by[("annual_report", date(2027, 1, 31))].state == "done"
    st = tp.supervision_status(s, {}, date(2027, 5, 31))
    assert {x.state for x in st if x.obligation.due == date(2027, 5, 31)} == {"open"}  # last day counts in full


def test_groundwater_event_test():
    assert tp.groundwater_passes("Pb", "0.01", upstream="0.012")
    assert tp.groundwater_passes("Pb", "0.02", upstream="0.012", baseline="0.02")
    assert not tp.groundwater_passes("Pb", "0.03", upstream="0.012", baseline="0.02")
    assert tp.groundwater_passes("pH", "6.6", upstream="7.5")  # |6.6-7| = 0.4 ≤ 0.5
    assert not tp.groundwater_passes("pH", "8.6", upstream="6.5")
    with pytest.raises(ValueError):
        tp.groundwater_passes("Pb", "0.01")


GOOD = tp.ClosureEvidence(measures="更换防渗膜 1200 m²", self_check_on=date(2027, 4, 1), verification_on=date(2027, 4, 10),
                          verified_by="灵丘县分局 张某", verifier_role="bureau", verification_result="pass", evidence_items=2)


def test_hazard_closure_needs_bureau_verification():
    assert tp.closure_evidence_check("SELF_CHECKED", GOOD, found_on=date(2027, 3, 1)) == []
    from dataclasses import replace

    fields = lambda ev, state="SELF_CHECKED": {f for f, _ in tp.closure_evidence_check(state, ev, found_on=date(2027, 3, 1))}  # noqa: E731
    assert fields(replace(GOOD, verifier_role="operator")) == {"verifier_role"}
    assert fields(GOOD, "RECTIFYING") == {"state"}
    assert fields(replace(GOOD, verification_on=date(2027, 3, 30))) == {"verification_on"}
    assert fields(replace(GOOD, evidence_items=0)) == {"evidence_items"}
    assert fields(replace(GOOD, verification_result="fail")) == {"verification_result"}
    assert tp.closure_evidence_check("SELF_CHECKED", replace(GOOD, evidence_items=0), found_on=date(2027, 3, 1),
                                     settings=tp.Settings(require_evidence_attachment=False)) == []


def test_hazard_states_and_deadlines():
    s = tp.HazardState.FOUND
    for ev in ("plan", "work", "deadline_passed", "operator_done", "verify_fail", "operator_done", "verify_pass"):
        s = tp.hazard_next_state(s, ev)
    assert s == tp.HazardState.CLOSED
    with pytest.raises(tp.HazardTransitionError):
        tp.hazard_next_state("RECTIFYING", "verify_pass")  # never closed without the self-check and verification
    assert tp.hazard_default_deadline(date(2027, 4, 10), "minor", pre_flood_inspection=True) == date(2027, 5, 31)
    assert tp.hazard_default_deadline(date(2027, 4, 10), "minor") == date(2027, 5, 10)
    assert tp.hazard_default_deadline(date(2027, 4, 10), "major") is None
