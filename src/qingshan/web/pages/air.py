"""Air quality pages: city, county and station — hourly and daily charts, calendar of daily
AQI levels, ranking tables, and the edition switch (2012 / 2026 stage 1 / 2026 stage 2)."""

from __future__ import annotations


from fastapi import APIRouter, Request

from qingshan.air.queries import aqi_levels, year_window
from qingshan.core.errors import NotFound
from qingshan.core.labels import POLLUTANT_LABELS
from qingshan.core.org import DIVISIONS
from qingshan.core.results import Result
from qingshan.web.deps import InternalUser
from qingshan.web.pages import charts
from qingshan.web.pages import figures
from qingshan.web.pages.common import db_url, is_htmx, year_month
from qingshan.web.pages.figures import parse_stage
from qingshan.web.pages.render import render
from qingshan.web.params import Code, MonthQuery, StageQuery, YearQuery

DIVISION_NAMES = {code: name for code, name, _ in DIVISIONS}

router = APIRouter()


def _hourly_option(series: Result, title: str, levels) -> dict | None:
    if not series.rows:
        return None
    times = [r["time"] for r in series.rows]
    lines = {POLLUTANT_LABELS[p]: [None if r[p] is None else round(r[p], 1) for r in series.rows]
             for p in series.meta.get("pollutants", []) if p in ("pm25", "pm10", "o3", "no2")}
    return charts.time_series(times, lines, title=title, y_name="µg/m³")


def _daily_options(daily: Result, year: int, title: str, levels):
    days = [(r["day"], r["aqi"]) for r in daily.rows]
    cal = charts.aqi_calendar(days, year, levels, title=f"{title} {year} 年日 AQI 日历")
    bar = charts.time_series(
        [d for d, _ in days], {"日AQI": [v for _, v in days]}, title=f"{title} 日 AQI", y_name="AQI", levels=levels, kind="bar"
    ) if days else None
    return cal, bar


def _page(request: Request, *, scope: str, title: str, codes: list[str] | None, year: int | None,
          month_to: int | None, stage: str | None, extra: dict):
    url = db_url(request)
    y, m = year_month(request, year, month_to)
    stage = parse_stage(stage)
    levels = aqi_levels()
    hourly = figures.hourly_series(url, codes, hours=72)
    group = {"city": "city_code", "county": "county_code"}.get(scope)
    daily = figures.daily_aqi(url, codes, *year_window(y), stage, group=group, area=extra.get("county_code"))
    pending = bool(daily.meta.get("pending") or extra.get("evaluation", Result()).meta.get("pending")
                   or extra.get("ranking", Result()).meta.get("pending"))
    calendar_option, daily_option = (None, None) if daily.meta.get("pending") else _daily_options(daily, y, title, levels)
    ctx = {
        "active": "air",
        "scope": scope,
        "title": title,
        "year": y,
        "month_to": m,
        "stage": stage,
        "stages": figures.STAGES,
        "levels": levels,
        "hourly": hourly,
        "hourly_option": _hourly_option(hourly, f"{title} 近 72 小时浓度", levels),
        "daily": daily,
        "calendar_option": calendar_option,
        "daily_option": daily_option,
        "pending": pending,
        "self_url": request.url.path + ("?" + request.url.query if request.url.query else ""),
        **extra,
    }
    template = "air/_body.html" if is_htmx(request) else "air/page.html"
    return render(request, template, ctx)


@router.get("/air")
def air_city(request: Request, user: InternalUser, year: YearQuery = None, month_to: MonthQuery = None,
             stage: StageQuery = None):
    url = db_url(request)
    y, m = year_month(request, year, month_to)
    now = figures.air_now(url)
    return _page(
        request, scope="city", title="大同市", codes=None, year=year, month_to=month_to, stage=stage,
        extra={
            "user": user,
            "now": now,
            "evaluation": figures.period_evaluation(url, y, m, parse_stage(stage), home=request.app.state.settings.home),
            "ranking": figures.county_ranking(url, y, m, parse_stage(stage)),
        },
    )


@router.get("/air/county/{code}")
def air_county(request: Request, user: InternalUser, code: Code, year: YearQuery = None, month_to: MonthQuery = None,
               stage: StageQuery = None):
    url = db_url(request)
    st = figures.stations(url)
    members = [s for s in st.rows if s["county_code"] == code]
    division = DIVISION_NAMES.get(code)
    if division is None and not members:
        raise NotFound(f"区县代码 {code} 不存在（大同市的区县代码为 140212—140226）。")
    name = members[0]["county"] if members else division
    y, m = year_month(request, year, month_to)
    now = figures.air_now(url)
    now_rows = [r for r in now.rows if r["county_code"] == code]
    return _page(
        request, scope="county", title=name, codes=[s["code"] for s in members] or ["\0none"], year=year,
        month_to=month_to, stage=stage,
        extra={
            "user": user,
            "county_code": code,
            "now": Result(rows=now_rows, reason=now.reason or "该区县没有监测站点", meta=now.meta),
            "evaluation": figures.period_evaluation(url, y, m, parse_stage(stage), county=code),
            "ranking": figures.county_ranking(url, y, m, parse_stage(stage)),
        },
    )


@router.get("/air/station/{code}")
def air_station(request: Request, user: InternalUser, code: Code, year: YearQuery = None, month_to: MonthQuery = None,
                stage: StageQuery = None):
    url = db_url(request)
    st = figures.stations(url)
    meta = next((s for s in st.rows if s["code"] == code), None)
    if meta is None:
        raise NotFound(f"站点 {code} 不存在。")
    now = figures.air_now(url)
    return _page(
        request, scope="station", title=(meta or {}).get("name", code), codes=[code], year=year,
        month_to=month_to, stage=stage,
        extra={
            "user": user,
            "station": meta,
            "now": Result(rows=[r for r in now.rows if r["code"] == code], reason=now.reason, meta=now.meta),
            "evaluation": Result(reason=""),
            "ranking": Result(reason=""),
        },
    )
