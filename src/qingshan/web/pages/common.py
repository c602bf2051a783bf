"""Small helpers shared by the page routers."""

from __future__ import annotations

from fastapi import Request

from qingshan.web.pages import data


def db_url(request: Request) -> str:
    """The database URL of this application instance (set by ``create_app``)."""
    settings = getattr(request.app.state, "settings", None)
    url = getattr(settings, "database_url", None)
    if url:
        return url
    from qingshan.config import database_url

    return database_url()


def parse_stage(value: str | None) -> str | None:
    """Edition switch value: ``2012``, ``2026-1``, ``2026-2`` or None (by the data's date)."""
    return value if value in data.STAGES else None


def year_month(request: Request, year: int | None, month_to: int | None) -> tuple[int, int]:
    """The 1—N月 period shown: default is this year up to the last complete month (Beijing)."""
    today = data.today()
    y = year or today.year
    if month_to is None:
        month_to = today.month - 1 if y == today.year else 12
        if month_to == 0:  # in January show last year's full year
            y, month_to = y - 1, 12
    return y, max(1, min(12, month_to))


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
