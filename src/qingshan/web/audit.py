"""The web's side of the audit trail: the :class:`~qingshan.core.audit.AuditContext` of a request.

The record itself, its actions and snapshots are :mod:`qingshan.core.audit`; routes receive the
context through the dependency alias :data:`qingshan.web.deps.AuditCtx` and hand it to the domain.
"""

from __future__ import annotations

from fastapi import Request

from qingshan.core.audit import Action, Actor, AuditContext, record_separately


def context_of(request: Request, user=None) -> AuditContext:
    """The audit context of ``request`` acted by ``user`` (None: anonymous): the server's
    request id, the client address and the request line."""
    return AuditContext(
        actor=Actor.of(user),
        request_id=getattr(request.state, "request_id", None),
        ip=request.client.host if request.client else None,
        path=f"{request.method} {request.url.path}",
    )


def audit_now(request: Request, user, action: Action | str, **kw) -> None:
    """Write a record for ``request`` in its own transaction (refusals: their request fails).

    A logged-in ``user`` is taken from the plain copy the session check kept on
    ``request.state.actor``: after a rollback the ORM object may be expired."""
    if user is not None:
        user = getattr(request.state, "actor", None) or user
    record_separately(request.app.state.engine, context_of(request, user), action, **kw)
