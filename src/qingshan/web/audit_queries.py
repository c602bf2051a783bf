"""Reading the audit trail: search by user, object, action, request id and time; each record
with its field-level changes (``changes`` = ``{field: [before, after]}``, NetBox's diff) and its
time in Beijing with the zone offset."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import ACTION_LABELS, AuditRecord, diff, snapshot
from qingshan.core.org import role_label


def _bound(value: datetime | None) -> datetime | None:
    # a time typed without a zone is Beijing time (what the page's form shows)
    if value is None:
        return None
    local = value.replace(tzinfo=clock.BEIJING) if value.tzinfo is None else value
    try:
        return local.astimezone(timezone.utc)  # compared with stored UTC (naive on SQLite)
    except OverflowError:  # 0001-01-01 or 9999-12-31 Beijing: outside UTC's range, and every record is inside
        return datetime.min.replace(tzinfo=timezone.utc) if local.year == 1 else datetime.max.replace(tzinfo=timezone.utc)


def record_out(r: AuditRecord) -> dict:
    out = snapshot(r)
    out["at"] = clock.to_local(r.at).isoformat() if r.at else None
    out["action_label"] = ACTION_LABELS.get(r.action, r.action)
    out["role_label"] = role_label(r.role) if r.role else None
    out["changes"] = diff(r.before, r.after)
    return out


def search(db: Session, *, object_type: str | None = None, object_id: str | None = None, action: str | None = None,
           request_id: str | None = None, username: str | None = None, user_id: int | None = None,
           since: datetime | None = None, until: datetime | None = None, limit: int = 200,
           offset: int = 0) -> dict:
    """``{"total", "records"}``: the matching records, newest first."""
    conds = []
    if object_type:
        conds.append(AuditRecord.object_type == object_type)
    if object_id:
        conds.append(AuditRecord.object_id == object_id)
    if action:
        conds.append(AuditRecord.action == action)
    if request_id:
        conds.append(AuditRecord.request_id == request_id.strip())
    if username:
        conds.append(AuditRecord.username == username.strip())
    if user_id is not None:
        conds.append(AuditRecord.user_id == user_id)
    if since is not None:
        conds.append(AuditRecord.at >= _bound(since))
    if until is not None:
        conds.append(AuditRecord.at < _bound(until))
    total = db.scalar(select(func.count()).select_from(AuditRecord).where(*conds))
    rows = db.scalars(select(AuditRecord).where(*conds).order_by(AuditRecord.id.desc()).limit(limit).offset(offset))
    return {"total": total, "records": [record_out(r) for r in rows]}
