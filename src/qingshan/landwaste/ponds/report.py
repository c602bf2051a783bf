"""The tailings-pond report builder (CLI, pages, bulletin, demo).

* :func:`pond_supervision` — every pond's grade for the year, its supervision calendar
  (soil-waste.md §6.3–6.4) with done/open/overdue slots, counts by grade and county, and the
  overdue list.
* :func:`pond_file` — one pond's 一库一档 (§6.5): attributes, grades with their documents,
  responsible units, records, closure monitoring with the "2 consecutive years" test (§6.4),
  review flags, this year's schedule, photos and documents, hazards from the risk-hazard ledger.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.ponds.files import FileOut, list_files
from qingshan.landwaste.ponds.hazards import PondHazard, pond_hazards
from qingshan.landwaste.ponds.models import Pond, PondGrade, PondMonitoring, PondRecord, PondResponsible
from qingshan.standards import tailings_ponds as tp


@dataclass(frozen=True)
class ObligationView:
    kind: str
    label: str
    party: str
    due: date
    state: str
    state_zh: str
    done_on: date | None
    days_overdue: int
    basis: str
    rule_status: str


@dataclass(frozen=True)
class PondStatusRow:
    code: str
    name: str
    county_code: str
    status: str
    grade: int
    grade_zh: str
    grade_source: str  # provincial_list | ungraded_default
    grade_document: str | None
    key_discharger_list: bool
    random_check_pool: bool
    review_required: bool
    obligations: tuple[ObligationView, ...]
    overdue: int
    next_due: date | None
    demo: bool
    hazards_open: int = 0  # open items of the risk-hazard ledger (ponds.hazards)


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    pond: str
    label: str
    state: str


@dataclass(frozen=True)
class PondSupervisionReport:
    year: int
    today: date
    ponds: tuple[PondStatusRow, ...]
    by_grade: dict[str, int]
    by_county: dict[str, dict[str, int]]
    overdue: tuple[tuple[str, str, str, ObligationView], ...]  # (pond code, name, county, obligation)
    calendar: tuple[CalendarEntry, ...]
    notes: tuple[str, ...]


def grade_periods(session: Session, pond_id: int) -> list[tp.GradePeriod]:
    return [tp.GradePeriod(g.grade, g.valid_from, g.valid_to, g.list_year, g.document)
            for g in session.scalars(select(PondGrade).where(PondGrade.pond_id == pond_id).order_by(PondGrade.valid_from))]


def records_of(session: Session, pond_id: int, year: int) -> dict[str, list[date]]:
    out: dict[str, list[date]] = {}
    for r in session.scalars(select(PondRecord).where(PondRecord.pond_id == pond_id)):
        if r.done_on.year == year:
            out.setdefault(r.kind, []).append(r.done_on)
    return out


def schedule_of(session: Session, pond: Pond, year: int, settings: tp.Settings = tp.Settings()) -> tp.YearSchedule:
    months = [int(m) for m in (pond.discharge_months or "").split(",") if m] if pond.discharges else []
    return tp.year_schedule(grade_periods(session, pond.id), year, discharge_months=months,
                            toxic_discharge=pond.toxic_discharge, settings=settings)


def _views(statuses: list[tp.ObligationStatus]) -> tuple[ObligationView, ...]:
    return tuple(ObligationView(s.obligation.kind, s.obligation.label, s.obligation.party, s.obligation.due, s.state,
                                tp.STATE_ZH[s.state], s.done_on, s.days_overdue, s.obligation.basis, s.obligation.status)
                 for s in statuses)


def pond_status(session: Session, pond: Pond, year: int, today: date, settings: tp.Settings = tp.Settings()) -> PondStatusRow:
    sched = schedule_of(session, pond, year, settings)
    views = _views(tp.supervision_status(sched, records_of(session, pond.id, year), today))
    open_due = [v.due for v in views if v.state == "open"]
    return PondStatusRow(pond.code, pond.name, pond.county_code, pond.status, sched.grade.grade,
                         tp.GRADE_ZH[sched.grade.grade], sched.grade.source, sched.grade.document, sched.key_discharger_list,
                         sched.random_check_pool, pond.grade_review_required, views,
                         sum(v.state == "overdue" for v in views), min(open_due) if open_due else None, pond.demo)


def pond_supervision(session: Session, year: int, today: date, *, settings: tp.Settings = tp.Settings(),
                     county: str | None = None, grade: int | None = None) -> PondSupervisionReport:
    """Supervision status of every pond (optionally one county or grade) for ``year`` on ``today``."""
    q = select(Pond).order_by(Pond.county_code, Pond.code)
    if county:
        q = q.where(Pond.county_code == county)
    hazards = Counter(h.pond_code for h in pond_hazards(session, today=today) if not h.closed)
    rows = [replace(pond_status(session, p, year, today, settings), hazards_open=hazards.get(p.code, 0))
            for p in session.scalars(q)]
    if grade is not None:
        rows = [r for r in rows if r.grade == grade]
    by_grade = Counter(r.grade_zh for r in rows)
    by_county: dict[str, Counter] = {}
    for r in rows:
        by_county.setdefault(r.county_code, Counter())[r.grade_zh] += 1
    overdue = tuple((r.code, r.name, r.county_code, v) for r in rows for v in r.obligations if v.state == "overdue")
    calendar = tuple(sorted((CalendarEntry(v.done_on or v.due, r.code, v.label, v.state) for r in rows for v in r.obligations),
                            key=lambda c: (c.day, c.pond)))
    notes = [f"汛期开始日 {settings.flood_season_start}（flood_season_start，山西待确认）；汛期前 = 该日前一天及以前",
             "市级检查次数：一级 ≥ 2（其中汛期前 ≥ 1）、二级 ≥ 1、三级随机抽查（二级、三级全国依据待确认）",
             "分级取自省级分类分级清单；未列入清单的时段按一级安排（ungraded_default_grade，待确认）"]
    return PondSupervisionReport(year, today, tuple(rows), dict(by_grade), {k: dict(v) for k, v in sorted(by_county.items())},
                                 overdue, calendar, tuple(notes))


@dataclass(frozen=True)
class PondFile:
    code: str
    attributes: dict
    grades: tuple[dict, ...]
    responsible: tuple[dict, ...]
    records: tuple[dict, ...]
    monitoring: dict[str, tuple[dict, ...]]
    leachate_may_end_after: date | None
    groundwater_may_end_after: date | None
    review_required: bool
    review_reasons: tuple[str, ...]
    status: PondStatusRow
    attachments: tuple[FileOut, ...] = ()  # photos and documents (ponds.files)
    demo: bool = False
    hazards: tuple[PondHazard, ...] = ()  # items of the risk-hazard ledger (ponds.hazards)


ATTRIBUTE_ZH = {
    "name": "库名称", "county_code": "区县代码", "lon": "经度", "lat": "纬度", "operator_name": "运营单位",
    "operator_uscc": "运营单位信用代码", "ore_type": "矿种", "tailings_property": "尾矿属性", "design_capacity_m3": "设计库容 m³",
    "current_capacity_m3": "现状库容 m³", "dam_height_m": "坝高 m", "status": "运行状态", "built_on": "建库日期",
    "closed_on": "闭库日期", "eia_approval": "环评批复", "eia_acceptance": "环保验收", "permit_no": "排污许可证编号",
    "closure_documents": "闭库文件", "facilities": "环保设施", "downstream_receptors": "下游敏感目标",
    "discharges": "是否排放尾矿水", "discharge_months": "排放月份", "toxic_discharge": "是否排放有毒有害物质",
    "hj740_level": "环境风险等级（HJ 740，按备案报告）", "hj740_assessed_on": "风险评估日期",
    "emergency_plan_filing": "应急预案备案编号", "emergency_plan_revised_on": "预案修订日期",
}


def pond_file(session: Session, code: str, today: date, *, settings: tp.Settings = tp.Settings()) -> PondFile | None:
    """One pond's file (§6.5); None if unknown."""
    p = session.scalar(select(Pond).where(Pond.code == code))
    if p is None:
        return None
    attrs = {}
    for k in ATTRIBUTE_ZH:
        v = getattr(p, k)
        if k in ("facilities", "downstream_receptors"):
            v = json.loads(v) if v else []
        attrs[k] = v
    grades = tuple({"grade": tp.GRADE_ZH[g.grade], "valid_from": g.valid_from, "valid_to": g.valid_to, "list_year": g.list_year,
                    "document": g.document} for g in session.scalars(select(PondGrade).where(PondGrade.pond_id == p.id)
                                                                     .order_by(PondGrade.valid_from)))
    resp = tuple({"role": r.role, "unit": r.unit_name, "person": r.person}
                 for r in session.scalars(select(PondResponsible).where(PondResponsible.pond_id == p.id)))
    recs = tuple({"kind": r.kind, "done_on": r.done_on, "by_unit": r.by_unit, "findings": r.findings,
                  "hazards_found": r.hazards_found}
                 for r in session.scalars(select(PondRecord).where(PondRecord.pond_id == p.id).order_by(PondRecord.done_on)))
    mons: dict[str, list[PondMonitoring]] = {}
    for m in session.scalars(select(PondMonitoring).where(PondMonitoring.pond_id == p.id).order_by(PondMonitoring.month)):
        mons.setdefault(m.medium, []).append(m)
    ends = {medium: tp.monitoring_may_end({m.month: m.compliant for m in ms}, settings) for medium, ms in mons.items()}
    return PondFile(p.code, attrs, grades, resp, recs,
                    {k: tuple({"month": m.month, "compliant": m.compliant} for m in v) for k, v in mons.items()},
                    ends.get("leachate"), ends.get("groundwater"), p.grade_review_required,
                    tuple(json.loads(p.review_reasons or "[]")), pond_status(session, p, today.year, today, settings),
                    tuple(list_files(session, p)), p.demo, tuple(pond_hazards(session, p.code, today=today)))
