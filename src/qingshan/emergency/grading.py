"""Performance grades in the store: indicators with evidence, online emission indicators, the grade history.

An enterprise gets a grade per industry (air-emergency.md §3.1). Its indicators are entered with
evidence (equipment, treatment, fugitive, monitoring, management, transport) or computed from its
HJ 212 hourly converted concentrations (emission limits, §3.3, through the one read function
:func:`qingshan.emergency.hj212_store.read_hourly`); the short-board rule decides the grade and
names the indicator(s) that decided it. Grades carry validity dates (dynamic adjustment, §3.1) and
are looked up by alert time (:func:`grade_at`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from fractions import Fraction

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.emergency import tables
from qingshan.emergency.errors import EmergencyError, NotFound
from qingshan.emergency.hj212_store import read_hourly
from qingshan.emergency.models import Grade, Indicator
from qingshan.sources.models import Device, Enterprise, Outlet
from qingshan.standards import performance_grading as pg


def _enterprise(session: Session, enterprise_id: int) -> Enterprise:
    ent = session.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound(f"企业 {enterprise_id} 未登记")
    return ent


def enter_indicator(session: Session, *, enterprise_id: int, industry: str, key: str, group: str,
                    grade_met: str | None, evidence: str, value: str | None = None, user: str | None = None) -> Indicator:
    """Record an indicator entered by staff, with its evidence (required)."""
    _enterprise(session, enterprise_id)
    if group not in pg.INDICATOR_GROUPS:
        raise EmergencyError(f"指标类别“{group}”应为 {'、'.join(pg.INDICATOR_GROUPS)} 之一")
    scale = pg.industry_scale(industry, tables.active(session, "grade_limits")) if _has_industry(session, industry) else None
    if grade_met is not None:
        g = pg.normalise_grade(grade_met)
        if scale is not None and g not in scale:
            raise EmergencyError(f"指标“{key}”：等级 {grade_met} 不在行业“{industry}”的等级 {'/'.join(scale)} 中")
        grade_met = g
    if not evidence or not evidence.strip():
        raise EmergencyError(f"指标“{key}”须附佐证材料说明")
    ind = Indicator(enterprise_id=enterprise_id, industry=industry, key=key.strip()[:120], group=group,
                    grade_met=grade_met, value=value, basis="entered", evidence=evidence.strip(), entered_by=user)
    session.add(ind)
    session.flush()
    return ind


def _has_industry(session: Session, industry: str) -> bool:
    return industry in tables.active(session, "grade_limits").data.get("industries", {})


def online_indicators(session: Session, engine: Engine, enterprise_id: int, industry: str, *, review_end: datetime,
                      outlet_kinds: Mapping[str, str] | None = None,
                      settings: pg.GradingSettings = pg.GradingSettings()) -> list[pg.Indicator]:
    """Emission-limit indicators from HJ 212 hourly ``-ZsAvg`` over the review window (§3.1, §3.3).

    ``outlet_kinds`` maps an MN to the industry's outlet type (e.g. ``kiln_tail``); by default every
    gas outlet of the enterprise takes the industry's only outlet type.
    """
    table = tables.active(session, "grade_limits")
    ind = pg.industry_table(industry, table)
    kinds = list(ind["outlets"])
    devs = session.execute(select(Device.mn, Outlet.name).join(Outlet, Outlet.id == Device.outlet_id)
                           .where(Outlet.enterprise_id == enterprise_id, Outlet.kind == "gas")).all()
    if not devs:
        return []
    mapping = dict(outlet_kinds or {})
    for mn, _ in devs:
        if mn not in mapping:
            if len(kinds) != 1:
                raise EmergencyError(f"行业“{industry}”有多种排放口类型（{'、'.join(kinds)}），请指定设备 {mn} 的类型")
            mapping[mn] = kinds[0]
    start = review_end - timedelta(days=round(365.25 * settings.grade_review_window_months / 12))
    hourly = read_hourly(engine, [mn for mn, _ in devs], start, review_end,
                         factors=tuple(pg.FACTOR[p] for p in ("PM", "SO2", "NOx", "NH3")))
    if hourly.is_empty():
        return []
    outlets = pl.DataFrame({"outlet": list(mapping), "industry": [industry] * len(mapping),
                            "outlet_kind": list(mapping.values())})
    grades = pg.online_limit_grades(hourly.rename({"mn": "outlet"}), outlets, table=table, settings=settings)
    names = dict(devs)
    out = []
    for r in grades.iter_rows(named=True):
        mx = Fraction(int(r["max_zs"]), 10**6)
        out.append(pg.Indicator(
            key=f"排放限值:{names.get(r['outlet'], r['outlet'])}:{r['pollutant']}", group="emission",
            grade_met=r["grade_met"], basis="online",
            value=f"有效小时 {r['n_valid']}，最大 {pg_fmt(mx)} mg/m³",
            evidence=f"HJ 212 小时折算浓度（-ZsAvg）{start:%Y-%m-%d}—{review_end:%Y-%m-%d}，"
                     f"限值表 {r['table_version']}（{r['table_status']}）"))
    return out


def pg_fmt(x: Fraction) -> str:
    return exact.fraction_to_str(x, 2)


def compute_grade(session: Session, engine: Engine | None, enterprise_id: int, industry: str, *,
                  review_end: datetime, valid_from: date | None = None, on_mee_a_plus_list: bool = False,
                  transport_shares: Mapping[str, Fraction | None] | None = None,
                  outlet_kinds: Mapping[str, str] | None = None,
                  settings: pg.GradingSettings = pg.GradingSettings()) -> tuple[Grade, pg.GradeDecision]:
    """The short-board grade of one enterprise in one industry from its latest indicators; stored
    with validity from ``valid_from`` (the previous open grade of that industry is closed)."""
    _enterprise(session, enterprise_id)
    limits = tables.active(session, "grade_limits")
    transport = tables.active(session, "transport_rule")
    scale = pg.industry_scale(industry, limits)
    latest: dict[str, Indicator] = {}
    for i in session.scalars(select(Indicator).where(Indicator.enterprise_id == enterprise_id,
                                                     Indicator.industry == industry).order_by(Indicator.at, Indicator.id)):
        latest[i.key] = i
    inds = [pg.Indicator(i.key, i.group, i.grade_met, i.value, i.basis, i.evidence) for i in latest.values()]
    if engine is not None:
        online = online_indicators(session, engine, enterprise_id, industry, review_end=review_end,
                                   outlet_kinds=outlet_kinds, settings=settings)
        keys = {o.key for o in online}
        inds = [i for i in inds if i.key not in keys] + online
    if transport_shares is not None:
        g, why = pg.transport_grade(transport_shares, scale, table=transport)
        inds = [i for i in inds if i.group != "transport"] + [pg.Indicator("运输方式", "transport", g, None, "computed", why)]
    decision = pg.short_board(industry, inds, scale=scale, settings=settings, tables=(limits, transport))
    final = pg.with_a_plus(decision.grade, on_mee_a_plus_list) or "UNGRADED"
    start = valid_from or review_end.date()
    for old in session.scalars(select(Grade).where(Grade.enterprise_id == enterprise_id, Grade.industry == industry,
                                                   Grade.valid_to.is_(None))):
        old.valid_to = start
    row = Grade(enterprise_id=enterprise_id, industry=industry, grade=final, computed_grade=decision.grade,
                deciding=list(decision.deciding),
                indicators=[{"key": i.key, "group": i.group, "grade_met": i.grade_met, "value": i.value,
                             "basis": i.basis, "evidence": i.evidence} for i in inds],
                reason=decision.reason, source="computed", valid_from=start, tables=list(decision.tables))
    session.add(row)
    session.flush()
    return row, decision


def set_grade(session: Session, enterprise_id: int, industry: str, grade: str, valid_from: date, *,
              source: str = "list", reason: str = "") -> Grade:
    """Record a grade as published (provincial list) or decided by the bureau (dynamic adjustment)."""
    _enterprise(session, enterprise_id)
    g = pg.normalise_grade(grade)
    for old in session.scalars(select(Grade).where(Grade.enterprise_id == enterprise_id, Grade.industry == industry,
                                                   Grade.valid_to.is_(None))):
        old.valid_to = valid_from
    row = Grade(enterprise_id=enterprise_id, industry=industry, grade=g, computed_grade=None, deciding=[],
                indicators=[], reason=reason, source=source, valid_from=valid_from, tables=[])
    session.add(row)
    session.flush()
    return row


def grade_at(session: Session, enterprise_id: int, day: date, *, industry: str | None = None) -> str | None:
    """The grade valid on ``day`` — the lowest over the enterprise's industries (§3.1)."""
    q = select(Grade).where(Grade.enterprise_id == enterprise_id, Grade.valid_from <= day)
    if industry:
        q = q.where(Grade.industry == industry)
    gs = [g.grade for g in session.scalars(q) if g.valid_to is None or day < g.valid_to]
    return pg.lowest(gs)


def grade_history(session: Session, enterprise_id: int) -> list[dict]:
    return [{"industry": g.industry, "grade": g.grade, "computed_grade": g.computed_grade, "source": g.source,
             "valid_from": g.valid_from.isoformat(), "valid_to": g.valid_to.isoformat() if g.valid_to else None,
             "deciding": g.deciding, "reason": g.reason, "indicators": g.indicators, "tables": g.tables}
            for g in session.scalars(select(Grade).where(Grade.enterprise_id == enterprise_id)
                                     .order_by(Grade.valid_from, Grade.id))]
