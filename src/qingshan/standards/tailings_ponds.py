"""Tailings ponds (尾矿库) under 尾矿污染环境防治管理办法 (部令第26号): supervision by grade,
operator obligations, closure tests, hazard rectification and its closure evidence.

Pure rules of soil-waste.md §6 (no I/O):

* the grade is taken from the provincial list, never computed (613号 criteria not obtained);
  a pond missing from the list is scheduled as ``ungraded_default_grade`` (1, UNCONFIRMED);
  :func:`grade_review_reasons` says when a change calls for a review (§6.2);
* a year's schedule (§6.3, §6.4) uses the most demanding grade in force on any day of the year;
  city-bureau checks ``inspection_min_per_year`` = {1: 2, 2: 1, 3: 0} (二级/三级 UNCONFIRMED
  nationally), one of a 一级 pond's checks before the flood season (the day before
  ``flood_season_start``, default 06-01, Shanxi's date UNCONFIRMED) when 一级 is in force that
  day; the operator's comprehensive hazard inspection ≥ 1 per year before the flood season
  (Art. 20), annual report by 31 January (Art. 7; fixed dates are not moved off weekends,
  UNCONFIRMED), monthly discharge monitoring in each month with discharge and quarterly
  receiving-water surveys when toxic pollutants are discharged (Art. 19);
* :func:`supervision_status` matches inspections to the year's slots and flags overdue ones;
* closure tests (§6.4): leachate/groundwater monitoring may end after "2 consecutive years"
  (``two_years_definition``: ``24_consecutive_months`` default, UNCONFIRMED), the groundwater
  event test with pH as |pH − 7| (UNCONFIRMED);
* hazard rectification (§6.6): the state machine and :func:`closure_evidence_check`, the pure
  test that a hazard may be closed (销号) — only by verification by the bureau or its delegate.

References
----------
.. [1] 尾矿污染环境防治管理办法 (部令第26号, in force 2022-07-01) Art. 5, 7, 17–24, 28, 33.
.. [2] 尾矿库污染隐患排查治理工作指南（试行） (2022): 一级 ≥ 2 checks a year, one before the flood season.
.. [3] Xinjiang 2024 grading-list notice (二级 ≥ 1, 三级 random checks; 1 June).
.. [4] ../shared/standards/soil-waste.md §6, §7 E5, §8.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

GRADES = (1, 2, 3)
GRADE_ZH = {1: "一级", 2: "二级", 3: "三级"}
TwoYears = Literal["24_consecutive_months", "2_calendar_years"]
STATUS_ZH = {"在用": "在用", "停用": "停用", "闭库": "闭库"}


@dataclass(frozen=True)
class Settings:
    """Named settings of soil-waste.md §8 for §6 (spec defaults).

    ``flood_season_start`` ``MM-DD`` (06-01; Shanxi UNCONFIRMED). ``inspection_min_per_year``
    city checks per grade ({1: 2, 2: 1, 3: 0}; 二级/三级 UNCONFIRMED). ``ungraded_default_grade``
    (1, UNCONFIRMED). ``two_years_definition`` (``24_consecutive_months``, UNCONFIRMED).
    ``hazard_deadline_days`` ({"minor": 30}; 重大 set per case, UNCONFIRMED).
    ``require_evidence_attachment``: closure needs at least one evidence document or photo
    (our reading of "verification of the result", §6.6).
    """

    flood_season_start: str = "06-01"
    inspection_min_per_year: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({1: 2, 2: 1, 3: 0}))
    ungraded_default_grade: int = 1
    two_years_definition: TwoYears = "24_consecutive_months"
    hazard_deadline_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({"minor": 30}))
    require_evidence_attachment: bool = True

    def __post_init__(self) -> None:
        month, day = (int(x) for x in self.flood_season_start.split("-"))
        date(2001, month, day)  # raises on an impossible date
        if self.ungraded_default_grade not in GRADES:
            raise ValueError("ungraded_default_grade 应为 1、2 或 3")
        if self.two_years_definition not in ("24_consecutive_months", "2_calendar_years"):
            raise ValueError(f"未知的 two_years_definition：{self.two_years_definition!r}")

    def flood_start(self, year: int) -> date:
        month, day = (int(x) for x in self.flood_season_start.split("-"))
        return date(year, month, day)

    def pre_flood_deadline(self, year: int) -> date:
        """"Before the flood season": a date ≤ the day before ``flood_season_start`` (§6.3)."""
        return self.flood_start(year) - timedelta(days=1)


# --- grade in force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GradePeriod:
    """A grade from the provincial list, in force from ``valid_from`` to ``valid_to``
    (inclusive; None = still in force), with the list's year and document number."""

    grade: int
    valid_from: date
    valid_to: date | None = None
    list_year: int | None = None
    document: str | None = None


def grade_on(periods: Sequence[GradePeriod], day: date) -> GradePeriod | None:
    """The listed grade in force on ``day`` (None: ungraded that day)."""
    for p in periods:
        if p.valid_from <= day and (p.valid_to is None or day <= p.valid_to):
            return p
    return None


@dataclass(frozen=True)
class YearGrade:
    grade: int  # the grade the year's schedule uses
    source: str  # provincial_list | ungraded_default
    pre_flood_check_due: bool
    document: str | None


def grade_for_year(periods: Sequence[GradePeriod], year: int, settings: Settings = Settings()) -> YearGrade:
    """The most demanding grade in force on any day of ``year``; days with no listed grade count
    as ``ungraded_default_grade``. The pre-flood check is due only if that grade is in force on
    the day before ``flood_season_start`` (§6.3)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    candidates: list[tuple[int, str, str | None]] = []
    for p in periods:
        if p.valid_from <= last and (p.valid_to is None or p.valid_to >= first):
            candidates.append((p.grade, "provincial_list", p.document))
    day, covered = first, set()
    for p in periods:  # is every day of the year covered by a listed grade?
        a = max(p.valid_from, first)
        b = min(p.valid_to or last, last)
        if a <= b:
            covered.add((a, b))
    for a, b in sorted(covered):
        if a > day:
            break
        day = max(day, b + timedelta(days=1))
    if day <= last:  # some day of the year has no listed grade
        candidates.append((settings.ungraded_default_grade, "ungraded_default", None))
    grade, source, doc = min(candidates, key=lambda c: c[0])
    eve = settings.pre_flood_deadline(year)
    on_eve = grade_on(periods, eve)
    eve_grade = on_eve.grade if on_eve else settings.ungraded_default_grade
    return YearGrade(grade, source, eve_grade == grade and grade == 1, doc)


REVIEW_TRIGGERS_ZH = {
    "ore_type": "矿种类型变化",
    "tailings_constituents": "尾矿成分变化",
    "downstream_receptors": "下游影响范围内敏感目标（饮用水水源保护区、河流、村庄）增减",
    "facilities": "防渗、渗滤液收集、水处理、监测或应急设施新建或失效",
    "status": "运行状态（在用/停用/闭库）变化",
}


def grade_review_reasons(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """Why ``grade_review_required`` is set (§6.2 step 3): the changed attributes among
    :data:`REVIEW_TRIGGERS_ZH`. The grade itself is never changed locally."""
    reasons = []
    for key, zh in REVIEW_TRIGGERS_ZH.items():
        a, b = before.get(key), after.get(key)
        if isinstance(a, (list, tuple, set, frozenset)) or isinstance(b, (list, tuple, set, frozenset)):
            a, b = frozenset(a or ()), frozenset(b or ())
        if a != b:
            reasons.append(zh)
    return reasons


# --- the year's obligations -----------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """One dated obligation of a year's schedule. ``kind``: ``city_check`` (bureau),
    ``operator_inspection``, ``annual_report``, ``discharge_monitoring``, ``receiving_water``;
    ``window`` is when a matching record counts; ``status`` of the rule (confirmed/UNCONFIRMED)."""

    kind: str
    label: str
    party: str  # bureau | operator
    window_start: date
    due: date
    basis: str
    status: str = "confirmed"


@dataclass(frozen=True)
class YearSchedule:
    year: int
    grade: YearGrade
    obligations: tuple[Obligation, ...]
    key_discharger_list: bool  # on the 重点排污单位名录 (Art. 28)
    random_check_pool: bool  # 三级: 随机抽查
    notes: tuple[str, ...] = ()


def _month_end(y: int, m: int) -> date:
    return date(y, m, _calendar.monthrange(y, m)[1])


def year_schedule(
    periods: Sequence[GradePeriod],
    year: int,
    *,
    discharge_months: Sequence[int] = (),
    toxic_discharge: bool = False,
    settings: Settings = Settings(),
) -> YearSchedule:
    """The supervision calendar of one pond for ``year`` (§6.3, §6.4; E5).

    ``discharge_months``: months (1–12) in which tailings water is discharged (one discharge
    measurement due in each). ``toxic_discharge``: toxic or harmful pollutants are discharged
    (quarterly receiving-water and surroundings survey).
    """
    yg = grade_for_year(periods, year, settings)
    first, last = date(year, 1, 1), date(year, 12, 31)
    eve = settings.pre_flood_deadline(year)
    grade_status = "confirmed" if yg.grade == 1 else "UNCONFIRMED"
    obligations: list[Obligation] = []
    n_checks = int(settings.inspection_min_per_year.get(yg.grade, 0))
    for k in range(n_checks):
        pre = k == 0 and yg.pre_flood_check_due
        obligations.append(Obligation(
            "city_check", f"市级生态环境部门检查（第 {k + 1} 次{'，汛期前' if pre else ''}）", "bureau",
            first, eve if pre else last,
            "尾矿库污染隐患排查治理工作指南（试行）；部令第26号" if yg.grade == 1 else "省级清单通知（新疆 2024）",
            grade_status))
    obligations.append(Obligation("operator_inspection", "运营单位全面污染隐患排查（汛期前）", "operator", first, eve,
                                  "部令第26号第二十条"))
    obligations.append(Obligation("annual_report", f"{year - 1} 年度台账情况在全国固体废物管理信息系统申报", "operator",
                                  first, date(year, 1, 31), "部令第26号第七条"))
    for m in sorted(set(discharge_months)):
        if not 1 <= m <= 12:
            raise ValueError(f"排放月份 {m} 无效")
        obligations.append(Obligation("discharge_monitoring", f"{year}年{m}月尾矿水排放监测", "operator",
                                      date(year, m, 1), _month_end(year, m), "部令第26号第十九条"))
    if toxic_discharge:
        for q in range(4):
            obligations.append(Obligation("receiving_water", f"{year}年第{q + 1}季度受纳水体及周边环境监测", "operator",
                                          date(year, 3 * q + 1, 1), _month_end(year, 3 * q + 3), "部令第26号第十九条"))
    notes = ["运营单位尾矿库台账永久保存（部令第26号第七条）"]
    if yg.source == "ungraded_default":
        notes.append(f"未列入省级分类分级清单的时段按{GRADE_ZH[settings.ungraded_default_grade]}安排（ungraded_default_grade，待确认）")
    if yg.grade == 3:
        notes.append("三级尾矿库纳入随机抽查库（问题多、风险高、群众投诉多者优先）")
    return YearSchedule(year, yg, tuple(obligations), yg.grade in (1, 2), yg.grade == 3, tuple(notes))


@dataclass(frozen=True)
class ObligationStatus:
    obligation: Obligation
    done_on: date | None
    state: str  # done | done_late | open | overdue
    days_overdue: int = 0


STATE_ZH = {"done": "已完成", "done_late": "逾期完成", "open": "未到期", "overdue": "已逾期"}


def supervision_status(schedule: YearSchedule, records: Mapping[str, Sequence[date]], today: date) -> list[ObligationStatus]:
    """Match records to the year's obligations and flag the overdue ones.

    ``records``: kind → dates done (city checks, operator inspections, annual report filed,
    monitoring dates). Slots of one kind are filled in due-date order by the earliest record in
    the slot's window (a 一级 pond's July check cannot fill the pre-flood slot). An unfilled slot
    is ``overdue`` once ``today`` is past its due date (the last day counts in full); a record
    after the due date but within the year fills it as ``done_late``.
    """
    out: list[ObligationStatus] = []
    pool = {k: sorted(v) for k, v in records.items()}
    by_kind: dict[str, list[Obligation]] = {}
    for ob in schedule.obligations:
        by_kind.setdefault(ob.kind, []).append(ob)
    year_end = date(schedule.year, 12, 31)
    for kind, obs in by_kind.items():
        free = list(pool.get(kind, ()))
        slots = sorted(obs, key=lambda o: o.due)
        filled: dict[int, tuple[date, bool]] = {}
        for i, ob in enumerate(slots):
            hit = next((d for d in free if ob.window_start <= d <= ob.due), None)
            if hit is not None:
                free.remove(hit)
                filled[i] = (hit, False)
        for i, ob in enumerate(slots):  # late records fill what is left
            if i in filled:
                continue
            hit = next((d for d in free if ob.due < d <= year_end), None)
            if hit is not None:
                free.remove(hit)
                filled[i] = (hit, True)
        for i, ob in enumerate(slots):
            if i in filled:
                d, late = filled[i]
                out.append(ObligationStatus(ob, d, "done_late" if late else "done", (d - ob.due).days if late else 0))
            elif today > ob.due:
                out.append(ObligationStatus(ob, None, "overdue", (today - ob.due).days))
            else:
                out.append(ObligationStatus(ob, None, "open"))
    order = {id(o): k for k, o in enumerate(schedule.obligations)}
    return sorted(out, key=lambda s: order[id(s.obligation)])


# --- closure tests (§6.4) -------------------------------------------------------------------


def monitoring_may_end(monthly: Mapping[date, bool | None], settings: Settings = Settings()) -> date | None:
    """The day after which post-closure leachate or groundwater monitoring may end (§6.4).

    ``monthly``: first day of month → True (compliant, or no leachate), False (non-compliant),
    None or absent (a gap in the required monitoring). ``24_consecutive_months``: the last day
    of the 24th consecutive compliant month; ``2_calendar_years``: 31 December of the second of
    two consecutive fully compliant calendar years. None while not reached (E5: compliant
    2025-04 … 2027-03 → 2027-03-31).
    """
    if not monthly:
        return None
    months = sorted(monthly)
    d = date(months[0].year, months[0].month, 1)
    last = months[-1]
    run = 0
    full_years: list[int] = []
    year_ok = d.month == 1  # a calendar year counts only from its January
    while d <= last:
        ok = monthly.get(d) is True
        if settings.two_years_definition == "24_consecutive_months":
            run = run + 1 if ok else 0
            if run == 24:
                return _month_end(d.year, d.month)
        else:
            if d.month == 1:
                year_ok = True
            year_ok = year_ok and ok
            if d.month == 12:
                if year_ok and (d.year - 1) in full_years:
                    return date(d.year, 12, 31)
                if year_ok:
                    full_years.append(d.year)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return None


def groundwater_passes(parameter: str, downstream, upstream=None, baseline=None) -> bool:
    """One event and parameter after closure (§6.4): pass if downstream ≤ upstream of the same
    event or ≤ the regional baseline; pH compared as |pH − 7| (UNCONFIRMED)."""
    def v(x):
        if x is None:
            return None
        f = Fraction(str(x))
        return abs(f - 7) if parameter.strip().lower() == "ph" else f

    down, up, base = v(downstream), v(upstream), v(baseline)
    if down is None:
        raise ValueError("下游监测值缺失")
    if up is None and base is None:
        raise ValueError("需要上游对照值或区域本底值")
    return (up is not None and down <= up) or (base is not None and down <= base)


# --- hazard rectification (§6.6) -------------------------------------------------------------


class HazardState(str, Enum):
    FOUND = "FOUND"
    PLANNED = "PLANNED"
    RECTIFYING = "RECTIFYING"
    SELF_CHECKED = "SELF_CHECKED"
    CLOSED = "CLOSED"
    OVERDUE = "OVERDUE"


class HazardEvent(str, Enum):
    PLAN = "plan"
    WORK = "work"
    OPERATOR_DONE = "operator_done"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"
    DEADLINE_PASSED = "deadline_passed"


HAZARD_STATE_ZH = {
    HazardState.FOUND: "已发现", HazardState.PLANNED: "已制定方案", HazardState.RECTIFYING: "整改中",
    HazardState.SELF_CHECKED: "企业自查完成", HazardState.CLOSED: "已销号", HazardState.OVERDUE: "逾期未改",
}
HAZARD_TRANSITIONS: dict[tuple[HazardState, HazardEvent], HazardState] = {
    (HazardState.FOUND, HazardEvent.PLAN): HazardState.PLANNED,
    (HazardState.PLANNED, HazardEvent.WORK): HazardState.RECTIFYING,
    (HazardState.RECTIFYING, HazardEvent.OPERATOR_DONE): HazardState.SELF_CHECKED,
    (HazardState.RECTIFYING, HazardEvent.DEADLINE_PASSED): HazardState.OVERDUE,
    (HazardState.OVERDUE, HazardEvent.OPERATOR_DONE): HazardState.SELF_CHECKED,  # escalated, still to be fixed
    (HazardState.SELF_CHECKED, HazardEvent.VERIFY_PASS): HazardState.CLOSED,
    (HazardState.SELF_CHECKED, HazardEvent.VERIFY_FAIL): HazardState.RECTIFYING,
}
VERIFIER_ROLES = ("bureau", "delegate")  #: who may close (§6.6): never the operator


class HazardTransitionError(ValueError):
    """An event not allowed in the hazard's current state."""


def hazard_next_state(state: HazardState | str, event: HazardEvent | str) -> HazardState:
    st, ev = HazardState(state), HazardEvent(event)
    try:
        return HAZARD_TRANSITIONS[(st, ev)]
    except KeyError:
        raise HazardTransitionError(f"隐患状态为「{HAZARD_STATE_ZH[st]}」时不能执行「{ev.value}」") from None


@dataclass(frozen=True)
class ClosureEvidence:
    """What a 销号 rests on (§6.6): the rectification, the operator's self-check and the
    bureau's verification of the result."""

    measures: str | None = None
    self_check_on: date | None = None
    verification_on: date | None = None
    verified_by: str | None = None  # person and unit
    verifier_role: str | None = None  # bureau | delegate | operator
    verification_result: str | None = None  # pass | fail
    evidence_items: int = 0  # documents or photos attached (phase 2: attachments)


def closure_evidence_check(
    state: HazardState | str, evidence: ClosureEvidence, *, found_on: date, settings: Settings = Settings()
) -> list[tuple[str, str]]:
    """What is missing before a hazard may be closed (销号); empty = it may close (§6.6).

    Returns ``(field, Chinese reason)`` pairs. Closure needs the state SELF_CHECKED, the
    measures, the operator's self-check date, a passing verification by the bureau or its
    delegate (named, dated on or after the self-check and the finding), and — with
    ``require_evidence_attachment`` — at least one evidence document or photo.
    """
    missing: list[tuple[str, str]] = []
    st = HazardState(state)
    if st != HazardState.SELF_CHECKED:
        missing.append(("state", f"隐患当前状态为「{HAZARD_STATE_ZH[st]}」，须在企业自查完成后由生态环境部门核查销号"))
    if not (evidence.measures or "").strip():
        missing.append(("measures", "缺少整改措施及完成情况"))
    if evidence.self_check_on is None:
        missing.append(("self_check_on", "缺少企业自查完成日期"))
    if evidence.verifier_role not in VERIFIER_ROLES:
        missing.append(("verifier_role", "销号须经生态环境部门或其委托单位核查，企业不能自行销号"))
    if not (evidence.verified_by or "").strip():
        missing.append(("verified_by", "缺少核查人及单位"))
    if evidence.verification_on is None:
        missing.append(("verification_on", "缺少核查日期"))
    else:
        if evidence.self_check_on is not None and evidence.verification_on < evidence.self_check_on:
            missing.append(("verification_on", "核查日期早于企业自查完成日期"))
        if evidence.verification_on < found_on:
            missing.append(("verification_on", "核查日期早于隐患发现日期"))
    if evidence.verification_result != "pass":
        missing.append(("verification_result", "核查结论不是「整改到位」"))
    if settings.require_evidence_attachment and evidence.evidence_items < 1:
        missing.append(("evidence_items", "缺少整改佐证材料（整改前后照片或报告）"))
    return missing


def hazard_default_deadline(found_on: date, severity: str, *, pre_flood_inspection: bool = False,
                            settings: Settings = Settings()) -> date | None:
    """Default rectification deadline (§6.6, UNCONFIRMED): a hazard found in the pre-flood
    inspection before the flood season → the day before ``flood_season_start``; ``minor`` →
    found + ``hazard_deadline_days["minor"]`` days; ``major`` → None (set per case)."""
    if pre_flood_inspection and found_on <= settings.pre_flood_deadline(found_on.year):
        return settings.pre_flood_deadline(found_on.year)
    days = settings.hazard_deadline_days.get(severity)
    return found_on + timedelta(days=int(days)) if days is not None else None
