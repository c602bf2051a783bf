"""The ledger workflow engine: the write side, one set of operations for all four kinds.

Every operation takes the acting user and an :class:`~qingshan.core.audit.AuditContext` (never
an HTTP request), checks :mod:`qingshan.ledgers.permissions` (raising
:class:`~qingshan.core.errors.PermissionDenied`, audited here whoever the caller is), applies
optimistic concurrency (the caller states the ``version`` it read; a mismatch, or a concurrent
commit caught by SQLAlchemy's ``version_id_col``, raises :class:`~qingshan.core.errors.Conflict`),
writes the progress log and the audit record in the same transaction as the change, and commits.
Transitions apply the side effects their table row declares (:func:`apply_effects`).

A domain that opens a ledger item (a missed target, an emergency's follow-up) calls
:func:`create_item` with its own kind's data; the read side is :mod:`qingshan.ledgers.queries`.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qingshan.core import clock
from qingshan.core.clock import parse_date
from qingshan.core.audit import Action, Actor, AuditContext, record, record_separately, snapshot
from qingshan.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingshan.core.org import Unit, User, resolve_unit, role_label
from qingshan.ledgers import attachments as att
from qingshan.ledgers.evidence import require_closure_evidence
from qingshan.ledgers.kinds import CODE_PREFIX, COMMON_LABELS, KIND_FIELDS, clean_text, validate_fields
from qingshan.ledgers.models import Attachment, LedgerItem, LedgerItemUnit, ProgressEntry
from qingshan.ledgers.permissions import may_transition, require
from qingshan.ledgers.privacy import mask_data, scrub_text
from qingshan.ledgers.queries import get_item
from qingshan.ledgers.workflow import (
    CLOSED_STATES,
    KINDS,
    PUBLISHABLE_STATES,
    STATES,
    UNIT_EDITABLE_FIELDS,
    UNIT_LOCKED_STATES,
    AssignUnit,
    ChoiceFrom,
    CountUp,
    NoteTo,
    RequireClosureEvidence,
    Transition,
    find_transition,
    initial_state,
    state_label,
)

TITLE_MAX = 300


# --------------------------------------------------------------------------- writing helpers

def split_units(text: Any) -> list[str]:
    if text is None:
        return []
    if isinstance(text, (list, tuple)):
        return [str(t).strip() for t in text if str(t).strip()]
    for sep in ("，", "、", "；", ";", "\n"):
        text = str(text).replace(sep, ",")
    return [t.strip() for t in str(text).split(",") if t.strip()]


def item_snapshot(item: LedgerItem) -> dict:
    """The audit image of an item; personal fields masked (the audit trail is read by roles that
    may not see them, :mod:`qingshan.ledgers.privacy`)."""
    snap = snapshot(item)
    snap["data"] = mask_data(item.kind, item.data)
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
    when_txt = clock.local_text(item.updated_at, "%Y-%m-%d %H:%M:%S") or "刚才"
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
    now = clock.now_utc()
    item = LedgerItem(
        kind=kind, code=code, title=common["title"], status=status or initial_state(kind),
        lead_unit_id=common["lead_unit"].id if common.get("lead_unit") else None,
        deadline=common.get("deadline"), data={k: v for k, v in fields.items() if v is not None},
        created_at=now, updated_at=now, updated_by=getattr(user, "username", None),
    )
    item.lead_unit = common.get("lead_unit")
    _set_units(item, common.get("units", []))
    return item, []


def apply_effects(db: Session, item: LedgerItem, t: Transition, text: str, data: dict[str, Any],
                  params: Mapping[str, Any], user: User | None = None) -> str:
    """Apply the side effects declared on ``t`` to ``item`` and its fields ``data`` (changed in
    place) as ``user``; returns the note to log. Raises ``ValidationFailed`` for a bad parameter
    or a gate that is not satisfied."""
    for effect in t.effects:
        match effect:
            case RequireClosureEvidence(field=name, value=value):
                if data.get(name) == value:
                    require_closure_evidence(db, item, user, data, text)
            case AssignUnit(label=label):
                ref = params.get("unit")
                if ref in (None, ""):
                    raise _fail([(label, "交办时必须指定承办单位")])
                try:
                    target = resolve_unit(db, ref)
                except ValueError as exc:
                    raise _fail([(label, str(exc))]) from None
                item.lead_unit, item.lead_unit_id = target, target.id
                text = text or f"交办至{target.name}"
            case NoteTo(field=name):
                data[name] = text
            case ChoiceFrom(param=param, field=name):
                if params.get(param):
                    fields, errors = validate_fields(item.kind, {name: params[param]}, partial=True)
                    if errors:
                        raise _fail(errors)
                    data.update(fields)
            case CountUp(field=name):
                data[name] = int(data.get(name, 0)) + 1
    return text


# --------------------------------------------------------------------------- operations

def _audits_refusals(fn):
    """Write operations audit their own refusals, so a 403 is in the audit trail whether the
    caller is the JSON API or a page that turns the error into a message."""

    @functools.wraps(fn)
    def wrapper(db: Session, ctx: AuditContext, user, *args, **kwargs):
        try:
            return fn(db, ctx, user, *args, **kwargs)
        except PermissionDenied as exc:
            if not exc.audited:
                actor = Actor.of(user)  # before the rollback expires the ORM object
                db.rollback()
                # the refused request's changes are not committed: the record goes on its own
                record_separately(db, ctx.as_actor(actor), Action.FORBIDDEN, object_type=exc.object_type,
                                  object_id=exc.object_id, message=ctx.where(exc.message))
                exc.audited = True
            raise

    return wrapper


@_audits_refusals
def create_item(db: Session, ctx: AuditContext, user: User | None, kind: str, data: dict[str, Any]) -> LedgerItem:
    """New ledger item. ``data``: title, lead_unit, units, deadline, fields{…}."""
    require(user, "create")
    if kind not in KINDS:
        raise ValidationFailed(f"未知的台账类型「{kind}」。")
    for attempt in range(5):
        code = _next_codes(db, kind, 1, clock.today().year)[0]
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
        record(db, ctx.as_actor(user), Action.CREATE, object_type="ledger_item", object_id=item.id,
                  object_repr=f"{item.code} {item.title}", after=item_snapshot(item))
        db.commit()
        return item
    raise Conflict("事项编号分配冲突，请重试。")


def open_item_by_rule(db: Session, ctx: AuditContext, kind: str, data: dict[str, Any], *, rule: str) -> LedgerItem:
    """A new item opened by a rule, not by a person (a manifest's overdue receipt, soil-waste.md
    §5.5): no user acts, so no permission applies; the audit record and the history name the
    system (``ctx``'s actor, :data:`~qingshan.core.audit.SYSTEM` on the command line) and the
    rule. ``data`` as for :func:`create_item`. The caller commits (idempotence is the rule's:
    it opens one item per case and remembers it)."""
    if kind not in KINDS:
        raise ValidationFailed(f"未知的台账类型「{kind}」。")
    code = _next_codes(db, kind, 1, clock.today().year)[0]
    item, errors = build_item(db, None, kind, data, code)
    if errors:
        raise _fail(errors)
    item.updated_by = "系统"
    db.add(item)
    db.flush()
    db.add(ProgressEntry(item_id=item.id, username="系统", entry_type="create", text=f"系统按规则自动建立：{rule}",
                         to_status=item.status))
    record(db, ctx, Action.CREATE, object_type="ledger_item", object_id=item.id,
           object_repr=f"{item.code} {item.title}", after=item_snapshot(item), message=f"rule: {rule}",
           username="系统")
    db.flush()
    return item


@_audits_refusals
def update_item(db: Session, ctx: AuditContext, user: User | None, item_id: int, version: Any,
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
    item.updated_at = clock.now_utc()
    item.updated_by = user.username
    _flush_versioned(db, item, sent)
    changed = [k for k in before if k not in _BOOKKEEPING and before[k] != item_snapshot(item).get(k)]
    _progress(db, item, user, "update", "修改：" + "、".join(changed))
    record(db, ctx.as_actor(user), Action.UPDATE, object_type="ledger_item", object_id=item.id,
              object_repr=f"{item.code} {item.title}", before=before, after=item_snapshot(item))
    _commit_versioned(db, item, sent)
    return item


@_audits_refusals
def transition_item(db: Session, ctx: AuditContext, user: User | None, item_id: int, action: str, version: Any,
                    note: str | None = None, unit: Any = None, satisfaction: str | None = None) -> LedgerItem:
    """Move an item along its workflow (see :data:`qingshan.ledgers.workflow.TRANSITIONS`);
    ``unit`` and ``satisfaction`` are the parameters some transitions' effects read."""
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
            msg = f"无权{t.label}：{role_label(user.role if user else None)}不能对{KINDS[item.kind]}执行「{t.label}」。"
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
    text = apply_effects(db, item, t, text, data, {"unit": unit, "satisfaction": satisfaction}, user)
    item.data = data
    old = item.status
    item.status = t.target
    item.closed_at = clock.now_utc() if t.target in CLOSED_STATES else None
    item.updated_at = clock.now_utc()
    item.updated_by = user.username
    _flush_versioned(db, item, sent)
    _progress(db, item, user, "transition", text or t.label, action=action, from_status=old, to_status=t.target)
    record(db, ctx.as_actor(user), Action.TRANSITION, object_type="ledger_item", object_id=item.id,
              object_repr=f"{item.code} {item.title}", before=before, after=item_snapshot(item),
              message=f"{t.label}：{state_label(item.kind, old)} → {state_label(item.kind, t.target)}")
    _commit_versioned(db, item, sent)
    return item


@_audits_refusals
def add_progress(db: Session, ctx: AuditContext, user: User | None, item_id: int, text: str,
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
        record(db, ctx.as_actor(user), Action.PROGRESS, object_type="ledger_item", object_id=item.id,
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


@_audits_refusals
def publish_reply(db: Session, ctx: AuditContext, user: User | None, item_id: int, version: Any,
                  text: str | None = None) -> LedgerItem:
    """Review a complaint's reply and make it public (the tracking page shows nothing else).

    ``text`` is what the public will read: the reply itself by default, or the reviewer's
    edited version (e.g. with a name or phone number removed). The published text is tied to
    the reply it reviewed: a later reply (after 重新办理) is not public until reviewed again."""
    item = get_item(db, item_id)
    require(user, "publish", item)
    data = dict(item.data or {})
    if item.kind != "complaint" or item.status not in PUBLISHABLE_STATES or not data.get("reply"):
        raise ValidationFailed(f"事项「{item.code}」没有待审核公开的答复（仅已答复或已办结的投诉可以公开答复）。")
    sent = _check_version(item, version)
    public = clean_text(text if text not in (None, "") else data["reply"], 4000, "公开答复")
    if not public:
        raise _fail([("公开答复", "必填，不能为空")])
    before = item_snapshot(item)
    now = clock.now_utc()
    data.update(reply_published=public, reply_reviewed=data["reply"], reply_published_at=now.isoformat(),
                reply_published_by=user.username)
    item.data = data
    item.updated_at, item.updated_by = now, user.username
    _flush_versioned(db, item, sent)
    _progress(db, item, user, "publish", "答复已审核并公开" + ("（审核时有删改）" if public != data["reply"] else ""))
    record(db, ctx.as_actor(user), Action.PUBLISH, object_type="ledger_item", object_id=item.id,
           object_repr=f"{item.code} {item.title}", before=before, after=item_snapshot(item),
           message="审核并公开投诉答复")
    _commit_versioned(db, item, sent)
    return item


def get_attachment(db: Session, user: User | None, item_id: int, attachment_id: int, *, home):
    item = get_item(db, item_id)
    require(user, "download", item)
    a = db.get(Attachment, attachment_id)
    if a is None or a.item_id != item.id:
        raise NotFound(f"附件 {attachment_id} 不存在。")
    return a, att.resolve(home, a.stored_path)


# --------------------------------------------------------------------------- public complaints

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_tracking_no(today: date | None = None) -> str:
    today = today or clock.today()
    return f"DT{today:%Y%m%d}-" + "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(6))


def _same_text(text: str) -> str:
    return "".join(str(text or "").split()).lower()


def complaint_title(content: str) -> str:
    """A public complaint's title: the start of its text with phone and ID numbers masked — the
    title is shown in every list, to leaders and in the audit trail, where personal data is not."""
    return scrub_text(content)[:60]


def receive_complaint(db: Session, ctx: AuditContext, fields: dict[str, Any], *,
                      merge_window: timedelta = timedelta(hours=24)) -> tuple[LedgerItem, bool]:
    """A complaint from the public portal (no login). Returns ``(item, merged)``.

    An identical complaint (same text ignoring blanks, same phone when given) received within
    ``merge_window`` and not yet closed is not filed again: it is merged into the open one
    (``duplicates`` counted, a history line, an audit record) and its tracking number returned."""
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields.setdefault("channel", "网站")
    clean, errors = validate_fields("complaint", fields)
    for key in ("reply", "satisfaction"):
        if key in fields:
            errors.append((key, "公众提交时不能填写"))
    if errors:
        raise _fail(errors)
    since = clock.now_utc() - merge_window
    text, phone = _same_text(clean["content"]), _same_text(clean.get("contact_phone") or "")
    candidates = db.scalars(select(LedgerItem).where(
        LedgerItem.kind == "complaint", LedgerItem.created_at >= since, LedgerItem.status.not_in(CLOSED_STATES),
        LedgerItem.title == complaint_title(clean["content"])))
    for item in candidates:
        data = item.data or {}
        # the same phone, or none on both: a stranger repeating someone's text must not be handed
        # that person's tracking number
        if _same_text(data.get("content")) == text and _same_text(data.get("contact_phone") or "") == phone:
            data = dict(data)
            data["duplicates"] = int(data.get("duplicates", 0)) + 1
            item.data = data
            item.updated_at, item.updated_by = clock.now_utc(), "公众"
            _progress(db, item, None, "duplicate", f"收到重复投诉（第 {data['duplicates']} 次），已合并")
            record(db, ctx.as_actor(None), Action.COMPLAINT_SUBMIT, object_type="ledger_item", object_id=item.id,
                   object_repr=f"{item.code} {item.tracking_no}", username="公众",
                   message=f"重复投诉已合并（{merge_window.total_seconds() / 3600:g} 小时内相同内容）")
            db.commit()
            return item, True
    title = complaint_title(clean["content"])
    for _ in range(5):
        tracking = new_tracking_no()
        code = _next_codes(db, "complaint", 1, clock.today().year)[0]
        now = clock.now_utc()
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
        record(db, ctx.as_actor(None), Action.COMPLAINT_SUBMIT, object_type="ledger_item", object_id=item.id,
                  object_repr=f"{item.code} {tracking}", after=item_snapshot(item), username="公众")
        db.commit()
        return item, False
    raise Conflict("受理编号分配冲突，请重试。")


def submit_complaint(db: Session, ctx: AuditContext, fields: dict[str, Any]) -> LedgerItem:
    """A complaint from the public portal (no login); its ``tracking_no`` is what the
    complainant keeps. Identical complaints are merged (:func:`receive_complaint`)."""
    return receive_complaint(db, ctx, fields)[0]


def issued_tracking_no(db: Session, tracking_no: str) -> str | None:
    """``tracking_no`` normalised if the server issued it (a complaint carries it), else None."""
    no = (tracking_no or "").strip().upper()[:32]
    if not no:
        return None
    found = db.scalar(select(LedgerItem.tracking_no).where(LedgerItem.tracking_no == no,
                                                           LedgerItem.kind == "complaint"))
    return found
