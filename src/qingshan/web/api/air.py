"""Air figures for the workspace, from the observation store (exact decimal text, no floats)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from qingshan import exact
from qingshan.air import queries
from qingshan.air.settings import PRESETS, fully_under
from qingshan.core.errors import NotFound
from qingshan.store.observations import ObservationStore
from qingshan.web.api.schemas import AirLatestOut, AirReportOut
from qingshan.web.deps import InternalUser, Settings
from qingshan.web.pages import figures
from qingshan.web.params import MAX_YEAR

router = APIRouter(prefix="/api/air", tags=["空气 air"])


def _micro_to_text(value) -> str | None:
    # observation values are integers of 10^-6 units (qingshan.exact.SCALE); exact decimal text
    if value is None:
        return None
    sign, v = ("-" if value < 0 else ""), abs(int(value))
    whole, frac = divmod(v, 10**6)
    return f"{sign}{whole}" + (f".{frac:06d}".rstrip("0") if frac else "")


def _value_to_text(value):
    """A store value → exact decimal text: rational ``{num, den}`` structs (what the observation
    store returns) and plain micro-unit integers alike; other values pass through."""
    if isinstance(value, dict) and "num" in value:
        f = exact.to_fraction(value)
        if f is None:
            return None
        micro = f * exact.SCALE
        return _micro_to_text(int(micro)) if micro.denominator == 1 else exact.fraction_to_str(f, 6)
    if isinstance(value, bool) or not isinstance(value, int):
        return value.isoformat() if hasattr(value, "isoformat") else value
    return _micro_to_text(value)


#: Seconds the latest-hour answer is reused — as the pages' latest-hour table
#: (:data:`qingshan.web.pages.figures.AIR_NOW_TTL`): data arrive hourly, the query costs ~0.4 s.
LATEST_TTL = figures.AIR_NOW_TTL


def _latest_rows(request: Request, settings) -> list[dict]:
    store = ObservationStore(settings.database_url, auto_migrate=False, engine=request.app.state.engine)
    return [{k: (v if k == "batch_id" else _value_to_text(v)) for k, v in rec.items()} for rec in store.latest().to_dicts()]


@router.get("/latest", response_model=AirLatestOut, summary="各站点最新一小时浓度（来自观测库；缓存 60 秒）")
def latest(request: Request, user: InternalUser, settings: Settings) -> dict:
    rows = figures.fresh_or_stale(("api_latest", settings.database_url), LATEST_TTL,
                                  lambda: _latest_rows(request, settings))
    return {"stations": rows, "unit_note": "浓度单位：μg/m³（CO 为 mg/m³），数值为观测库中的精确十进制值"}


@router.get("/report", response_model=AirReportOut,
            summary="1—N月城市环境空气质量评价与区县排名（与 qingshan air report、页面同一报告）")
def report(
    user: InternalUser,
    settings: Settings,
    year: int = Query(ge=2013, le=MAX_YEAR),
    month_to: int = Query(ge=1, le=12),
    edition: Literal["2012", "2026", "2026-1", "2026-2"] | None = Query(
        None, description="指定后全部按该版本评价（限值、综合指数分母和每日AQI）；默认按日期"),
    preset: Literal["default", "stage2-today"] = "default",
) -> dict:
    start, end = queries.ytd(year, month_to)
    rep = queries.period_report(queries.AirData(settings.database_url), year, month_to,
                                fully_under(edition, end, PRESETS[preset]))
    if isinstance(rep, str):
        raise NotFound(f"{year}年1—{month_to}月没有评价结果：{rep}")
    counties = rep.counties.to_dicts()
    return {**rep.summary, "city": rep.indicators(), "counties": counties}
