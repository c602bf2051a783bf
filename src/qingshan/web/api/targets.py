"""Targets endpoints: units and their station lists, annual targets, manual inputs (read by every
internal role, changed by the admin, audited), the Excel workbook in and out, and the tracking
report of the leader view (assessment-bulletin.md §0, §3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qingshan.core.errors import TooLarge, ValidationFailed
from qingshan.core.results import Result
from qingshan.targets import service
from qingshan.targets.indicators import DUST_RULES, INDICATORS, MANUAL_KINDS, PERIODS
from qingshan.targets.store import TargetStore, row_dict
from qingshan.targets.tracking import to_json_dict
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.pages import assess_data

router = APIRouter(prefix="/api/targets", tags=["目标 targets"])

# Values are checked by the targets store, whose messages are Chinese (a pattern here would
# answer in pydantic's English); only lengths and number bounds are declared.
Year = Annotated[int, Path(ge=1900, le=2100, description="年度")]
UnitCode = Annotated[str, Path(max_length=12, description="单位代码（6 位 GB/T 2260 代码）")]
MonthText = Annotated[str, Path(max_length=7, description="月份 YYYY-MM")]
Indicator = Annotated[str, Path(max_length=32, description="指标：" + "、".join(INDICATORS))]
Decimal = Field(max_length=32, description="十进制数（文本，按原样保存）")
MAX_UPLOAD = 5 * 1024 * 1024


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    display_order: int
    valid_from: date
    valid_to: date | None
    demo: bool
    stations: list[str] = []


class TargetOut(BaseModel):
    year: int
    unit_code: str
    indicator: str
    indicator_label: str
    direction: str
    value: str
    decimals: int
    dust_rule: str
    base_value: str | None
    source_doc: str
    demo: bool


class ManualOut(BaseModel):
    month: str
    kind: str
    kind_label: str
    unit_code: str
    period: str
    indicator: str
    value: str
    doc_no: str
    doc_date: date
    note: str | None
    demo: bool


class ChangeOut(BaseModel):
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: bool


class TargetIn(BaseModel):
    value: str = Decimal
    source_doc: str = Field(min_length=1, max_length=500, description="依据文件（文号）")
    base_value: str | None = Field(None, max_length=32, description="上年值（序时进度用）")
    dust_rule: str = Field("none", max_length=20, description="扣沙规则：" + "、".join(DUST_RULES))
    direction: str | None = Field(None, max_length=2, description="le（不高于）或 ge（不低于）；默认按指标")
    decimals: int | None = Field(None, ge=0, le=6)


class ManualIn(BaseModel):
    kind: str = Field(max_length=32, description="类别：" + "、".join(MANUAL_KINDS))
    unit_code: str = Field(max_length=12)
    period: str = Field(max_length=8, description="month（当月）或 ytd（1—M月）")
    indicator: str = Field(min_length=1, max_length=32)
    value: str = Decimal
    doc_no: str = Field(min_length=1, max_length=128)
    doc_date: date
    note: str | None = Field(None, max_length=2000)


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field(max_length=8, description="市、区、县或开发区")
    display_order: int = Field(ge=-1000, le=1000)
    valid_from: date
    valid_to: date | None = None


class StationsIn(BaseModel):
    stations: list[str] = Field(max_length=200, description="站点代码")
    valid_from: date


class ImportSummaryOut(BaseModel):
    file: str
    units: int
    station_lists: int
    section_lists: int
    targets: int
    manual_inputs: int
    changed: int


class StatusOut(BaseModel):
    """The tracking report (``qingshan targets status --format json``), or why there is none."""

    available: bool
    reason: str = ""
    report: dict[str, Any] | None = None


def _store(settings, db) -> TargetStore:
    """The targets store on the application's engine (its pool; not disposed by ``close``)."""
    return TargetStore(settings.database_url, auto_migrate=False, engine=db.get_bind())


@router.get("/meta", summary="指标、扣沙规则、手工录入类别（数据）")
def meta(user: InternalUser) -> dict[str, dict[str, str]]:
    return {"indicators": {k: v.label for k, v in INDICATORS.items()}, "dust_rules": DUST_RULES,
            "manual_kinds": MANUAL_KINDS, "periods": PERIODS}


@router.get("/units", response_model=list[UnitOut], summary="考核单位及其在某日有效的站点名单")
def units(user: InternalUser, settings: Settings, db: SessionDep,
          on: date | None = Query(None, description="日期（默认昨天）")) -> list[dict]:
    on = on or assess_data.data_end()
    if not date(1900, 1, 1) <= on <= date(2100, 12, 31):
        raise ValidationFailed("日期应在 1900—2100 年之间")
    st = _store(settings, db)
    try:
        lists = st.unit_stations(on)
        return [row_dict(u) | {"stations": lists.get(u.code, [])} for u in st.units(on)]
    finally:
        st.close()


@router.put("/units/{code}", response_model=ChangeOut, summary="修改考核单位（管理员，审计）")
def put_unit(body: UnitIn, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
             code: UnitCode) -> dict:
    out = service.set_unit(db, ctx, user, code, body.name, body.kind, body.display_order, body.valid_from, body.valid_to)
    assess_data.changed(settings.database_url)
    return out


@router.put("/units/{code}/stations", response_model=ChangeOut,
            summary="设置单位的站点名单（自某日起生效；管理员，审计）")
def put_stations(body: StationsIn, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                 code: UnitCode) -> dict:
    out = service.set_unit_stations(db, ctx, user, code, body.stations, body.valid_from)
    assess_data.changed(settings.database_url)
    return out


@router.get("/{year}", response_model=list[TargetOut], summary="某年度的年度目标")
def targets(user: InternalUser, settings: Settings, db: SessionDep, year: Year) -> list[dict]:
    st = _store(settings, db)
    try:
        return [row_dict(t) | {"indicator_label": INDICATORS[t.indicator].label} for t in st.targets(year)]
    finally:
        st.close()


@router.put("/{year}/{unit_code}/{indicator}", response_model=ChangeOut, summary="设置一项年度目标（管理员，审计）")
def put_target(body: TargetIn, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
               indicator: Indicator, year: Year, unit_code: UnitCode) -> dict:
    out = service.set_target(db, ctx, user, year, unit_code, indicator, body.value, body.source_doc,
                             direction=body.direction, decimals=body.decimals, dust_rule=body.dust_rule,
                             base_value=body.base_value)
    assess_data.changed(settings.database_url)
    return out


@router.delete("/{year}/{unit_code}/{indicator}", response_model=ChangeOut, summary="删除一项年度目标（管理员，审计）")
def delete_target(user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings, indicator: Indicator,
                  year: Year, unit_code: UnitCode) -> dict:
    out = service.delete_target(db, ctx, user, year, unit_code, indicator)
    assess_data.changed(settings.database_url)
    return out


@router.get("/manual/{month}", response_model=list[ManualOut], summary="某月的手工录入（省级排名、金额、区域均值）")
def manual(user: InternalUser, settings: Settings, db: SessionDep,
           month: MonthText) -> list[dict]:
    st = _store(settings, db)
    try:
        return [row_dict(m) | {"kind_label": MANUAL_KINDS[m.kind]} for m in st.manual_inputs(month)]
    finally:
        st.close()


@router.put("/manual/{month}", response_model=ChangeOut, summary="设置一项手工录入（管理员，审计）")
def put_manual(body: ManualIn, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
               month: MonthText) -> dict:
    out = service.set_manual_input(db, ctx, user, month, body.kind, body.unit_code, body.period, body.indicator,
                                   body.value, body.doc_no, body.doc_date, body.note)
    assess_data.changed(settings.database_url)
    return out


@router.post("/import", response_model=ImportSummaryOut, summary="导入目标工作簿（.xlsx；整个文件要么全部导入，要么不导入）")
async def import_xlsx(user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                      file: UploadFile = File(...)) -> dict:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise TooLarge(f"文件超过上限 {MAX_UPLOAD // 1024 // 1024} MB，未导入任何数据。")
    s = service.import_upload(db, ctx, user, content, (file.filename or "上传的文件.xlsx")[:200])
    assess_data.changed(settings.database_url)
    return {"file": s.file, "units": s.units, "station_lists": s.station_lists, "section_lists": s.section_lists,
            "targets": s.targets, "manual_inputs": s.manual_inputs, "changed": s.changed}


@router.get("/export/{year}", summary="下载目标工作簿（.xlsx，可修改后再导入）",
            response_class=Response, responses={200: {"content": {"application/vnd.openxmlformats-officedocument"
                                                                    ".spreadsheetml.sheet": {}}}})
def export_xlsx(user: InternalUser, db: SessionDep, year: Year) -> Response:
    data = service.export(db, user, year)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="targets-{year}.xlsx"'})


@router.get("/status/{day}", response_model=StatusOut,
            summary="目标跟踪：年剩余日控制值、优良与重污染天数余量、可达性、逐月趋势（领导视图的数据）")
def status(user: InternalUser, settings: Settings, day: date) -> dict:
    if not date(2000, 1, 1) <= day <= assess_data.data_end():
        raise ValidationFailed(f"数据截止日期应在 2000-01-01 至 {assess_data.data_end()} 之间")
    rep = assess_data.status(settings.database_url, day, wait=True)
    if isinstance(rep, Result):
        return {"available": False, "reason": rep.reason}
    return {"available": True, "report": to_json_dict(rep)}
