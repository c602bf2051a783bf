"""Small helpers shared by the page routers."""

from __future__ import annotations

from fastapi import Request

from qingshan.air.queries import default_period


def db_url(request: Request) -> str:
    """The database URL of this application instance (set by ``create_app``)."""
    return request.app.state.settings.database_url


def year_month(request: Request, year: int | None, month_to: int | None) -> tuple[int, int]:
    """The 1—N月 period shown: default is this year up to the last complete month (Beijing)."""
    return default_period(year, month_to)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
