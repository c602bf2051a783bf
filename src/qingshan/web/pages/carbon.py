"""Carbon pages (碳排放双控): city indicators and their trend against the target path, the
CO2-intensity status the bulletin prints, key enterprises with their check status, a unit's
monthly detail, failed checks with the rectification items opened for them, the factor library
(viewable by every internal user, a row addable by bureau users), and the leader-view tile.

Every number comes from the one report builder :mod:`qingshan.carbon.report` (also the API's,
the CLI's and the demo's) and is shown with the factor versions and status it used; a figure
resting on an UNCONFIRMED row says so (「待确认」 and the list of rows). Demo data are labelled
演示. Writes go through :mod:`qingshan.carbon.service` with the request's audit context.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from qingshan.carbon import queries, report, service
from qingshan.carbon.evidence import check_evidence
from qingshan.carbon.evidence_sheet import RECORD_LABELS
from qingshan.carbon.registry import SECTORS, UNIT_KINDS
from qingshan.core import clock
from qingshan.core.errors import DomainError
from qingshan.core.org import BUREAU_ROLES, list_units, unit_out
from qingshan.standards.carbon_factors import TABLE_NAMES
from qingshan.standards.carbon_power import UNIT_CLASSES
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages import figures
from qingshan.web.pages.charts import FONT
from qingshan.web.pages.common import db_url
from qingshan.web.pages.render import render, templates

router = APIRouter()

ID_MAX = 2**63 - 1
STATUS_TEXT = report.FACTOR_STATUS_ZH
templates.env.globals["CARBON_STATUS_TEXT"] = STATUS_TEXT  # the carbon templates' macros read it
CITY_ORDER = ("co2_total", "co2_intensity", "co2_fuels", "co2_enterprise", "co2_elec", "co2_heat", "co2_transform",
              "co2_territorial", "co2_process", "grid_factor", "energy_total_assessed", "energy_total_before",
              "energy_intensity", "energy_net_import_elec", "non_fossil_share", "gdp_constant")


#: Seconds a page's figures are reused. The cache key holds :func:`qingshan.carbon.queries.data_version`
#: and the bureau's date, so any change of the inputs is shown at once; :func:`figures.cached` bounds
#: the cache's size (it is emptied past 256 entries), so keys of old versions and days do not pile up.
CACHE_TTL = 600.0


def _section(compute) -> tuple[Any, str]:
    """(value, "") or (None, the Chinese reason): one card's refusal never hides the others."""
    try:
        with queries.domain_errors():
            return compute(), ""
    except DomainError as exc:
        return None, exc.message


def _cached(request: Request, db: Session, key: tuple, compute) -> tuple[Any, str]:
    """A section through :func:`figures.cached` (the runs it stores are committed by the page)."""
    version = queries.data_version(db)
    return figures.cached(("carbon", db_url(request), version, clock.today(), *key), CACHE_TTL, lambda: _section(compute))


def _num(text: str | None) -> float | None:
    """A published text as a chart coordinate (the table beside the chart shows the text itself)."""
    if text in (None, "", "—"):
        return None
    return float(Decimal(text))


def trend_option(trend: report.TrendReport) -> dict[str, Any] | None:
    """Intensity index (base year = 100) against the uniform-rate target path (carbon.md §8.4)."""
    if not trend.target_path and not trend.rows:
        return None
    years = [p.year for p in trend.target_path] or [r.year for r in trend.rows]
    actual = {r.year: _num(r.intensity_index) for r in trend.rows}
    series = [{"name": "单位GDP二氧化碳排放指数（基年=100）", "type": "line", "data": [actual.get(y) for y in years],
               "connectNulls": False, "symbolSize": 8, "label": {"show": True}}]
    if trend.target_path:
        series.append({"name": f"目标路径（{trend.end_year}年下降 {trend.target}%）", "type": "line",
                       "data": [_num(p.index) for p in trend.target_path], "lineStyle": {"type": "dashed"},
                       "symbol": "none"})
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": "单位GDP二氧化碳排放与目标路径" + ("（演示数据）" if trend.demo else ""), "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "基年=100", "scale": True},
        "series": series,
    }


def unit_option(detail: report.UnitDetail) -> dict[str, Any] | None:
    """A unit's monthly CO2 (bars) and supply coal rate b_s (line, right axis)."""
    if not detail.months:
        return None
    months = [f"{m.month}月" for m in detail.months]
    co2 = [_num(m.figures["e_total"].value) if "e_total" in m.figures else None for m in detail.months]
    bs = [_num(m.figures["supply_coal_rate"].value) if "supply_coal_rate" in m.figures else None for m in detail.months]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": f"{detail.facility} {detail.name} {detail.year}年逐月排放与供电煤耗"
                          + ("（演示数据）" if detail.demo else ""), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 70, "right": 60, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": months},
        "yAxis": [{"type": "value", "name": "tCO2"}, {"type": "value", "name": "gce/kWh", "scale": True}],
        "series": [{"name": "二氧化碳排放量", "type": "bar", "data": co2},
                   {"name": "供电标准煤耗 b_s", "type": "line", "yAxisIndex": 1, "data": bs, "connectNulls": False}],
    }


def _periods(db: Session, year: int | None, months: int | None, through: int | None, today: date) -> dict:
    """The page's periods: city 1—N月 (a balance period) and enterprises 1—M月, defaulting to what
    the store has (the latest balance period already over; the latest lodged month)."""
    city = queries.default_city_period(db, today)
    ent = queries.default_enterprise_period(db, today)
    y = year or (city[0] if city else ent[0])
    if months is None:
        have = [m for (py, m) in queries.city_periods(db) if py == y]
        ended = [m for m in have if queries.period_ended(y, m, today)]
        months = max(ended or have or [12])
    if through is None:
        through = ent[1] if ent[0] == y else 12
    return {"year": y, "months": months, "through": through}


@router.get("/carbon")
def carbon_home(request: Request, user: InternalUser, db: SessionDep,
                year: int | None = Query(None, ge=1900, le=2100), months: int | None = Query(None, ge=1, le=12),
                through: int | None = Query(None, ge=1, le=12)):
    today = clock.today()
    p = _periods(db, year, months, through, today)
    y, m, t = p["year"], p["months"], p["through"]
    status, status_reason = _cached(request, db, ("status", y, m),
                                    lambda: report.co2_intensity_status(db, y, as_of=today, months=m))
    city, city_reason = (_cached(request, db, ("city", y, m), lambda: report.city_report(db, y, as_of=today, months=m))
                         if m in queries.CITY_PERIODS else (None, "城市核算期间应为 1—3、1—6、1—9 月或全年"))
    trend, trend_reason = _cached(request, db, ("trend",), lambda: report.city_trend(db, as_of=today))
    ents, ents_reason = _section(lambda: queries.require_enterprise_year(db, y, today))
    if not ents_reason:
        ents, ents_reason = _cached(request, db, ("enterprises", y, t),
                                    lambda: report.enterprise_list(db, y, as_of=today, through_month=t))
    failed = queries.failed_checks(db, y, t) if ents is not None else []
    db.commit()  # the runs behind every figure shown
    demo = any(x is not None and x.demo for x in (status, city, trend)) or any(e.demo for e in ents or [])
    ctx = {
        "active": "carbon", "user": user, "today": today, "year": y, "months": m, "through": t,
        "years": sorted({py for py, _ in queries.city_periods(db)} | set(queries.enterprise_years(db)) | {y}, reverse=True),
        "status": status, "status_reason": status_reason,
        "city": city, "city_reason": city_reason,
        "city_rows": [city.figures[k] for k in CITY_ORDER if city is not None and k in city.figures],
        "trend": trend, "trend_reason": trend_reason, "trend_option": trend_option(trend) if trend else None,
        "ents": ents or [], "ents_reason": ents_reason or ("" if ents else "尚未登记重点企业或没有存证数据"),
        "failed": failed, "can_rectify": user.role in BUREAU_ROLES, "demo": demo,
        "sectors": SECTORS, "unit_kinds": UNIT_KINDS,
    }
    return render(request, "carbon/index.html", ctx)


@router.get("/carbon/units/{unit_id}")
def carbon_unit(request: Request, user: InternalUser, db: SessionDep, unit_id: int = Path(ge=1, le=ID_MAX),
                year: int | None = Query(None, ge=1900, le=2100), through: int | None = Query(None, ge=1, le=12)):
    today = clock.today()
    ey, em = queries.default_enterprise_period(db, today)
    y = year or ey
    t = through or (em if y == ey else 12)
    queries.require_enterprise_year(db, y, today)
    with queries.domain_errors():  # no such unit → 404 by the one mapping
        detail = report.unit_detail(db, unit_id, y, as_of=today, through_month=t)
    failed = {(f.month, f.check): f for f in queries.failed_checks(db, y, t) if f.unit_id == unit_id}
    db.commit()
    ctx = {"active": "carbon", "user": user, "d": detail, "year": y, "through": t, "option": unit_option(detail),
           "failed": failed, "record_labels": RECORD_LABELS, "unit_classes": UNIT_CLASSES, "unit_kinds": UNIT_KINDS,
           "years": queries.enterprise_years(db) or [y]}
    return render(request, "carbon/unit.html", ctx)


# --- factor library ------------------------------------------------------------------------------------


def _factor_page(request: Request, user, db: Session, *, table: str | None, msg: str = "", err: str = "",
                 draft: dict | None = None, status_code: int = 200):
    rows = report.factor_table(db)
    shown = [r for r in rows if table is None or r.table == table]
    ctx = {"active": "carbon", "user": user, "rows": shown, "table": table, "tables": TABLE_NAMES,
           "can_add": user.role in BUREAU_ROLES, "msg": msg[:200], "err": err[:500], "draft": draft or {},
           "counts": {"all": len(rows), "unconfirmed": sum(1 for r in rows if r.status == "UNCONFIRMED"),
                      "bureau": sum(1 for r in rows if r.origin == "bureau")},
           "param_names": sorted({r.param for r in rows})}
    return render(request, "carbon/factors.html", ctx, status_code=status_code)


@router.get("/carbon/factors")
def carbon_factors(request: Request, user: InternalUser, db: SessionDep, table: str | None = Query(None, max_length=40),
                   added: int | None = Query(None, ge=1, le=ID_MAX, description="刚新增的本局因子行")):
    msg = ""
    if added is not None:  # the message comes from the stored row, never from the address
        f = next((r for r in report.factor_table(db) if r.origin == "bureau" and r.row_id == added), None)
        if f is not None:
            msg = f"已新增因子 {f.label} = {f.value} {f.unit}（{STATUS_TEXT.get(f.status, f.status)}），此后的核算自动采用。"
    return _factor_page(request, user, db, table=table if table in TABLE_NAMES else None, msg=msg)


FACTOR_FIELDS = ("table", "key", "param", "value", "unit", "valid_from", "valid_to", "version", "status", "source")


@router.post("/carbon/factors")
async def carbon_factor_add(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    fields = {k: str(form.get(k) or "").strip()[:600] for k in FACTOR_FIELDS}
    try:
        f = service.add_factor(db, ctx, user, fields)
    except DomainError as exc:
        db.rollback()
        audit_refusal(request, exc)
        return _factor_page(request, user, db, table=None, err=exc.message, draft=fields, status_code=status_of(exc))
    return RedirectResponse(f"/carbon/factors?{urlencode({'table': f.table, 'added': f.row_id})}", status_code=303)


# --- failed checks: evidence and rectification ------------------------------------------------------------


def _check_page(request: Request, user, db: Session, check_row_id: int, *, err: str = "", draft: dict | None = None,
                status_code: int = 200):
    with queries.domain_errors():
        payload = check_evidence(db, check_row_id)
    chk = queries.check_row(db, check_row_id)
    item = queries.item_for_check(db, check_row_id)
    latest = queries.is_latest(db, chk)
    ctx = {"active": "carbon", "user": user, "p": payload, "ev": payload["evidence"], "item": item, "latest": latest,
           "check_row_id": check_row_id, "unit_id": chk.unit_id, "fail": chk.status == "fail",
           "can_rectify": user.role in BUREAU_ROLES and chk.status == "fail" and latest and item is None,
           "units": [unit_out(u) for u in list_units(db)], "record_labels": RECORD_LABELS,
           "deadline": (draft or {}).get("deadline") or service.rectify_deadline_default().isoformat(),
           "lead_unit": (draft or {}).get("lead_unit"), "err": err[:500],
           "figures": [(k, v) for k, v in (payload["evidence"]["run"]["results"] or {}).items()
                       if isinstance(v, dict) and "published" in v]}
    return render(request, "carbon/check.html", ctx, status_code=status_code)


@router.get("/carbon/checks/{check_row_id}")
def carbon_check(request: Request, user: InternalUser, db: SessionDep, check_row_id: int = Path(ge=1, le=ID_MAX)):
    return _check_page(request, user, db, check_row_id)


@router.post("/carbon/checks/{check_row_id}/rectify")
async def carbon_rectify(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                         check_row_id: int = Path(ge=1, le=ID_MAX)):
    form = await request.form()
    draft = {"lead_unit": str(form.get("lead_unit") or "").strip()[:100], "deadline": str(form.get("deadline") or "").strip()[:40]}
    try:
        item = service.open_rectification(db, ctx, user, check_row_id, lead_unit=draft["lead_unit"] or None,
                                          deadline=draft["deadline"] or None, home=settings.home,
                                          max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        audit_refusal(request, exc)
        return _check_page(request, user, db, check_row_id, err=exc.message, draft=draft, status_code=status_of(exc))
    msg = urlencode({"msg": f"已为校核结果建立整改事项，并附校核计算存证（SHA-256 {item.evidence_sha256[:16]}…）。"})
    return RedirectResponse(f"/ledgers/{item.item_id}?{msg}", status_code=303)


# --- the leader view's tile ---------------------------------------------------------------------------------


@router.get("/carbon/tile")
def carbon_tile(request: Request, user: InternalUser, db: SessionDep,
                year: int | None = Query(None, ge=1900, le=2100), months: int | None = Query(None, ge=1, le=12)):
    """The carbon card of the leader view (an htmx fragment): the CO2-intensity status and the
    key enterprises' check results of the latest period."""
    today = clock.today()
    p = _periods(db, year, months, None, today)
    with_ents = queries.enterprise_year_open(db, p["year"], today)
    leader, reason = _cached(request, db, ("leader", p["year"], p["months"], with_ents),
                             lambda: report.leader_summary(db, p["year"], as_of=today, months=p["months"],
                                                           with_enterprises=with_ents))
    db.commit()
    return render(request, "carbon/_tile.html", {"leader": leader, "reason": reason})
