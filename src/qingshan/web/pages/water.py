"""Surface-water pages: the city's sections (list, map, month × section classes, counties' CWQI,
劣Ⅴ list), a section's detail (each item's series against its class limits, targets, the
rectification button), the section registry (edit, add, CSV/Excel import; the 「自动站设备」 card:
HJ 212 device ↔ section links and the sync of their values) and the portal panel.

Every figure comes from :func:`qingshan.water.report.build_report` or the evaluation chain
(:mod:`qingshan.water.queries`); the slow ones (a report reads a year of observations twice) are
computed in the background (:func:`qingshan.web.pages.figures.background`) and the page polls.
Writes go through :mod:`qingshan.water.service` / :mod:`qingshan.water.rectification` (audited);
each write calls :func:`.water_data.changed`, so cached figures of this process are recomputed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from qingshan.core import clock
from qingshan.core.errors import DomainError, ValidationFailed
from qingshan.core.org import BUREAU_ROLES
from qingshan.core.results import Result
from qingshan.standards import gb3838
from qingshan.water import queries, service
from qingshan.water.models import CONTROL_LEVELS
from qingshan.water.rectification import open_rectification
from qingshan.water.registry import FIELDS, LABELS
from qingshan.water.stations import list_links
from qingshan.water.report import WaterReport
from qingshan.web.deps import AuditCtx, BureauUser, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages import water_charts
from qingshan.web.pages.common import db_url, is_htmx
from qingshan.web.pages.render import render
from qingshan.web.pages.water_data import (
    CODE_PATTERN,
    changed,
    grid,
    is_cumulative,
    period,
    portal_panel,
    report,
    report_now,
    store_for,
)
from qingshan.web.water_ledger import LedgerAdapter

router = APIRouter()

Year = Annotated[int | None, Query(ge=1900, le=2100, description="年份")]
Month = Annotated[int | None, Query(ge=1, le=12, description="月份（1—12）")]
Scope = Annotated[str, Query(pattern="^(ytd|month)$", description="ytd：1—N月累计；month：单月")]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=CODE_PATTERN, description="断面编码")]


def can_edit(user: Any) -> bool:
    return getattr(user, "role", None) in BUREAU_ROLES


def _points(rep: WaterReport, sections: list[dict]) -> list[dict]:
    by = {r.code: r for r in rep.sections}
    out = []
    for s in sections:
        r = by.get(s["code"])
        out.append({"name": s["name"], "lon": s["lon"], "lat": s["lat"], "river": s["river"],
                    "class": r.class_ if r else None, "class_label": r.class_label if r else "",
                    "status": r.status if r else ""})
    return out


def _body_ctx(request: Request, user, year: int | None, month: int | None, scope: str) -> dict:
    url = db_url(request)
    y, m, start, end = period(year, month, scope)
    legend = queries.class_legend()
    rep = report(url, start, end, is_cumulative(scope, m))
    g = grid(url, y, m)
    secs = queries.sections(store_for(url), y, active_only=True)
    pending = isinstance(rep, Result) and rep.meta.get("pending") or isinstance(g, Result) and g.meta.get("pending")
    ctx: dict[str, Any] = {
        "active": "water", "user": user, "year": y, "month": m, "scope": scope, "legend": legend,
        "report": rep if isinstance(rep, WaterReport) else None,
        "report_reason": rep.reason if isinstance(rep, Result) else "",
        "grid": g if isinstance(g, dict) else None, "grid_reason": g.reason if isinstance(g, Result) else "",
        "pending": pending, "can_edit": can_edit(user), "sections_count": len(secs),
        "self_url": request.url.path + ("?" + request.url.query if request.url.query else ""),
        "legend_by_class": {r["class"]: r for r in legend["rows"]},
    }
    if isinstance(rep, WaterReport):
        ctx["map_option"] = water_charts.section_map(_points(rep, secs), legend, title="断面水质类别分布")
        ctx["ranking_option"] = water_charts.cwqi_ranking(rep.counties, title="区县 CWQI（越小越好）") \
            if any(u.cwqi_text for u in rep.counties) else None
    if isinstance(g, dict) and g["rows"]:
        ctx["grid_option"] = water_charts.class_grid(g, legend, title=f"{y}年逐月断面水质类别")
    return ctx


@router.get("/water")
def water_city(request: Request, user: InternalUser, year: Year = None, month: Month = None, scope: Scope = "ytd"):
    ctx = _body_ctx(request, user, year, month, scope)
    return render(request, "water/_body.html" if is_htmx(request) else "water/page.html", ctx)


# --- section detail ------------------------------------------------------------------------------


def _section_page(request: Request, user, code: str, year: int | None, month: int | None, scope: str, *,
                  msg: str = "", err: str = "", status_code: int = 200, draft: dict | None = None):
    url = db_url(request)
    st = store_for(url)
    detail = queries.section_detail(st, code)  # NotFound → 404
    y, m, start, end = period(year, month, scope)
    legend = queries.class_legend()
    series = queries.section_series(st, code, y, m)
    # the page needs the section's row (class, target, the rectification button): computed here
    # when not cached yet
    rep = report_now(url, start, end, is_cumulative(scope, m))
    row = next((r for r in rep.sections if r.code == code), None)
    charts = [(it, water_charts.item_series(it, [mm["label"] for mm in series["months"]], legend))
              for it in series["items"] if any(v is not None for v in it["plot"])]
    ctx = {
        "active": "water", "user": user, "detail": detail, "s": detail["section"], "series": series,
        "charts": charts, "legend": legend, "legend_by_class": {r["class"]: r for r in legend["rows"]},
        "year": y, "month": m, "scope": scope, "start": start, "end": end, "row": row,
        "report_reason": "", "pending": False,
        "can_edit": can_edit(user), "fields": FIELDS, "labels": LABELS, "levels": CONTROL_LEVELS,
        "water_bodies": gb3838.WATER_BODY_LABELS, "class_labels": gb3838.CLASS_LABELS,
        "msg": msg[:200], "err": err[:500], "draft": draft or {},
        "self_url": request.url.path + ("?" + request.url.query if request.url.query else ""),
    }
    return render(request, "water/section.html", ctx, status_code=status_code)


@router.get("/water/section/{code}")
def water_section(request: Request, user: InternalUser, code: Code, year: Year = None, month: Month = None,
                  scope: Scope = "ytd", msg: Annotated[str, Query(max_length=200)] = "",
                  err: Annotated[str, Query(max_length=500)] = ""):
    return _section_page(request, user, code, year, month, scope, msg=msg, err=err)


def _back(path: str, **params: Any) -> RedirectResponse:
    q = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(path + ("?" + q if q else ""), status_code=303)


def _refused(request: Request, db, exc: DomainError) -> str:
    db.rollback()
    audit_refusal(request, exc)
    return exc.message


def _form_changes(form) -> dict:
    return {f: str(form.get(f) or "") for f in FIELDS if f in form and f not in ("active", "demo")} | {
        f: ("是" if form.get(f) else "否") for f in ("active", "demo") if f"{f}__present" in form}


@router.post("/water/section/{code}")
async def water_section_update(request: Request, code: Code, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    changes = _form_changes(form)
    try:
        after = service.update_section(db, ctx, user, code, changes)
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _section_page(request, user, code, None, None, "ytd", err=message, status_code=status_of(exc),
                             draft=changes)
    changed()
    return _back(f"/water/section/{quote(after['code'], safe='')}", msg="断面信息已保存。")


@router.post("/water/section/{code}/target")
async def water_section_target(request: Request, code: Code, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    try:
        year = int(str(form.get("year") or ""))
    except ValueError:
        year = 0
    try:
        if not 1900 <= year <= 2100:
            raise ValidationFailed("「年份」应为 1900—2100 之间的整数。")
        after = service.set_target(db, ctx, user, code, year, str(form.get("target_class") or ""))
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _section_page(request, user, code, None, None, "ytd", err=message, status_code=status_of(exc))
    changed()
    return _back(f"/water/section/{quote(code, safe='')}", msg=f"{after['year']}年目标已设为{gb3838.class_label(after['target_class'])}类。")


@router.post("/water/section/{code}/rectification")
async def water_section_rectify(request: Request, code: Code, user: BureauUser, db: SessionDep, ctx: AuditCtx,
                                settings: Settings):
    form = await request.form()
    scope = str(form.get("scope") or "ytd")
    try:
        year, month = int(str(form.get("year") or "")), int(str(form.get("month") or ""))
    except ValueError:
        year = month = 0
    try:
        if scope not in ("ytd", "month") or not (1900 <= year <= 2100 and 1 <= month <= 12):
            raise ValidationFailed("评价时段无效（年份 1900—2100、月份 1—12、时段 ytd 或 month）。")
        deadline = None
        if str(form.get("deadline") or "").strip():
            try:
                deadline = clock.parse_date(str(form.get("deadline")))
            except ValueError as exc:
                raise ValidationFailed(f"「整改时限」：{exc}") from None
        _, _, start, end = period(year, month, scope)
        opened = open_rectification(db, ctx, user, store_for(db_url(request)), code, start, end,
                                    ledger=LedgerAdapter(settings.home, settings.max_attachment_bytes),
                                    deadline=deadline, cumulative=is_cumulative(scope, month))
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _section_page(request, user, code, year or None, month or None, scope if scope in ("ytd", "month") else "ytd",
                             err=message, status_code=status_of(exc))
    r = opened.rectification
    msg = (f"已在台账中创建整改事项 {r['ledger_item_code']}，佐证已附。" if opened.created
           else f"该断面{r['period']}的整改事项已存在：{r['ledger_item_code']}（未重复创建）。")
    return _back(f"/water/section/{quote(code, safe='')}", year=year, month=month, scope=scope, msg=msg)


# --- registry ------------------------------------------------------------------------------------


def _registry_page(request: Request, user, *, msg: str = "", err: str = "", result: dict | None = None,
                   status_code: int = 200, draft: dict | None = None, year: int | None = None,
                   sync: dict | None = None, station_draft: dict | None = None):
    y = year or clock.today().year
    store = store_for(db_url(request))
    today = clock.today()
    ctx = {
        "active": "water", "user": user, "sections": queries.sections(store, y), "year": y,
        "links": list_links(store.engine), "sync": sync, "station_draft": station_draft or {},
        "sync_from": (today - timedelta(days=7)).isoformat(), "sync_to": today.isoformat(),
        "can_edit": can_edit(user), "labels": LABELS, "levels": CONTROL_LEVELS,
        "water_bodies": gb3838.WATER_BODY_LABELS, "class_labels": gb3838.CLASS_LABELS, "msg": msg[:200],
        "err": err[:500], "result": result, "draft": draft or {}, "suffixes": "、".join(service.IMPORT_SUFFIXES),
    }
    return render(request, "water/sections.html", ctx, status_code=status_code)


@router.get("/water/sections")
def water_sections(request: Request, user: InternalUser, year: Year = None,
                   msg: Annotated[str, Query(max_length=200)] = ""):
    return _registry_page(request, user, msg=msg, year=year)


@router.post("/water/sections")
async def water_sections_add(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    data = {f: str(form.get(f) or "") for f in FIELDS if f in form and f not in ("active", "demo")}
    data["demo"] = "是" if form.get("demo") else "否"
    try:
        after = service.add_section(db, ctx, user, data)
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _registry_page(request, user, err=message, status_code=status_of(exc), draft=data)
    changed()
    return _back("/water/sections", msg=f"已登记断面 {after['code']} {after['name']}。")


@router.post("/water/sections/import")
async def water_sections_import(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx,
                                settings: Settings):
    form = await request.form()
    f = form.get("file")
    name = getattr(f, "filename", None)
    if not name:
        return _registry_page(request, user, err="请选择要导入的 CSV 或 Excel 文件。", status_code=422)
    data = await f.read(settings.max_attachment_bytes + 1)
    try:
        if len(data) > settings.max_attachment_bytes:
            raise ValidationFailed("文件过大。")
        res = service.import_sections(db, ctx, user, name, data)
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _registry_page(request, user, err=f"未导入：{message}", status_code=status_of(exc))
    changed()
    result = {"file": res.file, "rows_read": res.rows_read, "added": res.added, "updated": res.updated,
              "targets_set": res.targets_set, "errors": [e.as_dict() for e in res.errors]}
    return _registry_page(request, user, result=result,
                          msg=f"导入完成：读取 {res.rows_read} 行，新增 {res.added} 个、更新 {res.updated} 个断面，"
                              f"设置目标 {res.targets_set} 项" + (f"，{len(res.errors)} 行有错误未导入。" if res.errors else "。"))


# --- HJ 212 automatic stations (the 「自动站设备」 card of the registry page) ----------------------

_PAIR_SEP = re.compile(r"[\s,，;；、]+")


def _pairs(text: str, what: str, example: str) -> dict[str, str]:
    """``"as=w20141, hg=w20111"`` → a dict; the service checks the codes and units themselves."""
    out: dict[str, str] = {}
    for part in _PAIR_SEP.split(text.strip()):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep or not k or not v:
            raise ValidationFailed(f"「{part}」应写成{what}，如 {example}（多项用逗号或空格分隔）。")
        out[k] = v
    return out


def _form_day(form, name: str, label: str) -> datetime | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    try:
        d = clock.parse_date(text)
    except ValueError as exc:
        raise ValidationFailed(f"「{label}」：{exc}") from None
    if not date(1990, 1, 1) <= d <= date(2100, 12, 31):  # as the API; keeps "+ 1 day" in range
        raise ValidationFailed(f"「{label}」应在 1990—2100 年之间。")
    return datetime(d.year, d.month, d.day)


@router.post("/water/sections/stations")
async def water_station_link(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    draft = {k: str(form.get(k) or "") for k in ("mn", "section_code", "codes", "units", "valid_from", "valid_to")}
    try:
        codes = _pairs(draft["codes"], "项目=因子编码", "as=w20141")
        units = _pairs(draft["units"], "因子编码=单位", "w20141=μg/L")
        after = service.link_station(db, ctx, user, draft["mn"], draft["section_code"].strip(), codes=codes,
                                     units=units, valid_from=_form_day(form, "valid_from", "有效期开始"),
                                     valid_to=_form_day(form, "valid_to", "有效期结束"))
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _registry_page(request, user, err=f"未关联：{message}", status_code=status_of(exc), station_draft=draft)
    return _back("/water/sections", msg=f"已关联设备 {after['mn']} → 断面 {after['section_code']}。")


@router.post("/water/sections/stations/unlink")
async def water_station_unlink(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    try:
        before = service.unlink_station(db, ctx, user, str(form.get("mn") or ""))
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _registry_page(request, user, err=f"未解除：{message}", status_code=status_of(exc))
    return _back("/water/sections", msg=f"已解除设备 {before['mn']} 与断面 {before['section_code']} 的关联。")


@router.post("/water/sections/sync-hj212")
async def water_sync_hj212(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    cn = str(form.get("cn") or "2061")
    try:
        t0, t1 = _form_day(form, "from", "开始日期"), _form_day(form, "to", "结束日期")
        if t0 is None or t1 is None:
            raise ValidationFailed("请填写同步的开始日期和结束日期。")
        if t1 < t0:
            raise ValidationFailed(f"结束日期 {t1:%Y-%m-%d} 早于开始日期 {t0:%Y-%m-%d}。")
        if cn not in ("2061", "2031"):
            raise ValidationFailed("数据类型只能是 2061（小时数据）或 2031（日数据）。")
        res = service.sync_hj212(db, ctx, user, t0, t1 + timedelta(days=1), cn=cn)
    except DomainError as exc:
        message = _refused(request, db, exc)
        return _registry_page(request, user, err=f"未同步：{message}", status_code=status_of(exc))
    changed()
    return _registry_page(request, user, sync=res.as_dict() | {"from": f"{t0:%Y-%m-%d}", "to": f"{t1:%Y-%m-%d}"},
                          msg=f"HJ 212 同步完成：读取 {res.values_read} 个数值，写入 {res.observations_written} 条"
                              f"（新增 {res.observations_new} 条）。")


# --- public portal -------------------------------------------------------------------------------


@router.get("/portal/water")
def portal_water(request: Request):
    url = db_url(request)
    panel = portal_panel(url, wait=True)  # one computation per TTL whoever asks (no user input in the key)
    legend = queries.class_legend()
    rep = panel["report"]
    ctx = {"active": "water", "panel": panel, "legend": legend, "legend_by_class": {r["class"]: r for r in legend["rows"]},
           "rows": queries.public_sections(rep.sections) if rep else [], "report": rep}
    if rep is not None:
        secs = queries.sections(store_for(url), active_only=True)
        ctx["map_option"] = water_charts.section_map(_points(rep, secs), legend, title="断面水质类别分布")
    return render(request, "portal/water.html", ctx)
