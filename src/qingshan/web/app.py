"""The FastAPI application factory: JSON API (OpenAPI at ``/docs``), pages, static assets.

``create_app(settings)`` wires one database (SQLite embedded default or PostgreSQL), runs the
migrations unless told not to, and installs:

* a request-id middleware: every request gets a server-generated id (response header
  ``X-Request-ID``; written into every audit record). A client's own ``X-Request-ID`` is never
  used as the audit id (a client could otherwise attach its requests to someone else's); it is
  echoed as ``X-Client-Request-ID`` and logged next to ours, for correlation only,
* an admission limit (:class:`qingshan.web.middleware.ConcurrencyLimit`) sized to the
  database pool, so that requests never deadlock on pooled connections, and a request-body cap
  (:class:`qingshan.web.middleware.BodySizeLimit`, HTTP 413 before anything is parsed),
* security headers (CSP without third-party origins: every asset is served by us — also the
  OpenAPI page ``/docs``, whose Swagger UI is vendored in ``static/vendor``),
* the CSRF check (:func:`qingshan.web.deps.csrf_protect`) on every API router and the pages router,
* the one error mapping (:mod:`qingshan.web.errors`): domain errors by what went wrong → HTTP
  status (refusals audited), validation errors → 422 with per-field/per-row Chinese messages;
  401 on a browser page → redirect to ``/login``.

Routers are imported directly (:data:`API_ROUTERS`, :mod:`qingshan.web.pages`): a broken import
fails the app, never serves half of it. A domain adds its API router to :data:`API_ROUTERS`
and its pages to :mod:`qingshan.web.pages`.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker

from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade
from qingshan.web import errors, pages, ratelimit
from qingshan.web.api import (
    admin,
    air,
    auth,
    bulletins,
    carbon,
    complaints,
    emergency,
    landwaste,
    ledgers,
    sources,
    targets,
    water,
)
from qingshan.web.auth import cookie_secure
from qingshan.web.deps import csrf_protect
from qingshan.web.middleware import BodySizeLimit, ConcurrencyLimit
from qingshan.web.security import CSRF_COOKIE, WebSettings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Every JSON API router, in the order of the OpenAPI page. A new domain adds its ``router`` here.
API_ROUTERS = (
    auth.router,
    ledgers.router,
    complaints.router,
    admin.router,
    air.router,
    sources.router,
    water.router,
    carbon.router,
    landwaste.router,
    emergency.router,
    targets.router,
    bulletins.router,
)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# Swagger UI from static/vendor (see VERSIONS.txt); its start-up code is a static file too, so
# the page needs no inline script and keeps the CSP above
DOCS_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>青山 qingshan API 文档</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head><body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body></html>
"""


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    settings : WebSettings, optional
        Defaults to :meth:`WebSettings.from_env` (``QINGSHAN_HOME``, ``QINGSHAN_DATABASE_URL``).
    """
    settings = settings or WebSettings.from_env()
    if settings.migrate:
        upgrade(settings.database_url)
    # the pool holds what the admission limit lets in (two connections per request at most:
    # its session and the separate audit/CSRF session); see qingshan.web.middleware
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow)

    app = FastAPI(
        title="青山 qingshan 生态环境工作台 API",
        description="台账（重点任务、督察反馈问题、环境风险隐患、投诉举报）、账户、审计与公众服务接口。",
        version="0.1.0",
        docs_url=None,  # served below from our own static files, under the CSP
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
    app.state.rate_limiter = ratelimit.make_limiter(settings.rate_limit_store, engine)

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        rid = uuid.uuid4().hex
        request.state.request_id = rid
        client_rid = request.headers.get("x-request-id", "")
        if not (0 < len(client_rid) <= 64 and client_rid.replace("-", "").isalnum()):
            client_rid = ""
        request.state.client_request_id = client_rid or None
        if client_rid:
            log.info("request %s %s %s client-request-id %s", rid, request.method, request.url.path, client_rid)
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        if client_rid:
            response.headers["X-Client-Request-ID"] = client_rid
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        new_csrf = getattr(request.state, "new_csrf_cookie", None)
        if new_csrf and not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="lax",
                                secure=cookie_secure(request, settings), path="/")
        return response

    # added last = outermost: the body cap answers before anything else runs
    app.add_middleware(ConcurrencyLimit, limit=settings.request_limit)
    app.add_middleware(BodySizeLimit, max_bytes=settings.body_limit, attachment_bytes=settings.max_attachment_bytes)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    errors.install(app)
    ratelimit.install(app)

    csrf = [Depends(csrf_protect)]
    for router in API_ROUTERS:
        app.include_router(router, dependencies=csrf)
    app.include_router(pages.router, dependencies=csrf)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
