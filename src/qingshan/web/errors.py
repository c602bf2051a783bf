"""The one mapping from domain errors to HTTP statuses, and the app's error handlers.

Domains raise :mod:`qingshan.core.errors` (by what went wrong); :data:`HTTP_STATUS` says what
each means over HTTP. The JSON API answers ``{"detail": "<中文>", "errors": [...]}``; page routes
call :func:`status_of` to render the refusal on the page itself. A new domain error class maps
to its base's status unless a line is added here.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qingshan.core.audit import Action
from qingshan.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    TooLarge,
    UnsupportedType,
    ValidationFailed,
)
from qingshan.web.audit import audit_now

HTTP_STATUS: dict[type[DomainError], int] = {
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedType: 415,
    ValidationFailed: 422,
    DomainError: 400,
}


def status_of(exc: DomainError) -> int:
    """HTTP status of a domain error (the nearest mapped class in its MRO)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400


def audit_refusal(request: Request, exc: DomainError) -> None:
    """Put a refusal in the audit trail once: a 403 not yet audited by the service, a 409."""
    user = getattr(request.state, "user", None)
    if isinstance(exc, PermissionDenied) and not exc.audited:
        audit_now(request, user, Action.FORBIDDEN, object_type=exc.object_type, object_id=exc.object_id,
                  message=f"{request.method} {request.url.path}: {exc.message}")
        exc.audited = True
    elif isinstance(exc, Conflict):
        audit_now(request, user, Action.CONFLICT, object_type=exc.object_type, object_id=exc.object_id,
                  message=exc.message)


def error_body(exc: DomainError) -> dict:
    body: dict = {"detail": exc.message}
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.errors
    if isinstance(exc, Conflict):
        body["current_version"] = exc.current_version
    return body


FORBIDDEN_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>无权访问 - 青山</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="container"><h1>无权访问（403）</h1><p class="flash flash-error">{message}</p>
<p><a href="/">返回首页</a> · <a href="/portal">公众服务</a> · <a href="/login">换个账号登录</a></p></main></body></html>
"""

_GENERIC_ZH = {
    (404, "Not Found"): "未找到请求的地址或资源。",
    (405, "Method Not Allowed"): "该地址不支持此请求方法。",
}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    """Error handlers: domain errors by :data:`HTTP_STATUS` (refusals audited), HTTP errors
    (401 on a page → ``/login``, 403 page in HTML), request validation → 422 per field."""

    @app.exception_handler(StarletteHTTPException)  # also catches fastapi.HTTPException (a subclass)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        if exc.status_code == 403 and _wants_html(request):
            return HTMLResponse(FORBIDDEN_HTML.format(message=html.escape(str(exc.detail))), status_code=403)
        detail = _GENERIC_ZH.get((exc.status_code, exc.detail), exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        audit_refusal(request, exc)
        return JSONResponse(error_body(exc), status_code=status_of(exc))

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
