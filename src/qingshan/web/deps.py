"""What page routes (``qingshan.web.pages``) and API routes depend on — the contract.

Use in a route::

    from fastapi import APIRouter, Depends, Request
    from qingshan.web.deps import templates, current_user, require_role, get_db, csrf_token

    router = APIRouter()

    @router.get("/ledgers")
    def ledgers(request: Request, user=Depends(require_role("admin", "staff", "unit", "leader")),
                db=Depends(get_db)):
        return templates.TemplateResponse(request, "ledgers.html", {"user": user})

* ``get_db`` — a SQLAlchemy ``Session`` for this request (closed afterwards; commit yourself).
* ``current_user`` — the logged-in :class:`~qingshan.web.models.User` or ``None`` (public).
* ``require_user`` — a logged-in user, else HTTP 401. Browser requests (``Accept: text/html``)
  that get 401 are redirected to ``/login?next=<path>`` by the app.
* ``require_role(*roles)`` — a user whose ``role`` is one of ``roles`` (``admin``, ``staff``,
  ``unit``, ``leader``, ``public``; see :mod:`qingshan.web.security`); otherwise HTTP 403, and the
  refusal is written to the audit trail. ``require_internal`` = any of admin/staff/unit/leader.
* ``csrf_token(request)`` — the token every state-changing form must send as the hidden field
  ``csrf_token`` (or fetch/htmx as header ``X-CSRF-Token``). It is also a Jinja2 global:
  ``<input type="hidden" name="csrf_token" value="{{ csrf_token(request) }}">`` and, for htmx,
  ``<body hx-headers='{"X-CSRF-Token": "{{ csrf_token(request) }}"}'>``. Works before login too
  (double-submit cookie), so the login form and the public complaint form are covered.
* ``csrf_protect`` — the check itself. :func:`qingshan.web.app.create_app` attaches it to the
  whole pages router and every API router, so page authors need not add it; it lets GET/HEAD/
  OPTIONS through and refuses other methods without a valid token (HTTP 403, audited).
* ``templates`` — ``Jinja2Templates`` on ``src/qingshan/web/templates`` with autoescape ON for
  every template (never use ``|safe`` on user text). Globals: ``csrf_token``, ``ROLES`` (role →
  Chinese name), ``STATE_LABELS`` (status → Chinese label, all ledger kinds).
* Logging in from a page form: ``qingshan.web.auth.login_user(request, db, username, password)``
  returns ``(user, session_token, csrf)`` or raises HTTPException (401/423/429, message in
  Chinese in ``.detail``); then ``qingshan.web.auth.set_session_cookie(response, token,
  request.app.state.settings)``. Logging out: ``qingshan.web.auth.logout_user(request, db, response)``.
* Ledger logic (lists, filters, transitions, progress, attachments, Excel) is in
  :mod:`qingshan.ledgers.service`; call it rather than touching tables directly, so that
  permissions, audit and optimistic concurrency apply to pages and API alike.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from qingshan.web.audit import audit_now
from qingshan.web.auth import session_for
from qingshan.web.models import User
from qingshan.web.security import (
    CSRF_COOKIE,
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    INTERNAL_ROLES,
    ROLES,
    SESSION_COOKIE,
    new_token,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def get_db(request: Request) -> Iterator[Session]:
    db = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        db.close()


def current_user(request: Request, db: Session = Depends(get_db)) -> User | None:
    if not hasattr(request.state, "user") or not hasattr(request.state, "web_session"):
        session_for(request, db)
    return request.state.user


def require_user(user: User | None = Depends(current_user)) -> User:
    if user is None:
        raise HTTPException(401, "请先登录。")
    return user


def forbid(request: Request, user: User | None, what: str, **kw) -> HTTPException:
    """Audit a refusal and return the 403 to raise."""
    audit_now(request, user, "forbidden", message=f"{request.method} {request.url.path}: {what}", **kw)
    return HTTPException(403, what)


def require_role(*roles: str):
    """Dependency factory: the current user must have one of ``roles`` (403 + audit otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def dependency(request: Request, user: User | None = Depends(current_user)) -> User:
        if user is None:
            raise HTTPException(401, "请先登录。")
        if user.role not in roles:
            names = "、".join(ROLES[r] for r in roles)
            raise forbid(request, user, f"无权操作：此功能仅限{names}，您的角色是{ROLES.get(user.role, user.role)}。")
        return user

    return dependency


require_internal = require_role(*INTERNAL_ROLES)


def csrf_token(request: Request) -> str:
    """The CSRF token to embed in forms/headers for this request's client."""
    csrf = getattr(request.state, "web_session_csrf", None)
    if csrf:
        return csrf
    factory = request.app.state.sessionmaker
    if request.cookies.get(SESSION_COOKIE):
        with factory() as db:
            sess = session_for(request, db)
        if sess is not None:
            request.state.web_session_csrf = sess.csrf_token
            return sess.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not token:
        token = new_token()
        request.state.new_csrf_cookie = token  # set on the response by the app's middleware
    return token


async def csrf_protect(request: Request, db: Session = Depends(get_db)) -> None:
    """Refuse a state-changing request without the right CSRF token (synchroniser token for
    sessions, double-submit cookie before login). A request carrying neither cookie has no
    ambient authority to abuse (e.g. a script posting JSON to the public complaint API) and
    passes; what it may do is then decided by the route's own permission check."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # Starlette caches the parsed form for the route
            value = form.get(CSRF_FORM_FIELD)
            sent = value if isinstance(value, str) else None
    expected = None
    user = None
    if request.cookies.get(SESSION_COOKIE):
        sess = session_for(request, db)  # same session as the route's (dependency cache)
        if sess is not None:
            expected, user = sess.csrf_token, request.state.user
    if expected is None:
        expected = request.cookies.get(CSRF_COOKIE)
        if expected is None:
            # no valid session and no pre-login cookie: only cross-site *form* posts are a risk
            ctype = request.headers.get("content-type", "")
            if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")):
                return
            expected = ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        audit_now(request, user, "csrf_rejected", message=f"{request.method} {request.url.path}")
        raise HTTPException(403, "表单校验失败（CSRF 令牌缺失或无效），请刷新页面后重试。")


def _state_labels() -> dict[str, str]:
    try:
        from qingshan.ledgers.workflow import STATE_LABELS
    except ImportError:  # pragma: no cover - ledgers always ship with the web package
        return {}
    return dict(STATE_LABELS)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,  # every template, whatever its extension
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)
templates.env.globals.update(csrf_token=csrf_token, ROLES=ROLES)
templates.env.globals["STATE_LABELS"] = _state_labels()
