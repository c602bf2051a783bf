"""Rendering helpers shared by every page: the navigation, template filters, the CSRF token.

The Jinja2 environment is :data:`qingshan.web.deps.templates` (autoescape on); this module adds
the page filters and the navigation to it.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from fastapi import Request
from markupsafe import Markup

from qingshan import exact
from qingshan.core import clock
from qingshan.ledgers.attachments import size_text
from qingshan.web import deps

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

#: Main navigation of the workspace: (key, label, url). A domain adds its entry here.
NAV = [
    ("overview", "领导总览", "/overview"),
    ("air", "空气质量", "/air"),
    ("water", "地表水", "/water"),
    ("sources", "污染源监控", "/sources"),
    ("carbon", "碳排放双控", "/carbon"),
    ("landwaste", "净土与风险", "/soil"),
    ("emergency", "重污染应急", "/emergency"),
    ("ledgers", "台账督办", "/ledgers"),
    ("targets", "目标考核", "/targets"),
    ("bulletins", "月度通报", "/bulletins"),
    ("portal", "公众门户", "/portal"),
]


def chart_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block; ``<``, ``>`` and ``&`` escaped so
    user text inside a chart option can never close the script element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def file_size(n: Any) -> str:
    return "" if n in (None, "") else size_text(int(n))


def fmt_num(value: Any, digits: int = 0) -> str:
    """A concentration for display, rounded half-to-even like every published figure (GB/T 8170;
    a float's ``:.1f`` would show CO 1.85 as 1.9 next to an AQI computed from 1.8)."""
    if value is None:
        return "—"
    try:
        number = Fraction(str(value))
    except ValueError:
        return str(value)  # not a number (a note from the data): shown as it is
    return exact.fraction_to_str(number, digits)


templates = deps.templates
templates.env.globals["NAV"] = NAV
templates.env.filters.update(chart_json=chart_json, num=fmt_num, bj=clock.local_text, filesize=file_size)


def csrf_token(request: Request) -> str:
    # The session was already loaded by the route's user dependency: take its token from there
    # (deps.csrf_token would open a second database connection while the route holds one).
    sess = getattr(request.state, "web_session", None)
    if sess is not None:
        return sess.csrf_token
    return deps.csrf_token(request)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200, **kw):
    ctx = dict(context or {})
    ctx.setdefault("user", getattr(request.state, "page_user", None))
    ctx.setdefault("csrf", csrf_token(request))
    ctx.setdefault("active", "")
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, **kw)
