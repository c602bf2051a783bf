"""The emergency domain's one report builder: plain dataclasses for the CLI, web pages, bulletin and demo.

* :func:`current_alert` — the level in force for a city now (or at a time), its source, times and
  the measures in force by industry and grade (the alert page and the public portal);
* :func:`alert_report` — one alert: actions with their decision records, the level timeline;
* :func:`forecast_chart` — a forecast run's blocks for a city with the thresholds (the chart);
* :func:`alerts_in_month` — alerts of a month with hours in force per level (the bulletin);
* :func:`list_report` — the emergency list with filters and the city check per level;
* :func:`verification_report` — one VERIFY-1 evaluation by enterprise, failing ones first;
  :func:`live_report` the same computed now without storing (the live view);
  :func:`enterprise_verification` one enterprise's results with its hourly emission rates;
* :func:`non_complying` — enterprises that failed in verifications of a period (the bulletin).

Every figure carries the table versions that produced it; demo content says so (``demo``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.emergency import alerts as alert_svc
from qingshan.emergency import forecasts, lists, tables
from qingshan.emergency.errors import NotFound
from qingshan.emergency.models import Alert, EmergencyList, ForecastBatch, Verification, VerificationResult
from qingshan.emergency.verification import FAILING, local_now, run_verification
from qingshan.sources.models import Enterprise
from qingshan.standards import emergency_reduction as er
from qingshan.standards import performance_grading as pg
from qingshan.standards.alert_levels import RESPONSE, Level, iso, level_of_blocks, rules_for_run, thresholds
from qingshan.standards.emergency_reduction import POLLUTANT_ZH
from qingshan.standards.verify_cuts import FLAG_ZH, STATUS_ZH, VerifyParams


@dataclass(frozen=True)
class MeasureGroup:
    industry: str
    grade: str
    measures: str
    enterprises: int


@dataclass(frozen=True)
class CurrentAlert:
    city: str
    at: str
    level: str
    level_zh: str
    response: str | None
    source: str
    alert_id: int | None
    start: str | None
    lift_at: str | None
    measures: tuple[MeasureGroup, ...]
    demo: bool


def current_alert(session: Session, city: str, at: datetime | None = None, *, list_id: int | None = None) -> CurrentAlert:
    """The level in force in ``city`` at ``at`` (default now), max of local and notified (§1.7),
    with the list's measures at that level grouped by industry and grade."""
    at = at or local_now()
    tl = alert_svc.city_timeline(session, city, at, at + timedelta(seconds=1))
    level, source = (tl[0][2], tl[0][3]) if tl else ("none", "local")
    lv = Level.parse(level)
    inforce = [a for a in alert_svc.alerts_in_force(session, at, city=city) if a.source == source]
    a = inforce[-1] if inforce else None
    groups: tuple[MeasureGroup, ...] = ()
    demo = bool(a.demo) if a else False
    if lv >= Level.YELLOW:
        try:
            lst = lists.get_list(session, list_id)
        except NotFound:
            lst = None
        if lst is not None:
            acc: dict[tuple[str, str, str], int] = defaultdict(int)
            for r in lists.list_rows(session, lst.id):
                acc[(lists.INDUSTRY_ZH.get(r.industry, r.industry), pg.GRADE_ZH.get(r.grade, r.grade),
                     lists.measures_text(r, lv.code) or "—")] += 1
            groups = tuple(MeasureGroup(i, g, m, n) for (i, g, m), n in sorted(acc.items()))
            demo = demo or bool(lst.demo)
    return CurrentAlert(city, iso(at), lv.code, lv.zh, RESPONSE.get(lv), source, a.id if a else None,
                        iso(a.start) if a else None, iso(a.lift_at) if a else None, groups, demo)


@dataclass(frozen=True)
class ActionLine:
    id: int
    seq: int
    action: str
    action_zh: str
    level: str
    at: str
    decide_by: str | None
    run_time: str | None
    reason: str
    document_no: str | None
    branch: str | None


ACTION_ZH = {"issue": "发布", "raise": "升级", "lower": "降级", "extend": "延长", "lift": "解除"}


@dataclass(frozen=True)
class AlertReport:
    alert: dict[str, Any]
    actions: tuple[ActionLine, ...]
    timeline: tuple[tuple[str, str, str, str], ...]  # (start, end, level, source)
    decision: dict[str, Any] | None  # the decision record of the last forecast-based action


def alert_report(session: Session, alert_id: int, *, now: datetime | None = None) -> AlertReport:
    a = session.get(Alert, alert_id)
    if a is None:
        raise NotFound(f"预警 {alert_id} 不存在")
    now = now or local_now()
    acts = alert_svc.actions_of(session, a.id)
    lines = tuple(ActionLine(x.id, x.seq, x.action, ACTION_ZH.get(x.action, x.action), x.level, iso(x.at),
                             iso(x.decide_by), iso(x.run_time), x.reason, x.document_no, (x.decision or {}).get("branch"))
                  for x in acts)
    end = a.lift_at or max(now, a.end)
    tl = tuple((iso(s), iso(e), lv, src) for s, e, lv, src in alert_svc.city_timeline(session, a.city, a.start, end))
    decision = next((x.decision for x in reversed(acts) if x.run_time is not None), None)
    return AlertReport(alert_svc.describe(a), lines, tl, decision)


@dataclass(frozen=True)
class ForecastChart:
    city: str
    batch_id: int
    run_time: str
    rules: str
    thresholds: tuple[int, ...]  # the AQI lines to draw: 150, 200, 300 (2019: 200, 300, 500 …), inner conditions too
    blocks: tuple[tuple[str, int | None, str], ...]  # (start, aqi, primary)
    level: str
    branch: str | None
    missing: tuple[str, ...]
    demo: bool


def forecast_chart(session: Session, batch_id: int, city: str) -> ForecastChart:
    b = session.get(ForecastBatch, batch_id)
    if b is None:
        raise NotFound(f"预报批次 {batch_id} 不存在")
    ds = alert_svc.evaluate_batch(session, batch_id, city=city)
    if not ds:
        raise NotFound(f"预报批次 {batch_id} 没有城市“{city}”")
    d = ds[0]
    th = alert_svc.thresholds_for(session, rules_for_run(b.run_time))
    alert = [br for br in th.branches if br.level >= Level.YELLOW and br.enabled_by is None]
    lines = tuple(sorted({br.above for br in alert} | {br.inner_above for br in alert if br.inner_above is not None}
                         | {th.run_above}))
    blocks = tuple((iso(x.start), x.aqi, ",".join(x.primary or ())) for g in d.blocks.values() for x in g)
    return ForecastChart(city, batch_id, iso(b.run_time), d.table["version"], lines, tuple(sorted(blocks)),
                         d.level_code, d.branch, tuple(iso(t) for t in d.missing), bool(b.demo))


@dataclass(frozen=True)
class MonthAlert:
    alert_id: int
    city: str
    source: str
    max_level: str
    start: str
    lift_at: str | None
    hours_by_level: dict[str, float]


@dataclass(frozen=True)
class MonthAlerts:
    year: int
    month: int
    alerts: tuple[MonthAlert, ...]
    hours_by_level: dict[str, float]
    demo: bool


def alerts_in_month(session: Session, year: int, month: int, *, city: str | None = None) -> MonthAlerts:
    """Alerts in force during the month and their hours in force per level within it (bulletin)."""
    m0 = datetime(year, month, 1)
    m1 = datetime(year + (month == 12), month % 12 + 1, 1)
    out, total, demo = [], defaultdict(float), False
    for a in alert_svc.alerts_between(session, m0, m1, city=city):
        hours: dict[str, float] = defaultdict(float)
        for s, e, lv in alert_svc.level_timeline(session, a, until=min(m1, local_now())):
            s2, e2 = max(s, m0), min(e, m1)
            if e2 > s2:
                hours[lv] += (e2 - s2) / timedelta(hours=1)
        for k, v in hours.items():
            total[k] += v
        demo = demo or bool(a.demo)
        out.append(MonthAlert(a.id, a.city, a.source, a.max_level, iso(a.start), iso(a.lift_at), dict(hours)))
    return MonthAlerts(year, month, tuple(out), dict(total), demo)


@dataclass(frozen=True)
class ListLine:
    row_id: int
    enterprise_id: int
    name: str
    uscc: str
    county: str | None
    industry: str
    line_id: str
    grade: str
    protected: str
    measures: dict[str, str]
    reductions: dict[str, dict[str, str]]  # level → pollutant → kg/d (3 decimals)


@dataclass(frozen=True)
class CheckLine:
    level: str
    pollutant: str
    baseline_t: str
    required_t: str
    achieved_t: str
    share: str
    passed: bool
    shortfall_t: str


@dataclass(frozen=True)
class ListReport:
    list_id: int
    name: str
    season: str
    rows: tuple[ListLine, ...]
    checks: tuple[CheckLine, ...]
    passed: dict[str, bool]
    tables: list[dict[str, str]]
    demo: bool


def _t(x: Fraction, d: int = 3) -> str:
    return exact.fraction_to_str(x, d)


def list_report(session: Session, list_id: int | None = None, *, grade: str | None = None,
                industry: str | None = None, county: str | None = None) -> ListReport:
    lst = lists.get_list(session, list_id)
    rows = []
    for r in lists.list_rows(session, lst.id, grade=grade, industry=industry, county=county):
        red = lists.reductions_of(r)
        rows.append(ListLine(r.id, r.enterprise_id, r.name, r.uscc, r.county, lists.INDUSTRY_ZH.get(r.industry, r.industry),
                             r.line_id, r.grade, er.PROTECTED[r.protected],
                             {lv: lists.measures_text(r, lv) for lv in er.LEVELS},
                             {lv: {p: _t(v) for p, v in red[lv].items()} for lv in er.LEVELS}))
    checks, passed, tabs = [], {}, list(lst.tables or [])
    for lv in er.LEVELS:
        c = lists.check_for(session, lst.id, lv)
        passed[lv] = c.passed
        if c.table not in tabs:
            tabs.append(c.table)
        for i in c.items:
            checks.append(CheckLine(lv, i.pollutant, _t(i.baseline_t), _t(i.required_t), _t(i.achieved_t), i.share_pub,
                                    i.passed, _t(i.shortfall_t)))
    return ListReport(lst.id, lst.name, lst.season, tuple(rows), tuple(checks), passed, tabs, bool(lst.demo))


@dataclass(frozen=True)
class PollutantLine:
    pollutant: str
    status: str
    status_zh: str
    rho: str
    rho_req: str
    coverage: str
    load_ratio: str
    baseline_source: str
    flags: tuple[str, ...]
    stop_breach_hours: int


@dataclass(frozen=True)
class EnterpriseVerification:
    enterprise_id: int
    name: str
    county: str | None
    units: tuple[tuple[str, tuple[str, ...], tuple[PollutantLine, ...]], ...]  # (unit, line_ids, results)
    failed: bool


@dataclass(frozen=True)
class VerificationReport:
    verification_id: int
    alert_id: int
    city: str
    evaluated_at: str
    provisional: bool
    window: dict[str, Any]
    enterprises: tuple[EnterpriseVerification, ...]
    status_counts: dict[str, int]
    tables: list[dict[str, str]]
    demo: bool


def _enterprise_lines(session: Session, rows) -> tuple[tuple[EnterpriseVerification, ...], dict[str, int]]:
    """(enterprise_id, unit, line_ids, pollutant, status, flags, detail) rows → per-enterprise
    lines, failing enterprises first; and the status counts."""
    by_ent: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        by_ent[r[0]][r[1]].append(r)
        counts[r[4]] += 1
    ents = []
    for eid, units in by_ent.items():
        e = session.get(Enterprise, eid)
        us, failed = [], False
        for unit, rs in units.items():
            lines = []
            for _, _, _, pollutant, status, flags, d in rs:
                failed = failed or status in FAILING
                lines.append(PollutantLine(pollutant, status, STATUS_ZH[status], d["rho_pub"], d["rho_req_pub"],
                                           d["coverage_pub"], d["load_ratio_pub"], d["baseline_source"],
                                           tuple(FLAG_ZH.get(f, f) for f in flags), len(d["stop_breach_hours"])))
            us.append((unit, tuple(rs[0][2]), tuple(lines)))
        ents.append(EnterpriseVerification(eid, e.name if e else str(eid), e.county_code if e else None, tuple(us),
                                           failed))
    ents.sort(key=lambda x: (not x.failed, x.name))
    return tuple(ents), dict(counts)


def verification_report(session: Session, verification_id: int) -> VerificationReport:
    """A stored VERIFY-1 evaluation by enterprise, failing ones first."""
    v = session.get(Verification, verification_id)
    if v is None:
        raise NotFound(f"核查记录 {verification_id} 不存在")
    alert = session.get(Alert, v.alert_id)
    rows = [(r.enterprise_id, r.unit, r.line_ids, r.pollutant, r.status, r.flags, r.detail)
            for r in session.scalars(select(VerificationResult).where(VerificationResult.verification_id == v.id)
                                     .order_by(VerificationResult.id))]
    ents, counts = _enterprise_lines(session, rows)
    lst = session.get(EmergencyList, v.list_id)
    return VerificationReport(v.id, v.alert_id, alert.city, iso(v.evaluated_at), v.provisional, v.window, ents,
                              counts, v.tables, bool(alert.demo or (lst and lst.demo)))


def live_report(session: Session, engine: Engine, alert_id: int, *, list_id: int | None = None,
                now: datetime | None = None) -> VerificationReport:
    """The live view (§4.2 "while the alert runs: provisional"): VERIFY-1 recomputed now from the
    HJ 212 data received so far, nothing stored (``verification_id`` 0)."""
    run = run_verification(session, engine, alert_id, list_id=list_id, now=now, store=False)
    unit_rows = {u.unit.unit: u for u in run.units}
    rows = [(unit_rows[r.unit].enterprise_id, r.unit, [x.line_id for x in unit_rows[r.unit].rows], r.pollutant,
             r.status, list(r.flags), r.as_dict()) for r in run.results]
    ents, counts = _enterprise_lines(session, rows)
    alert = session.get(Alert, alert_id)
    lst = session.get(EmergencyList, run.list_id)
    return VerificationReport(0, alert_id, alert.city, iso(run.evaluated_at), run.provisional, run.window, ents,
                              counts, run.tables, bool(alert.demo or (lst and lst.demo)))


@dataclass(frozen=True)
class RateSeries:
    """One check unit × pollutant of an enterprise: the stored result and the hourly emission
    rate behind it (§4.2), with the baseline rate and the rate the required cut allows."""

    unit: str
    line_ids: tuple[str, ...]
    pollutant: str
    pollutant_zh: str
    status: str
    status_zh: str
    rho_pub: str
    rho_req_pub: str
    coverage_pub: str
    load_ratio_pub: str
    r_base_kg_h: str | None  # 3 decimals, half-even, from the exact value
    r_alert_kg_h: str | None
    r_allowed_kg_h: str | None  # r_base × (1 − rho_req)
    hours: tuple[str, ...]
    windows: tuple[str, ...]  # baseline | alert
    rates_kg_h: tuple[float | None, ...]  # for the chart only (the table shows exact values)
    valid: tuple[bool, ...]
    shutdown: tuple[bool, ...]
    stop_breach_hours: tuple[str, ...]
    excluded: dict[str, dict[str, int]]  # window → flag → hours


@dataclass(frozen=True)
class EnterpriseDetail:
    verification_id: int
    alert_id: int
    enterprise_id: int
    name: str
    uscc: str
    county: str | None
    evaluated_at: str
    provisional: bool
    window: dict[str, Any]
    series: tuple[RateSeries, ...]
    failed: bool
    same_as_stored: bool  # the recomputation behind the chart gives the stored statuses
    tables: list[dict[str, str]]
    demo: bool


def _kg_h(x: str | None) -> str | None:
    return None if x is None else exact.fraction_to_str(Fraction(x), 3)


def enterprise_verification(session: Session, engine: Engine, verification_id: int,
                            enterprise_id: int) -> EnterpriseDetail:
    """One enterprise's results of a stored verification with the hourly series behind them.

    The series is recomputed with the stored evaluation time and the same ``verify_params``
    version; ``same_as_stored`` says whether the recomputation (data received since included)
    still gives the stored statuses — the stored record is the one that counts.
    """
    v = session.get(Verification, verification_id)
    if v is None:
        raise NotFound(f"核查记录 {verification_id} 不存在")
    ent = session.get(Enterprise, enterprise_id)
    stored = list(session.scalars(select(VerificationResult).where(
        VerificationResult.verification_id == v.id, VerificationResult.enterprise_id == enterprise_id)
        .order_by(VerificationResult.id)))
    if ent is None or not stored:
        raise NotFound(f"核查记录 {verification_id} 中没有企业 {enterprise_id}")
    ref = next((t for t in v.tables if t.get("kind") == "verify_params"), None)
    params = VerifyParams.from_table(tables.get(session, "verify_params", ref["version"])) if ref else None
    run = run_verification(session, engine, v.alert_id, list_id=v.list_id, now=v.evaluated_at, params=params,
                           store=False, enterprise_id=enterprise_id)
    live = {(r.unit, r.pollutant): r for r in run.results}
    same = all(live.get((r.unit, r.pollutant)) is not None and live[(r.unit, r.pollutant)].status == r.status
               for r in stored)
    out = []
    for r in stored:
        d = r.detail
        s = run.series.filter((pl.col("unit") == r.unit) & (pl.col("pollutant") == r.pollutant)).sort("hour")
        rho_req = Fraction(r.rho_req) if r.rho_req else Fraction(0)
        base = d.get("r_base_kg_h")
        allowed = None if base is None else exact.fraction_to_str(Fraction(base) * (1 - rho_req), 3)
        out.append(RateSeries(
            r.unit, tuple(r.line_ids), r.pollutant, POLLUTANT_ZH.get(r.pollutant, r.pollutant), r.status,
            STATUS_ZH[r.status], d["rho_pub"], d["rho_req_pub"], d["coverage_pub"], d["load_ratio_pub"], _kg_h(base),
            _kg_h(d.get("r_alert_kg_h")), allowed, tuple(iso(t) for t in s["hour"].to_list()),
            tuple(s["window"].to_list()), tuple(None if x is None else round(x, 3) for x in s["rate_kg_h"].to_list()),
            tuple(bool(x) for x in s["valid"].to_list()), tuple(bool(x) for x in s["shutdown"].to_list()),
            tuple(d.get("stop_breach_hours") or ()),
            {"baseline": dict(d.get("excluded_base") or {}), "alert": dict(d.get("excluded_alert") or {})}))
    alert = session.get(Alert, v.alert_id)
    lst = session.get(EmergencyList, v.list_id)
    return EnterpriseDetail(v.id, v.alert_id, ent.id, ent.name, ent.uscc, ent.county_code, iso(v.evaluated_at),
                            v.provisional, v.window, tuple(out), any(r.status in FAILING for r in stored), same,
                            v.tables, bool(alert.demo or (lst and lst.demo)))


@dataclass(frozen=True)
class NonComplying:
    enterprise_id: int
    name: str
    county: str | None
    alert_id: int
    verification_id: int
    alert_start: str
    max_level: str
    pollutants: tuple[str, ...]
    statuses: tuple[str, ...]
    provisional: bool
    demo: bool


def non_complying(session: Session, start: datetime, end: datetime, *, city: str | None = None,
                  include_provisional: bool = False) -> list[NonComplying]:
    """Enterprises that failed (FAIL, STOP_BREACH) in the latest verification of each alert of the
    period; provisional verifications only when asked (the bulletin lists final results)."""
    out = []
    for a in alert_svc.alerts_between(session, start, end, city=city):
        v = session.scalars(select(Verification).where(Verification.alert_id == a.id)
                            .order_by(Verification.evaluated_at.desc(), Verification.id.desc()).limit(1)).first()
        if v is None or (v.provisional and not include_provisional):
            continue
        bad: dict[int, list[VerificationResult]] = defaultdict(list)
        for r in session.scalars(select(VerificationResult).where(VerificationResult.verification_id == v.id,
                                                                  VerificationResult.status.in_(("FAIL", "STOP_BREACH")))):
            bad[r.enterprise_id].append(r)
        for eid, rs in bad.items():
            e = session.get(Enterprise, eid)
            out.append(NonComplying(eid, e.name, e.county_code, a.id, v.id, iso(a.start), a.max_level,
                                    tuple(sorted({r.pollutant for r in rs})), tuple(sorted({r.status for r in rs})),
                                    v.provisional, bool(a.demo)))
    return out


@dataclass(frozen=True)
class PostEventCheck:
    """§1.5: per block, the deciding forecast AQI beside the observed AQI of the same 24 h, and
    whether the observed blocks met the alert's level condition."""

    alert_id: int
    rows: tuple[tuple[str, int | None, int | None], ...]  # (block start, forecast AQI, observed AQI)
    forecast_level: str
    observed_level: str
    hit: bool | None  # None: observed blocks missing


def post_event_check(session: Session, alert_id: int, *, observed_batch_id: int | None = None) -> PostEventCheck:
    a = session.get(Alert, alert_id)
    if a is None:
        raise NotFound(f"预警 {alert_id} 不存在")
    issue = next((x for x in alert_svc.actions_of(session, a.id) if x.action == "issue"), None)
    rec = (issue.decision or {}) if issue else {}
    if rec.get("source") == "observed":
        rec = rec.get("forecast") or {}
    blocks = [(b["start"], b["aqi"]) for b in rec.get("blocks") or []]
    ob = (session.get(ForecastBatch, observed_batch_id) if observed_batch_id
          else forecasts.latest_batch(session, "observed"))
    observed: dict[str, int | None] = {}
    if ob is not None:
        f = forecasts.batch_frame(session, ob.id, a.city)
        observed = {iso(r["block_start"]): r["aqi"] for r in f.iter_rows(named=True)}
    rows = tuple((s, fa, observed.get(s)) for s, fa in blocks)
    version = (rec.get("thresholds") or {}).get("version")
    # the same table version that decided the alert judges the observed blocks
    th = thresholds(tables.get(session, "alert_thresholds", version)) if version else alert_svc.thresholds_for(session, "2024")
    obs_vals = [o for _, _, o in rows]
    if not rows or any(o is None for o in obs_vals):
        return PostEventCheck(a.id, rows, a.max_level, "none", None)
    lv, _ = level_of_blocks(obs_vals, th)
    return PostEventCheck(a.id, rows, a.max_level, lv.code, lv >= Level.parse(a.max_level))


@dataclass
class DemoSummary:
    """What the demo builder wrote (for the ``qingshan demo`` printout)."""

    enterprises: list[dict[str, Any]] = field(default_factory=list)
    list_id: int | None = None
    batch_id: int | None = None
    alert_id: int | None = None
    alert_level: str | None = None
    alert_start: str | None = None
    alert_lift: str | None = None
    packets: int = 0
    verification_id: int | None = None
    failing: list[str] = field(default_factory=list)
    city_check: dict[str, bool] = field(default_factory=dict)
    episode_note: str = ""
