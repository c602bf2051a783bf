"""Heavy-pollution emergency pages (重污染天气应急): the alert page (level in force, timeline, forecast
chart with the thresholds), alert detail with its actions and the live verification (htmx
polling), verification records with each enterprise's hourly emission rate against its baseline
and the required cut, the emergency list with filters, forecast and list imports, the versioned
rule tables; and the public portal's panel (current alert and measures).

Every figure comes from the one report builder (:mod:`qingshan.emergency.report`); writes go
through :mod:`qingshan.emergency.service` and :mod:`qingshan.emergency.ledger` (bureau staff,
audited) exactly as the JSON API does. Chart options are built here as plain data, one function
per chart (:func:`forecast_option`, :func:`timeline_option`, :func:`rate_option`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from qingshan.core.errors import DomainError, TooLarge
from qingshan.core.org import BUREAU_ROLES
from qingshan.emergency import forecasts, ledger, listio, lists, queries, report, service, tables
from qingshan.emergency.errors import EmergencyError, NotFound
from qingshan.emergency.verification import local_now
from qingshan.standards import performance_grading as pg
from qingshan.standards.alert_levels import Level
from qingshan.standards.emergency_reduction import LEVEL_ZH, LEVELS, POLLUTANT_ZH
from qingshan.standards.emergency_tables import KINDS
from qingshan.store.models_air import Division
from qingshan.web.deps import AuditCtx, InternalUser, OptionalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages.charts import FONT
from qingshan.standards.verify_cuts import STATUS_ZH as VERIFY_STATUS_ZH
from qingshan.web.pages.render import render, templates

router = APIRouter()
templates.env.globals["EMERGENCY_STATUS_ZH"] = VERIFY_STATUS_ZH  # the verification's status words, in Chinese

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
DEFAULT_CITY = "大同市"
LEVEL_COLOUR = {"none": "#9aa5b1", "pre_alert": "#7fb3d5", "blue": "#3b82f6", "yellow": "#f2c200",
                "orange": "#ff7e00", "red": "#e02020"}
LEVEL_RANK = {"none": 0, "pre_alert": 0, "blue": 0, "yellow": 1, "orange": 2, "red": 3}
STATUS_ZH = {"confirmed": "已确认", "UNCONFIRMED": "待确认", "PROJECT DEFAULT": "项目默认"}
SOURCE_ZH = {"local": "本地研判", "regional": "区域预警提示", "provincial": "省级调度令"}


def table_note(refs: list[dict] | None) -> str:
    """「口径：…」 note of the table versions behind a figure, with their status in Chinese."""
    parts = []
    for t in refs or []:
        kind = KINDS.get(t.get("kind", ""), t.get("kind", ""))
        parts.append(f"{kind} {t.get('version', '')}（{STATUS_ZH.get(t.get('status', ''), t.get('status', ''))}）")
    return "口径：" + "；".join(parts) if parts else ""


def _is_bureau(user) -> bool:
    return user is not None and user.role in BUREAU_ROLES


def _now() -> datetime:
    return local_now()


# ---- charts (ECharts options as data) ---------------------------------------------------------


def forecast_option(chart: report.ForecastChart) -> dict[str, Any]:
    """Block AQIs of one forecast run, coloured by the level their value reaches, with the
    threshold lines of the run's table (§1.2); blocks of every alignment on one time axis."""
    data = []
    for start, aqi, primary in chart.blocks:
        colour = (LEVEL_COLOUR["red"] if aqi is not None and aqi > 300 else LEVEL_COLOUR["orange"]
                  if aqi is not None and aqi > 200 else LEVEL_COLOUR["yellow"] if aqi is not None and aqi > 150
                  else "#6aa84f")
        data.append({"value": [start[:16].replace("T", " "), aqi], "itemStyle": {"color": colour},
                     "primary": primary})
    lines = [{"yAxis": t, "name": f"AQI>{t}", "label": {"formatter": f"{t}"}} for t in chart.thresholds]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": f"{chart.city} 预报 24 小时 AQI（{chart.run_time[:16].replace('T', ' ')} 发布）",
                  "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 50, "right": 60, "top": 40, "bottom": 50},
        "xAxis": {"type": "time", "name": "时段起点"},
        "yAxis": {"type": "value", "name": "AQI", "min": 0},
        "series": [{"type": "scatter", "name": "时段 AQI", "symbolSize": 12, "data": data,
                    "markLine": {"symbol": "none", "lineStyle": {"type": "dashed", "color": "#b42318"},
                                 "data": lines}}],
    }


def timeline_option(timeline: list[tuple[str, str, str, str]], title: str) -> dict[str, Any] | None:
    """The level in force as a step line (0 无 … 3 红色), §1.4/§1.7."""
    if not timeline:
        return None
    data = []
    for start, end, level, _src in timeline:
        rank = LEVEL_RANK.get(level, 0)
        data.append([start[:16].replace("T", " "), rank])
        data.append([end[:16].replace("T", " "), rank])
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "min": 0, "max": 3, "interval": 1,
                  "axisLabel": {"formatter": "{value} 级"}, "name": "0 无 · 1 黄 · 2 橙 · 3 红"},
        "visualMap": {"show": False, "type": "piecewise", "dimension": 1,
                      "pieces": [{"value": 0, "color": LEVEL_COLOUR["none"]}, {"value": 1, "color": LEVEL_COLOUR["yellow"]},
                                 {"value": 2, "color": LEVEL_COLOUR["orange"]}, {"value": 3, "color": LEVEL_COLOUR["red"]}]},
        "series": [{"type": "line", "step": "end", "name": "预警级别", "data": data, "areaStyle": {"opacity": 0.25},
                    "showSymbol": False}],
    }


def rate_option(s: report.RateSeries, window: dict[str, Any]) -> dict[str, Any]:
    """Hourly emission rate (kg/h) of one check unit × pollutant, the baseline mean rate and the
    rate the required cut allows (§4.2), the alert window shaded; invalid hours left out."""
    pts = [[t[:16].replace("T", " "), r if ok else None] for t, r, ok in zip(s.hours, s.rates_kg_h, s.valid)]
    first = next((i for i, p in enumerate(pts) if p[1] is not None), 0)
    pts = pts[max(0, first - 24):]  # the baseline search spans up to 720 h; draw from a day before data start
    marks = []
    if s.r_base_kg_h is not None:
        marks.append({"yAxis": float(s.r_base_kg_h), "name": "基准期平均", "label": {"formatter": "基准 {c}"}})
    if s.r_allowed_kg_h is not None and s.rho_req_pub not in ("", "0.0%"):
        marks.append({"yAxis": float(s.r_allowed_kg_h), "name": "按要求削减后",
                      "label": {"formatter": "要求上限 {c}"}, "lineStyle": {"color": "#b42318"}})
    area = []
    if window.get("start"):
        area = [[{"xAxis": window["start"][:16].replace("T", " "), "name": "预警期"},
                 {"xAxis": (window.get("end") or s.hours[-1] if s.hours else window["start"])[:16].replace("T", " ")}]]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": f"{s.pollutant_zh}逐时排放速率（{'、'.join(s.line_ids)}）", "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 90, "top": 40, "bottom": 40},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "name": "kg/h", "min": 0},
        "series": [{"type": "line", "name": "排放速率", "data": pts, "showSymbol": False, "connectNulls": False,
                    "markLine": {"symbol": "none", "lineStyle": {"type": "dashed"}, "data": marks},
                    "markArea": {"itemStyle": {"color": "rgba(255,126,0,0.12)"}, "data": area}}],
    }


# ---- alert page ---------------------------------------------------------------------------------


@router.get("/emergency")
def emergency_home(request: Request, user: InternalUser, db: SessionDep,
                   city: str = Query(DEFAULT_CITY, min_length=1, max_length=40)):
    now = _now()
    current = report.current_alert(db, city, now)
    recent = queries.alerts(db, city=city, limit=20)
    featured = current.alert_id or (recent[0]["id"] if recent else None)
    rep = report.alert_report(db, featured, now=now) if featured else None
    latest = forecasts.latest_batch(db)
    chart = None
    if latest is not None:
        try:
            chart = report.forecast_chart(db, latest.id, city)
        except NotFound:
            chart = None
    ctx = {
        "active": "emergency", "user": user, "city": city, "current": current, "recent": recent, "featured": rep,
        "timeline_option": timeline_option(list(rep.timeline), f"预警 {rep.alert['id']} 级别时间线") if rep else None,
        "forecast": chart, "forecast_option": forecast_option(chart) if chart else None,
        "forecast_note": table_note([{"kind": "alert_thresholds", "version": chart.rules,
                                      "status": tables.get(db, "alert_thresholds", chart.rules).status}]) if chart else "",
        "LEVEL_COLOUR": LEVEL_COLOUR, "SOURCE_ZH": SOURCE_ZH, "table_note": table_note, "is_bureau": _is_bureau(user),
        "notices": queries.notices(db, active_at=now),
    }
    return render(request, "emergency/index.html", ctx)


@router.get("/emergency/alerts/{alert_id}")
def alert_page(request: Request, alert_id: Id, user: InternalUser, db: SessionDep, msg: str | None = None,
               err: str | None = None):
    rep = report.alert_report(db, alert_id, now=_now())
    post = report.post_event_check(db, alert_id) if rep.alert["status"] == "lifted" else None
    ctx = {"active": "emergency", "user": user, "rep": rep, "post": post,
           "timeline_option": timeline_option(list(rep.timeline), "级别时间线（本地与区域/省级通知取高，§1.7）"),
           "verifications": queries.verifications(db, alert_id), "is_bureau": _is_bureau(user),
           "LEVEL_COLOUR": LEVEL_COLOUR, "SOURCE_ZH": SOURCE_ZH, "table_note": table_note,
           "msg": (msg or "")[:200], "err": (err or "")[:300]}
    return render(request, "emergency/alert.html", ctx)


@router.post("/emergency/actions/{action_id}/document-no")
async def action_document_no(request: Request, action_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx):
    form = await request.form()
    alert_id = int(str(form.get("alert_id") or "0")) if str(form.get("alert_id") or "").isdigit() else 0
    text = str(form.get("document_no") or "").strip()
    try:
        if len(text) > 80:
            raise EmergencyError("文号不超过 80 个字符")
        service.set_document_no(db, ctx, user, action_id, text)
        q = {"msg": "文号已登记"}
    except DomainError as exc:
        audit_refusal(request, exc)
        q = {"err": exc.message}
    target = f"/emergency/alerts/{alert_id}" if alert_id else "/emergency"
    return RedirectResponse(f"{target}?{urlencode(q)}", status_code=303)


@router.post("/emergency/alerts/{alert_id}/verify")
def alert_verify(request: Request, alert_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx):
    try:
        run = service.store_verification(db, request.app.state.engine, ctx, user, alert_id)
    except DomainError as exc:
        audit_refusal(request, exc)
        return RedirectResponse(f"/emergency/alerts/{alert_id}?{urlencode({'err': exc.message})}", status_code=303)
    return RedirectResponse(f"/emergency/verifications/{run.id}", status_code=303)


@router.get("/emergency/alerts/{alert_id}/live")
def live_page(request: Request, alert_id: Id, user: InternalUser, db: SessionDep):
    rep = report.alert_report(db, alert_id, now=_now())
    return render(request, "emergency/live.html", {"active": "emergency", "user": user, "rep": rep,
                                                   "interval": 60})


@router.get("/emergency/alerts/{alert_id}/live/panel")
def live_panel(request: Request, alert_id: Id, user: InternalUser, db: SessionDep):
    """The live verification, recomputed on every poll (htmx ``every 60s``) as data arrive."""
    try:
        rep = report.live_report(db, request.app.state.engine, alert_id)
        error = None
    except EmergencyError as exc:
        if isinstance(exc, NotFound) and "预警" in exc.message:
            raise
        rep, error = None, exc.message
    return render(request, "emergency/_live_panel.html", {"rep": rep, "error": error, "table_note": table_note,
                                                          "links": ledger.links(db, alert_id)})


# ---- verification ---------------------------------------------------------------------------------


def _verification_ctx(db, user, verification_id: int) -> dict:
    rep = report.verification_report(db, verification_id)
    return {"active": "emergency", "user": user, "rep": rep, "links": ledger.links(db, rep.alert_id),
            "table_note": table_note, "is_bureau": _is_bureau(user), "outcome": None, "error": None}


@router.get("/emergency/verifications/{verification_id}")
def verification_page(request: Request, verification_id: Id, user: InternalUser, db: SessionDep):
    return render(request, "emergency/verification.html", _verification_ctx(db, user, verification_id))


@router.post("/emergency/verifications/{verification_id}/ledger")
def verification_ledger(request: Request, verification_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                        settings: Settings):
    """「生成整改台账」: one ledger item per failing enterprise × alert, computation attached."""
    status, outcome, error = 200, None, None
    try:
        outcome = ledger.open_items(db, request.app.state.engine, ctx, user, verification_id, home=settings.home,
                                    max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        audit_refusal(request, exc)
        status, error = status_of(exc), exc.message
    page = _verification_ctx(db, user, verification_id)
    page.update(outcome=outcome, error=error)
    return render(request, "emergency/verification.html", page, status_code=status)


@router.get("/emergency/verifications/{verification_id}/enterprises/{enterprise_id}")
def enterprise_page(request: Request, verification_id: Id, enterprise_id: Id, user: InternalUser, db: SessionDep):
    d = report.enterprise_verification(db, request.app.state.engine, verification_id, enterprise_id)
    options = [(f"rate-{i}", rate_option(s, d.window)) for i, s in enumerate(d.series) if s.hours]
    ctx = {"active": "emergency", "user": user, "d": d, "options": dict(options),
           "link": ledger.links(db, d.alert_id).get(enterprise_id), "table_note": table_note}
    return render(request, "emergency/enterprise.html", ctx)


# ---- the emergency list ----------------------------------------------------------------------------


def _list_ctx(db, user, list_id: int | None, grade: str | None, industry: str | None, county: str | None) -> dict:
    all_lists = queries.emergency_lists(db)
    rep = None
    if all_lists:
        rep = report.list_report(db, list_id or all_lists[0]["id"], grade=grade or None, industry=industry or None,
                                 county=county or None)
    divisions = {d.code: d.name for d in db.scalars(select(Division).order_by(Division.code))}
    return {"active": "emergency", "user": user, "lists": all_lists, "rep": rep,
            "filters": {"list": list_id or (rep.list_id if rep else None), "grade": grade or "",
                        "industry": industry or "", "county": county or ""},
            "grades": list(pg.GRADE_ZH), "grade_zh": pg.GRADE_ZH, "industries": lists.INDUSTRY_ZH,
            "divisions": divisions, "LEVELS": LEVELS, "LEVEL_ZH": LEVEL_ZH, "POLLUTANT_ZH": POLLUTANT_ZH,
            "table_note": table_note, "is_bureau": _is_bureau(user), "result": None}


@router.get("/emergency/list")
def list_page(request: Request, user: InternalUser, db: SessionDep,
              list_id: int | None = Query(None, alias="list", ge=1, le=2**63 - 1),
              grade: str | None = Query(None, max_length=10), industry: str | None = Query(None, max_length=40),
              county: str | None = Query(None, max_length=6)):
    if county and not (county.isdigit() and len(county) == 6):
        county = None
    return render(request, "emergency/list.html", _list_ctx(db, user, list_id, grade, industry, county))


@router.get("/emergency/list/export")
def list_export(user: InternalUser, db: SessionDep, list_id: int = Query(..., alias="list", ge=1, le=2**63 - 1),
                grade: str | None = Query(None, max_length=10), industry: str | None = Query(None, max_length=40),
                county: str | None = Query(None, pattern=r"^\d{6}$")):
    data = listio.export_list(db, lists.get_list(db, list_id).id, grade=grade or None, industry=industry or None,
                              county=county or None)
    name = f"应急减排清单-{list_id}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=\"list.xlsx\"; filename*=UTF-8''{quote(name)}"})


async def _upload(request: Request, settings) -> tuple[dict, str, bytes | None]:
    form = await request.form()
    upload = form.get("file")
    name = getattr(upload, "filename", "") or ""
    if not name:
        return form, "", None
    content = await upload.read(settings.max_attachment_bytes + 1)
    if len(content) > settings.max_attachment_bytes:
        raise TooLarge(f"文件「{name}」超过上限 {settings.max_attachment_bytes:,} 字节，未导入任何数据。")
    return form, name, content


def _refused(db, request: Request, exc: DomainError) -> tuple[dict, int]:
    db.rollback()
    audit_refusal(request, exc)
    errors = [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in getattr(exc, "errors", [])]
    message = (f"{exc.message}（共 {len(errors)} 处错误，未导入任何数据，请修改后重新导入）" if errors else exc.message)
    return {"ok": False, "message": message, "errors": errors}, status_of(exc)


@router.post("/emergency/list/import")
async def list_import(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    status = 200
    try:
        form, name, content = await _upload(request, settings)
        if content is None:
            raise EmergencyError("请选择要导入的清单 Excel 文件（.xlsx）。")
        res = service.import_list(db, ctx, user, content, name, name=str(form.get("name") or "").strip()[:200] or None,
                                  season=str(form.get("season") or "").strip()[:20] or None)
        result = {"ok": True, "message": (f"该文件此前已导入（清单 {res.list_id}），未重复写入。" if res.previous
                                          else f"已导入清单 {res.list_id}：{res.rows} 条生产线。"),
                  "errors": [str(w) for w in res.warnings]}
        list_id = res.list_id
    except DomainError as exc:
        result, status = _refused(db, request, exc)
        list_id = None
    page = _list_ctx(db, user, list_id, None, None, None)
    page["result"] = result
    return render(request, "emergency/list.html", page, status_code=status)


# ---- forecasts -----------------------------------------------------------------------------------


@router.get("/emergency/forecasts")
def forecasts_page(request: Request, user: InternalUser, db: SessionDep):
    return render(request, "emergency/forecasts.html", {
        "active": "emergency", "user": user, "batches": queries.batches(db, kind="forecast", limit=50),
        "observed": queries.batches(db, kind="observed", limit=20), "is_bureau": _is_bureau(user), "result": None,
        "form": {}})


@router.post("/emergency/forecasts/import")
async def forecasts_import(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    status, form_out = 200, {}
    try:
        form, name, content = await _upload(request, settings)
        form_out = {k: str(form.get(k) or "")[:100] for k in ("run_time", "kind", "source", "step_hours")}
        form_out["apply"] = bool(form.get("apply"))
        if content is None:
            raise EmergencyError("请选择要导入的预报文件（CSV 或 Excel）。")
        try:
            run_time = forecasts.parse_block_start(form_out["run_time"])
        except ValueError as exc:
            raise EmergencyError(f"预报发布时间{exc}") from None
        kind = form_out["kind"] or "forecast"
        if kind not in ("forecast", "observed"):
            raise EmergencyError("类型应为预报或实况")
        step = form_out["step_hours"]
        if step and not (step.isdigit() and 1 <= int(step) <= 24):
            raise EmergencyError("时段小时数应为 1–24 的整数")
        out = service.import_forecast(db, ctx, user, content, name, run_time=run_time, kind=kind,
                                      source=form_out["source"] or None, apply=form_out["apply"],
                                      step_hours=int(step) if step else None)
        r = out.result
        msg = (f"该文件此前已导入（批次 {r.batch_id}），未重复写入。" if r.previous
               else f"已导入批次 {r.batch_id}：{r.rows} 个时段，城市 {'、'.join(r.cities)}。")
        for c in out.changes:
            msg += f" {c.city}：{Level.parse(c.level).zh}，{'、'.join(report.ACTION_ZH.get(a, a) for a in c.actions) or '无变化'}。"
        result = {"ok": True, "message": msg, "errors": [str(w) for w in r.warnings]}
    except DomainError as exc:
        result, status = _refused(db, request, exc)
    return render(request, "emergency/forecasts.html", {
        "active": "emergency", "user": user, "batches": queries.batches(db, kind="forecast", limit=50),
        "observed": queries.batches(db, kind="observed", limit=20), "is_bureau": _is_bureau(user), "result": result,
        "form": form_out}, status_code=status)


# ---- rule tables ---------------------------------------------------------------------------------


def _tables_ctx(db, user) -> dict:
    rows = tables.versions(db)
    db.commit()  # packaged defaults seeded on first view
    return {"active": "emergency", "user": user, "rows": rows, "KINDS": KINDS, "STATUS_ZH": STATUS_ZH,
            "is_bureau": _is_bureau(user), "result": None, "doc_text": ""}


@router.get("/emergency/tables")
def tables_page(request: Request, user: InternalUser, db: SessionDep):
    return render(request, "emergency/tables.html", _tables_ctx(db, user))


@router.get("/emergency/tables/{kind}/{version}")
def table_page(request: Request, kind: Annotated[str, Path(max_length=32)], version: Annotated[str, Path(max_length=64)],
               user: InternalUser, db: SessionDep):
    if kind not in KINDS:
        raise NotFound(f"没有数据表类型“{kind}”")
    t = tables.get(db, kind, version)
    db.commit()
    row = next(r for r in tables.versions(db, kind) if r["version"] == version)
    doc = json.dumps(t.to_dict(), ensure_ascii=False, indent=2)
    return render(request, "emergency/table.html", {"active": "emergency", "user": user, "t": t, "row": row,
                                                     "doc": doc, "KINDS": KINDS, "STATUS_ZH": STATUS_ZH,
                                                     "is_bureau": _is_bureau(user)})


@router.post("/emergency/tables")
async def table_add(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    """A new version from a JSON file or the text box (``kind, version, status, source, data``)."""
    status = 200
    text = ""
    try:
        form, name, content = await _upload(request, settings)
        text = str(form.get("doc") or "")[:200_000]
        raw = content.decode("utf-8-sig") if content else text
        if not raw.strip():
            raise EmergencyError("请上传 JSON 文件或在文本框中填写新版本（kind、version、status、source、data）。")
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EmergencyError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
        except UnicodeDecodeError:
            raise EmergencyError("文件不是 UTF-8 编码的 JSON") from None
        if not isinstance(doc, dict):
            raise EmergencyError("JSON 顶层应为对象（kind、version、status、source、data）")
        after = service.add_table_version(db, ctx, user, doc, activate=bool(form.get("activate")),
                                          note=str(form.get("note") or "")[:2000] or None)
        result = {"ok": True, "message": f"已保存 {KINDS.get(after['kind'], after['kind'])} 版本 {after['version']}"
                                         + ("并启用" if form.get("activate") else "（未启用）"), "errors": []}
        text = ""
    except DomainError as exc:
        db.rollback()
        audit_refusal(request, exc)
        result, status = {"ok": False, "message": exc.message, "errors": []}, status_of(exc)
    page = _tables_ctx(db, user)
    page.update(result=result, doc_text=text)
    return render(request, "emergency/tables.html", page, status_code=status)


@router.post("/emergency/tables/{kind}/{version}/activate")
def table_activate(request: Request, kind: Annotated[str, Path(max_length=32)],
                   version: Annotated[str, Path(max_length=64)], user: InternalUser, db: SessionDep, ctx: AuditCtx):
    status = 200
    try:
        after = service.activate_table(db, ctx, user, kind, version)
        result = {"ok": True, "message": f"已启用 {KINDS.get(kind, kind)} 版本 {after['version']}", "errors": []}
    except DomainError as exc:
        db.rollback()
        audit_refusal(request, exc)
        result, status = {"ok": False, "message": exc.message, "errors": []}, status_of(exc)
    page = _tables_ctx(db, user)
    page["result"] = result
    return render(request, "emergency/tables.html", page, status_code=status)


# ---- public portal panel ---------------------------------------------------------------------------


@router.get("/portal/emergency")
def portal_panel(request: Request, user: OptionalUser, db: SessionDep,
                 city: str = Query(DEFAULT_CITY, min_length=1, max_length=40)):
    """The portal's panel (loaded by htmx into /portal): the alert in force and its measures."""
    cur = report.current_alert(db, city, _now())
    return render(request, "emergency/_portal_panel.html", {"cur": cur, "LEVEL_COLOUR": LEVEL_COLOUR,
                                                            "SOURCE_ZH": SOURCE_ZH})
