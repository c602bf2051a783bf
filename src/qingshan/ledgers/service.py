"""The ledger workflow engine: one set of operations for all four kinds.

Every operation takes the acting user, checks the permission tables of
:mod:`qingshan.ledgers.workflow` (raising :class:`~qingshan.ledgers.errors.PermissionDenied`),
applies optimistic concurrency (the caller states the ``version`` it read; a mismatch, or a
concurrent commit caught by SQLAlchemy's ``version_id_col``, raises
:class:`~qingshan.ledgers.errors.Conflict`), writes the progress log and the audit record in the
same transaction as the change, and commits.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qingshan.ledgers import attachments as att
from qingshan.ledgers.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingshan.ledgers.kinds import (
    CODE_PREFIX,
    COMMON_LABELS,
    KIND_FIELDS,
    clean_text,
    next_inspection_due,
    parse_date,
    validate_fields,
)
from qingshan.ledgers.models import Attachment, LedgerItem, LedgerItemUnit, ProgressEntry
from qingshan.ledgers.workflow import (
    CLOSED_STATES,
    ITEM_ACTIONS,
    KINDS,
    STATES,
    UNIT_EDITABLE_FIELDS,
    UNIT_LOCKED_STATES,
    Transition,
    find_transition,
    initial_state,
    state_label,
    transitions_for,
)
from qingshan.web.audit import actor_of, add_audit, jsonable, snapshot
from qingshan.web.models import Unit, User, utcnow
from qingshan.web.security import ROLES

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
TITLE_MAX = 300
ACTION_LABELS = {
    "view": "查看台账", "export": "导出台账", "create": "新建事项", "import": "导入台账",
    "update": "修改事项", "progress": "报送进展", "attach": "上传附件", "download": "下载附件",
}


def today_local() -> date:
    """Today in China Standard Time (deadlines are calendar days in Beijing time)."""
    return datetime.now(LOCAL_TZ).date()


# --------------------------------------------------------------------------- permissions

def is_own(user: User | None, item: LedgerItem) -> bool:
    """Whether ``user``'s unit is the lead unit or one of the other units of ``item``."""
    if user is None or user.unit_id is None:
        return False
    return item.lead_unit_id == user.unit_id or any(u.unit_id == user.unit_id for u in item.units)


def may(user: User | None, action: str, item: LedgerItem | None = None) -> bool:
    if user is None:
        return False
    scope = ITEM_ACTIONS[action].get(user.role)
    if scope is None:
        return False
    if scope == "own" and item is not None:
        return is_own(user, item)
    return True


def _role(user: User | None) -> str:
    return ROLES.get(user.role, user.role) if user else "未登录用户"


def require(user: User | None, action: str, item: LedgerItem | None = None) -> None:
    if may(user, action, item):
        return
    what = ACTION_LABELS.get(action, action)
    if user is not None and ITEM_ACTIONS[action].get(user.role) == "own":
        unit = user.unit.name if user.unit else "（无单位）"
        raise PermissionDenied(
            f"无权{what}：事项「{item.code}」不属于{unit}，责任单位用户只能{what}本单位牵头或参与的事项。",
            object_id=item.id,
        )
    raise PermissionDenied(f"无权{what}：{_role(user)}不能{what}。", object_id=getattr(item, "id", None))


def may_transition(user: User | None, item: LedgerItem, t: Transition) -> bool:
    if user is None or user.role not in t.roles:
        return False
    return not (t.unit_scope and user.role == "unit" and not is_own(user, item))


def allowed_actions(user: User | None, item: LedgerItem) -> dict[str, Any]:
    """What ``user`` may do with ``item`` now (for pages to show only the buttons that work)."""
    open_ = item.status not in CLOSED_STATES
    return {
        "update": open_ and may(user, "update", item) and not (user.role == "unit" and item.status in UNIT_LOCKED_STATES),
        "progress": open_ and may(user, "progress", item),
        "attach": open_ and may(user, "attach", item),
        "transitions": [
            {"action": t.action, "label": t.label, "note_required": t.note_required, "note_label": t.note_label}
            for t in transitions_for(item.kind)
            if item.status in t.sources and may_transition(user, item, t)
        ],
    }


# --------------------------------------------------------------------------- reading

def _aware(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt


def unit_out(unit: Unit | None) -> dict | None:
    return None if unit is None else {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind}


def item_out(item: LedgerItem, user: User | None = None, today: date | None = None) -> dict:
    """JSON view of an item for internal users (personal data included: they handle complaints)."""
    today = today or today_local()
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
        "fields": dict(item.data or {}),
        "tracking_no": item.tracking_no,
        "version": item.version,
        "created_at": jsonable(_aware(item.created_at)),
        "updated_at": jsonable(_aware(item.updated_at)),
        "updated_by": item.updated_by,
        "closed_at": jsonable(_aware(item.closed_at)),
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
    """Items matching the filters (kind, unit as lead or other unit, status, overdue, text)."""
    require(user, "view")
    today = today or today_local()
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
    if q:
        like = f"%{q.strip()}%"
        conds.append(or_(LedgerItem.title.like(like), LedgerItem.code.like(like)))
    total = db.scalar(select(func.count()).select_from(LedgerItem).where(*conds))
    rows = db.scalars(
        select(LedgerItem).where(*conds)
        .order_by(LedgerItem.deadline.is_(None), LedgerItem.deadline, LedgerItem.id)
        .limit(max(1, min(limit, 1000))).offset(max(0, offset))
    ).unique().all()
    return list(rows), total


def history(db: Session, user: User | None, item_id: int) -> dict:
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
                "id": e.id, "at": jsonable(_aware(e.at)), "username": e.username, "unit": e.unit_name,
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


def attachment_out(f: Attachment) -> dict:
    return {"id": f.id, "item_id": f.item_id, "filename": f.filename, "content_type": f.content_type,
            "size": f.size, "sha256": f.sha256, "uploaded_by": f.uploaded_by, "at": jsonable(_aware(f.at)),
            "url": f"/api/ledgers/{f.item_id}/attachments/{f.id}"}


# --------------------------------------------------------------------------- writing helpers

def resolve_unit(db: Session, ref: Any) -> Unit:
    """A unit by id, code or name."""
    if isinstance(ref, Unit):
        return ref
    unit = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit() and len(ref.strip()) < 6):
        unit = db.get(Unit, int(ref))
    if unit is None and ref is not None:
        text = str(ref).strip()
        unit = db.scalar(select(Unit).where(or_(Unit.code == text, Unit.name == text)))
    if unit is None:
        raise ValueError(f"单位「{str(ref)[:50]}」不存在（请填写系统中的单位全称或代码）")
    return unit


def split_units(text: Any) -> list[str]:
    if text is None:
        return []
    if isinstance(text, (list, tuple)):
        return [str(t).strip() for t in text if str(t).strip()]
    for sep in ("，", "、", "；", ";", "\n"):
        text = str(text).replace(sep, ",")
    return [t.strip() for t in str(text).split(",") if t.strip()]


def item_snapshot(item: LedgerItem) -> dict:
    snap = snapshot(item)
    snap["units"] = sorted(u.unit_id for u in item.units)
    return snap


def _progress(db: Session, item: LedgerItem, user: User | None, entry_type: str, text: str = "",
              action: str | None = None, from_status: str | None = None, to_status: str | None = None) -> ProgressEntry:
    entry = ProgressEntry(
        item_id=item.id, user_id=getattr(user, "id", None), username=getattr(user, "username", None),
        unit_name=user.unit.name if user is not None and user.unit else None, entry_type=entry_type,
        action=action, from_status=from_status, to_status=to_status, text=text or "",
    )
    db.add(entry)
    return entry


def _next_codes(db: Session, kind: str, n: int, year: int) -> list[str]:
    prefix = f"{CODE_PREFIX[kind]}-{year}-"
    codes = db.scalars(select(LedgerItem.code).where(LedgerItem.code.like(f"{prefix}%"))).all()
    top = max((int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()), default=0)
    return [f"{prefix}{top + i:04d}" for i in range(1, n + 1)]


def _conflict(item: LedgerItem, sent: int | None, current: int | None = None) -> Conflict:
    when = _aware(item.updated_at)
    when_txt = when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if when else "刚才"
    current = current if current is not None else item.version
    return Conflict(
        f"保存失败：事项「{item.code} {item.title[:40]}」已被 {item.updated_by or '其他用户'} 于 {when_txt} "
        f"修改（当前版本 {current}，您提交的修改基于版本 {sent}）。为避免覆盖他人的更新，本次修改未保存，"
        f"请刷新后在最新内容上重新修改。",
        object_id=item.id, current_version=current,
    )


_BOOKKEEPING = ("version", "updated_at", "updated_by")


def _flush_versioned(db: Session, item: LedgerItem, sent_version: int | None) -> None:
    try:
        db.flush()
    except StaleDataError:
        db.rollback()
        fresh = db.get(LedgerItem, item.id)
        db.refresh(fresh)
        raise _conflict(fresh, sent_version) from None


def _commit_versioned(db: Session, item: LedgerItem, sent_version: int | None) -> None:
    try:
        db.commit()
    except StaleDataError:
        db.rollback()
        fresh = db.get(LedgerItem, item.id)
        db.refresh(fresh)
        raise _conflict(fresh, sent_version) from None


def _check_version(item: LedgerItem, version: Any) -> int:
    try:
        sent = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed("缺少版本号 version（请提交读取事项时得到的 version，用于防止覆盖他人的修改）。") from None
    if sent != item.version:
        raise _conflict(item, sent)
    return sent


def _validate_common(db: Session, kind: str, data: dict[str, Any], *, partial: bool) -> tuple[dict, list]:
    """Validate title / lead_unit / units / deadline; returns (clean, errors as (label, msg))."""
    labels = COMMON_LABELS[kind]
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    if "title" in data or not partial:
        try:
            title = clean_text(data.get("title") or "", TITLE_MAX, labels["title"])
            if not title:
                raise ValueError("必填，不能为空")
            clean["title"] = title
        except ValueError as exc:
            errors.append((labels["title"], str(exc)))
    if "lead_unit" in data and data["lead_unit"] not in (None, ""):
        try:
            clean["lead_unit"] = resolve_unit(db, data["lead_unit"])
        except ValueError as exc:
            errors.append((labels["lead_unit"], str(exc)))
    elif "lead_unit" in data:
        clean["lead_unit"] = None
    if "units" in data:
        units = []
        for ref in split_units(data["units"]):
            try:
                units.append(resolve_unit(db, ref))
            except ValueError as exc:
                errors.append((labels["units"], str(exc)))
        clean["units"] = units
    if "deadline" in data:
        if data["deadline"] in (None, ""):
            clean["deadline"] = None
        else:
            try:
                clean["deadline"] = parse_date(data["deadline"])
            except ValueError as exc:
                errors.append((labels["deadline"], str(exc)))
    return clean, errors


def _fail(errors: list[tuple[str, str]], prefix: str = "") -> ValidationFailed:
    msgs = [f"{prefix}「{label}」：{msg}" for label, msg in errors]
    return ValidationFailed("；".join(msgs), errors=[{"field": label, "message": m} for (label, _), m in zip(errors, msgs)])


def _set_units(item: LedgerItem, units: Sequence[Unit]) -> None:
    wanted = []
    for u in units:
        if u.id != item.lead_unit_id and u.id not in wanted:
            wanted.append(u.id)
    keep = [link for link in item.units if link.unit_id in wanted]
    have = {link.unit_id for link in keep}
    item.units = keep + [LedgerItemUnit(unit_id=uid) for uid in wanted if uid not in have]


def build_item(db: Session, user: User | None, kind: str, data: dict[str, Any], code: str,
               status: str | None = None) -> tuple[LedgerItem | None, list[tuple[str, str]]]:
    """Validate ``data`` and build (not add) a new item; returns (item, errors)."""
    common, errors = _validate_common(db, kind, data, partial=False)
    fields, ferrs = validate_fields(kind, dict(data.get("fields") or {}))
    errors += ferrs
    if status is not None and status not in STATES[kind]:
        errors.append(("状态", f"「{status}」不是{KINDS[kind]}的状态"))
    if errors:
        return None, errors
    now = utcnow()
    item = LedgerItem(
        kind=kind, code=code, title=common["title"], status=status or initial_state(kind),
        lead_unit_id=common["lead_unit"].id if common.get("lead_unit") else None,
        deadline=common.get("deadline"), data={k: v for k, v in fields.items() if v is not None},
        created_at=now, updated_at=now, updated_by=getattr(user, "username", None),
    )
    item.lead_unit = common.get("lead_unit")
    _set_units(item, common.get("units", []))
    return item, []


# --------------------------------------------------------------------------- operations

def _audits_refusals(fn):
    """Write operations audit their own refusals, so a 403 is in the audit trail whether the
    caller is the JSON API or a page that turns the error into a message."""

    @functools.wraps(fn)
    def wrapper(db: Session, request, user, *args, **kwargs):
        try:
            return fn(db, request, user, *args, **kwargs)
        except PermissionDenied as exc:
            if not exc.audited:
                actor = actor_of(user)  # before the rollback expires the ORM object
                db.rollback()
                where = f"{request.method} {request.url.path}: " if request is not None else ""
                with Session(db.get_bind()) as own:  # the refused request's changes are not committed
                    add_audit(own, request, actor, "forbidden", object_type=exc.object_type,
                              object_id=exc.object_id, message=where + exc.message)
                    own.commit()
                exc.audited = True
            raise

    return wrapper


@_audits_refusals
def create_item(db: Session, request, user: User | None, kind: str, data: dict[str, Any]) -> LedgerItem:
    """New ledger item. ``data``: title, lead_unit, units, deadline, fields{…}."""
    require(user, "create")
    if kind not in KINDS:
        raise ValidationFailed(f"未知的台账类型「{kind}」。")
    for attempt in range(5):
        code = _next_codes(db, kind, 1, today_local().year)[0]
        item, errors = build_item(db, user, kind, data, code)
        if errors:
            raise _fail(errors)
        db.add(item)
        try:
            db.flush()
        except IntegrityError:  # two creations raced for the same code
            db.rollback()
            continue
        _progress(db, item, user, "create", "新建事项", to_status=item.status)
        add_audit(db, request, user, "create", object_type="ledger_item", object_id=item.id,
                  object_repr=f"{item.code} {item.title}", after=item_snapshot(item))
        db.commit()
        return item
    raise Conflict("事项编号分配冲突，请重试。")


@_audits_refusals
def update_item(db: Session, request, user: User | None, item_id: int, version: Any,
                changes: dict[str, Any]) -> LedgerItem:
    """Change an item's fields. ``changes`` may hold title, lead_unit, units, deadline, fields{…}."""
    item = get_item(db, item_id)
    require(user, "update", item)
    if user.role == "unit" and item.status in UNIT_LOCKED_STATES:
        raise PermissionDenied(
            f"无权修改：事项「{item.code}」处于「{state_label(item.kind, item.status)}」状态，已提交市生态环境局审核，"
            "责任单位不能再修改措施、佐证等内容；如需修改，请联系市生态环境局先「退回」"
            + ("（已结案事项须先「重新打开」）。" if item.status in CLOSED_STATES else "。"),
            object_id=item.id,
        )
    if item.status in CLOSED_STATES:
        raise ValidationFailed(f"事项「{item.code}」已{state_label(item.kind, item.status)}，不能修改；如需修改请先重新打开。")
    sent = _check_version(item, version)
    fields_in = dict(changes.get("fields") or {})
    if user.role == "unit":
        common_keys = [k for k in ("title", "lead_unit", "units", "deadline") if k in changes]
        locked = [COMMON_LABELS[item.kind][k] for k in common_keys]
        locked += [f.label for f in KIND_FIELDS[item.kind] if f.key in fields_in and f.key not in UNIT_EDITABLE_FIELDS]
        if locked:
            raise PermissionDenied(
                f"无权修改：「{'」「'.join(locked)}」由市生态环境局确定，责任单位用户只能修改本单位事项的进展类信息。",
                object_id=item.id,
            )
    common, errors = _validate_common(db, item.kind, {k: v for k, v in changes.items() if k != "fields"},
                                      partial=True)
    fields, ferrs = validate_fields(item.kind, fields_in, partial=True)
    errors += ferrs
    if errors:
        raise _fail(errors)
    before = item_snapshot(item)
    if "title" in common:
        item.title = common["title"]
    if "lead_unit" in common:
        item.lead_unit = common["lead_unit"]
        item.lead_unit_id = common["lead_unit"].id if common["lead_unit"] else None
    if "deadline" in common:
        item.deadline = common["deadline"]
    if "units" in common:
        _set_units(item, common["units"])
    elif "lead_unit" in common:  # a new lead unit must not stay listed as a supporting unit
        _set_units(item, [link.unit for link in item.units])
    if fields:
        merged = dict(item.data or {})
        for k, v in fields.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        item.data = merged
    item.updated_at = utcnow()
    item.updated_by = user.username
    _flush_versioned(db, item, sent)
    changed = [k for k in before if k not in _BOOKKEEPING and before[k] != item_snapshot(item).get(k)]
    _progress(db, item, user, "update", "修改：" + "、".join(changed))
    add_audit(db, request, user, "update", object_type="ledger_item", object_id=item.id,
              object_repr=f"{item.code} {item.title}", before=before, after=item_snapshot(item))
    _commit_versioned(db, item, sent)
    return item


@_audits_refusals
def transition_item(db: Session, request, user: User | None, item_id: int, action: str, version: Any,
                    note: str | None = None, unit: Any = None, satisfaction: str | None = None) -> LedgerItem:
    """Move an item along its workflow (see :data:`qingshan.ledgers.workflow.TRANSITIONS`)."""
    item = get_item(db, item_id)
    t = find_transition(item.kind, action)
    if t is None:
        raise ValidationFailed(f"{KINDS[item.kind]}没有「{action}」操作。")
    if not may_transition(user, item, t):
        require(user, "view", item)
        if user.role in t.roles:
            unit_name = user.unit.name if user.unit else "（无单位）"
            msg = f"无权{t.label}：事项「{item.code}」不属于{unit_name}。"
        else:
            msg = f"无权{t.label}：{_role(user)}不能对{KINDS[item.kind]}执行「{t.label}」。"
        raise PermissionDenied(msg, object_id=item.id)
    if item.status not in t.sources:
        raise ValidationFailed(
            f"事项「{item.code}」当前状态为「{state_label(item.kind, item.status)}」，不能{t.label}"
            f"（仅在「{'、'.join(state_label(item.kind, s) for s in t.sources)}」状态下可以）。"
        )
    sent = _check_version(item, version)
    text = clean_text(note or "", 4000, t.note_label)
    if t.note_required and not text:
        raise _fail([(t.note_label, "必填，不能为空")])
    before = item_snapshot(item)
    data = dict(item.data or {})
    if item.kind == "complaint" and action == "assign":
        if unit in (None, ""):
            raise _fail([("承办单位", "交办时必须指定承办单位")])
        try:
            target = resolve_unit(db, unit)
        except ValueError as exc:
            raise _fail([("承办单位", str(exc))]) from None
        item.lead_unit, item.lead_unit_id = target, target.id
        text = text or f"交办至{target.name}"
    if item.kind == "complaint" and action == "reply":
        data["reply"] = text
    if item.kind == "complaint" and action == "close" and satisfaction:
        fields, errors = validate_fields("complaint", {"satisfaction": satisfaction}, partial=True)
        if errors:
            raise _fail(errors)
        data.update(fields)
    if item.kind == "inspection" and action == "submit":
        data["evidence"] = text
    if item.kind == "inspection" and action == "verify":
        data["verification"] = text
    if action == "reopen":
        data["reopen_count"] = int(data.get("reopen_count", 0)) + 1
    item.data = data
    old = item.status
    item.status = t.target
    item.closed_at = utcnow() if t.target in CLOSED_STATES else None
    item.updated_at = utcnow()
    item.updated_by = user.username
    _flush_versioned(db, item, sent)
    _progress(db, item, user, "transition", text or t.label, action=action, from_status=old, to_status=t.target)
    add_audit(db, request, user, "transition", object_type="ledger_item", object_id=item.id,
              object_repr=f"{item.code} {item.title}", before=before, after=item_snapshot(item),
              message=f"{t.label}：{state_label(item.kind, old)} → {state_label(item.kind, t.target)}")
    _commit_versioned(db, item, sent)
    return item


@_audits_refusals
def add_progress(db: Session, request, user: User | None, item_id: int, text: str,
                 files: Iterable[tuple[str, bytes]] = (), *, home, max_bytes: int) -> ProgressEntry:
    """Append a progress note with evidence files (all files checked before anything is stored)."""
    item = get_item(db, item_id)
    files = list(files)
    require(user, "progress", item)
    if files:
        require(user, "attach", item)
    if item.status in CLOSED_STATES:
        raise ValidationFailed(f"事项「{item.code}」已{state_label(item.kind, item.status)}，不能再报送进展；如需继续请先重新打开。")
    text = clean_text(text or "", 4000, "进展情况")
    if not text and not files:
        raise _fail([("进展情况", "请填写进展情况或上传佐证材料")])
    checked = [(name, data, att.check(name, data, max_bytes)) for name, data in files]
    entry = _progress(db, item, user, "progress", text)
    db.flush()
    stored = []
    try:
        for name, data, kind in checked:
            rel, digest = att.store(home, item.id, data, kind)
            stored.append(rel)
            a = Attachment(item_id=item.id, progress_id=entry.id, filename=clean_text(att.display_name(name), 255, "文件名") or "未命名",
                           content_type=kind.mime, size=len(data), sha256=digest, stored_path=rel,
                           uploaded_by=user.username)
            db.add(a)
        db.flush()
        add_audit(db, request, user, "progress", object_type="ledger_item", object_id=item.id,
                  object_repr=f"{item.code} {item.title}",
                  after={"text": text, "attachments": [{"filename": att.display_name(n), "size": len(d)}
                                                     for n, d, _ in checked]})
        db.commit()
    except Exception:
        db.rollback()
        for rel in stored:  # nothing half-written: drop the files of a failed transaction
            (att.resolve(home, rel)).unlink(missing_ok=True)
        raise
    return entry


def get_attachment(db: Session, user: User | None, item_id: int, attachment_id: int, *, home):
    item = get_item(db, item_id)
    require(user, "download", item)
    a = db.get(Attachment, attachment_id)
    if a is None or a.item_id != item.id:
        raise NotFound(f"附件 {attachment_id} 不存在。")
    return a, att.resolve(home, a.stored_path)


def due_items(db: Session, *, unit_id: int | None = None, today: date | None = None,
              within_days: int = 7) -> list[dict]:
    """Reminders: open items per responsible unit that are overdue or due within ``within_days``.

    Returns one dict per unit ``{unit, overdue: [...], due_soon: [...]}`` (units with nothing due
    are omitted); an item with several units is listed under each of them.
    """
    today = today or today_local()
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


# --------------------------------------------------------------------------- public complaints

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_tracking_no(today: date | None = None) -> str:
    today = today or today_local()
    return f"DT{today:%Y%m%d}-" + "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(6))


def submit_complaint(db: Session, request, fields: dict[str, Any]) -> LedgerItem:
    """A complaint from the public portal (no login). Returns the item; its ``tracking_no`` is
    what the complainant keeps."""
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields.setdefault("channel", "网站")
    clean, errors = validate_fields("complaint", fields)
    for key in ("reply", "satisfaction"):
        if key in fields:
            errors.append((key, "公众提交时不能填写"))
    if errors:
        raise _fail(errors)
    title = clean["content"][:60]
    for _ in range(5):
        tracking = new_tracking_no()
        code = _next_codes(db, "complaint", 1, today_local().year)[0]
        now = utcnow()
        item = LedgerItem(kind="complaint", code=code, title=title, status=initial_state("complaint"),
                          data={k: v for k, v in clean.items() if v is not None}, tracking_no=tracking,
                          created_at=now, updated_at=now, updated_by="公众")
        db.add(item)
        try:
            db.flush()
        except IntegrityError:
            db.rollback()
            continue
        _progress(db, item, None, "create", f"收到{clean['channel']}投诉", to_status=item.status)
        add_audit(db, request, None, "complaint_submit", object_type="ledger_item", object_id=item.id,
                  object_repr=f"{item.code} {tracking}", after=item_snapshot(item), username="公众")
        db.commit()
        return item
    raise Conflict("受理编号分配冲突，请重试。")


def complaint_public_status(db: Session, tracking_no: str) -> dict:
    """What the public may see about a complaint: status, dates, handling unit, the reply.
    No content, location, name or phone."""
    item = db.scalar(select(LedgerItem).where(LedgerItem.tracking_no == (tracking_no or "").strip().upper(),
                                              LedgerItem.kind == "complaint"))
    if item is None:
        raise NotFound("未找到该受理编号，请核对后重试。")
    data = item.data or {}
    return {
        "tracking_no": item.tracking_no,
        "status": item.status,
        "status_label": state_label("complaint", item.status),
        "received_at": jsonable(_aware(item.created_at)),
        "updated_at": jsonable(_aware(item.updated_at)),
        "handling_unit": item.lead_unit.name if item.lead_unit else None,
        "reply": data.get("reply") if item.status in ("replied", "closed") else None,
        "closed_at": jsonable(_aware(item.closed_at)),
    }
