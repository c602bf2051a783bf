"""JSON API of the heavy-pollution emergency domain (``/api/emergency/…``).

Every route returns what the one report builder (:mod:`qingshan.emergency.report`) returns, as
declared response models; writes go through :mod:`qingshan.emergency.service` /
:mod:`qingshan.emergency.ledger` (bureau staff only, audited). The current alert and its
measures are public (the portal shows them); everything else is for internal users. Every
figure from an UNCONFIRMED table carries the table's version and status (``tables``), demo
content says so (``demo``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from qingshan.core.errors import TooLarge, ValidationFailed
from qingshan.emergency import forecasts, ledger, queries, report, service, tables
from qingshan.emergency.errors import NotFound
from qingshan.standards.emergency_tables import KINDS
from qingshan.web.deps import AuditCtx, BureauUser, InternalUser, SessionDep, Settings

router = APIRouter(prefix="/api/emergency", tags=["重污染天气应急 emergency"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1, description="编号")]
City = Annotated[str, Query(min_length=1, max_length=40, description="城市（预报文件中的城市名称）")]
DEFAULT_CITY = "大同市"
TableKind = Literal["alert_thresholds", "required_ratio", "grade_limits", "grade_measures", "transport_rule",
                    "verify_params"]


def parse_time(text: str | None, what: str) -> datetime | None:
    """ISO 8601 text (Beijing time unless it carries an offset) → naive datetime, or a Chinese 422."""
    if text is None or text == "":
        return None
    try:
        return forecasts.parse_block_start(text)
    except ValueError as exc:
        raise ValidationFailed(f"{what}{exc}", [{"field": what, "message": f"{what}{exc}"}]) from None


async def read_upload(file: UploadFile, limit: int) -> bytes:
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件「{file.filename}」超过上限 {limit:,} 字节。")
    return content


# ---- response models -------------------------------------------------------------------------


class TableRef(BaseModel):
    kind: str
    version: str
    status: str


class MeasureGroupOut(BaseModel):
    industry: str
    grade: str
    measures: str
    enterprises: int


class CurrentAlertOut(BaseModel):
    city: str
    at: str
    level: str
    level_zh: str
    response: str | None
    source: str
    alert_id: int | None
    start: str | None
    lift_at: str | None
    measures: list[MeasureGroupOut]
    demo: bool


class AlertOut(BaseModel):
    id: int
    city: str
    source: str
    status: str
    level: str
    max_level: str
    first_issue: str | None
    start: str | None
    end: str | None
    lift_at: str | None
    rules: str
    tables: list[TableRef]
    demo: bool


class ActionOut(BaseModel):
    id: int
    seq: int
    action: str
    action_zh: str
    level: str
    at: str
    decide_by: str | None
    run_time: str | None
    reason: str
    document_no: str | None
    branch: str | None


class TimelineOut(BaseModel):
    start: str
    end: str
    level: str
    source: str


class AlertReportOut(BaseModel):
    alert: AlertOut
    actions: list[ActionOut]
    timeline: list[TimelineOut]
    decision: dict[str, Any] | None


class BlockOut(BaseModel):
    start: str
    aqi: int | None
    primary: str


class ForecastChartOut(BaseModel):
    city: str
    batch_id: int
    run_time: str
    rules: str
    thresholds: list[int]
    blocks: list[BlockOut]
    level: str
    branch: str | None
    missing: list[str]
    demo: bool


class BatchOut(BaseModel):
    id: int
    kind: str
    filename: str
    run_time: str | None
    source: str | None
    rows: int
    cities: int
    warnings: int
    demo: bool


class RowErrorOut(BaseModel):
    file: str
    row: int | None
    field: str | None
    reason: str


class AlertChangeOut(BaseModel):
    city: str
    alert_id: int | None
    actions: list[str]
    level: str


class ForecastImportOut(BaseModel):
    batch_id: int
    previous: bool
    rows: int
    cities: list[str]
    warnings: list[RowErrorOut]
    alerts: list[AlertChangeOut]


class ListSummaryOut(BaseModel):
    id: int
    name: str
    city: str
    season: str
    status: str
    filename: str | None
    imported_at: str
    demo: bool


class ListLineOut(BaseModel):
    row_id: int
    enterprise_id: int
    name: str
    uscc: str
    county: str | None
    industry: str
    line_id: str
    grade: str
    protected: str
    measures: dict[str, str]
    reductions: dict[str, dict[str, str]]


class CheckLineOut(BaseModel):
    level: str
    pollutant: str
    baseline_t: str
    required_t: str
    achieved_t: str
    share: str
    passed: bool
    shortfall_t: str


class ListReportOut(BaseModel):
    list_id: int
    name: str
    season: str
    rows: list[ListLineOut]
    checks: list[CheckLineOut]
    passed: dict[str, bool]
    tables: list[TableRef]
    demo: bool


class ListImportOut(BaseModel):
    list_id: int
    rows: int
    previous: bool
    warnings: list[RowErrorOut]


class PollutantLineOut(BaseModel):
    pollutant: str
    status: str
    status_zh: str
    rho: str
    rho_req: str
    coverage: str
    load_ratio: str
    baseline_source: str
    flags: list[str]
    stop_breach_hours: int


class UnitOut(BaseModel):
    unit: str
    line_ids: list[str]
    results: list[PollutantLineOut]


class EnterpriseResultOut(BaseModel):
    enterprise_id: int
    name: str
    county: str | None
    failed: bool
    units: list[UnitOut]
    ledger_item: dict[str, Any] | None = None


class VerificationReportOut(BaseModel):
    verification_id: int = Field(description="0 = 实时计算（未保存）")
    alert_id: int
    city: str
    evaluated_at: str
    provisional: bool
    window: dict[str, Any]
    enterprises: list[EnterpriseResultOut]
    status_counts: dict[str, int]
    tables: list[TableRef]
    demo: bool


class VerificationSummaryOut(BaseModel):
    id: int
    evaluated_at: str
    provisional: bool
    summary: dict[str, Any]
    tables: list[TableRef]


class RateSeriesOut(BaseModel):
    unit: str
    line_ids: list[str]
    pollutant: str
    pollutant_zh: str
    status: str
    status_zh: str
    rho_pub: str
    rho_req_pub: str
    coverage_pub: str
    load_ratio_pub: str
    r_base_kg_h: str | None
    r_alert_kg_h: str | None
    r_allowed_kg_h: str | None
    hours: list[str]
    windows: list[str]
    rates_kg_h: list[float | None]
    valid: list[bool]
    shutdown: list[bool]
    stop_breach_hours: list[str]
    excluded: dict[str, dict[str, int]]


class EnterpriseDetailOut(BaseModel):
    verification_id: int
    alert_id: int
    enterprise_id: int
    name: str
    uscc: str
    county: str | None
    evaluated_at: str
    provisional: bool
    window: dict[str, Any]
    series: list[RateSeriesOut]
    failed: bool
    same_as_stored: bool
    tables: list[TableRef]
    demo: bool


class LedgerEntryOut(BaseModel):
    enterprise_id: int
    enterprise: str
    item_id: int
    code: str
    verification_id: int


class LedgerOutcomeOut(BaseModel):
    verification_id: int
    created: list[LedgerEntryOut]
    existing: list[LedgerEntryOut]


class NonComplyingOut(BaseModel):
    enterprise_id: int
    name: str
    county: str | None
    alert_id: int
    verification_id: int
    alert_start: str
    max_level: str
    pollutants: list[str]
    statuses: list[str]
    provisional: bool
    demo: bool


class TableVersionOut(BaseModel):
    kind: str
    kind_zh: str
    version: str
    status: str
    source: str
    active: bool
    packaged: bool
    created_by: str | None
    created_at: str | None


class TableDocIn(BaseModel):
    kind: TableKind
    version: str = Field(min_length=1, max_length=64)
    status: Literal["confirmed", "UNCONFIRMED", "PROJECT DEFAULT"]
    source: str = Field(min_length=1, max_length=4000)
    data: dict[str, Any]
    activate: bool = False
    note: str | None = Field(None, max_length=2000)


class TableDocOut(BaseModel):
    kind: str
    version: str
    status: str
    source: str
    data: dict[str, Any]


class DocumentNoIn(BaseModel):
    document_no: str = Field(max_length=80, description="文号，如 同环应急〔2026〕3号")


class DocumentNoOut(BaseModel):
    action_id: int
    document_no: str


# ---- converters ----------------------------------------------------------------------------------


def _alert_report_out(rep: report.AlertReport) -> dict:
    return {"alert": rep.alert, "actions": [asdict(a) for a in rep.actions],
            "timeline": [{"start": s, "end": e, "level": lv, "source": src} for s, e, lv, src in rep.timeline],
            "decision": rep.decision}


def _verification_out(rep: report.VerificationReport, items: dict[int, dict] | None = None) -> dict:
    items = items or {}
    return {
        **{k: getattr(rep, k) for k in ("verification_id", "alert_id", "city", "evaluated_at", "provisional", "window",
                                        "status_counts", "tables", "demo")},
        "enterprises": [{"enterprise_id": e.enterprise_id, "name": e.name, "county": e.county, "failed": e.failed,
                         "units": [{"unit": u, "line_ids": list(ids), "results": [asdict(x) for x in lines]}
                                   for u, ids, lines in e.units],
                         "ledger_item": items.get(e.enterprise_id)} for e in rep.enterprises],
    }


# ---- routes ----------------------------------------------------------------------------------


@router.get("/current", response_model=CurrentAlertOut,
            summary="当前预警级别及减排措施（公开；与公众门户、qingshan emergency report current 同一报告）")
def current(db: SessionDep, city: City = DEFAULT_CITY, at: str | None = Query(None, max_length=40,
                                                                          description="时刻（ISO 8601，默认现在）")) -> dict:
    return asdict(report.current_alert(db, city, parse_time(at, "时刻")))


@router.get("/alerts", response_model=list[AlertOut], summary="预警列表")
def alerts(user: InternalUser, db: SessionDep, city: str | None = Query(None, max_length=40),
           status: Literal["active", "lifted"] | None = None,
           limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    return queries.alerts(db, city=city, status=status, limit=limit)


@router.get("/alerts/{alert_id}", response_model=AlertReportOut, summary="预警详情：操作记录、级别时间线、决策依据")
def alert_detail(alert_id: Id, user: InternalUser, db: SessionDep) -> dict:
    return _alert_report_out(report.alert_report(db, alert_id))


@router.put("/actions/{action_id}/document-no", response_model=DocumentNoOut, summary="登记预警操作的文号（市局）")
def document_no(action_id: Id, body: DocumentNoIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return {"action_id": action_id, "document_no": service.set_document_no(db, ctx, user, action_id, body.document_no)}


@router.get("/forecasts", response_model=list[BatchOut], summary="预报（及实况）批次")
def batches(user: InternalUser, db: SessionDep, kind: Literal["forecast", "observed"] = "forecast",
            limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
    return queries.batches(db, kind=kind, limit=limit)


@router.get("/forecasts/{batch_id}/chart", response_model=ForecastChartOut,
            summary="一次预报的各时段 AQI 与分级阈值（预报图）")
def forecast_chart(batch_id: Id, user: InternalUser, db: SessionDep, city: City = DEFAULT_CITY) -> dict:
    c = report.forecast_chart(db, batch_id, city)
    return {**asdict(c), "blocks": [{"start": s, "aqi": a, "primary": p} for s, a, p in c.blocks]}


@router.post("/forecasts", status_code=201, response_model=ForecastImportOut,
             summary="导入预报（CSV 或 Excel；逐行校验，任何一行有错则整个文件不导入）")
async def forecast_import(user: BureauUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                          file: UploadFile = File(...), run_time: str = Form(..., max_length=40),
                          kind: Literal["forecast", "observed"] = Form("forecast"),
                          source: str | None = Form(None, max_length=100), apply: bool = Form(False),
                          step_hours: int | None = Form(None, ge=1, le=24)) -> dict:
    content = await read_upload(file, settings.max_attachment_bytes)
    rt = parse_time(run_time, "预报发布时间")
    if rt is None:
        raise ValidationFailed("预报发布时间必填", [{"field": "run_time", "message": "预报发布时间必填"}])
    out = service.import_forecast(db, ctx, user, content, file.filename or "预报.csv", run_time=rt, kind=kind,
                                  source=source, apply=apply, step_hours=step_hours)
    r = out.result
    return {"batch_id": r.batch_id, "previous": r.previous, "rows": r.rows, "cities": r.cities,
            "warnings": [w.as_dict() for w in r.warnings],
            "alerts": [{"city": c.city, "alert_id": c.alert_id, "actions": list(c.actions), "level": c.level}
                       for c in out.changes]}


@router.get("/lists", response_model=list[ListSummaryOut], summary="应急减排清单")
def lists_(user: InternalUser, db: SessionDep) -> list[dict]:
    return queries.emergency_lists(db)


@router.get("/lists/{list_id}", response_model=ListReportOut,
            summary="清单（按绩效等级、行业、区县筛选）与城市减排量核算")
def list_detail(list_id: Id, user: InternalUser, db: SessionDep,
                grade: str | None = Query(None, max_length=10), industry: str | None = Query(None, max_length=40),
                county: str | None = Query(None, pattern=r"^\d{6}$")) -> dict:
    return asdict(report.list_report(db, list_id, grade=grade, industry=industry, county=county))


@router.post("/lists", status_code=201, response_model=ListImportOut,
             summary="导入清单 Excel（逐行校验，任何一行有错则整表不导入）")
async def list_import(user: BureauUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                      file: UploadFile = File(...), name: str | None = Form(None, max_length=200),
                      season: str | None = Form(None, max_length=20)) -> dict:
    content = await read_upload(file, settings.max_attachment_bytes)
    res = service.import_list(db, ctx, user, content, file.filename or "清单.xlsx", name=name, season=season)
    return {"list_id": res.list_id, "rows": res.rows, "previous": res.previous,
            "warnings": [w.as_dict() for w in res.warnings]}


@router.get("/alerts/{alert_id}/verifications", response_model=list[VerificationSummaryOut],
            summary="一个预警的已保存核查记录")
def verifications(alert_id: Id, user: InternalUser, db: SessionDep) -> list[dict]:
    return queries.verifications(db, alert_id)


@router.get("/alerts/{alert_id}/live", response_model=VerificationReportOut,
            summary="实时核查（按目前收到的在线监测数据计算，不保存；预警进行中为暂定结果）")
def live(alert_id: Id, request: Request, user: InternalUser, db: SessionDep,
         list_id: int | None = Query(None, ge=1, le=2**63 - 1)) -> dict:
    return _verification_out(report.live_report(db, request.app.state.engine, alert_id, list_id=list_id))


@router.post("/alerts/{alert_id}/verifications", status_code=201, response_model=VerificationReportOut,
             summary="核查并保存结果（VERIFY-1，市局）")
def verify(alert_id: Id, request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx,
           list_id: int | None = Query(None, ge=1, le=2**63 - 1)) -> dict:
    run = service.store_verification(db, request.app.state.engine, ctx, user, alert_id, list_id=list_id)
    return _verification_out(report.verification_report(db, run.id), ledger.links(db, alert_id))


@router.get("/verifications/{verification_id}", response_model=VerificationReportOut,
            summary="核查记录：各企业各污染物的结论")
def verification(verification_id: Id, user: InternalUser, db: SessionDep) -> dict:
    rep = report.verification_report(db, verification_id)
    return _verification_out(rep, ledger.links(db, rep.alert_id))


@router.get("/verifications/{verification_id}/enterprises/{enterprise_id}", response_model=EnterpriseDetailOut,
            summary="一家企业的核查：逐时排放速率、基准与要求削减")
def enterprise(verification_id: Id, enterprise_id: Id, request: Request, user: InternalUser, db: SessionDep) -> dict:
    return asdict(report.enterprise_verification(db, request.app.state.engine, verification_id, enterprise_id))


@router.post("/verifications/{verification_id}/ledger", response_model=LedgerOutcomeOut,
             summary="生成整改台账：未落实减排的企业各建一项（附核查计算），已建的不重复")
def make_ledger(verification_id: Id, request: Request, user: BureauUser, db: SessionDep, ctx: AuditCtx,
                settings: Settings) -> dict:
    out = ledger.open_items(db, request.app.state.engine, ctx, user, verification_id, home=settings.home,
                            max_bytes=settings.max_attachment_bytes)
    return asdict(out)


@router.get("/noncomplying", response_model=list[NonComplyingOut], summary="期间内未落实减排措施的企业")
def noncomplying(user: InternalUser, db: SessionDep, start: str = Query(..., max_length=40, alias="from"),
                 end: str = Query(..., max_length=40, alias="to"), city: str | None = Query(None, max_length=40),
                 provisional: bool = False) -> list[dict]:
    a, b = parse_time(start, "起始时间"), parse_time(end, "结束时间")
    if b <= a:
        raise ValidationFailed("结束时间应晚于起始时间", [{"field": "to", "message": "结束时间应晚于起始时间"}])
    return [asdict(r) for r in report.non_complying(db, a, b, city=city, include_provisional=provisional)]


@router.get("/tables", response_model=list[TableVersionOut], summary="规则数据表的各版本（来源、状态、是否启用）")
def table_versions(user: InternalUser, db: SessionDep, kind: TableKind | None = None) -> list[dict]:
    rows = tables.versions(db, kind)
    db.commit()  # the packaged defaults are seeded on first use
    return rows


@router.get("/tables/{kind}/{version}", response_model=TableDocOut, summary="一个版本的内容（JSON，可修改后作为新版本提交）")
def table_doc(kind: TableKind, version: Annotated[str, Path(max_length=64)], user: InternalUser,
              db: SessionDep) -> dict:
    t = tables.get(db, kind, version)
    db.commit()
    return t.to_dict()


@router.post("/tables", status_code=201, response_model=TableVersionOut, summary="新增版本（市局；校验后保存，可同时启用）")
def table_add(body: TableDocIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> dict:
    doc = body.model_dump(exclude={"activate", "note"})
    service.add_table_version(db, ctx, user, doc, activate=body.activate, note=body.note)
    return _version_row(db, body.kind, body.version)


@router.post("/tables/{kind}/{version}/activate", response_model=TableVersionOut, summary="启用一个版本（市局）")
def table_activate(kind: TableKind, version: Annotated[str, Path(max_length=64)], user: BureauUser, db: SessionDep,
                   ctx: AuditCtx) -> dict:
    service.activate_table(db, ctx, user, kind, version)
    return _version_row(db, kind, version)


def _version_row(db, kind: str, version: str) -> dict:
    row = next((r for r in tables.versions(db, kind) if r["version"] == version), None)
    if row is None:
        raise NotFound(f"{KINDS.get(kind, kind)}没有版本“{version}”")
    return row
