"""Surface-water JSON API: the report (the same builder as ``qingshan water report`` and the
pages), the section registry (read; edit, targets and CSV/Excel import by the bureau, audited),
a section's monthly series against the class limits, the month × section class grid, the
rectification action, the HJ 212 automatic stations (device MN ↔ section links, edited by the
bureau, audited; the sync of their values into the water store), and the public panel of the portal.

Figures are published texts (water.md §8, §9: CWQI 4 decimals, ΔCWQI 2, shares 1); exact values
are given as rational texts (``"2749/300"``) next to them where the report keeps them. Every
response that contains evaluated figures carries ``rules_version`` and ``rules_status``
(``UNCONFIRMED`` when an UNCONFIRMED rule table took part) and ``demo`` (synthetic data).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from qingshan.core.errors import TooLarge, ValidationFailed
from qingshan.standards.gb3838 import class_label
from qingshan.water import queries, service
from qingshan.water.rectification import open_rectification
from qingshan.water.report import WaterReport
from qingshan.water.stations import list_links
from qingshan.web.deps import AuditCtx, BureauUser, InternalUser, SessionDep, Settings
from qingshan.web.pages import water_data
from qingshan.web.water_ledger import LedgerAdapter

router = APIRouter(prefix="/api/water", tags=["地表水 water"])

Code = Annotated[str, Path(min_length=1, max_length=32, pattern=water_data.CODE_PATTERN, description="断面编码")]
Year = Annotated[int, Query(ge=1900, le=2100, description="年份")]
MonthTo = Annotated[int, Query(ge=1, le=12, description="月份：1—N月累计的 N，或单月")]
Scope = Annotated[Literal["ytd", "month"], Query(description="ytd：1—N月累计；month：单月")]
# No pattern here: the MN rule and its Chinese message are water.stations.check_mn's (via the
# service), so a malformed MN gets that message; the length only bounds what is echoed back.
MN = Annotated[str, Path(min_length=1, max_length=64, description="设备 MN（HJ 212 表 3：24 位十六进制）")]
# Bounded so that "to + 1 day" and the timestamp columns of both backends never overflow.
Day = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]


# --- models --------------------------------------------------------------------------------------


class SectionOut(BaseModel):
    code: str
    name: str
    river: str | None = None
    basin: str | None = None
    water_system: str | None = None
    water_body: str
    water_body_label: str
    county_code: str | None = None
    control_level: str | None = None
    lon: float | None = None
    lat: float | None = None
    responsible_unit: str | None = None
    seq: int | None = None
    downstream_code: str | None = None
    active: bool
    demo: bool
    notes: str | None = None
    target_class: int | None = Field(None, description="所查年份的目标类别（1—6，6=劣Ⅴ）")
    target_label: str = ""


class SectionIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    river: str | None = Field(None, max_length=64)
    basin: str | None = Field(None, max_length=64)
    water_system: str | None = Field(None, max_length=64)
    water_body: Literal["river", "lake", "reservoir"] = "river"
    county_code: str | None = Field(None, pattern=r"^\d{6}$")
    control_level: Literal["国考", "省考", "市考"] | None = None
    lon: float | None = Field(None, ge=73, le=136)
    lat: float | None = Field(None, ge=3, le=54)
    responsible_unit: str | None = Field(None, max_length=128)
    seq: int | None = Field(None, ge=0, le=100000)
    downstream_code: str | None = Field(None, max_length=32)
    active: bool = True
    demo: bool = False
    notes: str | None = Field(None, max_length=2000)


class SectionPatch(BaseModel):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=128)
    river: str | None = Field(None, max_length=64)
    basin: str | None = Field(None, max_length=64)
    water_system: str | None = Field(None, max_length=64)
    water_body: Literal["river", "lake", "reservoir"] | None = None
    county_code: str | None = Field(None, pattern=r"^\d{6}$")
    control_level: Literal["国考", "省考", "市考"] | None = None
    lon: float | None = Field(None, ge=73, le=136)
    lat: float | None = Field(None, ge=3, le=54)
    responsible_unit: str | None = Field(None, max_length=128)
    seq: int | None = Field(None, ge=0, le=100000)
    downstream_code: str | None = Field(None, max_length=32)
    active: bool | None = None
    demo: bool | None = None
    notes: str | None = Field(None, max_length=2000)


class TargetIn(BaseModel):
    target_class: int | str = Field(description="目标类别：1—6，或 Ⅰ…Ⅴ、劣Ⅴ、III")


class TargetOut(BaseModel):
    code: str
    year: int
    target_class: int
    target_label: str


class RectificationOut(BaseModel):
    id: int
    section_code: str
    period_start: date
    period_end: date = Field(description="时段结束（不含）")
    period: str
    reason: str
    ledger_item_id: int | None
    ledger_item_code: str | None
    created_by: str | None
    created_at: datetime


class SectionDetailOut(BaseModel):
    section: SectionOut
    targets: list[TargetOut]
    rectifications: list[RectificationOut]


class RowErrorOut(BaseModel):
    file: str
    row: int | None
    field: str | None
    reason: str


class SectionImportOut(BaseModel):
    file: str
    rows_read: int
    added: int
    updated: int
    targets_set: int
    errors: list[RowErrorOut]


class RectifyIn(BaseModel):
    year: int = Field(ge=1900, le=2100)
    month: int = Field(ge=1, le=12, description="1—N月的 N，或单月")
    scope: Literal["ytd", "month"] = "ytd"
    deadline: date | None = Field(None, description="整改时限（可选）")


class SeriesItemOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    evaluated: bool = Field(description="是否参与类别评价（21 项）；总氮、粪大肠菌群、水温单列")
    limits: list[str] = Field(description="GB 3838—2002 表1 Ⅰ—Ⅴ类限值（pH 为 6、9）")
    values: list[str | None] = Field(description="逐月评价值（精确均值按规定位数修约一次）")
    classes: list[int | None]


class SeriesMonthOut(BaseModel):
    month: date
    class_: int | None = Field(None, alias="class")
    class_label: str
    status: str | None
    target_class: int | None
    attained: bool | None
    main_pollutants_label: str
    partial: bool
    limit_tie: bool


class SeriesOut(BaseModel):
    code: str
    year: int
    water_body: str
    months: list[SeriesMonthOut]
    items: list[SeriesItemOut]
    rules_version: str
    rules_status: str
    demo: bool


class GridRowOut(BaseModel):
    code: str
    name: str
    river: str | None
    county_code: str | None
    county_name: str
    control_level: str | None
    demo: bool
    classes: list[int | None]
    attained: list[bool | None]


class GridOut(BaseModel):
    year: int
    months: list[str]
    rows: list[GridRowOut]
    rules_version: str
    rules_status: str
    demo: bool


class ReportSectionOut(BaseModel):
    code: str
    name: str
    river: str | None
    county_code: str | None
    county_name: str | None
    control_level: str | None
    water_body: str
    demo: bool
    class_: int | None = Field(alias="class")
    class_label: str
    status: str | None
    colour: str | None
    target_class: int | None
    target_label: str
    attained: bool | None
    main_pollutants: list[str]
    main_pollutants_label: str
    partial: bool
    n_evaluated: int
    limit_tie: bool
    tn_class: int | None
    fc_class: int | None
    cwqi: str | None = Field(description="精确值（分数）")
    cwqi_text: str
    cwqi_missing: list[str]
    previous_class: int | None
    previous_label: str
    change: str


class UnitIndexOut(BaseModel):
    unit: str
    name: str
    n_sections: int
    cwqi: str | None
    cwqi_text: str
    rank: int | None
    base: str | None
    base_text: str
    delta: str | None
    delta_text: str
    change_rank: int | None
    excluded_from_change: bool
    note: str


class FiguresOut(BaseModel):
    scope: str
    n_sections: int
    n_good: int
    good_share: str | None
    good_share_text: str
    n_worse_than_v: int
    worse_share: str | None
    worse_share_text: str
    n_with_target: int
    n_attained: int
    attain_share: str | None
    attain_share_text: str


class RiverOut(BaseModel):
    name: str
    water_body: str
    n_sections: int
    method: str
    class_: int | None = Field(alias="class")
    class_label: str
    status: str
    colour: str
    g_share_text: str
    d_share_text: str
    main_indicators: str
    tn_class_label: str
    tli_text: str
    trophic_state: str
    partial: bool


class WaterReportOut(BaseModel):
    period: str
    start: date
    end: date = Field(description="时段结束（不含）")
    kind: str
    previous_period: str
    rules_version: str
    rules_status: str
    sections: list[ReportSectionOut]
    rivers: list[RiverOut]
    counties: list[UnitIndexOut]
    city: UnitIndexOut
    worse_than_v: list[ReportSectionOut]
    figures: list[FiguresOut]
    previous_figures: list[FiguresOut]
    excluded_values: dict[str, int]
    demo: bool
    notes: list[str]


class PublicSectionOut(BaseModel):
    name: str
    river: str | None
    county_name: str | None
    class_: int | None = Field(alias="class")
    class_label: str
    status: str | None
    colour: str | None
    main_pollutants_label: str
    demo: bool


class PublicWaterOut(BaseModel):
    period: str | None
    sections: list[PublicSectionOut]
    good_share_text: str | None
    n_worse_than_v: int | None
    rules_status: str | None
    demo: bool
    reason: str


class StationOut(BaseModel):
    mn: str
    section_code: str
    codes: dict[str, str] = Field(description="项目 → 该站上报所用的因子编码（hj212.md §12.3）")
    units: dict[str, str] = Field(description="因子编码 → 该站上报单位（与因子表默认单位不同时）")
    active: bool = Field(description="false：已解除关联（记录保留）")
    valid_from: datetime | None = Field(None, description="有效期开始（含）")
    valid_to: datetime | None = Field(None, description="有效期结束（不含）")


class StationIn(BaseModel):
    section_code: str = Field(min_length=1, max_length=32, pattern=water_data.CODE_PATTERN, description="断面编码（须已登记）")
    codes: dict[str, str] = Field(default_factory=dict, max_length=40, description="项目 → 因子编码，如 {\"as\": \"w20141\"}")
    units: dict[str, str] = Field(default_factory=dict, max_length=40, description="因子编码 → 单位，如 {\"w20141\": \"μg/L\"}")
    valid_from: Day | None = Field(None, description="有效期开始日期（含）")
    valid_to: Day | None = Field(None, description="有效期结束日期（不含）")


class SyncIn(BaseModel):
    from_: Day = Field(alias="from", description="开始日期")
    to: Day = Field(description="结束日期（含当日）")
    cn: Literal["2061", "2031"] = Field("2061", description="2061 小时数据；2031 日数据")


class SyncNoteOut(BaseModel):
    mn: str
    factor: str | None
    count: int
    reason: str


class SyncOut(BaseModel):
    start: str
    end: str = Field(description="时段结束（不含）")
    cn: str
    devices: int = Field(description="已关联（有效）的设备数")
    values_read: int
    values_outside_validity: int
    observations: int = Field(description="映射得到的观测值个数")
    observations_written: int
    observations_new: int
    observations_rejected: int
    batch_id: int | None
    notes: list[SyncNoteOut] = Field(description="未导入或按默认处理的说明（中文）")


def _day_start(d: date | None) -> datetime | None:
    return None if d is None else datetime(d.year, d.month, d.day)


def _report_dict(rep: WaterReport) -> dict:
    d = rep.to_dict()

    def sec(r: dict) -> dict:
        return r | {"class": r.pop("class_")}

    d["sections"] = [sec(r) for r in d["sections"]]
    d["worse_than_v"] = [sec(r) for r in d["worse_than_v"]]
    d["rivers"] = [sec(r) for r in d["rivers"]]
    return d


# --- routes --------------------------------------------------------------------------------------


def _store(request: Request):
    return water_data.store_for(request.app.state.settings.database_url)


@router.get("/report", response_model=WaterReportOut, response_model_by_alias=True,
            summary="地表水评价报告：断面类别、目标与达标、主要污染指标、区县与全市 CWQI、劣Ⅴ类断面（与 qingshan water report、页面同一报告）")
def report(request: Request, user: InternalUser, year: Year, month: MonthTo, scope: Scope = "ytd") -> dict:
    _, _, start, end = water_data.period(year, month, scope)
    return _report_dict(water_data.report_now(request.app.state.settings.database_url, start, end,
                                              water_data.is_cumulative(scope, month)))


@router.get("/sections", response_model=list[SectionOut], summary="已登记的断面（含所查年份的目标类别）")
def sections(request: Request, user: InternalUser, year: Annotated[int | None, Query(ge=1900, le=2100)] = None) -> list[dict]:
    return queries.sections(_store(request), year)


@router.post("/sections", response_model=SectionOut, status_code=201, summary="登记断面（市生态环境局；记入审计）")
def add_section(request: Request, body: SectionIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    after = service.add_section(db, ctx, user, body.model_dump())
    water_data.changed()
    return _section_out(request, after["code"])


def _section_out(request: Request, code: str) -> dict:
    d = queries.section_detail(_store(request), code)["section"]
    return d | {"target_class": None, "target_label": ""}


@router.get("/sections/{code}", response_model=SectionDetailOut, summary="断面详情：字段、历年目标、整改事项")
def section(request: Request, code: Code, user: InternalUser) -> dict:
    d = queries.section_detail(_store(request), code)
    d["section"] = d["section"] | {"target_class": None, "target_label": ""}
    d["targets"] = [t | {"code": code} for t in d["targets"]]
    return d


@router.patch("/sections/{code}", response_model=SectionOut, summary="修改断面字段（市生态环境局；审计记录修改前后）")
def update_section(request: Request, code: Code, body: SectionPatch, user: BureauUser, db: SessionDep,
                   ctx: AuditCtx) -> dict:
    after = service.update_section(db, ctx, user, code, body.model_dump(exclude_unset=True))
    water_data.changed()
    return _section_out(request, after["code"])


@router.put("/sections/{code}/targets/{year}", response_model=TargetOut, summary="设置断面某年的目标类别（市生态环境局；记入审计）")
def set_target(code: Code, year: Annotated[int, Path(ge=1900, le=2100)], body: TargetIn, user: BureauUser,
               db: SessionDep, ctx: AuditCtx) -> dict:
    after = service.set_target(db, ctx, user, code, year, body.target_class)
    water_data.changed()
    return after | {"target_label": class_label(after["target_class"])}


@router.post("/sections/import", response_model=SectionImportOut,
             summary="从 CSV（UTF-8/GBK）或 Excel 导入断面登记：逐行校验，错误行给出中文原因，其余行导入（记入审计）")
async def import_sections(user: BureauUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                          file: UploadFile = File(..., description="CSV 或 .xlsx 文件")) -> dict:
    data = await file.read(settings.max_attachment_bytes + 1)
    if len(data) > settings.max_attachment_bytes:
        raise TooLarge(f"文件过大：上限 {settings.max_attachment_bytes // (1024 * 1024) or 1} MB。")
    res = service.import_sections(db, ctx, user, file.filename or "未命名", data)
    water_data.changed()
    return {"file": res.file, "rows_read": res.rows_read, "added": res.added, "updated": res.updated,
            "targets_set": res.targets_set, "errors": [e.as_dict() for e in res.errors]}


@router.get("/sections/{code}/series", response_model=SeriesOut, response_model_by_alias=True,
            summary="断面逐月评价值与各项目的 GB 3838 类别限值")
def series(request: Request, code: Code, user: InternalUser, year: Year,
           month: Annotated[int, Query(ge=1, le=12)] = 12) -> dict:
    return queries.section_series(_store(request), code, year, month)


@router.get("/grid", response_model=GridOut, summary="逐月 × 断面水质类别")
def grid(request: Request, user: InternalUser, year: Year, month: Annotated[int, Query(ge=1, le=12)] = 12) -> dict:
    return queries.class_grid(_store(request), year, month,
                              county_names=water_data.county_names(request.app.state.settings.database_url))


@router.get("/rectifications", response_model=list[RectificationOut], summary="从地表水页面发起的整改事项")
def rectifications(request: Request, user: InternalUser) -> list[dict]:
    return queries.rectifications(_store(request))


@router.post("/sections/{code}/rectifications", response_model=RectificationOut, status_code=201,
             responses={200: {"description": "该断面本时段的整改事项已存在（未重复创建）", "model": RectificationOut}},
             summary="断面劣Ⅴ类或未达目标时，在台账中创建整改事项并附佐证（每个断面每个时段一个；市生态环境局）")
def rectify(request: Request, response: Response, code: Code, body: RectifyIn, user: BureauUser, db: SessionDep,
            ctx: AuditCtx, settings: Settings) -> dict:
    _, _, start, end = water_data.period(body.year, body.month, body.scope)
    opened = open_rectification(db, ctx, user, _store(request), code, start, end,
                                ledger=LedgerAdapter(settings.home, settings.max_attachment_bytes),
                                deadline=body.deadline, cumulative=water_data.is_cumulative(body.scope, body.month))
    if not opened.created:
        response.status_code = 200
    return opened.rectification


@router.get("/stations", response_model=list[StationOut], summary="自动站设备（HJ 212 MN）与断面的关联（含已解除的）")
def stations(user: InternalUser, db: SessionDep) -> list[dict]:
    return list_links(db)


@router.put("/stations/{mn}", response_model=StationOut,
            summary="关联自动站设备与断面：断面编码、项目因子编码、单位、有效期；已关联的 MN 改为新的关联（市生态环境局；记入审计）")
def link_station(mn: MN, body: StationIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return service.link_station(db, ctx, user, mn, body.section_code, codes=body.codes, units=body.units,
                                valid_from=_day_start(body.valid_from), valid_to=_day_start(body.valid_to))


@router.delete("/stations/{mn}", response_model=StationOut,
               summary="解除设备与断面的关联（记录保留，不再同步其数据；市生态环境局；记入审计）")
def unlink_station(mn: MN, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return service.unlink_station(db, ctx, user, mn)


@router.post("/sync-hj212", response_model=SyncOut,
             summary="把已关联自动站的 HJ 212 小时或日数据导入为地表水监测值（重复运行不重复写入；市生态环境局；记入审计）")
def sync_hj212(body: SyncIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    if body.to < body.from_:
        raise ValidationFailed(f"结束日期 {body.to} 早于开始日期 {body.from_}。",
                               errors=[{"field": "to", "message": "结束日期早于开始日期"}])
    res = service.sync_hj212(db, ctx, user, _day_start(body.from_), _day_start(body.to + timedelta(days=1)), cn=body.cn)
    water_data.changed()  # new observations: cached figures of this process are recomputed
    return res.as_dict()


@router.get("/public", response_model=PublicWaterOut, summary="公众：最近一个月的断面水质类别（门户水质栏目）")
def public(request: Request) -> dict:
    panel = water_data.portal_panel(request.app.state.settings.database_url, wait=True)
    rep = panel["report"]
    if rep is None:
        return {"period": None, "sections": [], "good_share_text": None, "n_worse_than_v": None, "rules_status": None,
                "demo": False, "reason": panel["reason"]}
    return {"period": rep.period, "sections": queries.public_sections(rep.sections),
            "good_share_text": rep.figures[0].good_share_text, "n_worse_than_v": rep.figures[0].n_worse_than_v,
            "rules_status": rep.rules_status, "demo": rep.demo, "reason": ""}
