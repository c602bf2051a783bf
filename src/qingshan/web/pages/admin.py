"""System administration pages: accounts, units, role assignment (admin); the audit trail
(admin, leader); changing one's own password (every logged-in user).

Writes go through :mod:`qingshan.web.accounts` — the same service and rules as the admin API
(last administrator, own account, password length), audited there; a refusal is rendered on the
page with its status from the one mapping (:func:`qingshan.web.errors.status_of`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from qingshan.core.audit import ACTION_LABELS
from qingshan.core.errors import DomainError, NotFound, ValidationFailed
from qingshan.core.org import ROLES, User, list_units, unit_out
from qingshan.web import accounts, audit_queries
from qingshan.web.accounts import account_out
from qingshan.web.deps import AdminUser, AuditCtx, CurrentUser, SessionDep, Settings, require_role
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages.render import render
from qingshan.web.params import Id, IdQuery, Offset

router = APIRouter()

PAGE = 50


def _units(db) -> list[dict]:
    return [unit_out(u) for u in list_units(db)]


def _users_page(request, db, admin, *, status=200, msg="", err="", form=None):
    ctx = {"active": "admin", "user": admin, "accounts": [account_out(u) for u in db.scalars(select(User).order_by(User.id))],
           "units": _units(db), "roles": ROLES, "msg": msg, "err": err, "form": form or {},
           "admins": accounts.active_admins(db)}
    return render(request, "admin/users.html", ctx, status_code=status)


def _refused(request, db, exc: DomainError):
    db.rollback()
    audit_refusal(request, exc)
    return exc.message, status_of(exc)


@router.get("/admin/users")
def users_page(request: Request, user: AdminUser, db: SessionDep, msg: str = Query("", max_length=200)):
    return _users_page(request, db, user, msg=msg)


@router.post("/admin/users")
def users_create(request: Request, user: AdminUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                 username: str = Form("", max_length=64), display_name: str = Form("", max_length=100),
                 role: str = Form("", max_length=16), unit: str = Form("", max_length=24),
                 password: str = Form("", max_length=256)):
    form = {"username": username, "display_name": display_name, "role": role, "unit": unit}
    try:
        if not username.strip() or not display_name.strip():
            raise ValidationFailed("请填写用户名和显示名称。")
        new = accounts.create_user(db, ctx, settings, username=username.strip(), display_name=display_name.strip(),
                                   role=role, password=password, unit=unit or None)
    except DomainError as exc:
        message, status = _refused(request, db, exc)
        return _users_page(request, db, user, status=status, err=message, form=form)
    return RedirectResponse(f"/admin/users?msg=已开通账户「{new.username}」。", status_code=303)


@router.get("/admin/users/{user_id}")
def user_edit(request: Request, user_id: Id, user: AdminUser, db: SessionDep, msg: str = Query("", max_length=200)):
    return _user_page(request, db, user, user_id, msg=msg)


def _user_page(request, db, admin, user_id, *, status=200, msg="", err=""):
    target = db.get(User, user_id)
    if target is None:
        raise NotFound(f"账户 {user_id} 不存在。")
    ctx = {"active": "admin", "user": admin, "account": account_out(target), "units": _units(db), "roles": ROLES,
           "msg": msg, "err": err, "is_self": target.id == admin.id}
    return render(request, "admin/user_edit.html", ctx, status_code=status)


@router.post("/admin/users/{user_id}")
def user_update(request: Request, user_id: Id, user: AdminUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                display_name: str = Form("", max_length=100), role: str = Form("", max_length=16),
                unit: str = Form("", max_length=24), active: str = Form("", max_length=8),
                password: str = Form("", max_length=256), unlock: str = Form("", max_length=8)):
    changes = {"display_name": display_name.strip() or None, "role": role or None, "unit": unit or None,
               "active": active in ("1", "on", "true")}
    if password:
        changes["password"] = password
    if unlock in ("1", "on", "true"):
        changes["unlock"] = True
    try:
        target = accounts.update_user(db, ctx, settings, user, user_id, changes)
    except DomainError as exc:
        message, status = _refused(request, db, exc)
        return _user_page(request, db, user, user_id, status=status, err=message)
    return RedirectResponse(f"/admin/users/{target.id}?msg=已保存。", status_code=303)


@router.get("/admin/units")
def units_page(request: Request, user: AdminUser, db: SessionDep, msg: str = Query("", max_length=200)):
    return _units_page(request, db, user, msg=msg)


def _units_page(request, db, admin, *, status=200, msg="", err="", form=None):
    ctx = {"active": "admin", "user": admin, "units": _units(db), "kinds": accounts.UNIT_KINDS, "msg": msg,
           "err": err, "form": form or {}}
    return render(request, "admin/units.html", ctx, status_code=status)


@router.post("/admin/units")
def units_create(request: Request, user: AdminUser, db: SessionDep, ctx: AuditCtx,
                 code: str = Form("", max_length=32), name: str = Form("", max_length=100),
                 kind: str = Form("", max_length=20)):
    form = {"code": code, "name": name, "kind": kind}
    try:
        if not code.strip() or not name.strip():
            raise ValidationFailed("请填写单位代码和名称。")
        unit = accounts.create_unit(db, ctx, code=code.strip(), name=name.strip(), kind=kind, parent="140200")
    except DomainError as exc:
        message, status = _refused(request, db, exc)
        return _units_page(request, db, user, status=status, err=message, form=form)
    return RedirectResponse(f"/admin/units?msg=已新建单位「{unit.name}」。", status_code=303)


@router.post("/admin/units/{unit_id}")
def units_update(request: Request, unit_id: Id, user: AdminUser, db: SessionDep, ctx: AuditCtx,
                 name: str = Form("", max_length=100), kind: str = Form("", max_length=20)):
    try:
        unit = accounts.update_unit(db, ctx, unit_id, {"name": name.strip() or None, "kind": kind or None})
    except DomainError as exc:
        message, status = _refused(request, db, exc)
        return _units_page(request, db, user, status=status, err=message)
    return RedirectResponse(f"/admin/units?msg=已保存「{unit.name}」。", status_code=303)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    db: SessionDep,
    username: str = Query("", max_length=64),
    object_type: str = Query("", max_length=32),
    object_id: str = Query("", max_length=64),
    action: str = Query("", max_length=32),
    request_id: str = Query("", max_length=64),
    since: str = Query("", max_length=32),
    until: str = Query("", max_length=32),
    user_id: IdQuery = None,
    offset: Offset = 0,
    *,
    user: User = Depends(require_role("admin", "leader")),
):
    """The audit trail: search by user, object, action, request id and time (Beijing); each
    record with its field-level before/after."""
    errors = []
    bounds = {}
    for key, value in (("since", since), ("until", until)):
        if value:
            try:
                bounds[key] = datetime.fromisoformat(value)
            except ValueError:
                errors.append(f"「{'起始时间' if key == 'since' else '截止时间'}」格式应为 2026-11-29T08:00")
    filters = {"username": username, "object_type": object_type, "object_id": object_id, "action": action,
               "request_id": request_id, "since": since, "until": until}
    found = audit_queries.search(db, username=username or None, object_type=object_type or None,
                                 object_id=object_id or None, action=action or None, request_id=request_id or None,
                                 user_id=user_id, since=bounds.get("since"), until=bounds.get("until"),
                                 limit=PAGE, offset=min(offset, 10**9)) if not errors else {"total": 0, "records": []}
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    ctx = {"active": "audit", "user": user, "filters": filters, "found": found, "actions": ACTION_LABELS,
           "errors": errors, "offset": offset, "page": PAGE, "query": query}
    return render(request, "admin/audit.html", ctx, status_code=422 if errors else 200)


@router.get("/account/password")
def password_form(request: Request, user: CurrentUser, msg: str = Query("", max_length=200)):
    return render(request, "account/password.html", {"active": "", "user": user, "msg": msg, "err": ""})


@router.post("/account/password")
def password_change(request: Request, user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                    current_password: str = Form("", max_length=256), new_password: str = Form("", max_length=256),
                    confirm_password: str = Form("", max_length=256)):
    try:
        if new_password != confirm_password:
            raise ValidationFailed("两次输入的新密码不一致，密码未修改。")
        accounts.change_own_password(db, ctx, settings, user, current_password, new_password)
    except DomainError as exc:
        message, status = _refused(request, db, exc)
        return render(request, "account/password.html", {"active": "", "user": user, "msg": "", "err": message},
                      status_code=status)
    return RedirectResponse("/account/password?msg=密码已修改。", status_code=303)
