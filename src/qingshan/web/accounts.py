"""Accounts and units: the one service behind the admin API, the admin pages and ``qingshan users``.

Every change is audited in its own transaction's record (``user_create``, ``user_update``,
``unit_create``, ``unit_update``, ``password_change``) with before/after images (never the
password hash). Rules:

* The last active administrator can be neither demoted nor deactivated (:func:`update_user`):
  a bureau must never lose the only account able to manage accounts.
* No one deactivates their own account.
* A new password is at least :data:`MIN_PASSWORD` characters and is not the user name.
* Changing role, deactivating or resetting a password ends the account's open sessions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qingshan.core.audit import Action, AuditContext, record, snapshot
from qingshan.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingshan.core import clock
from qingshan.core.org import ROLES, Unit, User, resolve_unit, role_label, unit_out
from qingshan.web.auth import reset_login_delays
from qingshan.web.models import WebSession
from qingshan.web.security import WebSettings, hash_password, verify_password

MIN_PASSWORD = 10
UNIT_KINDS = {"city": "市", "district": "区", "county": "县", "zone": "功能区", "department": "部门",
              "bureau_section": "局内科室"}


def account_out(user: User) -> dict:
    """:func:`user_out` with what an administrator manages."""
    return user_out(user) | {"active": user.active, "failed_logins": user.failed_logins or 0,
                             "created_at": clock.to_local(user.created_at).isoformat() if user.created_at else None}


def user_out(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": role_label(user.role),
        "unit": unit_out(user.unit),
    }



def check_password(password: str, username: str) -> str:
    """``password`` if acceptable, else ``ValidationFailed`` (Chinese)."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed(f"密码至少 {MIN_PASSWORD} 个字符。", errors=[{"field": "password", "message": f"密码至少 {MIN_PASSWORD} 个字符"}])
    if len(password) > 256:
        raise ValidationFailed("密码最多 256 个字符。")
    if password.strip().lower() == (username or "").strip().lower():
        raise ValidationFailed("密码不能与用户名相同。")
    return password


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"角色「{str(role)[:20]}」不存在（可选：{'、'.join(f'{k} {v}' for k, v in ROLES.items())}）。")
    return role


def _unit(db: Session, ref: Any) -> Unit | None:
    if ref in (None, ""):
        return None
    try:
        return resolve_unit(db, ref)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def active_admins(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


def create_user(db: Session, ctx: AuditContext, settings: WebSettings, *, username: str, display_name: str,
                role: str, password: str, unit: Any = None) -> User:
    """A new account (committed)."""
    _role(role)
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"用户名「{username}」已存在。", object_type="user")
    unit_obj = _unit(db, unit)
    if role == "unit" and unit_obj is None:
        raise ValidationFailed("责任单位用户必须指定所属单位。")
    check_password(password, username)
    new = User(username=username, display_name=display_name, role=role, unit_id=unit_obj.id if unit_obj else None,
               password_hash=hash_password(password, settings), active=True, failed_logins=0)
    db.add(new)
    db.flush()
    record(db, ctx, Action.USER_CREATE, object_type="user", object_id=new.id, object_repr=new.username,
           after=snapshot(new))
    db.commit()
    db.refresh(new)
    return new


def _lock_admins(db: Session) -> None:
    """PostgreSQL: hold the active administrators' rows until the commit, in id order, so two
    administrators demoting each other at the same moment cannot both see the other one still
    active (the second waits, then counts the first one's change). SQLite ignores FOR UPDATE;
    there the count after the flush is already serialised by the database's one writer."""
    db.execute(select(User.id).where(User.role == "admin", User.active.is_(True)).order_by(User.id).with_for_update())


def update_user(db: Session, ctx: AuditContext, settings: WebSettings, actor: User, user_id: int,
                changes: dict[str, Any]) -> User:
    """Change an account: ``display_name``, ``role``, ``unit``, ``active``, ``password``,
    ``unlock`` (clear the login delays). Refuses to demote or deactivate the last active
    administrator, and to deactivate oneself."""
    if changes.get("role") is not None or changes.get("active") is not None:
        _lock_admins(db)
    target = db.get(User, user_id)
    if target is None:
        raise NotFound(f"账户 {user_id} 不存在。")
    before = snapshot(target)
    if changes.get("role") is not None:
        target.role = _role(changes["role"])
    if "unit" in changes:
        unit_obj = _unit(db, changes["unit"])
        target.unit_id = unit_obj.id if unit_obj else None
    if target.role == "unit" and target.unit_id is None:
        raise ValidationFailed("责任单位用户必须指定所属单位。")
    if changes.get("display_name") is not None:
        target.display_name = changes["display_name"]
    if changes.get("active") is not None:
        if target.id == actor.id and not changes["active"]:
            raise ValidationFailed("不能停用自己的账户。")
        target.active = bool(changes["active"])
    was_admin = before["role"] == "admin" and before["active"]
    if was_admin and not (target.role == "admin" and target.active):
        db.flush()  # SQLite: the write lock is ours from here, so the count sees every commit before it
        remaining = db.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))
        if remaining == 0:
            db.rollback()
            raise ValidationFailed(f"「{target.username}」是最后一个有效的系统管理员，不能降级或停用；"
                                   "请先为另一人开通系统管理员账户。")
    if changes.get("password") is not None:
        target.password_hash = hash_password(check_password(changes["password"], target.username), settings)
    if changes.get("unlock"):
        target.locked_until, target.failed_logins = None, 0
        reset_login_delays(db, target.username)
    after = snapshot(target)
    if changes.get("password") is not None:
        after["password_changed"] = True  # the hash itself never enters the audit trail
    if changes.get("unlock"):
        after["login_delays_reset"] = True
    record(db, ctx, Action.USER_UPDATE, object_type="user", object_id=target.id, object_repr=target.username,
           before=before, after=after)
    if changes.get("active") is False or changes.get("password") is not None or (
            changes.get("role") is not None and changes["role"] != before["role"]):
        # a deactivated, re-roled or re-keyed account loses its open sessions
        db.execute(delete(WebSession).where(WebSession.user_id == target.id))
    db.commit()
    db.refresh(target)
    return target


def change_own_password(db: Session, ctx: AuditContext, settings: WebSettings, user: User, current: str,
                        new: str) -> None:
    """The logged-in user changes their password (the current one is checked); their other
    sessions end, this one stays."""
    fresh = db.get(User, user.id)
    if not verify_password(fresh.password_hash, current or "", settings):
        raise PermissionDenied("当前密码不正确，密码未修改。", object_type="user", object_id=user.id)
    if current == new:
        raise ValidationFailed("新密码不能与当前密码相同。")
    fresh.password_hash = hash_password(check_password(new, fresh.username), settings)
    record(db, ctx.as_actor(fresh), Action.USER_UPDATE, object_type="user", object_id=fresh.id,
           object_repr=fresh.username, after={"password_changed": True}, message="本人修改密码")
    db.commit()


def create_unit(db: Session, ctx: AuditContext, *, code: str, name: str, kind: str, parent: Any = None) -> Unit:
    if kind not in UNIT_KINDS:
        raise ValidationFailed(f"单位类型「{kind}」不存在（可选：{'、'.join(f'{k} {v}' for k, v in UNIT_KINDS.items())}）。")
    if db.scalar(select(Unit).where((Unit.code == code) | (Unit.name == name))) is not None:
        raise Conflict(f"单位代码「{code}」或名称「{name}」已存在。", object_type="unit")
    parent_obj = _unit(db, parent)
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent_obj.id if parent_obj else None)
    db.add(unit)
    db.flush()
    record(db, ctx, Action.UNIT_CREATE, object_type="unit", object_id=unit.id, object_repr=unit.name,
           after=snapshot(unit))
    db.commit()
    return unit


def update_unit(db: Session, ctx: AuditContext, unit_id: int, changes: dict[str, Any]) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"单位 {unit_id} 不存在。")
    before = snapshot(unit)
    if changes.get("name") not in (None, ""):
        clash = db.scalar(select(Unit).where(Unit.name == changes["name"], Unit.id != unit.id))
        if clash is not None:
            raise Conflict(f"单位名称「{changes['name']}」已被其他单位使用。", object_type="unit")
        unit.name = changes["name"]
    if changes.get("kind") not in (None, ""):
        if changes["kind"] not in UNIT_KINDS:
            raise ValidationFailed(f"单位类型「{changes['kind']}」不存在。")
        unit.kind = changes["kind"]
    record(db, ctx, Action.UNIT_UPDATE, object_type="unit", object_id=unit.id, object_repr=unit.name,
           before=before, after=snapshot(unit))
    db.commit()
    return unit
