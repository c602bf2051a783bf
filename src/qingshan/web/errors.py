"""The one mapping from domain errors to HTTP statuses, and the app's error handlers.

Domains raise :mod:`qingshan.core.errors` (by what went wrong); :data:`HTTP_STATUS` says what
each means over HTTP. The JSON API answers ``{"detail": "<中文>", "errors": [...]}``; page routes
call :func:`status_of` to render the refusal on the page itself. A new domain error class maps
to its base's status unless a line is added here.
"""

from __future__ import annotations

import html
import logging
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

log = logging.getLogger(__name__)

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


ERROR_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - 青山</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="container"><h1>{title}（{status}）</h1><p class="flash err">{message}</p>
<p><a href="/">返回首页</a> · <a href="/portal">公众服务</a> · <a href="/login">换个账号登录</a></p>{extra}</main></body></html>
"""
ERROR_TITLES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "请求方法不支持", 409: "内容已变化",
                413: "内容过大", 415: "文件类型不支持", 422: "输入有误", 429: "请求过于频繁", 500: "服务器内部错误"}


def error_page(status: int, message: str, request_id: str | None = None) -> HTMLResponse:
    """The Chinese error page a browser gets (404, 403, 422, 429, 500 …); ``message`` is escaped."""
    extra = f'<p class="note">请求编号：{html.escape(request_id)}（联系管理员时请提供）</p>' if request_id else ""
    return HTMLResponse(ERROR_HTML.format(title=ERROR_TITLES.get(status, "出错了"), status=status,
                                          message=html.escape(message), extra=extra), status_code=status)

_GENERIC_ZH = {
    (404, "Not Found"): "未找到请求的地址或资源。",
    (405, "Method Not Allowed"): "该地址不支持此请求方法。",
}

#: Answer of an unexpected exception (a bug): logged with its request id, never shown in detail.
INTERNAL_ERROR = "服务器内部错误，已记录。请稍后重试；如反复出现，请将请求编号告知系统管理员。"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    """Error handlers: domain errors by :data:`HTTP_STATUS` (refusals audited), HTTP errors
    (401 on a page → ``/login``, 403 page in HTML), request validation → 422 per field."""

    @app.exception_handler(StarletteHTTPException)  # also catches fastapi.HTTPException (a subclass)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        detail = _GENERIC_ZH.get((exc.status_code, exc.detail), exc.detail)
        if exc.status_code in (403, 404, 405, 422, 429) and _wants_html(request):
            return error_page(exc.status_code, str(detail))
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        audit_refusal(request, exc)
        if _wants_html(request) and status_of(exc) in (403, 404):
            return error_page(status_of(exc), exc.message)
        return JSONResponse(error_body(exc), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            errors.append({"field": where, "message": f"字段「{where}」：{_zh(err)}"})
        if _wants_html(request):
            return error_page(422, "；".join(e["message"] for e in errors) or "请求数据不合法。")
        return JSONResponse({"detail": "请求数据不合法。", "errors": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # a bug: answer in Chinese with the request id instead of dropping the connection
        rid = getattr(request.state, "request_id", None)
        log.exception("unhandled error in request %s %s %s", rid, request.method, request.url.path)
        if _wants_html(request):
            response = error_page(500, INTERNAL_ERROR, rid)
        else:
            response = JSONResponse({"detail": INTERNAL_ERROR, "request_id": rid}, status_code=500)
        if rid:  # this handler answers outside the request-id middleware
            response.headers["X-Request-ID"] = rid
        return response


def _zh(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": ("ge", "不能小于"), "greater_than": ("gt", "必须大于"),
                 "less_than_equal": ("le", "不能大于"), "less_than": ("lt", "必须小于")}[kind]
        return f"超出范围：{bound[1]} {ctx.get(bound[0])}"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("literal_error", "enum"):
        return f"不是可选值（可选：{ctx.get('expected', '')}）"
    if kind == "bool_parsing" or kind == "bool_type":
        return "应为是/否（true/false）"
    if kind.startswith("float"):
        return "应为数字"
    if kind.startswith("string_too_long"):
        return f"过长（最多 {err.get('ctx', {}).get('max_length')} 个字符）"
    if kind.startswith("string_too_short"):
        return "不能为空"
    if "date" in kind:
        return "日期格式应为 YYYY-MM-DD"
    if "int" in kind:
        return "应为整数"
    return f"取值不合法（{err.get('msg', '')}）"
