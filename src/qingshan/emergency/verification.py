"""Verification of listed enterprises during an alert (rule VERIFY-1, air-emergency.md §4.2–§4.3).

:func:`run_verification` gathers what the pure rule (:func:`qingshan.standards.verify_cuts.verify`)
needs from the store — the alert's first issue, start and lift, the level in force hour by hour
(local alert merged with regional/provincial notices, §1.7), earlier alerts to drop from the
baseline, the list's check units (rows sharing an outlet merged) with their required cuts, the
grade limits (§4.3), and the HJ 212 hourly values through the domain's one read function — runs
the rule and stores the results with the versions of every table used. While the alert runs the
results are ``provisional`` and the same call refreshes them as data arrive (the live view);
after the lift it gives the final report.

:func:`evidence_payload` is what an item of the rectification ledger carries for an enterprise
that failed (phase 2 opens the item).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.emergency import alerts as alert_svc
from qingshan.emergency import lists, tables
from qingshan.emergency.errors import EmergencyError, NotFound
from qingshan.emergency.hj212_store import read_hourly
from qingshan.emergency.models import Alert, Verification, VerificationResult
from qingshan.sources.models import Enterprise
from qingshan.standards import performance_grading as pg
from qingshan.standards.alert_levels import iso
from qingshan.standards.verify_cuts import FACTORS, FLOW, AlertWindow, UnitResult, VerifyParams, verify

FAILING = ("FAIL", "STOP_BREACH")


def local_now() -> datetime:
    """Now, naive Beijing time to the second (the store's time base, hj212.md §11), from the one
    clock (:mod:`qingshan.core.clock`: frozen in tests)."""
    return clock.now_local().replace(tzinfo=None, microsecond=0)


@dataclass
class VerificationRun:
    """One VERIFY-1 evaluation of one alert (stored or live)."""

    id: int | None
    alert_id: int
    list_id: int
    evaluated_at: datetime
    provisional: bool
    window: dict[str, Any]
    tables: list[dict[str, str]]
    units: list[lists.UnitRows]
    results: list[UnitResult]
    series: pl.DataFrame

    def by_unit(self) -> dict[str, list[UnitResult]]:
        out: dict[str, list[UnitResult]] = {}
        for r in self.results:
            out.setdefault(r.unit, []).append(r)
        return out

    @property
    def summary(self) -> dict[str, Any]:
        counts = Counter(r.status for r in self.results)
        unit_ent = {u.unit.unit: u.enterprise_id for u in self.units}
        failing = sorted({unit_ent[r.unit] for r in self.results if r.status in FAILING})
        return {"status_counts": dict(counts), "units": len(self.units), "failing_enterprises": failing,
                "provisional": self.provisional}


def _grade_limits(session: Session, rows: list) -> dict[int, dict[str, Fraction]]:
    """§4.3: each enterprise's grade limits (the industry's only outlet type, the row's grade)."""
    table = tables.active(session, "grade_limits")
    out: dict[int, dict[str, Fraction]] = {}
    for r in rows:
        ind = table.data.get("industries", {}).get(r.industry)
        if not ind or len(ind.get("outlets", {})) != 1:
            continue
        outlet = next(iter(ind["outlets"].values()))
        g = pg.LEAD_MAPPING.get(r.grade, r.grade)
        g = "A" if g == "A+" else g
        lims = outlet.get("limits", {}).get(g)
        if lims:
            out[r.enterprise_id] = {p: Fraction(str(v)) for p, v in lims.items() if p in FACTORS}
    return out


def alert_window(session: Session, alert: Alert, now: datetime, params: VerifyParams) -> AlertWindow:
    """The alert's windows (§4.2): first issue, start, lift; the effective level by hour; the
    earlier alerts and notices of the city inside the baseline span (dropped, not replaced)."""
    end = alert.lift_at if alert.lift_at is not None and alert.lift_at <= now else None
    until = end or now
    levels = [(a, b, lv) for a, b, lv, _ in alert_svc.city_timeline(session, alert.city, alert.start, until)
              if lv != "none"]
    span0 = alert.first_issue - timedelta(hours=params.baseline_max_h)
    excluded = []
    for other in alert_svc.alerts_between(session, span0, alert.first_issue, city=alert.city):
        if other.id != alert.id:
            excluded.append((other.start, other.lift_at or other.end))
    for n in alert_svc.notices_for(session, alert.city, span0, alert.first_issue):
        excluded.append((n.start, n.end or alert.first_issue))
    return AlertWindow(alert.first_issue, alert.start, end, levels, excluded)


def run_verification(session: Session, engine: Engine, alert_id: int, *, list_id: int | None = None,
                     now: datetime | None = None, params: VerifyParams | None = None, store: bool = True,
                     enterprise_id: int | None = None) -> VerificationRun:
    """VERIFY-1 for every listed enterprise (or one) during alert ``alert_id``.

    ``now`` is the evaluation time (default: now, Beijing time); before the lift the results are
    provisional. ``store=False`` computes without writing (the live view; a single enterprise's
    chart). ``params`` default: the active ``verify_params`` table.
    """
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"预警 {alert_id} 不存在")
    now = now or local_now()
    if now < alert.first_issue:
        raise EmergencyError(f"预警 {alert_id} 尚未发布（{alert.first_issue:%Y-%m-%d %H:%M}）")
    lst = lists.get_list(session, list_id)
    p = params or VerifyParams.from_table(tables.active(session, "verify_params"))
    window = alert_window(session, alert, now, p)
    rows = lists.list_rows(session, lst.id, enterprise_id=enterprise_id)
    units = lists.check_units(rows, limits=_grade_limits(session, rows))
    mns = sorted({mn for u in units for mn in u.unit.outlets})
    start = window.first_issue - timedelta(hours=p.baseline_max_h)
    end = min(window.end or now, now)
    hourly = read_hourly(engine, mns, start, end, factors=(*FACTORS.values(), FLOW))
    v = verify(hourly.rename({"mn": "outlet"}), [u.unit for u in units], window, now=now, params=p)
    used = [dict(p.table), tables.active(session, "required_ratio").ref, tables.active(session, "grade_measures").ref,
            tables.active(session, "grade_limits").ref, *alert.tables]
    win = {"first_issue": iso(window.first_issue), "start": iso(window.start), "end": iso(window.end),
           "levels": [[iso(a), iso(b), lv] for a, b, lv in window.levels],
           "excluded": [[iso(a), iso(b)] for a, b in window.excluded]}
    run = VerificationRun(None, alert.id, lst.id, now, v.provisional, win, used, units, list(v.results), v.series)
    if store:
        rec = Verification(alert_id=alert.id, list_id=lst.id, evaluated_at=now, provisional=v.provisional,
                           params={k: str(x) for k, x in p.__dict__.items() if k != "table"}, tables=used,
                           window=win, summary=run.summary)
        session.add(rec)
        session.flush()
        unit_rows = {u.unit.unit: u for u in units}
        fr = lambda x: None if x is None else f"{x.numerator}/{x.denominator}"  # noqa: E731
        session.add_all([
            VerificationResult(verification_id=rec.id, enterprise_id=unit_rows[r.unit].enterprise_id, unit=r.unit[:200],
                               line_ids=[x.line_id for x in unit_rows[r.unit].rows], pollutant=r.pollutant,
                               status=r.status, rho_req=fr(r.rho_req), rho=fr(r.rho), coverage=fr(r.coverage),
                               flags=list(r.flags), detail=r.as_dict())
            for r in v.results])
        session.flush()
        run.id = rec.id
    return run


def evidence_payload(session: Session, verification_id: int, enterprise_id: int) -> dict[str, Any]:
    """The evidence an item of the rectification ledger carries for an enterprise that did not cut.

    Returns the item's suggested kind, title and fields (Chinese, as the ledger shows them) and
    the computation: the alert, windows, levels, every check unit × pollutant result with its
    exact values, excluded hours per flag, stop-breach hours, and the table versions used.
    """
    rec = session.get(Verification, verification_id)
    if rec is None:
        raise NotFound(f"核查记录 {verification_id} 不存在")
    ent = session.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound(f"企业 {enterprise_id} 未登记")
    alert = session.get(Alert, rec.alert_id)
    results = list(session.scalars(select(VerificationResult).where(
        VerificationResult.verification_id == verification_id, VerificationResult.enterprise_id == enterprise_id)))
    if not results:
        raise NotFound(f"核查记录 {verification_id} 中没有企业“{ent.name}”")
    bad = [r for r in results if r.status in FAILING]
    lines = []
    for r in bad:
        d = r.detail
        if r.status == "STOP_BREACH":
            lines.append(f"{'、'.join(r.line_ids)} {r.pollutant}：要求停产，{len(d['stop_breach_hours'])} 个有效小时仍在排放")
        else:
            lines.append(f"{'、'.join(r.line_ids)} {r.pollutant}：削减 {d['rho_pub']}，要求 {d['rho_req_pub']}（有效数据 {d['coverage_pub']}）")
    level_zh = {"yellow": "黄色", "orange": "橙色", "red": "红色"}.get(alert.max_level, alert.max_level)
    return {
        "kind": "inspection",
        "title": f"{ent.name}在{alert.start:%Y年%m月%d日}{level_zh}预警期间未落实应急减排措施（在线监测核查）",
        "enterprise": {"id": ent.id, "name": ent.name, "uscc": ent.uscc, "county_code": ent.county_code},
        "fields": {
            "measures": "按应急减排清单落实停限产措施，说明未落实原因并整改",
            "evidence": "；".join(lines),
            "note": ("核查结果为预警进行中的暂定结果；" if rec.provisional else "") + "依据 VERIFY-1（项目默认规则，非官方方法）",
        },
        "computation": {
            "verification_id": rec.id, "alert_id": alert.id, "city": alert.city, "evaluated_at": iso(rec.evaluated_at),
            "provisional": rec.provisional, "window": rec.window, "params": rec.params, "tables": rec.tables,
            "results": [{**r.detail, "line_ids": r.line_ids} for r in results],
        },
        "demo": bool(alert.demo),
    }


def latest_verification(session: Session, alert_id: int) -> Verification | None:
    return session.scalars(select(Verification).where(Verification.alert_id == alert_id)
                           .order_by(Verification.evaluated_at.desc(), Verification.id.desc()).limit(1)).first()
