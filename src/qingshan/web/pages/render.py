"""Rendering helpers shared by every page: the Jinja2 environment, the navigation, the CSRF token.

The back-end module :mod:`qingshan.web.deps` owns sessions, roles and CSRF. It is imported lazily
and defensively so that the page modules stay importable (and testable with a stand-in user)
while that module is being built; when it is present its ``templates`` object and CSRF helper win.
"""

from __future__ import annotations

import importlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from qingshan import exact

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

#: Main navigation of the workspace: (key, label, url).
NAV = [
    ("overview", "领导总览", "/overview"),
    ("air", "空气质量", "/air"),
    ("sources", "污染源监控", "/sources"),
    ("ledgers", "台账督办", "/ledgers"),
    ("portal", "公众门户", "/portal"),
]


def _deps():
    try:
        return importlib.import_module("qingshan.web.deps")
    except ModuleNotFoundError as exc:
        if exc.name and "qingshan.web.deps".startswith(exc.name):
            return None
        raise


def _own_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES_DIR))
    _configure(t)
    return t


def _configure(t: Jinja2Templates) -> None:
    env = t.env
    env.globals.setdefault("NAV", NAV)
    env.filters.setdefault("chart_json", chart_json)
    env.filters.setdefault("num", fmt_num)
    env.filters.setdefault("bj", beijing_time)
    env.filters.setdefault("filesize", file_size)


def chart_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block; ``<``, ``>`` and ``&`` escaped so
    user text inside a chart option can never close the script element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def beijing_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp (aware, naive-UTC as SQLite returns it, or ISO text) in Beijing time."""
    from datetime import datetime, timedelta, timezone

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone(timedelta(hours=8))).strftime(fmt)


def file_size(n: Any) -> str:
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def fmt_num(value: Any, digits: int = 0) -> str:
    """A concentration for display, rounded half-to-even like every published figure (GB/T 8170;
    a float's ``:.1f`` would show CO 1.85 as 1.9 next to an AQI computed from 1.8)."""
    if value is None:
        return "—"
    try:
        return exact.fraction_to_str(Fraction(str(value)), digits)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


_templates: Jinja2Templates | None = None


def templates() -> Jinja2Templates:
    global _templates
    deps = _deps()
    shared = getattr(deps, "templates", None) if deps else None
    if isinstance(shared, Jinja2Templates):
        _configure(shared)
        return shared
    if _templates is None:
        _templates = _own_templates()
    return _templates


def csrf_token(request: Request) -> str:
    # The session was already loaded by the route's user dependency: take its token from there.
    # (deps.csrf_token would open a second database connection while the route holds one,
    # which under load exhausts the pool — every request waiting for a second connection.)
    sess = getattr(request.state, "web_session", None)
    if sess is not None and getattr(sess, "csrf_token", None):
        return sess.csrf_token
    deps = _deps()
    for name in ("csrf_token", "csrf_token_for", "get_csrf_token"):
        fn = getattr(deps, name, None) if deps else None
        if callable(fn):
            try:
                return str(fn(request))
            except Exception:  # noqa: BLE001 - an anonymous visitor may have no session yet
                return ""
    return ""


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200, **kw):
    ctx = dict(context or {})
    ctx.setdefault("user", getattr(request.state, "page_user", None))
    ctx.setdefault("csrf", csrf_token(request))
    ctx.setdefault("active", "")
    return templates().TemplateResponse(request, name, ctx, status_code=status_code, **kw)
