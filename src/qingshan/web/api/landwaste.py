"""Soil, solid waste, hazardous-waste manifests and tailings ponds (净土与风险底线): the JSON API.

Every figure comes from the domain's one report builder — the same the CLI (``qingshan soil``,
``qingshan waste``, ``qingshan ponds``), the pages and the demo print: soil points and samples
(:mod:`qingshan.landwaste.soil.report`), utilisation and disposal rates, balance failures and a
generator's ledger (:mod:`qingshan.landwaste.waste.report`), manifests and their time-limit
alarms (:mod:`qingshan.landwaste.waste.manifests`, :mod:`qingshan.landwaste.waste.alarm_items`),
the ponds' supervision calendar and files (:mod:`qingshan.landwaste.ponds.report`). Reads are
for internal users (bureau, responsible units, leaders); the alarm run and opening a pond hazard
are the bureau's; a pond's photos may be added by the bureau and the pond's county.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from fractions import Fraction
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse

from qingshan.core import clock
from qingshan.core.errors import NotFound, ValidationFailed
from qingshan.landwaste.ponds import files as pond_files
from qingshan.landwaste.ponds import hazards as pond_hazards
from qingshan.landwaste.ponds.report import PondFile, pond_file, pond_supervision
from qingshan.landwaste.soil.report import SoilOverview, sample_detail
from qingshan.landwaste.waste import alarm_items, manifests
from qingshan.landwaste.waste.report import RateRow, RatesReport, balance_failures, generator_ledger, waste_rates
from qingshan.standards.cn_calendar import add_months
from qingshan.web.api.landwaste_schemas import (
    AlarmRunOut,
    BalanceFailuresOut,
    CreatedItemOut,
    GeneratorLedgerOut,
    ManifestReportOut,
    PondFileItem,
    PondFileOut,
    PondHazardIn,
    PondSupervisionOut,
    RatesOut,
    SampleDetailOut,
    SoilOverviewOut,
)
from qingshan.web.deps import AuditCtx, BureauUser, CurrentUser, InternalUser, SessionDep, Settings
from qingshan.web.pages.landwaste import overview

router = APIRouter(prefix="/api/landwaste", tags=["净土与风险底线 landwaste"])

Code = Annotated[str, Path(min_length=1, max_length=60, description="编号")]
Uscc = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{18}$", description="统一社会信用代码（18 位）")]
FileId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{1,2}$", description="月份 YYYY-MM")]


# --- parameters -------------------------------------------------------------------------------


def month_start(text: str, label: str) -> date:
    """``YYYY-MM`` → its first day; a Chinese 422 for an impossible month or year."""
    year, month = (int(x) for x in text.split("-"))
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationFailed(f"「{label}」：{text} 不是有效月份（年份 1900—2100，月份 1—12）",
                               errors=[{"field": label, "message": "应为 YYYY-MM"}])
    return date(year, month, 1)


def period(first: str | None, last: str | None) -> tuple[date, date]:
    """The months ``first``…``last`` (default: this year's January to the current month)."""
    today = clock.today()
    start = month_start(first, "first") if first else date(today.year, 1, 1)
    end = add_months(month_start(last, "last"), 1) - timedelta(days=1) if last else \
        add_months(date(today.year, today.month, 1), 1) - timedelta(days=1)
    if start > end:
        raise ValidationFailed(f"「first」：起始月份 {start:%Y-%m} 晚于截止月份 {end:%Y-%m}",
                               errors=[{"field": "first", "message": "起始月份晚于截止月份"}])
    return start, end


def check_day(day: date | None, label: str = "day") -> date:
    if day is None:
        return clock.today()
    if not 1900 <= day.year <= 2100:
        raise ValidationFailed(f"「{label}」：日期 {day} 超出范围（1900—2100 年）",
                               errors=[{"field": label, "message": "年份应在 1900—2100"}])
    return day


# --- conversions (report dataclasses → response bodies) ---------------------------------------


def fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def overview_out(ov: SoilOverview) -> dict:
    return {"survey": ov.survey, "points": ov.points, "plots": ov.plots, "counts_by_county": ov.counts_by_county,
            "table_versions": list(ov.table_versions), "incomplete_samples": ov.incomplete_samples, "demo": ov.demo,
            "legend": [{"key": k, "label": label, "colour": colour} for k, (label, colour) in ov.legend.items()]}


def rate_out(row: RateRow) -> dict:
    out = asdict(row)
    out["utilisation_exact"] = fraction_text(out.pop("utilisation_rate"))
    out["disposal_exact"] = fraction_text(out.pop("disposal_rate"))
    return out


def rates_out(rep: RatesReport) -> dict:
    return {"first": rep.first, "last": rep.last, "label": rep.label, "comparison": rep.comparison,
            "city": rate_out(rep.city) if rep.city else None, "counties": [rate_out(r) for r in rep.counties],
            "enterprises": [rate_out(r) for r in rep.enterprises], "notes": list(rep.notes)}


def file_item(code: str, f: pond_files.FileOut) -> dict:
    return asdict(f) | {"url": f"/api/landwaste/ponds/{quote(code, safe='')}/files/{f.id}"}


def hazard_item(h: pond_hazards.PondHazard) -> dict:
    return asdict(h) | {"url": f"/ledgers/{h.id}"}


def pond_file_out(f: PondFile) -> dict:
    return {**{k: getattr(f, k) for k in ("code", "attributes", "grades", "responsible", "records", "monitoring",
                                          "leachate_may_end_after", "groundwater_may_end_after", "review_required",
                                          "review_reasons", "status", "demo")},
            "attachments": [file_item(f.code, a) for a in f.attachments],
            "hazards": [hazard_item(h) for h in f.hazards]}


# --- soil -------------------------------------------------------------------------------------


@router.get("/soil/overview", response_model=SoilOverviewOut,
            summary="土壤点位（按类别着色）、地块结论与区县分类统计（GB 15618—2018 / GB 36600—2018）")
def soil(request: Request, user: InternalUser, db: SessionDep,
         survey: Annotated[str | None, Query(max_length=40, description="调查编号")] = None) -> dict:
    return overview_out(overview(request, db, survey or None))


@router.get("/soil/samples/{code}", response_model=SampleDetailOut,
            summary="一个样品的逐项结果：含量、筛选值、管制值、类别、单因子指数与超标倍数")
def soil_sample(code: Code, user: InternalUser, db: SessionDep):
    found = sample_detail(db, code)
    if found is None:
        raise NotFound(f"样品「{code}」不存在。")
    return found


# --- solid waste ------------------------------------------------------------------------------


@router.get("/waste/rates", response_model=RatesOut,
            summary="一般工业固体废物综合利用率、处置率（全市、区县、企业；先汇总后计算，soil-waste.md §4.3）")
def rates(user: InternalUser, db: SessionDep, first: Month = None, last: Month = None) -> dict:
    start, end = period(first, last)
    return rates_out(waste_rates(db, start, end))


@router.get("/waste/balance-failures", response_model=BalanceFailuresOut,
            summary="平衡校验未通过的月度台账与期初库存不衔接的记录")
def failures(user: InternalUser, db: SessionDep,
             uscc: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z]{18}$")] = None,
             first: Month = None, last: Month = None) -> dict:
    start = month_start(first, "first") if first else None
    end = add_months(month_start(last, "last"), 1) - timedelta(days=1) if last else None
    rows = balance_failures(db, uscc=uscc, first=start, last=end)
    return {"failures": rows, "count": len(rows)}


@router.get("/waste/generators/{uscc}", response_model=GeneratorLedgerOut, summary="一家产废单位的月度台账与去向")
def generator(uscc: Uscc, user: InternalUser, db: SessionDep, first: Month = None, last: Month = None):
    start = month_start(first, "first") if first else None
    end = add_months(month_start(last, "last"), 1) - timedelta(days=1) if last else None
    found = generator_ledger(db, uscc, first=start, last=end)
    if found is None:
        raise NotFound(f"产废单位「{uscc}」未登记。")
    return found


@router.get("/waste/manifests", response_model=ManifestReportOut,
            summary="危险废物转移联单：在途、逾期（接收确认 5 个工作日、纸质补录 10 个工作日）、数量差异")
def manifest_list(user: InternalUser, db: SessionDep,
                  day: Annotated[date | None, Query(description="日期（默认今天）")] = None):
    return manifests.manifest_report(db, check_day(day))


@router.post("/waste/manifests/alarms", response_model=AlarmRunOut,
             summary="重新计算联单时限预警；逾期联单自动在环境风险隐患台账建立事项（每张联单一项，系统建立）")
def run_alarms(user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    today = clock.today()
    done = alarm_items.run_alarms(db, ctx, today)
    db.commit()
    run = done.run
    return {"today": today, "opened": list(run.opened), "resolved": list(run.resolved), "open_total": run.open_total,
            "calendar_version": run.calendar_version, "items_opened": list(done.items_opened),
            "items_linked": list(done.items_linked)}


# --- tailings ponds ---------------------------------------------------------------------------


@router.get("/ponds", response_model=PondSupervisionOut,
            summary="尾矿库分级监管：按等级、区县列表，年度监管日历，逾期事项（部令第26号；soil-waste.md §6.3）")
def ponds(user: InternalUser, db: SessionDep,
          year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
          county: Annotated[str | None, Query(pattern=r"^\d{6}$", description="区县代码")] = None,
          grade: Annotated[int | None, Query(ge=1, le=3, description="等级 1—3")] = None):
    today = clock.today()
    rep = pond_supervision(db, year or today.year, today, county=county, grade=grade)
    return {**{k: getattr(rep, k) for k in ("year", "today", "ponds", "by_grade", "by_county", "calendar", "notes")},
            "overdue": [{"pond": c, "name": n, "county_code": k, "obligation": v} for c, n, k, v in rep.overdue]}


@router.get("/ponds/{code}", response_model=PondFileOut, summary="一座尾矿库的档案（一库一档）：属性、分级、记录、隐患、照片")
def pond(code: Code, user: InternalUser, db: SessionDep) -> dict:
    found = pond_file(db, code, clock.today())
    if found is None:
        raise NotFound(f"尾矿库「{code}」不存在。")
    return pond_file_out(found)


@router.post("/ponds/{code}/hazards", response_model=CreatedItemOut, status_code=201,
             summary="登记尾矿库污染隐患（进入环境风险隐患台账；销号须具备 §6.6 佐证）")
def add_hazard(code: Code, body: PondHazardIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    found = check_day(body.found_on, "found_on") if body.found_on else None
    deadline = check_day(body.deadline, "deadline") if body.deadline else None
    item = pond_hazards.open_hazard(db, ctx, user, code, title=body.title, grade=body.grade, found_on=found,
                                    deadline=deadline, measures=body.measures,
                                    pre_flood_inspection=body.pre_flood_inspection)
    return {"id": item.id, "code": item.code, "title": item.title, "status": item.status, "deadline": item.deadline,
            "url": f"/ledgers/{item.id}"}


@router.post("/ponds/{code}/files", response_model=PondFileItem, status_code=201,
             summary="上传尾矿库档案照片或文件（PDF、PNG、JPEG、Word、Excel；按内容识别类型）")
async def add_file(code: Code, user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                   file: UploadFile = File(...),
                   caption: Annotated[str, Form(max_length=200)] = "",
                   taken_on: Annotated[str, Form(max_length=20, description="拍摄日期 YYYY-MM-DD")] = "") -> dict:
    pond_hazards.get_pond(db, code)  # 404 before reading the upload
    day = None
    if taken_on.strip():
        try:
            day = check_day(clock.parse_date(taken_on), "taken_on")
        except ValueError as exc:
            raise ValidationFailed(f"「拍摄日期」：{exc}", errors=[{"field": "taken_on", "message": str(exc)}]) from None
    data = await file.read(settings.max_attachment_bytes + 1)
    row = pond_files.add_file(db, ctx, user, code, file.filename or "", data, home=settings.home,
                              max_bytes=settings.max_attachment_bytes, caption=caption, taken_on=day)
    return file_item(code, pond_files.file_out(row))


@router.get("/ponds/{code}/files/{file_id}", summary="下载尾矿库档案材料（仅限内部用户）")
def get_file(code: Code, file_id: FileId, user: CurrentUser, db: SessionDep, settings: Settings) -> FileResponse:
    a, path = pond_files.get_file(db, user, code, file_id, home=settings.home)
    return FileResponse(
        path, media_type=a.content_type,
        headers={"Content-Disposition": f"attachment; filename=\"file\"; filename*=UTF-8''{quote(a.filename)}",
                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
