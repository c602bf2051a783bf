"""Administration: accounts and units (admin only) and reading the audit trail (admin, leader).

There is deliberately no endpoint that changes or deletes audit records. The rules (last
administrator, own account, passwords) are :mod:`qingshan.web.accounts`'.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from qingshan.core.org import User, list_units, unit_out
from qingshan.web import accounts, audit_queries
from qingshan.web.accounts import account_out
from qingshan.web.api.schemas import AccountOut, AuditPageOut, UnitOut
from qingshan.web.deps import AdminUser, AuditCtx, SessionDep, Settings, require_role
from qingshan.web.params import Id, IdQuery, Limit, Offset, UnitRef

router = APIRouter(prefix="/api/admin", tags=["管理 admin"])

USERNAME = r"^[A-Za-z0-9_.-]+$"


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=USERNAME)
    display_name: str = Field(min_length=1, max_length=100)
    role: str = Field(max_length=16)
    unit: UnitRef | None = None
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=256)


@router.get("/users", response_model=list[AccountOut], summary="账户列表")
def users(user: AdminUser, db: SessionDep) -> list[dict]:
    return [account_out(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("/users", status_code=201, response_model=AccountOut, summary="新建账户")
def create_user(body: UserIn, user: AdminUser, db: SessionDep, ctx: AuditCtx, settings: Settings) -> dict:
    new = accounts.create_user(db, ctx, settings, username=body.username, display_name=body.display_name,
                               role=body.role, password=body.password, unit=body.unit)
    return account_out(new)


class UserPatch(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    role: str | None = Field(None, max_length=16)
    unit: UnitRef | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=accounts.MIN_PASSWORD, max_length=256)
    unlock: bool = Field(False, description="解除连续登录失败造成的登录延时")


@router.patch("/users/{user_id}", response_model=AccountOut,
              summary="修改账户（角色、单位、停用、重置密码、解除登录延时；不能降级或停用最后一个系统管理员）")
def update_user(user_id: Id, body: UserPatch, user: AdminUser, db: SessionDep, ctx: AuditCtx,
                settings: Settings) -> dict:
    changes = body.model_dump(exclude_unset=True)
    target = accounts.update_user(db, ctx, settings, user, user_id, changes)
    return account_out(target)


class UnitIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(max_length=20, description="city | district | county | zone | department | bureau_section")
    parent: UnitRef | None = None


class UnitPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=20)


@router.get("/units", response_model=list[UnitOut], summary="单位列表（管理）")
def units(user: AdminUser, db: SessionDep) -> list[dict]:
    return [unit_out(u) for u in list_units(db)]


@router.post("/units", status_code=201, response_model=UnitOut, summary="新建单位")
def create_unit(body: UnitIn, user: AdminUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return unit_out(accounts.create_unit(db, ctx, code=body.code, name=body.name, kind=body.kind, parent=body.parent))


@router.patch("/units/{unit_id}", response_model=UnitOut, summary="修改单位名称或类型")
def update_unit(unit_id: Id, body: UnitPatch, user: AdminUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return unit_out(accounts.update_unit(db, ctx, unit_id, body.model_dump(exclude_unset=True)))


@router.get("/audit", response_model=AuditPageOut,
            summary="审计记录（只读；按用户、对象、动作、请求编号、时间检索；含字段级修改前后值）")
def audit(
    object_type: str | None = Query(None, max_length=32),
    object_id: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=32),
    request_id: str | None = Query(None, max_length=64),
    username: str | None = Query(None, max_length=64),
    user_id: IdQuery = None,
    since: datetime | None = Query(None, description="起始时间（含），ISO 8601；不带时区时按北京时间"),
    until: datetime | None = Query(None, description="截止时间（不含）"),
    limit: Limit = 200,
    offset: Offset = 0,
    *,
    user: User = Depends(require_role("admin", "leader")),
    db: SessionDep,
) -> dict:
    return audit_queries.search(db, object_type=object_type, object_id=object_id, action=action,
                                request_id=request_id, username=username, user_id=user_id, since=since,
                                until=until, limit=limit, offset=offset)
