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
* error mapping: ledger permission errors → 403 (audited), version conflicts → 409,
  validation errors → 422 with per-field/per-row Chinese messages; 401 on a browser page →
  redirect to ``/login``.
"""

from __future__ import annotations

import html
import importlib
import logging
import uuid
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from sqlalchemy.orm import sessionmaker

from qingshan.store.db import make_engine
from qingshan.web.auth import cookie_secure
from qingshan.web.deps import csrf_protect
from qingshan.web.middleware import BodySizeLimit, ConcurrencyLimit
from qingshan.web.security import CSRF_COOKIE, WebSettings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

API_ROUTERS = (
    "qingshan.web.api.auth",
    "qingshan.web.api.ledgers",
    "qingshan.web.api.complaints",
    "qingshan.web.api.admin",
    "qingshan.web.api.air",
    "qingshan.web.api.sources",
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


FORBIDDEN_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>无权访问 - 青山</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="container"><h1>无权访问（403）</h1><p class="flash flash-error">{message}</p>
<p><a href="/">返回首页</a> · <a href="/portal">公众服务</a> · <a href="/login">换个账号登录</a></p></main></body></html>
"""


def _migrate(url: str) -> None:
    from qingshan.store.migrate import upgrade

    upgrade(url)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    settings : WebSettings, optional
        Defaults to :meth:`WebSettings.from_env` (``QINGSHAN_HOME``, ``QINGSHAN_DATABASE_URL``).
    """
    settings = settings or WebSettings.from_env()
    if settings.migrate:
        _migrate(settings.database_url)
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
    app.add_middleware(BodySizeLimit, max_bytes=settings.body_limit)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    _install_error_handlers(app)

    csrf = [Depends(csrf_protect)]
    for name in API_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # only an absent router module is tolerated
            if not name.startswith(exc.name or "\0"):
                raise
            continue
        app.include_router(module.router, dependencies=csrf)

    try:
        pages = importlib.import_module("qingshan.web.pages")
    except ImportError:  # pages are built in parallel; the API must still come up without them
        log.exception("qingshan.web.pages could not be imported; serving the API only")
        pages = None
    if pages is not None and hasattr(pages, "router"):
        app.include_router(pages.router, dependencies=csrf)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


_GENERIC_ZH = {
    (404, "Not Found"): "未找到请求的地址或资源。",
    (405, "Method Not Allowed"): "该地址不支持此请求方法。",
}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    from qingshan.ledgers.errors import Conflict, LedgerError, NotFound, PermissionDenied, ValidationFailed
    from qingshan.web.audit import audit_now

    @app.exception_handler(StarletteHTTPException)  # also catches fastapi.HTTPException (a subclass)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        if exc.status_code == 403 and _wants_html(request):
            return HTMLResponse(FORBIDDEN_HTML.format(message=html.escape(str(exc.detail))), status_code=403)
        detail = _GENERIC_ZH.get((exc.status_code, exc.detail), exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, exc: LedgerError):
        user = getattr(request.state, "user", None)
        if isinstance(exc, PermissionDenied):
            if not exc.audited:  # write operations audit their refusals themselves
                audit_now(request, user, "forbidden", object_type=exc.object_type, object_id=exc.object_id,
                          message=f"{request.method} {request.url.path}: {exc.message}")
            return JSONResponse({"detail": exc.message}, status_code=403)
        if isinstance(exc, Conflict):
            audit_now(request, user, "conflict", object_type="ledger_item", object_id=exc.object_id,
                      message=exc.message)
            return JSONResponse({"detail": exc.message, "current_version": exc.current_version}, status_code=409)
        if isinstance(exc, NotFound):
            return JSONResponse({"detail": exc.message}, status_code=404)
        if isinstance(exc, ValidationFailed):
            return JSONResponse({"detail": exc.message, "errors": exc.errors}, status_code=422)
        return JSONResponse({"detail": exc.message}, status_code=getattr(exc, "status", 400))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            errors.append({"field": where, "message": f"字段「{where}」：{_zh(err)}"})
        return JSONResponse({"detail": "请求数据不合法。", "errors": errors}, status_code=422)


def _zh(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "必填"
    if kind.startswith("string_too_long"):
        return f"过长（最多 {err.get('ctx', {}).get('max_length')} 个字符）"
    if kind.startswith("string_too_short"):
        return "不能为空"
    if "date" in kind:
        return "日期格式应为 YYYY-MM-DD"
    if "int" in kind:
        return "应为整数"
    return f"取值不合法（{err.get('msg', '')}）"
