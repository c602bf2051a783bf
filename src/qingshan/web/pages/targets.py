"""目标考核: the leader view (the city and each county against this year's targets: status, the
remaining-period PM2.5 control value R, good-day and heavy-day budgets, feasibility, the monthly
trend against the target path — assessment-bulletin.md §3) and the management page (units,
station lists, targets, manual inputs; edited by the admin, Excel in and out, audited)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from qingshan.core.errors import DomainError, TooLarge, ValidationFailed
from qingshan.core.results import Result
from qingshan.standards.target_tracking import FEASIBILITY_LABELS
from qingshan.targets import service
from qingshan.targets.indicators import DUST_RULES, INDICATORS, MANUAL_KINDS, PERIODS
from qingshan.targets.store import TargetStore
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages import assess_charts, assess_data
from qingshan.web.pages.common import db_url, is_htmx
from qingshan.web.pages.render import render

router = APIRouter()

#: feasibility class → colour of its tag (§3.4 classes; the classes are a design rule, UNCONFIRMED)
CLASS_COLOURS = {"secured": "#1b7f3b", "on_track": "#1f5fa8", "hard": "#b76e00", "unprecedented": "#c0392b",
                 "impossible": "#7e0023"}
MAX_UPLOAD = 5 * 1024 * 1024


def _day(value: str | None) -> tuple[date, str]:
    """The reporting date from the query (default yesterday) and an error text for a bad one."""
    end = assess_data.data_end()
    if not value:
        return end, ""
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        return end, f"日期应为 YYYY-MM-DD，收到「{value[:20]}」，已显示 {end}。"
    if not date(2000, 1, 1) <= d <= end:
        return end, f"日期应在 2000-01-01 至 {end} 之间，已显示 {end}。"
    return d, ""


@router.get("/targets")
def leader_view(request: Request, user: InternalUser, day: str | None = Query(None, max_length=20)):
    url = db_url(request)
    d, err = _day(day)
    rep = assess_data.status(url, d)
    ctx = {"active": "targets", "user": user, "day": d, "err": err, "rep": rep, "pending": False,
           "self_url": f"/targets?day={d.isoformat()}", "class_labels": FEASIBILITY_LABELS,
           "class_colours": CLASS_COLOURS, "trend_options": {}}
    if isinstance(rep, Result):
        ctx["pending"] = bool(rep.meta.get("pending"))
    else:
        ctx["sources"] = list(dict.fromkeys(src for r in rep.rows for src in r.sources))
        ctx["trend_options"] = {r.code: assess_charts.trend_option("全市" if r.is_city else r.name, rep.trend.get(r.code, []))
                                for r in rep.rows}
    template = "targets/_leader.html" if is_htmx(request) else "targets/leader.html"
    return render(request, template, ctx)


def _manage_ctx(request: Request, user, db, settings, year: int, month: str | None, **extra) -> dict:
    st = TargetStore(settings.database_url, auto_migrate=False, engine=db.get_bind())
    on = min(date(year, 12, 31), assess_data.data_end()) if year <= assess_data.data_end().year else date(year, 1, 1)
    units = st.units(on)
    lists = st.unit_stations(on)
    month = month or f"{on.year}-{on.month:02d}"
    names = {u.code: u.name for u in units}
    return {
        "active": "targets", "user": user, "year": year, "month": month, "on": on,
        "units": [{"code": u.code, "name": u.name, "kind": u.kind, "order": u.display_order, "demo": u.demo,
                   "valid_from": u.valid_from, "valid_to": u.valid_to, "stations": lists.get(u.code, [])} for u in units],
        "targets": [{"t": t, "unit": names.get(t.unit_code, t.unit_code), "label": INDICATORS[t.indicator].label,
                     "unit_of": INDICATORS[t.indicator].unit} for t in st.targets(year)],
        "manual": [{"m": m, "unit": names.get(m.unit_code, m.unit_code), "label": MANUAL_KINDS[m.kind]}
                   for m in st.manual_inputs(month)],
        "indicators": INDICATORS, "dust_rules": DUST_RULES, "manual_kinds": MANUAL_KINDS, "periods": PERIODS,
        "can_edit": user.role in service.EDIT_ROLES, "msg": "", "err": "", "errors": [], "form": {},
    } | extra


def _year(value: str | None) -> int:
    try:
        y = int(value) if value else assess_data.data_end().year
    except ValueError:
        y = assess_data.data_end().year
    return min(max(y, 2000), 2100)


def _month(value: str | None) -> str | None:
    v = (value or "").strip()
    return v if len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit() and 1 <= int(v[5:]) <= 12 else None


@router.get("/targets/manage")
def manage(request: Request, user: InternalUser, db: SessionDep, settings: Settings,
           year: str | None = Query(None, max_length=4), month: str | None = Query(None, max_length=7),
           msg: str | None = Query(None, max_length=200)):
    ctx = _manage_ctx(request, user, db, settings, _year(year), _month(month), msg=(msg or "")[:200])
    return render(request, "targets/manage.html", ctx)


def _refused(request, user, db, settings, exc: DomainError, year: int, month: str | None, form: dict):
    db.rollback()
    audit_refusal(request, exc)
    ctx = _manage_ctx(request, user, db, settings, year, month, err=exc.message,
                      errors=getattr(exc, "errors", []), form=form)
    return render(request, "targets/manage.html", ctx, status_code=status_of(exc))


def _done(year: int, month: str | None, message: str) -> RedirectResponse:
    q = {"year": year, "msg": message} | ({"month": month} if month else {})
    return RedirectResponse(f"/targets/manage?{urlencode(q)}", status_code=303)


@router.post("/targets/manage/target")
async def post_target(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    form = {k: str(v)[:500] for k, v in (await request.form()).items() if k != "csrf_token"}
    year = _year(form.get("year"))
    try:
        if form.get("delete"):
            service.delete_target(db, ctx, user, year, form.get("unit_code", ""), form.get("indicator", ""))
            message = "已删除目标。"
        else:
            out = service.set_target(db, ctx, user, year, form.get("unit_code", ""), form.get("indicator", ""),
                                     form.get("value", ""), form.get("source_doc", ""),
                                     dust_rule=form.get("dust_rule") or "none", base_value=form.get("base_value") or None)
            message = ("已保存：" + (f"{out['before']['value']} → " if out["before"] else "") + out["after"]["value"]
                       if out["changed"] else "没有变化。")
    except DomainError as exc:
        return _refused(request, user, db, settings, exc, year, None, form)
    assess_data.changed(settings.database_url)
    return _done(year, None, message)


@router.post("/targets/manage/manual")
async def post_manual(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    form = {k: str(v)[:500] for k, v in (await request.form()).items() if k != "csrf_token"}
    month = _month(form.get("month"))
    year = int(month[:4]) if month else _year(None)
    try:
        if month is None:
            raise ValidationFailed("月份应为 YYYY-MM")
        try:
            doc_date = date.fromisoformat(form.get("doc_date", "").strip())
        except ValueError:
            raise ValidationFailed("文件日期应为 YYYY-MM-DD") from None
        out = service.set_manual_input(db, ctx, user, month, form.get("kind", ""), form.get("unit_code", ""),
                                       form.get("period", ""), form.get("indicator", "").strip() or "composite",
                                       form.get("value", ""), form.get("doc_no", ""), doc_date,
                                       form.get("note") or None)
    except DomainError as exc:
        return _refused(request, user, db, settings, exc, year, month, form)
    assess_data.changed(settings.database_url)
    return _done(year, month, "已保存手工录入。" if out["changed"] else "没有变化。")


@router.post("/targets/manage/unit")
async def post_unit(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    form = {k: str(v)[:200] for k, v in (await request.form()).items() if k != "csrf_token"}
    year = _year(form.get("year"))
    try:
        try:
            order = int(form.get("order", "").strip())
        except ValueError:
            raise ValidationFailed("排序应为整数") from None
        try:
            valid_from = date.fromisoformat(form.get("valid_from", "").strip())
            valid_to = date.fromisoformat(form["valid_to"].strip()) if form.get("valid_to", "").strip() else None
        except ValueError:
            raise ValidationFailed("起始、终止日期应为 YYYY-MM-DD") from None
        out = service.set_unit(db, ctx, user, form.get("code", ""), form.get("name", ""), form.get("kind", ""), order,
                               valid_from, valid_to)
    except DomainError as exc:
        return _refused(request, user, db, settings, exc, year, None, form)
    assess_data.changed(settings.database_url)
    return _done(year, None, "已保存单位。" if out["changed"] else "单位没有变化。")


@router.post("/targets/manage/stations")
async def post_stations(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    form = {k: str(v)[:2000] for k, v in (await request.form()).items() if k != "csrf_token"}
    year = _year(form.get("year"))
    try:
        try:
            valid_from = date.fromisoformat(form.get("valid_from", "").strip())
        except ValueError:
            raise ValidationFailed("生效日期应为 YYYY-MM-DD") from None
        codes = [c for c in form.get("stations", "").replace("，", ",").replace("、", ",").replace("\n", ",").split(",")]
        out = service.set_unit_stations(db, ctx, user, form.get("unit_code", ""), codes, valid_from)
    except DomainError as exc:
        return _refused(request, user, db, settings, exc, year, None, form)
    assess_data.changed(settings.database_url)
    return _done(year, None, "已保存站点名单。" if out["changed"] else "站点名单没有变化。")


@router.post("/targets/manage/import")
async def post_import(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    form = await request.form()
    upload = form.get("file")
    year = _year(str(form.get("year") or ""))
    name = (getattr(upload, "filename", "") or "")[:200]
    try:
        if not name:
            raise ValidationFailed("请选择要导入的 Excel 文件（.xlsx）。")
        content = await upload.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise TooLarge(f"文件「{name}」超过上限 {MAX_UPLOAD // 1024 // 1024} MB，未导入任何数据。")
        s = service.import_upload(db, ctx, user, content, name)
    except DomainError as exc:
        return _refused(request, user, db, settings, exc, year, None, {})
    assess_data.changed(settings.database_url)
    return _done(year, None, f"已导入 {s.file}：单位 {s.units}，站点名单 {s.station_lists}，目标 {s.targets}，"
                             f"手工录入 {s.manual_inputs}；其中有变化 {s.changed} 项。")
