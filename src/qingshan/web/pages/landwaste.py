"""Soil, solid waste, manifests and tailings ponds (净土与风险底线): the workspace pages.

* ``/soil`` — points on a map coloured by class, plots with the site decision, counts by
  county; ``/soil/samples/{code}`` — one sample item by item;
* ``/waste`` — city and county utilisation/disposal rates against the targets, enterprises,
  balance failures; ``/waste/generators/{uscc}`` — one generator's ledger;
* ``/waste/manifests`` — open, overdue and discrepant manifests with their ledger items, and
  the bureau's 「重新计算时限预警」;
* ``/ponds`` — ponds by grade and county, the supervision calendar (ECharts), overdue
  obligations; ``/ponds/{code}`` — the pond's file with photos and hazards, the upload and the
  bureau's 「登记隐患」.

Each page renders the domain's report builder (the same as the API and the CLI); writes go
through the domain services with the request's audit context; a refused write is shown on the
page with its status from the one mapping (:func:`qingshan.web.errors.status_of`). Demo content
carries 演示; figures from UNCONFIRMED rules carry their 口径 note.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from qingshan.core import clock
from qingshan.core.errors import DomainError, NotFound, ValidationFailed
from qingshan.core.org import BUREAU_ROLES, list_units
from qingshan.ledgers.attachments import size_text
from qingshan.landwaste.ponds import files as pond_files
from qingshan.landwaste.ponds import hazards as pond_hazards
from qingshan.landwaste.ponds.report import ATTRIBUTE_ZH, pond_file, pond_supervision
from qingshan.landwaste.soil.report import CLASS_STYLE, data_version, sample_detail, soil_overview
from qingshan.landwaste.waste import alarm_items, manifests
from qingshan.landwaste.waste.report import balance_failures, generator_ledger, waste_rates
from qingshan.standards import gb15618
from qingshan.standards import tailings_ponds as tp
from qingshan.standards.cn_calendar import add_months
from qingshan.web.deps import AuditCtx, BureauUser, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages import figures
from qingshan.web.pages import landwaste_charts as charts
from qingshan.web.pages.render import render

router = APIRouter()

TABS = (("soil", "土壤", "/soil"), ("waste", "工业固体废物", "/waste"), ("manifests", "危废转移联单", "/waste/manifests"),
        ("ponds", "尾矿库", "/ponds"))
LAND_USE_ZH = {"paddy": "水田", "other": "其他（旱地、菜地等）", "orchard": "果园", "paddy_dry_rotation": "水旱轮作",
               "1": "第一类用地", "2": "第二类用地"}
PROPERTY_ZH = {"I": "第Ⅰ类一般工业固体废物", "II": "第Ⅱ类一般工业固体废物", "hazardous": "危险废物"}
RULE_STATUS_ZH = {"confirmed": "已核对", "UNCONFIRMED": "待确认"}
RECORD_ZH = {"city_check": "市级检查", "operator_inspection": "运营单位排查", "annual_report": "年度报告",
             "discharge_monitoring": "排放监测", "receiving_water": "受纳水体监测"}


#: seconds an overview is reused while the soil data's digest is unchanged (it changes with any edit)
SOIL_TTL = 3600.0


def overview(request: Request, db, survey: str | None):
    """:func:`soil_overview`, reused while :func:`data_version` is unchanged (the same for the API)."""
    key = ("soil_overview", request.app.state.settings.database_url, survey, data_version(db))
    return figures.cached(key, SOIL_TTL, lambda: soil_overview(db, survey_code=survey))


def _names(db) -> dict[str, str]:
    return {u.code: u.name for u in list_units(db)}


def _ctx(user, tab: str, db, **kw) -> dict:
    return {"active": "landwaste", "user": user, "tabs": TABS, "tab": tab, "county_names": _names(db),
            "land_use_zh": LAND_USE_ZH, "property_zh": PROPERTY_ZH, **kw}


def _status_zh(text: str) -> str:
    """「GB 15618—2018（confirmed）」 → 「GB 15618—2018（已核对）」."""
    for word, zh in RULE_STATUS_ZH.items():
        text = text.replace(f"（{word}）", f"（{zh}）")
    return text


def _month(text: str | None, default: date) -> date:
    """``YYYY-MM`` → first day; anything else → ``default`` (a page never fails on a bad link)."""
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        if 1900 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    return default


def _int(text: str | None, lo: int, hi: int) -> int | None:
    try:
        value = int(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and lo <= value <= hi else None


# --- soil -------------------------------------------------------------------------------------


@router.get("/soil")
def soil_page(request: Request, user: InternalUser, db: SessionDep, survey: str | None = None):
    ov = overview(request, db, (survey or "")[:40] or None)
    legend = {k: v for k, v in CLASS_STYLE.items() if any(p.class_key == k for p in ov.points)}
    ctx = _ctx(user, "soil", db, ov=ov, legend=legend, survey=survey or "",
               table_versions=[_status_zh(v) for v in ov.table_versions],
               map_option=charts.point_map(ov.points, CLASS_STYLE, "土壤点位类别（每个点位取最差样品）") if ov.points else None,
               settings=gb15618.Settings())
    return render(request, "landwaste/soil.html", ctx)


@router.get("/soil/samples/{code}")
def sample_page(request: Request, code: str, user: InternalUser, db: SessionDep):
    found = sample_detail(db, code[:60])
    if found is None:
        raise NotFound(f"样品「{code[:60]}」不存在。")
    return render(request, "landwaste/sample.html", _ctx(user, "soil", db, s=found, style=CLASS_STYLE,
                                                           table_status=RULE_STATUS_ZH.get(found.table_status, found.table_status)))


# --- solid waste ------------------------------------------------------------------------------


@router.get("/waste")
def waste_page(request: Request, user: InternalUser, db: SessionDep, first: str | None = None, last: str | None = None):
    # default: this year up to the last complete month (January: last year's whole year)
    last_complete = date(clock.today().year, clock.today().month, 1) - timedelta(days=1)
    start = _month(first, date(last_complete.year, 1, 1))
    end_month = _month(last, date(last_complete.year, last_complete.month, 1))
    if end_month < start:
        end_month = start
    end = add_months(end_month, 1) - timedelta(days=1)
    rep = waste_rates(db, start, end, county_names=_names(db))
    target = rep.city.utilisation_target_pct if rep.city else None
    ctx = _ctx(user, "waste", db, rep=rep, first=f"{start:%Y-%m}", last=f"{end_month:%Y-%m}",
               failures=balance_failures(db, first=start, last=end),
               bar_option=charts.rate_bars(rep.counties, target, f"{rep.label} 各区县综合利用率") if rep.counties else None)
    return render(request, "landwaste/waste.html", ctx)


@router.get("/waste/generators/{uscc}")
def generator_page(request: Request, uscc: str, user: InternalUser, db: SessionDep):
    found = generator_ledger(db, uscc[:18])
    if found is None:
        raise NotFound(f"产废单位「{uscc[:18]}」未登记。")
    return render(request, "landwaste/generator.html", _ctx(user, "waste", db, g=found,
                                                              failures=balance_failures(db, uscc=found.uscc)))


# --- manifests --------------------------------------------------------------------------------


def _manifests(request: Request, user, db, *, msg: str = "", err: str = "", status_code: int = 200):
    today = clock.today()
    rep = manifests.manifest_report(db, today)
    ctx = _ctx(user, "manifests", db, rep=rep, alarm_zh=manifests.ALARM_ZH, msg=msg[:300], err=err[:300],
               can_run=user.role in BUREAU_ROLES)
    return render(request, "landwaste/manifests.html", ctx, status_code=status_code)


@router.get("/waste/manifests")
def manifests_page(request: Request, user: InternalUser, db: SessionDep, msg: str | None = None):
    return _manifests(request, user, db, msg=msg or "")


@router.post("/waste/manifests/alarms")
def manifests_alarms(request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx):
    done = alarm_items.run_alarms(db, ctx, clock.today())
    db.commit()
    msg = (f"已重新计算：新开预警 {len(done.run.opened)} 条，解除 {len(done.run.resolved)} 条；"
           f"自动建立台账事项 {len(done.items_opened)} 项。")
    return RedirectResponse(f"/waste/manifests?{urlencode({'msg': msg})}", status_code=303)


# --- tailings ponds ---------------------------------------------------------------------------


@router.get("/ponds")
def ponds_page(request: Request, user: InternalUser, db: SessionDep, year: str | None = None,
               county: str | None = None, grade: str | None = None):
    today = clock.today()
    y = _int(year, 1900, 2100) or today.year
    g = _int(grade, 1, 3)
    c = county if county and len(county) == 6 and county.isdigit() else None
    rep = pond_supervision(db, y, today, county=c, grade=g)
    ctx = _ctx(user, "ponds", db, rep=rep, year=y, grade=g, county=c or "", grades=tp.GRADE_ZH,
               calendar_option=charts.pond_calendar(rep.calendar, y, f"{y} 年尾矿库监管日历") if rep.ponds else None,
               state_style=charts.STATE_STYLE)
    return render(request, "landwaste/ponds.html", ctx)


def _pond(request: Request, code: str, user, db, settings, *, msg: str = "", err: str = "", status_code: int = 200,
          draft: dict | None = None):
    f = pond_file(db, code[:60], clock.today())
    if f is None:
        raise NotFound(f"尾矿库「{code[:60]}」不存在。")
    pond = pond_hazards.get_pond(db, f.code)
    ctx = _ctx(user, "ponds", db, f=f, attribute_zh=ATTRIBUTE_ZH, record_zh=RECORD_ZH, msg=msg[:300], err=err[:400],
               can_upload=pond_files.may_add(user, pond), can_hazard=user.role in BUREAU_ROLES,
               max_mb=size_text(settings.max_attachment_bytes), draft=draft or {}, quoted=quote(f.code, safe=""),
               settings=tp.Settings())
    return render(request, "landwaste/pond.html", ctx, status_code=status_code)


@router.get("/ponds/{code}")
def pond_page(request: Request, code: str, user: InternalUser, db: SessionDep, settings: Settings,
              msg: str | None = None):
    return _pond(request, code, user, db, settings, msg=msg or "")


def _refused(request: Request, code: str, user, db, settings, exc: DomainError, draft: dict):
    db.rollback()
    audit_refusal(request, exc)
    return _pond(request, code, user, db, settings, err=exc.message, status_code=status_of(exc), draft=draft)


def _back(code: str, msg: str) -> RedirectResponse:
    return RedirectResponse(f"/ponds/{quote(code, safe='')}?{urlencode({'msg': msg})}", status_code=303)


def _form_day(text: str, label: str) -> date | None:
    if not text.strip():
        return None
    try:
        day = clock.parse_date(text)
    except ValueError as exc:
        raise ValidationFailed(f"「{label}」：{exc}") from None
    if not 1900 <= day.year <= 2100:
        raise ValidationFailed(f"「{label}」：年份应在 1900—2100")
    return day


@router.post("/ponds/{code}/files")
async def pond_upload(request: Request, code: str, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                      settings: Settings):
    form = await request.form()
    upload = form.get("file")
    caption = str(form.get("caption") or "")[:200]
    taken = str(form.get("taken_on") or "")[:20]
    name = getattr(upload, "filename", "") or ""
    try:
        if not name:
            raise ValidationFailed("请选择要上传的照片或文件。")
        data = await upload.read(settings.max_attachment_bytes + 1)
        pond_files.add_file(db, ctx, user, code[:60], name, data, home=settings.home,
                            max_bytes=settings.max_attachment_bytes, caption=caption, taken_on=_form_day(taken, "拍摄日期"))
    except DomainError as exc:
        return _refused(request, code, user, db, settings, exc, {"caption": caption, "taken_on": taken})
    return _back(code, f"已上传「{name[:80]}」。")


@router.post("/ponds/{code}/hazards")
async def pond_hazard(request: Request, code: str, user: BureauUser, db: SessionDep, ctx: AuditCtx,
                      settings: Settings):
    form = await request.form()
    draft = {k: str(form.get(k) or "")[:4000] for k in ("title", "grade", "found_on", "deadline", "measures")}
    draft["pre_flood"] = bool(form.get("pre_flood"))
    try:
        item = pond_hazards.open_hazard(
            db, ctx, user, code[:60], title=draft["title"][:300], grade=draft["grade"],
            found_on=_form_day(draft["found_on"], "发现日期"), deadline=_form_day(draft["deadline"], "整治时限"),
            measures=draft["measures"] or None, pre_flood_inspection=draft["pre_flood"])
    except DomainError as exc:
        return _refused(request, code, user, db, settings, exc, draft)
    return _back(code, f"已登记隐患 {item.code}（环境风险隐患台账），整治时限 {item.deadline}。")
