"""The bureau's writes in the emergency domain, each checked, audited and committed.

Every function takes ``(db, ctx, user, …)`` (docs/architecture.md "Adding a domain"): it checks
that ``user`` is bureau staff (局科室工作人员 or 系统管理员; else
:class:`~qingshan.core.errors.PermissionDenied`, audited by the web), does the domain's work
(:mod:`.tables`, :mod:`.forecasts`, :mod:`.listio`, :mod:`.alerts`, :mod:`.verification`),
writes one audit record with what changed (the before/after dicts those modules return) in the
same transaction, and commits. Nothing is written when anything is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import PermissionDenied
from qingshan.core.org import BUREAU_ROLES, ROLES, User
from qingshan.emergency import alerts as alert_svc
from qingshan.emergency import forecasts, listio, tables
from qingshan.emergency.verification import VerificationRun, run_verification
from qingshan.standards.alert_levels import iso

OBJECT = "emergency"


def require_bureau(user: User | None, what: str) -> None:
    """Only the bureau's staff (admin, staff) change emergency data."""
    if user is None or user.role not in BUREAU_ROLES:
        role = ROLES.get(user.role, user.role) if user is not None else "未登录用户"
        raise PermissionDenied(f"无权{what}：此操作仅限市生态环境局工作人员，您的角色是{role}。", object_type=OBJECT)


def _done(db: Session, ctx: AuditContext, user: User, action: Action, object_type: str, object_id: Any,
          repr_: str, before: dict | None, after: dict | None, message: str | None = None) -> None:
    try:
        record(db, ctx.as_actor(user), action, object_type=object_type, object_id=object_id, object_repr=repr_[:200],
               before=before, after=after, message=message)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def add_table_version(db: Session, ctx: AuditContext, user: User | None, doc: dict[str, Any], *,
                      activate: bool = False, note: str | None = None) -> dict[str, Any]:
    """Store a bureau-edited version of a rule table (validated first), optionally active."""
    require_bureau(user, "修订规则数据表")
    try:
        before, after = tables.add_version(db, doc, user=user.username, activate_it=activate, note=note)
    except BaseException:
        db.rollback()
        raise
    _done(db, ctx, user, Action.CREATE, "emergency_table_version", f"{after['kind']}:{after['version']}",
          f"{after['kind']} {after['version']}", before, after, "新增规则数据表版本" + ("并启用" if activate else ""))
    return after


def activate_table(db: Session, ctx: AuditContext, user: User | None, kind: str, version: str) -> dict[str, Any]:
    """Make ``version`` the active version of ``kind``."""
    require_bureau(user, "启用规则数据表版本")
    try:
        before, after = tables.activate(db, kind, version)
    except BaseException:
        db.rollback()
        raise
    _done(db, ctx, user, Action.UPDATE, "emergency_table_version", f"{kind}:{version}", f"{kind} {version}",
          before, after, "启用规则数据表版本")
    return after


@dataclass
class ForecastOutcome:
    result: forecasts.ForecastImport
    changes: list[alert_svc.AlertChange]


def import_forecast(db: Session, ctx: AuditContext, user: User | None, content: bytes, filename: str, *,
                    run_time: datetime, kind: str = "forecast", source: str | None = None, apply: bool = False,
                    step_hours: int | None = None) -> ForecastOutcome:
    """Import one forecast run (all-or-nothing) and, with ``apply``, let it act on the alerts."""
    require_bureau(user, "导入预报")
    try:
        res = forecasts.import_forecast(db, content, filename, run_time=run_time, kind=kind, source=source,
                                        step_hours=step_hours)
        changes = (alert_svc.apply_batch(db, res.batch_id, user=user.username)
                   if apply and kind == "forecast" and not res.previous else [])
    except BaseException:
        db.rollback()
        raise
    after = {"batch_id": res.batch_id, "kind": kind, "run_time": iso(run_time), "rows": res.rows, "cities": res.cities,
             "previous": res.previous, "warnings": len(res.warnings),
             "alerts": [{"city": c.city, "alert_id": c.alert_id, "actions": list(c.actions), "level": c.level}
                        for c in changes]}
    _done(db, ctx, user, Action.IMPORT, "emergency_forecast", res.batch_id, filename, None, after,
          "预报导入" + ("（此前已导入）" if res.previous else ""))
    return ForecastOutcome(res, changes)


def import_list(db: Session, ctx: AuditContext, user: User | None, content: bytes, filename: str, *,
                name: str | None = None, season: str | None = None, city: str = "140200") -> listio.ListImport:
    """Import the bureau's emergency-list workbook (all-or-nothing, per-row errors)."""
    require_bureau(user, "导入应急减排清单")
    try:
        res = listio.import_list(db, content, filename, name=name, season=season, city=city)
    except BaseException:
        db.rollback()
        raise
    _done(db, ctx, user, Action.IMPORT, "emergency_list", res.list_id, filename, None,
          {"list_id": res.list_id, "rows": res.rows, "previous": res.previous, "warnings": len(res.warnings)},
          "应急减排清单导入" + ("（此前已导入）" if res.previous else ""))
    return res


def store_verification(db: Session, engine: Engine, ctx: AuditContext, user: User | None, alert_id: int, *,
                       list_id: int | None = None, now: datetime | None = None) -> VerificationRun:
    """Run VERIFY-1 for an alert and keep the results (a record the ledger items refer to)."""
    require_bureau(user, "保存减排核查结果")
    try:
        run = run_verification(db, engine, alert_id, list_id=list_id, now=now, store=True)
    except BaseException:
        db.rollback()
        raise
    _done(db, ctx, user, Action.CREATE, "emergency_verification", run.id, f"预警 {alert_id} 核查", None,
          {"verification_id": run.id, "alert_id": alert_id, "list_id": run.list_id, **run.summary,
           "tables": run.tables}, "保存减排核查结果（VERIFY-1）")
    return run


def set_document_no(db: Session, ctx: AuditContext, user: User | None, action_id: int, document_no: str) -> str:
    """Record the 文号 of an alert action's notice."""
    require_bureau(user, "登记预警文号")
    try:
        before, after = alert_svc.set_document_no(db, action_id, document_no)
    except BaseException:
        db.rollback()
        raise
    _done(db, ctx, user, Action.UPDATE, "emergency_alert_action", action_id, f"预警操作 {action_id}",
          {"document_no": before}, {"document_no": after}, "登记预警文号")
    return after
