"""The read side of the ledgers: one JSON-safe view of an item (:func:`item_out`) for the API,
the pages and the Excel export, the filtered list, the history, reminders and the overview's
counts. Reads check the same permissions as writes (:mod:`qingshan.ledgers.permissions`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import AuditContext, jsonable
from qingshan.core.errors import NotFound, ValidationFailed
from qingshan.core.org import Unit, User, unit_out
from qingshan.core.results import Result
from qingshan.ledgers.kinds import next_inspection_due
from qingshan.ledgers.models import Attachment, LedgerItem, LedgerItemUnit, ProgressEntry
from qingshan.ledgers.permissions import allowed_actions, require
from qingshan.ledgers.privacy import audit_read, mask_data, may_see_personal
from qingshan.ledgers.workflow import CLOSED_STATES, KINDS, state_label


def item_out(item: LedgerItem, user: User | None = None, today: date | None = None, *,
             personal: bool = False) -> dict:
    """The view of an item for internal users.

    Keys: ``id, kind, kind_label, code, title, status, status_label, lead_unit, units, deadline,
    days_left, overdue, fields, tracking_no, version, created_at, updated_at, updated_by,
    closed_at, personal_masked``; hazards add ``next_inspection_due, inspection_overdue``; with
    ``user``, ``allowed`` (:func:`~qingshan.ledgers.permissions.allowed_actions`).

    Personal fields (:mod:`qingshan.ledgers.privacy`) are masked unless ``personal`` is True —
    which only :func:`item_detail` and the Excel export pass, after checking
    :func:`~qingshan.ledgers.privacy.may_see_personal` and auditing the read.
    """
    today = today or clock.today()
    open_ = item.status not in CLOSED_STATES
    days_left = (item.deadline - today).days if item.deadline else None
    out = {
        "id": item.id,
        "kind": item.kind,
        "kind_label": KINDS[item.kind],
        "code": item.code,
        "title": item.title,
        "status": item.status,
        "status_label": state_label(item.kind, item.status),
        "lead_unit": unit_out(item.lead_unit),
        "units": [unit_out(u.unit) for u in item.units],
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "days_left": days_left,
        "overdue": bool(open_ and days_left is not None and days_left < 0),
        "fields": dict(item.data or {}) if personal else mask_data(item.kind, item.data),
        "personal_masked": not personal,
        "tracking_no": item.tracking_no,
        "version": item.version,
        "created_at": jsonable(clock.aware(item.created_at)),
        "updated_at": jsonable(clock.aware(item.updated_at)),
        "updated_by": item.updated_by,
        "closed_at": jsonable(clock.aware(item.closed_at)),
    }
    if item.kind == "hazard":
        due = next_inspection_due((item.data or {}).get("last_inspected"), (item.data or {}).get("grade"))
        out["next_inspection_due"] = due.isoformat() if due else None
        out["inspection_overdue"] = bool(open_ and due is not None and due < today)
    if user is not None:
        out["allowed"] = allowed_actions(user, item)
    return out


def get_item(db: Session, item_id: int) -> LedgerItem:
    item = db.get(LedgerItem, item_id)
    if item is None:
        raise NotFound(f"台账事项 {item_id} 不存在。")
    return item


def view_item(db: Session, user: User | None, item_id: int) -> LedgerItem:
    item = get_item(db, item_id)
    require(user, "view", item)
    return item


def list_items(
    db: Session,
    user: User | None,
    *,
    kind: str | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    today: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[LedgerItem], int]:
    """Items matching the filters (kind, unit as lead or other unit, status, overdue, text),
    ordered by deadline; and the number of matches."""
    require(user, "view")
    today = today or clock.today()
    conds = []
    if kind:
        if kind not in KINDS:
            raise ValidationFailed(f"未知的台账类型「{kind}」。")
        conds.append(LedgerItem.kind == kind)
    if unit_id is not None:
        conds.append(or_(
            LedgerItem.lead_unit_id == unit_id,
            exists().where(and_(LedgerItemUnit.item_id == LedgerItem.id, LedgerItemUnit.unit_id == unit_id)),
        ))
    if status:
        conds.append(LedgerItem.status == status)
    overdue_cond = and_(LedgerItem.deadline.is_not(None), LedgerItem.deadline < today,
                        LedgerItem.status.not_in(CLOSED_STATES))
    if overdue is True:
        conds.append(overdue_cond)
    elif overdue is False:
        conds.append(~overdue_cond)
    if q and q.strip():
        # the user's text is matched literally: % and _ are not wildcards (q=% matched everything)
        text = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{text}%"
        conds.append(or_(LedgerItem.title.like(like, escape="\\"), LedgerItem.code.like(like, escape="\\"),
                         LedgerItem.tracking_no.like(like, escape="\\")))
    total = db.scalar(select(func.count()).select_from(LedgerItem).where(*conds))
    rows = db.scalars(
        select(LedgerItem).where(*conds)
        .order_by(LedgerItem.deadline.is_(None), LedgerItem.deadline, LedgerItem.id)
        .limit(max(1, min(limit, 1000))).offset(max(0, offset))
    ).unique().all()
    return list(rows), total


def item_rows(db: Session, user: User | None, *, limit: int = 200, **filters: Any) -> Result:
    """:func:`list_items` as :func:`item_out` rows for a page (with the empty-state reason)."""
    items, _ = list_items(db, user, limit=limit, **filters)
    today = clock.today()
    rows = [item_out(i, today=today) for i in items]
    return Result(rows=rows, reason="" if rows else "没有符合条件的台账事项")


def attachment_out(f: Attachment) -> dict:
    return {"id": f.id, "item_id": f.item_id, "filename": f.filename, "content_type": f.content_type,
            "size": f.size, "sha256": f.sha256, "uploaded_by": f.uploaded_by, "at": jsonable(clock.aware(f.at)),
            "url": f"/api/ledgers/{f.item_id}/attachments/{f.id}"}


def history(db: Session, user: User | None, item_id: int) -> dict:
    """Every progress, transition, creation and import entry of an item, oldest first, each
    with its files; and all the item's files."""
    item = view_item(db, user, item_id)
    entries = db.scalars(select(ProgressEntry).where(ProgressEntry.item_id == item.id)
                         .order_by(ProgressEntry.at, ProgressEntry.id)).all()
    files = db.scalars(select(Attachment).where(Attachment.item_id == item.id).order_by(Attachment.id)).all()
    by_entry: dict[int | None, list[dict]] = {}
    for f in files:
        by_entry.setdefault(f.progress_id, []).append(attachment_out(f))
    return {
        "entries": [
            {
                "id": e.id, "at": jsonable(clock.aware(e.at)), "username": e.username, "unit": e.unit_name,
                "type": e.entry_type, "action": e.action,
                "from_status": e.from_status, "to_status": e.to_status,
                "from_label": state_label(item.kind, e.from_status) if e.from_status else None,
                "to_label": state_label(item.kind, e.to_status) if e.to_status else None,
                "text": e.text, "attachments": by_entry.get(e.id, []),
            }
            for e in entries
        ],
        "attachments": [attachment_out(f) for f in files],
    }


def item_detail(db: Session, user: User | None, item_id: int, ctx: AuditContext | None = None) -> dict:
    """:func:`item_out` with ``allowed`` for ``user`` and ``history`` (the API's and the page's view).

    Personal fields are shown in clear only to those :func:`~qingshan.ledgers.privacy.may_see_personal`
    allows, and only with an audit context: the read is recorded (``read``) and committed."""
    item = view_item(db, user, item_id)
    personal = ctx is not None and may_see_personal(user, item)
    out = item_out(item, user, personal=personal)
    out["history"] = history(db, user, item_id)
    if personal and audit_read(db, ctx, user, [item], "查看"):
        db.commit()
    return out


def due_items(db: Session, *, unit_id: int | None = None, today: date | None = None,
              within_days: int = 7) -> list[dict]:
    """Reminders: open items per responsible unit that are overdue or due within ``within_days``.

    Returns one dict per unit ``{unit, overdue: [...], due_soon: [...]}`` (units with nothing due
    are omitted); an item with several units is listed under each of them.
    """
    today = today or clock.today()
    horizon = today + timedelta(days=within_days)
    rows = db.scalars(select(LedgerItem).where(
        LedgerItem.status.not_in(CLOSED_STATES), LedgerItem.deadline.is_not(None), LedgerItem.deadline <= horizon,
    ).order_by(LedgerItem.deadline, LedgerItem.id)).unique().all()
    per_unit: dict[int, dict] = {}
    for item in rows:
        units = ([item.lead_unit] if item.lead_unit else []) + [u.unit for u in item.units]
        for unit in units:
            if unit_id is not None and unit.id != unit_id:
                continue
            bucket = per_unit.setdefault(unit.id, {"unit": unit_out(unit), "overdue": [], "due_soon": []})
            entry = {"id": item.id, "code": item.code, "kind": item.kind, "title": item.title,
                     "deadline": item.deadline.isoformat(), "days_left": (item.deadline - today).days,
                     "status_label": state_label(item.kind, item.status)}
            bucket["overdue" if item.deadline < today else "due_soon"].append(entry)
    return sorted(per_unit.values(), key=lambda b: (-len(b["overdue"]), b["unit"]["code"]))


def overdue_by_unit(db: Session, today: date | None = None) -> Result:
    """Open items past their deadline, counted per lead unit and kind (one SQL aggregate)."""
    today = today or clock.today()
    groups = db.execute(
        select(LedgerItem.lead_unit_id, Unit.name, LedgerItem.kind, func.count())
        .outerjoin(Unit, Unit.id == LedgerItem.lead_unit_id)
        .where(LedgerItem.deadline < today, LedgerItem.status.not_in(CLOSED_STATES))
        .group_by(LedgerItem.lead_unit_id, Unit.name, LedgerItem.kind)
    ).all()
    if not groups:
        return Result(reason="没有逾期事项")
    counts: dict[Any, dict[str, Any]] = {}
    for unit_id, name, kind, n in groups:
        c = counts.setdefault(unit_id, {"unit": name or "（未指定）", "unit_id": unit_id, "total": 0, "by_kind": {}})
        c["total"] += n
        c["by_kind"][KINDS.get(kind, kind)] = n
    rows = sorted(counts.values(), key=lambda c: (-c["total"], c["unit"]))
    return Result(rows=rows, meta={"items": sum(c["total"] for c in rows)})


def summary(db: Session, today: date | None = None) -> dict[str, Any]:
    """Counts per kind: ``open``, ``closed``, ``overdue``, counted by the database."""
    today = today or clock.today()
    out = {k: {"kind": k, "label": v, "open": 0, "closed": 0, "overdue": 0} for k, v in KINDS.items()}
    closed = LedgerItem.status.in_(list(CLOSED_STATES))
    overdue = and_(~closed, LedgerItem.deadline.is_not(None), LedgerItem.deadline < today)
    rows = db.execute(
        select(LedgerItem.kind, func.sum(case((closed, 1), else_=0)), func.sum(case((closed, 0), else_=1)),
               func.sum(case((overdue, 1), else_=0))).group_by(LedgerItem.kind)
    ).all()
    for kind, n_closed, n_open, n_overdue in rows:
        out[kind].update(closed=int(n_closed or 0), open=int(n_open or 0), overdue=int(n_overdue or 0))
    return {"kinds": list(out.values()), "reason": "" if rows else "台账为空"}


def complaint_public_status(db: Session, tracking_no: str) -> dict:
    """What the public may see about a complaint: status, dates, handling unit, and the reply
    once the bureau has reviewed and published it. No content, location, name or phone.
    ``NotFound`` for an unknown number."""
    item = db.scalar(select(LedgerItem).where(LedgerItem.tracking_no == (tracking_no or "").strip().upper(),
                                              LedgerItem.kind == "complaint"))
    if item is None:
        raise NotFound("未找到该受理编号，请核对后重试。")
    data = item.data or {}
    reviewed = bool(data.get("reply_published")) and data.get("reply_reviewed") == data.get("reply")
    pending = item.status in ("replied", "closed") and bool(data.get("reply")) and not reviewed
    return {
        "tracking_no": item.tracking_no,
        "status": item.status,
        "status_label": state_label("complaint", item.status),
        "received_at": jsonable(clock.aware(item.created_at)),
        "updated_at": jsonable(clock.aware(item.updated_at)),
        "handling_unit": item.lead_unit.name if item.lead_unit else None,
        # only a reply the bureau reviewed and published (ledgers.service.publish_reply)
        "reply": data.get("reply_published") if reviewed else None,
        "reply_note": "承办单位已答复，答复内容正在审核，审核通过后在此公开。" if pending else None,
        "closed_at": jsonable(clock.aware(item.closed_at)),
    }
