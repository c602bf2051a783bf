"""Leadership overview (领导总览): AQI now, 1—N月 figures against targets, county ranking,
overdue ledger items by unit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from qingshan.air.queries import aqi_levels
from qingshan.core.results import Result
from qingshan.ledgers import queries as ledger_queries
from qingshan.web.deps import InternalUser, OptionalUser, SessionDep
from qingshan.web.pages import charts
from qingshan.web.pages import figures
from qingshan.web.pages.common import db_url, year_month
from qingshan.web.pages.figures import parse_stage
from qingshan.web.pages.render import render
from qingshan.web.params import MonthQuery, StageQuery, YearQuery

router = APIRouter()


@router.get("/")
def home(user: OptionalUser):
    # internal users land on the overview, everyone else on the public portal
    if user is not None and user.role != "public":
        return RedirectResponse("/overview", status_code=303)
    return RedirectResponse("/portal", status_code=303)


@router.get("/overview")
def overview(
    request: Request,
    year: YearQuery = None,
    month_to: MonthQuery = None,
    stage: StageQuery = None,
    *,
    user: InternalUser,
    db: SessionDep,
):
    url = db_url(request)
    y, m = year_month(request, year, month_to)
    stage = parse_stage(stage)
    now = figures.air_now(url)
    evaluation = figures.period_evaluation(url, y, m, stage, home=request.app.state.settings.home)
    ranking = figures.county_ranking(url, y, m, stage)
    overdue = ledger_queries.overdue_by_unit(db)
    summary = ledger_queries.summary(db)
    levels = aqi_levels()
    ctx = {
        "active": "overview",
        "user": user,
        "year": y,
        "month_to": m,
        "stage": stage,
        "stages": figures.STAGES,
        "now": now,
        "city_now": _city_now(now),
        "evaluation": evaluation,
        "ranking": ranking,
        "overdue": overdue,
        "summary": summary,
        "levels": levels,
        "map_option": charts.station_map(
            [r for r in now.rows if r["aqi"] is not None], levels, title="各站点实时 AQI",
            demo=now.meta.get("demo", False),
        ) if now.rows else None,
        "overdue_option": charts.ranking_bar(
            [r["unit"] for r in overdue.rows[:15]], [r["total"] for r in overdue.rows[:15]], title="逾期事项（按牵头单位）", x_name="件"
        ) if overdue.rows else None,
    }
    return render(request, "overview.html", ctx)


def _city_now(now: Result) -> dict | None:
    """Worst and best station now (the city AQI proper is computed by the air engine)."""
    valid = [r for r in now.rows if r["aqi"] is not None and not r["stale"]]
    if not valid:
        return None
    worst = max(valid, key=lambda r: r["aqi"])
    best = min(valid, key=lambda r: r["aqi"])
    return {"worst": worst, "best": best, "count": len(valid), "time": now.meta.get("time")}


@router.get("/overview/figures")
def overview_figures(request: Request, user: InternalUser, year: YearQuery = None, month_to: MonthQuery = None,
                     stage: StageQuery = None):
    """The 1—N月 figures and county ranking alone (htmx polls it while they are computed)."""
    url = db_url(request)
    y, m = year_month(request, year, month_to)
    stage = parse_stage(stage)
    ctx = {
        "year": y, "month_to": m, "stage": stage,
        "evaluation": figures.period_evaluation(url, y, m, stage, home=request.app.state.settings.home),
        "ranking": figures.county_ranking(url, y, m, stage),
    }
    return render(request, "overview/_figures.html", ctx)
