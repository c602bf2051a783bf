"""Administration: accounts (admin only) and reading the audit trail.

There is deliberately no endpoint that changes or deletes audit records.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from qingshan.core.audit import Action, AuditRecord, diff, jsonable, record, snapshot
from qingshan.core.org import ROLES, User, resolve_unit
from qingshan.web.api.auth import user_out
from qingshan.web.api.schemas import AccountOut, AuditOut, UserOut
from qingshan.web.deps import AdminUser, AuditCtx, SessionDep, Settings, require_role
from qingshan.web.models import WebSession
from qingshan.web.security import hash_password

router = APIRouter(prefix="/api/admin", tags=["管理 admin"])


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    role: str
    unit: int | str | None = None
    password: str = Field(min_length=10, max_length=256)


@router.get("/users", response_model=list[AccountOut], summary="账户列表")
def users(user: AdminUser, db: SessionDep) -> list[dict]:
    return [user_out(u) | {"active": u.active, "locked_until": jsonable(u.locked_until)}
            for u in db.scalars(select(User).order_by(User.id))]


@router.post("/users", status_code=201, response_model=UserOut, summary="新建账户")
def create_user(body: UserIn, user: AdminUser, db: SessionDep, ctx: AuditCtx, settings: Settings) -> dict:
    if body.role not in ROLES:
        raise HTTPException(422, f"角色「{body.role}」不存在（可选：{'、'.join(ROLES)}）。")
    if db.scalar(select(User).where(User.username == body.username)) is not None:
        raise HTTPException(409, f"用户名「{body.username}」已存在。")
    unit = None
    if body.unit not in (None, ""):
        try:
            unit = resolve_unit(db, body.unit)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    if body.role == "unit" and unit is None:
        raise HTTPException(422, "责任单位用户必须指定所属单位。")
    new = User(username=body.username, display_name=body.display_name, role=body.role,
               unit_id=unit.id if unit else None,
               password_hash=hash_password(body.password, settings), active=True, failed_logins=0)
    db.add(new)
    db.flush()
    record(db, ctx, Action.USER_CREATE, object_type="user", object_id=new.id, object_repr=new.username,
              after=snapshot(new))
    db.commit()
    db.refresh(new)
    return user_out(new)


class UserPatch(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    role: str | None = None
    unit: int | str | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=10, max_length=256)
    unlock: bool = Field(False, description="解除因连续登录失败造成的锁定")


@router.patch("/users/{user_id}", response_model=AccountOut, summary="修改账户（角色、单位、停用、重置密码、解除锁定）")
def update_user(user_id: int, body: UserPatch, user: AdminUser, db: SessionDep, ctx: AuditCtx,
                settings: Settings) -> dict:
    target = db.get(User, user_id)
    if target is None:
        raise HTTPException(404, f"账户 {user_id} 不存在。")
    before = snapshot(target)
    if body.role is not None:
        if body.role not in ROLES:
            raise HTTPException(422, f"角色「{body.role}」不存在（可选：{'、'.join(ROLES)}）。")
        target.role = body.role
    if "unit" in body.model_fields_set:
        if body.unit in (None, ""):
            target.unit_id = None
        else:
            try:
                target.unit_id = resolve_unit(db, body.unit).id
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
    if target.role == "unit" and target.unit_id is None:
        raise HTTPException(422, "责任单位用户必须指定所属单位。")
    if body.display_name is not None:
        target.display_name = body.display_name
    if body.active is not None:
        if target.id == user.id and not body.active:
            raise HTTPException(422, "不能停用自己的账户。")
        target.active = body.active
    if body.password is not None:
        target.password_hash = hash_password(body.password, settings)
    if body.unlock:
        target.locked_until, target.failed_logins = None, 0
    after = snapshot(target)
    if body.password is not None:
        after["password_changed"] = True  # the hash itself never enters the audit trail
    record(db, ctx, Action.USER_UPDATE, object_type="user", object_id=target.id,
              object_repr=target.username, before=before, after=after)
    if body.active is False or body.password is not None or body.role is not None:
        # a deactivated, re-roled or re-keyed account loses its open sessions
        db.execute(delete(WebSession).where(WebSession.user_id == target.id))
    db.commit()
    db.refresh(target)
    return user_out(target) | {"active": target.active, "locked_until": jsonable(target.locked_until)}


@router.get("/audit", response_model=list[AuditOut], summary="审计记录（只读；系统不提供修改或删除审计记录的功能）")
def audit(
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    request_id: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    limit: int = Query(200, ge=1, le=5000),
    offset: int = Query(0, ge=0),
    *,
    user: User = Depends(require_role("admin", "leader")),
    db: SessionDep,
) -> list[dict]:
    conds = []
    if object_type:
        conds.append(AuditRecord.object_type == object_type)
    if object_id:
        conds.append(AuditRecord.object_id == object_id)
    if action:
        conds.append(AuditRecord.action == action)
    if request_id:
        conds.append(AuditRecord.request_id == request_id)
    if username:
        conds.append(AuditRecord.username == username)
    if since:
        conds.append(AuditRecord.at >= since)
    rows = db.scalars(select(AuditRecord).where(*conds).order_by(AuditRecord.id.desc()).limit(limit).offset(offset))
    return [snapshot(r) | {"changes": diff(r.before, r.after)} for r in rows]
