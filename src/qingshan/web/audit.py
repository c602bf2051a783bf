"""Writing the audit trail.

Every state change writes one :class:`~qingshan.web.models.AuditRecord` in the same
transaction as the change (so a rolled-back change leaves no record and a committed one always
has its record). Refusals (HTTP 403, failed logins, CSRF failures, version conflicts) are
written in a separate transaction because the request itself fails. There is intentionally no
function here, nor any route anywhere, that updates or deletes audit records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from qingshan.web.models import AuditRecord


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
    return {
        c.key: jsonable(getattr(obj, c.key))
        for c in mapper.column_attrs
        if c.key not in exclude
    }


DIFF_EXCLUDE = frozenset({"version", "updated_at", "updated_by"})  # bookkeeping, changes every time


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """``{field: [before, after]}`` for the fields that changed (bookkeeping columns left out)."""
    before, after = before or {}, after or {}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if k not in DIFF_EXCLUDE and before.get(k) != after.get(k)}


def actor_of(user) -> dict:
    """``{id, username, role}`` of a User, or of the plain dict kept on ``request.state.actor``
    (used after a rollback, when the ORM object may be expired and its session closed)."""
    if user is None:
        return {}
    if isinstance(user, dict):
        return user
    return {"id": user.id, "username": user.username, "role": user.role}


def _context(request) -> dict:
    if request is None:
        return {"request_id": None, "ip": None}
    return {
        "request_id": getattr(request.state, "request_id", None),
        "ip": request.client.host if request.client else None,
    }


def add_audit(
    db: Session,
    request,
    user,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    message: str | None = None,
    username: str | None = None,
) -> AuditRecord:
    """Add an audit record to ``db`` (committed together with the change it describes)."""
    actor = actor_of(user)
    rec = AuditRecord(
        user_id=actor.get("id"),
        username=actor.get("username") or username,
        role=actor.get("role"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:200] or None,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        message=message,
        **_context(request),
    )
    db.add(rec)
    return rec


def audit_now(request, user, action: str, **kw) -> None:
    """Write an audit record in its own transaction (for refusals whose request fails)."""
    actor = getattr(request.state, "actor", None)
    if actor and (user is None or not isinstance(user, dict)) and user is not None:
        user = actor  # the plain copy is safe whatever happened to the ORM session
    factory = request.app.state.sessionmaker
    with factory() as db:
        add_audit(db, request, user, action, **kw)
        db.commit()
