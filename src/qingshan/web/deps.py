"""What page routes (``qingshan.web.pages``) and API routes depend on — the contract.

Use the typed aliases in a route (FastAPI full-stack template style)::

    from qingshan.web.deps import AuditCtx, InternalUser, SessionDep

    @router.get("/api/water/sections", response_model=list[SectionOut])
    def sections(user: InternalUser, db: SessionDep) -> list[dict]:
        return water_queries.sections(db)

    @router.post("/api/water/sections", response_model=SectionOut, status_code=201)
    def add(body: SectionIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
        return water_service.add_section(db, ctx, user, body.model_dump())

* ``SessionDep`` — a SQLAlchemy ``Session`` for this request (closed afterwards; commit yourself).
* ``OptionalUser`` — the logged-in :class:`~qingshan.core.org.User` or ``None`` (public).
* ``CurrentUser`` — a logged-in user, else HTTP 401. Browser requests (``Accept: text/html``)
  that get 401 are redirected to ``/login?next=<path>`` by the app.
* ``InternalUser`` (admin/staff/unit/leader), ``BureauUser`` (admin/staff), ``AdminUser`` —
  a user with one of those roles; otherwise HTTP 403, and the refusal is audited.
  ``require_role(*roles)`` builds others.
* ``AuditCtx`` — the request's :class:`~qingshan.core.audit.AuditContext` (actor, request id,
  address, request line). Pass it to the domain's write functions; they write the audit record
  in the same transaction as the change. Domain code never receives the request itself.
* ``Settings`` — this application's :class:`~qingshan.web.security.WebSettings`.
* ``csrf_token(request)`` — the token every state-changing form must send as the hidden field
  ``csrf_token`` (or fetch/htmx as header ``X-CSRF-Token``); a Jinja2 global too. Works before
  login (double-submit cookie), so the login form and the public complaint form are covered.
* ``csrf_protect`` — the check itself. :func:`qingshan.web.app.create_app` attaches it to every
  router, so route authors need not add it; it lets GET/HEAD/OPTIONS through and refuses other
  methods without a valid token (HTTP 403, audited).
* ``templates`` — ``Jinja2Templates`` on ``src/qingshan/web/templates`` with autoescape ON for
  every template (never use ``|safe`` on user text).
* Parameters: never a bare ``int`` for an id, year or offset — use the validated types of
  :mod:`qingshan.web.params` (``Id``, ``IdQuery``, ``YearQuery``, ``Limit``, ``Offset`` …: 422 with a
  Chinese message instead of an ``OverflowError`` 500). Rate limits: :mod:`qingshan.web.ratelimit`.
* Errors: raise :mod:`qingshan.core.errors` in the domain; :mod:`qingshan.web.errors` maps them
  to statuses for every route (a page that renders the refusal itself calls ``status_of``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from qingshan.core.audit import Action, AuditContext
from qingshan.core.org import BUREAU_ROLES, INTERNAL_ROLES, ROLES, User
from qingshan.ledgers.workflow import STATE_LABELS
from qingshan.web.audit import audit_now, context_of
from qingshan.web.auth import session_for
from qingshan.web.security import (
    CSRF_COOKIE,
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    WebSettings,
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
    audit_now(request, user, Action.FORBIDDEN, message=f"{request.method} {request.url.path}: {what}", **kw)
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
require_bureau = require_role(*BUREAU_ROLES)
require_admin = require_role("admin")


def audit_context(request: Request, user: User | None = Depends(current_user)) -> AuditContext:
    """The request's audit context (actor = the logged-in user, or anonymous)."""
    return context_of(request, user)


def web_settings(request: Request) -> WebSettings:
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(get_db)]
OptionalUser = Annotated[User | None, Depends(current_user)]
CurrentUser = Annotated[User, Depends(require_user)]
InternalUser = Annotated[User, Depends(require_internal)]
BureauUser = Annotated[User, Depends(require_bureau)]
AdminUser = Annotated[User, Depends(require_admin)]
AuditCtx = Annotated[AuditContext, Depends(audit_context)]
Settings = Annotated[WebSettings, Depends(web_settings)]


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
        audit_now(request, user, Action.CSRF_REJECTED, message=f"{request.method} {request.url.path}")
        raise HTTPException(403, "表单校验失败（CSRF 令牌缺失或无效），请刷新页面后重试。")


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,  # every template, whatever its extension
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)
templates.env.globals.update(csrf_token=csrf_token, ROLES=ROLES)
templates.env.globals["STATE_LABELS"] = dict(STATE_LABELS)
