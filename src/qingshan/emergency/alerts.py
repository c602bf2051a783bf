"""Alerts: forecast runs → episodes with issue/raise/lower/extend/lift, regional notices, the level in force.

Wraps the pure rules of :mod:`qingshan.standards.alert_levels` (air-emergency.md §1) with the
store: the thresholds come from the bureau's active table version of the run's edition, every
action keeps the decision record (§1.7) of the forecast run that justified it, and an alert
started by a regional or provincial notice is lifted only by that notice's lift (§1.4, §1.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.emergency import forecasts, tables
from qingshan.emergency.errors import EmergencyError, NotFound
from qingshan.emergency.models import Alert, AlertAction, ForecastBatch, TableVersionRow
from qingshan.emergency.models import Notice as NoticeRow
from qingshan.standards.alert_levels import (
    AlertSettings,
    AlertState,
    CityDecision,
    Level,
    Notice,
    Thresholds,
    advance,
    effective_timeline,
    evaluate_forecast,
    observed_trigger,
    iso,
    rules_for_run,
    thresholds,
)


def thresholds_for(session: Session, rules: str) -> Thresholds:
    """The threshold table of edition ``rules``: the active version when it is of that edition
    (``data.edition``, else its version name), otherwise the newest version of that edition."""
    tables.seed(session)
    act = tables.active(session, "alert_thresholds")
    if act.data.get("edition", act.version) == rules:
        return thresholds(act)
    rows = session.scalars(select(TableVersionRow).where(TableVersionRow.kind == "alert_thresholds")
                           .order_by(TableVersionRow.id.desc()))
    for r in rows:
        if (r.data or {}).get("edition", r.version) == rules:
            return thresholds(tables.get(session, "alert_thresholds", r.version))
    raise EmergencyError(f"没有 {rules} 版预警分级阈值表")


def evaluate_batch(session: Session, batch_id: int, *, settings: AlertSettings = AlertSettings(),
                   city: str | None = None) -> list[CityDecision]:
    """Every city's decision from one stored forecast run (no alert is changed)."""
    batch = session.get(ForecastBatch, batch_id)
    if batch is None or batch.kind != "forecast":
        raise NotFound(f"预报批次 {batch_id} 不存在")
    frame = forecasts.batch_frame(session, batch_id, city)
    th = thresholds_for(session, rules_for_run(batch.run_time, settings))
    return evaluate_forecast(frame, batch.run_time, settings=settings, table=th)


@dataclass(frozen=True)
class AlertChange:
    city: str
    alert_id: int | None
    actions: tuple[str, ...]
    level: str
    decision: CityDecision


def _state(a: Alert) -> AlertState:
    return AlertState(Level.parse(a.level), a.start, a.end, a.last_above_end, a.lift_at, a.source)


def active_local_alert(session: Session, city: str) -> Alert | None:
    return session.scalars(select(Alert).where(Alert.city == city, Alert.status == "active", Alert.source == "local")
                           .order_by(Alert.id.desc()).limit(1)).first()


def _add_action(session: Session, alert: Alert, action: str, level: Level, at: datetime, decide_by: datetime | None,
                run_time: datetime | None, batch_id: int | None, reason: str, decision: dict, user: str | None
                ) -> AlertAction:
    seq = 1 + max((x.seq for x in session.scalars(select(AlertAction).where(AlertAction.alert_id == alert.id))),
                  default=0)
    act = AlertAction(alert_id=alert.id, seq=seq, action=action, level=level.code, at=at, decide_by=decide_by,
                      run_time=run_time, batch_id=batch_id, reason=reason, decision=decision, created_by=user)
    session.add(act)
    session.flush()
    return act


def apply_decision(session: Session, decision: CityDecision, *, batch_id: int | None = None,
                   settings: AlertSettings = AlertSettings(), user: str | None = None, demo: bool = False
                   ) -> AlertChange:
    """Let one city's decision act on its local alert (§1.4): issue, raise, lower, extend or lift."""
    rt = decision.run_time
    current = active_local_alert(session, decision.city)
    if current is not None and current.lift_at is not None and current.lift_at <= rt:
        current.status = "lifted"  # its planned lift passed before this run
        current = None
    state = _state(current) if current is not None else None
    new, actions = advance(state, decision, settings=settings)
    record = decision.record()
    if not actions:
        return AlertChange(decision.city, current.id if current else None, (), decision.level_code, decision)
    alert = current
    if alert is None:
        issue = actions[0]
        alert = Alert(city=decision.city, source="local", status="active", level=new.level.code,
                      max_level=new.level.code, first_issue=issue.at, start=issue.effective, end=new.end,
                      last_above_end=new.last_above_end, lift_at=new.lift_at, rules=decision.table["version"],
                      tables=[decision.table], settings=dict(decision.settings), demo=demo)
        session.add(alert)
        session.flush()
    for a in actions:
        _add_action(session, alert, a.action, a.level, a.effective, a.decide_by, rt, batch_id,
                    a.reason + f"（发布时间 {a.at:%Y-%m-%d %H:%M}）", record, user)
    if new is None:
        alert.status = "lifted"
        alert.lift_at = actions[-1].effective
        alert.level = Level.NONE.code
    else:
        alert.level = new.level.code
        alert.max_level = max(Level.parse(alert.max_level), new.level).code
        alert.start = min(alert.start, new.start) if alert.start else new.start
        alert.end, alert.last_above_end, alert.lift_at = new.end, new.last_above_end, new.lift_at
        if decision.table not in (alert.tables or []):
            alert.tables = [*(alert.tables or []), decision.table]
    session.flush()
    return AlertChange(decision.city, alert.id, tuple(a.action for a in actions), alert.level, decision)


def apply_batch(session: Session, batch_id: int, *, settings: AlertSettings = AlertSettings(), user: str | None = None,
                city: str | None = None) -> list[AlertChange]:
    """Evaluate a stored forecast run and let every city's decision act on its alert."""
    batch = session.get(ForecastBatch, batch_id)
    if batch is None:
        raise NotFound(f"预报批次 {batch_id} 不存在")
    return [apply_decision(session, d, batch_id=batch_id, settings=settings, user=user, demo=batch.demo)
            for d in evaluate_batch(session, batch_id, settings=settings, city=city)]


# ---- observed trigger (§1.4, local rule, UNCONFIRMED nationally) -------------------------------------


def apply_observed(session: Session, observed_batch_id: int, at: datetime, *,
                   settings: AlertSettings = AlertSettings(), user: str | None = None) -> list[AlertChange]:
    """§1.4 observed trigger: for each city of an observed series whose 24 h ending at the latest
    complete hour before ``at`` is > 200 with no forecast block ≤ 200 starting within
    ``observed_no_improve_h`` (latest forecast run up to ``at``), issue at once — at the higher of
    yellow and the forecast level — unless a local alert is in force."""
    ob = session.get(ForecastBatch, observed_batch_id)
    if ob is None or ob.kind != "observed":
        raise NotFound(f"实况批次 {observed_batch_id} 不存在")
    fc = forecasts.latest_batch(session, "forecast", at)
    obs = forecasts.batch_frame(session, observed_batch_id)
    out = []
    for (city,), g in obs.group_by(["city"], maintain_order=True):
        done = g.filter(pl.col("block_start") + pl.duration(hours=24) <= at).sort("block_start")
        if done.is_empty():
            continue
        last = done.row(-1, named=True)
        end = last["block_start"] + timedelta(hours=24)
        decision = None
        blocks = []
        if fc is not None:
            ds = evaluate_batch(session, fc.id, settings=settings, city=city)
            if ds:
                decision = ds[0]
                blocks = [b for grid in decision.blocks.values() for b in grid]
        lv = observed_trigger(last["aqi"], end, blocks, decision.level if decision else Level.NONE, settings=settings)
        if lv is None or active_local_alert(session, city) is not None:
            continue
        ep = decision.episode if decision else None
        stop = ep.end if ep is not None and ep.end > end else end + timedelta(hours=24)
        a = Alert(city=city, source="local", status="active", level=lv.code, max_level=lv.code, first_issue=at,
                  start=at, end=stop, last_above_end=stop, lift_at=None, rules=rules_for_run(at, settings),
                  tables=[decision.table] if decision else [], settings=settings.as_dict(), demo=bool(ob.demo))
        session.add(a)
        session.flush()
        rec = {"source": "observed", "observed_batch_id": ob.id, "observed_block_start": iso(last["block_start"]),
               "observed_aqi": last["aqi"], "forecast": decision.record() if decision else None}
        _add_action(session, a, "issue", lv, at, None, fc.run_time if fc else None, fc.id if fc else None,
                    f"实况触发：{end:%m-%d %H:%M} 前 24 小时 AQI {last['aqi']} > 200，未来 "
                    f"{settings.observed_no_improve_h} 小时预报无改善", rec, user)
        out.append(AlertChange(city, a.id, ("issue",), lv.code, decision))
    return out


# ---- regional and provincial notices (§1.7) ------------------------------------------------------


def add_notice(session: Session, *, source: str, issuer: str, cities: list[str], level: str, start: datetime,
               end: datetime | None = None, document_no: str | None = None, note: str | None = None,
               user: str | None = None, demo: bool = False) -> NoticeRow:
    """Enter a regional prompt or provincial dispatch order by hand; each named city gets an alert
    of that source (lifted only by the notice's lift)."""
    if source not in ("regional", "provincial"):
        raise EmergencyError("来源应为 regional（区域预警提示）或 provincial（省级调度令）")
    lv = Level.parse(level)
    if lv < Level.YELLOW:
        raise EmergencyError("通知的预警级别应为黄色、橙色或红色")
    if not cities:
        raise EmergencyError("通知应列出城市")
    if end is not None and end <= start:
        raise EmergencyError("结束时间应晚于开始时间")
    n = NoticeRow(source=source, issuer=issuer, document_no=document_no, cities=list(cities), level=lv.code,
                  start=start, end=end, note=note, created_by=user)
    session.add(n)
    session.flush()
    for c in cities:
        a = Alert(city=c, source=source, status="active", level=lv.code, max_level=lv.code, first_issue=start,
                  start=start, end=end or start, last_above_end=end or start, lift_at=end, rules="notice",
                  tables=[], settings={}, notice_id=n.id, demo=demo)
        session.add(a)
        session.flush()
        _add_action(session, a, "issue", lv, start, None, None, None, f"{issuer}{document_no or ''}：{lv.zh}预警",
                    {"source": source, "notice_id": n.id, "document_no": document_no}, user)
    return n


def lift_notice(session: Session, notice_id: int, at: datetime, *, document_no: str | None = None,
                user: str | None = None) -> NoticeRow:
    """The notice's lift: its cities' alerts of that source end at ``at``."""
    n = session.get(NoticeRow, notice_id)
    if n is None:
        raise NotFound(f"通知 {notice_id} 不存在")
    if at < n.start:
        raise EmergencyError("解除时间早于通知开始时间")
    n.end, n.lift_document_no = at, document_no
    for a in session.scalars(select(Alert).where(Alert.notice_id == notice_id)):
        a.status, a.lift_at, a.end, a.level = "lifted", at, at, Level.NONE.code
        _add_action(session, a, "lift", Level.NONE, at, None, None, None, f"解除通知{document_no or ''}",
                    {"source": n.source, "notice_id": n.id, "document_no": document_no}, user)
    session.flush()
    return n


def notices_for(session: Session, city: str, start: datetime, end: datetime) -> list[Notice]:
    out = []
    for n in session.scalars(select(NoticeRow).where(NoticeRow.start < end)):
        if city in (n.cities or []) and (n.end is None or n.end > start):
            out.append(Notice(n.source, Level.parse(n.level), n.start, n.end))
    return out


# ---- the level in force ------------------------------------------------------------------------------


def actions_of(session: Session, alert_id: int) -> list[AlertAction]:
    return list(session.scalars(select(AlertAction).where(AlertAction.alert_id == alert_id).order_by(AlertAction.seq)))


def level_timeline(session: Session, alert: Alert, until: datetime | None = None) -> list[tuple[datetime, datetime, str]]:
    """The alert's own level in force as intervals [a, b): from its start, changed by raises and
    lowerings at their effective times, ended by the lift (or ``until`` while it runs)."""
    acts = actions_of(session, alert.id)
    end = alert.lift_at or until or alert.end
    changes: list[tuple[datetime, str]] = []
    for a in acts:
        if a.action == "issue":
            changes.append((alert.start, a.level))
        elif a.action in ("raise", "lower"):
            changes.append((max(a.at, alert.start), a.level))
    changes.sort()
    out: list[tuple[datetime, datetime, str]] = []
    for i, (t, lv) in enumerate(changes):
        b = changes[i + 1][0] if i + 1 < len(changes) else end
        if b > t and t < end:
            out.append((t, min(b, end), lv))
    return out


def city_timeline(session: Session, city: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str, str]]:
    """§1.7 ``effective_level(t) = max(local, notified)`` over [start, end): (a, b, level, source)."""
    local = []
    for a in session.scalars(select(Alert).where(Alert.city == city, Alert.source == "local", Alert.start < end)):
        for s, e, lv in level_timeline(session, a, until=end):
            if e > start:
                local.append((s, e, Level.parse(lv)))
    tl = effective_timeline(local, notices_for(session, city, start, end), start, end)
    return [(a, b, lv.code, src) for a, b, lv, src in tl]


def alerts_in_force(session: Session, at: datetime, city: str | None = None) -> list[Alert]:
    """Alerts whose level applies at ``at`` (started, not lifted yet)."""
    q = select(Alert).where(Alert.start <= at)
    if city:
        q = q.where(Alert.city == city)
    return [a for a in session.scalars(q.order_by(Alert.start)) if a.lift_at is None or at < a.lift_at]


def alerts_between(session: Session, start: datetime, end: datetime, city: str | None = None) -> list[Alert]:
    """Alerts in force at some time of [start, end) (for a month's bulletin)."""
    q = select(Alert).where(Alert.start < end)
    if city:
        q = q.where(Alert.city == city)
    return [a for a in session.scalars(q.order_by(Alert.start)) if a.lift_at is None or a.lift_at > start]


def set_document_no(session: Session, action_id: int, document_no: str) -> tuple[str | None, str]:
    """Record the 文号 of an alert action's document; returns (before, after) for the audit trail."""
    a = session.get(AlertAction, action_id)
    if a is None:
        raise NotFound(f"预警操作 {action_id} 不存在")
    before = a.document_no
    a.document_no = document_no.strip()[:80]
    session.flush()
    return before, a.document_no


def describe(alert: Alert) -> dict:
    return {"id": alert.id, "city": alert.city, "source": alert.source, "status": alert.status,
            "level": alert.level, "max_level": alert.max_level, "first_issue": iso(alert.first_issue),
            "start": iso(alert.start), "end": iso(alert.end), "lift_at": iso(alert.lift_at), "rules": alert.rules,
            "tables": alert.tables, "demo": alert.demo}

