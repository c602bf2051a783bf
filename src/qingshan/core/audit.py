"""The audit trail: one append-only record per change or refusal, for every domain.

Model: NetBox's change log (``core.models.ObjectChange``: time, user and a static copy of the user
name, request id, action, object type/id/repr, message, pre- and post-change JSON), reduced to
what a bureau needs.

* A change writes its record with :func:`record` in the **same** transaction (a rolled-back
  change leaves no record, a committed one always has one).
* A refusal (HTTP 403, CSRF, conflicts, failed logins) writes with :func:`record_separately`, in
  its own transaction, because the request itself fails.
* Nothing here, nor any route anywhere, updates or deletes records; the ``web_0001`` migration
  installs triggers refusing UPDATE and DELETE (:func:`audit_guard_ddl`).

Domain code never sees an HTTP request: it receives an :class:`AuditContext` (who, which request,
from where) that the web builds once per request (``qingshan.web.deps.AuditCtx``); the CLI and
the demo use :data:`SYSTEM`-style contexts of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Text, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from qingshan.core.clock import now_utc
from qingshan.store.base import Base


class Action(StrEnum):
    """What an audit record says happened (stored as its value)."""

    CREATE = "create"
    UPDATE = "update"
    TRANSITION = "transition"
    PROGRESS = "progress"
    IMPORT = "import"
    EXPORT = "export"
    READ = "read"  # personal data read (TEAM rule 7)
    PUBLISH = "publish"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    LOGIN_THROTTLED = "login_throttled"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    CSRF_REJECTED = "csrf_rejected"
    COMPLAINT_SUBMIT = "complaint_submit"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    UNIT_CREATE = "unit_create"
    UNIT_UPDATE = "unit_update"


class AuditRecord(Base):
    """One entry of the audit trail. Never updated, never deleted."""

    __tablename__ = "web_audit"  # name predates qingshan.core; kept (no data migration)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no FK: survives user removal
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32))  # an Action value
    object_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_repr: Mapped[str | None] = mapped_column(String(200), nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)


AUDIT_TABLE = AuditRecord.__tablename__


@dataclass(frozen=True)
class Actor:
    """A plain copy of who acted (safe after a rollback has expired the ORM user)."""

    id: int | None = None
    username: str | None = None
    role: str | None = None

    @classmethod
    def of(cls, user: Any) -> Actor:
        """From a :class:`~qingshan.core.org.User`, an ``Actor`` or None (anonymous)."""
        if user is None:
            return ANONYMOUS
        if isinstance(user, Actor):
            return user
        return cls(id=user.id, username=user.username, role=user.role)


ANONYMOUS = Actor()


@dataclass(frozen=True)
class AuditContext:
    """Who acts, in which request, from where — everything an audit record needs besides the change.

    Attributes
    ----------
    actor : Actor
        The acting account (``ANONYMOUS`` for the public).
    request_id : str or None
        The server-generated request id (``X-Request-ID``), None outside a request.
    ip : str or None
        Client address.
    path : str or None
        The request line ``"METHOD /path"`` (refusal messages name it); None outside a request.
    """

    actor: Actor = field(default=ANONYMOUS)
    request_id: str | None = None
    ip: str | None = None
    path: str | None = None

    def as_actor(self, user: Any) -> AuditContext:
        """The same request, acted by ``user``."""
        return AuditContext(Actor.of(user), self.request_id, self.ip, self.path)

    def where(self, message: str) -> str:
        """``message`` prefixed with the request line, for refusals."""
        return f"{self.path}: {message}" if self.path else message


#: Context of the command line and the demo (no request, no address).
SYSTEM = AuditContext()

#: Labels of the actions for people (the audit page, exports).
ACTION_LABELS: dict[str, str] = {
    "create": "新建", "update": "修改", "transition": "流转", "progress": "报送进展", "import": "导入",
    "export": "导出", "read": "查看个人信息", "publish": "审核公开", "login": "登录", "login_failed": "登录失败",
    "login_locked": "登录被拒（锁定）", "login_throttled": "登录限速", "lockout": "账户锁定", "logout": "退出",
    "forbidden": "越权被拒", "conflict": "修改冲突", "csrf_rejected": "CSRF 校验失败", "complaint_submit": "公众投诉",
    "user_create": "新建账户", "user_update": "修改账户", "unit_create": "新建单位", "unit_update": "修改单位",
}


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """Column values of a mapped object as JSON-safe data (the before/after image)."""
    mapper = inspect(obj).mapper
    out = {}
    for c in mapper.column_attrs:
        if c.key in exclude:
            continue
        value = getattr(obj, c.key)
        if isinstance(value, datetime) and value.tzinfo is None and getattr(c.columns[0].type, "timezone", False):
            value = value.replace(tzinfo=timezone.utc)  # a UTC column read back naive (SQLite): say so
        out[c.key] = jsonable(value)
    return out


DIFF_EXCLUDE = frozenset({"version", "updated_at", "updated_by"})  # bookkeeping, changes every time


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """``{field: [before, after]}`` for the fields that changed (bookkeeping columns left out)."""
    before, after = before or {}, after or {}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if k not in DIFF_EXCLUDE and before.get(k) != after.get(k)}


def record(
    db: Session,
    ctx: AuditContext,
    action: Action | str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    message: str | None = None,
    username: str | None = None,
) -> AuditRecord:
    """Add a record to ``db``, committed with the change it describes.

    ``username`` names an actor without an account (a failed login's typed name, 「公众」).
    """
    actor = ctx.actor
    rec = AuditRecord(
        user_id=actor.id,
        username=actor.username or username,
        role=actor.role,
        ip=ctx.ip,
        request_id=ctx.request_id,
        action=Action(action).value,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:200] or None,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        message=message,
    )
    db.add(rec)
    return rec


def record_separately(bind: Engine | Session, ctx: AuditContext, action: Action | str, **kw: Any) -> None:
    """Write a record in its own transaction (refusals, whose request is rolled back)."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    with Session(engine) as own:
        record(own, ctx, action, **kw)
        own.commit()


def audit_guard_ddl(dialect: str) -> list[str]:
    """DDL making the audit table append-only at the database level.

    Parameters
    ----------
    dialect : str
        ``"sqlite"`` or ``"postgresql"``.

    Returns
    -------
    list of str
        Statements to execute in order (the migration keeps a frozen copy; tests use this).
    """
    msg = "审计记录不可修改或删除 (audit records are append-only)"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_update BEFORE UPDATE ON {AUDIT_TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_delete BEFORE DELETE ON {AUDIT_TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {AUDIT_TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{msg}'; END $$",
            f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_append_only ON {AUDIT_TABLE}",
            f"CREATE TRIGGER {AUDIT_TABLE}_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {AUDIT_TABLE}_refuse()",
            f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_truncate ON {AUDIT_TABLE}",
            f"CREATE TRIGGER {AUDIT_TABLE}_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {AUDIT_TABLE}_refuse()",
        ]
    raise ValueError(f"不支持的数据库类型：{dialect!r}（支持 sqlite、postgresql）")
