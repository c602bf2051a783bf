"""Carbon accounting and dual control (碳排放双控): city indicators and their trend against the
target path, the bulletin's CO2-intensity line, key enterprises with their check status, a unit's
monthly detail, the factor library, failed checks and the rectification items opened for them.

Every number is a ``Figure`` of :mod:`qingshan.carbon.report` (the one report builder, also used
by the pages, the CLI and the demo): published text, exact value, unit, the run that produced it,
and the factor rows behind it with version, source and status (``UNCONFIRMED`` visible).
Reads: internal users; writes (factor rows, rectification items): bureau users, audited.
Computations are stored as runs (identical results reuse the stored run), so a read commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from qingshan.carbon import queries, report, service
from qingshan.carbon.evidence import check_evidence
from qingshan.core import clock
from qingshan.core.errors import ValidationFailed
from qingshan.web.deps import AuditCtx, BureauUser, InternalUser, SessionDep, Settings

router = APIRouter(prefix="/api/carbon", tags=["碳排放 carbon"])

ID_MAX = 2**63 - 1
YearQ = Query(ge=1900, le=2100, description="年份")
AsOfQ = Query(None, description="核算日（判断存证是否逾期，默认北京时间今天），YYYY-MM-DD")


def _as_of(value: date | None) -> date:
    return value or clock.today()


def _city_months(months: int) -> int:
    if months not in queries.CITY_PERIODS:
        raise ValidationFailed("期间应为 3、6、9 或 12（1—N月累计，12 为全年）",
                               errors=[{"field": "months", "message": "字段「months」：应为 3、6、9 或 12"}])
    return months


class FactorIn(BaseModel):
    """A factor row the bureau adds (carbon.md §10): read as text, exactly."""

    table: str = Field(min_length=1, max_length=40, description="因子表，如 grid_statistical")
    key: str = Field(min_length=1, max_length=60, description="键，如 shanxi")
    param: str = Field(min_length=1, max_length=40, description="参数，如 ef")
    value: str = Field(min_length=1, max_length=40, description="数值（按文本精确保存），如 0.6990")
    unit: str = Field(min_length=1, max_length=30, description="单位，如 tCO2/MWh")
    valid_from: int | None = Field(None, ge=1900, le=2100, description="起始年份")
    valid_to: int | None = Field(None, ge=1900, le=2100, description="终止年份")
    version: str = Field(min_length=1, max_length=60, description="版本号（更正请用新版本号）")
    status: Literal["confirmed", "UNCONFIRMED"] = "UNCONFIRMED"
    source: str = Field(min_length=1, max_length=500, description="来源：文件名、文号或网址")


class RectifyIn(BaseModel):
    lead_unit: str | None = Field(None, max_length=100, description="牵头单位（id、代码或名称；默认为设施所在区县）")
    deadline: date | None = Field(None, description="整改时限")


class EvidenceOut(BaseModel):
    """What a rectification item for this check carries (title, ledger fields, evidence)."""

    kind: str
    title: str
    data: dict[str, str]
    evidence: dict[str, Any]
    latest: bool  # the check belongs to the latest run of its unit-month
    item: queries.LinkedItem | None


@router.get("/city", response_model=report.CityReport, summary="城市碳排放与能源指标（全年或1—N月累计，每个数字附因子来源与状态）")
def city(user: InternalUser, db: SessionDep, year: int = YearQ,
         months: int = Query(12, ge=1, le=12, description="1—N月累计（3、6、9；12 为全年）"),
         as_of: date | None = AsOfQ) -> report.CityReport:
    with queries.domain_errors():
        out = report.city_report(db, year, as_of=_as_of(as_of), months=_city_months(months))
    db.commit()
    return out


@router.get("/trend", response_model=report.TrendReport, summary="单位GDP二氧化碳排放趋势与目标路径（五年规划跟踪，carbon.md §8.4）")
def trend(user: InternalUser, db: SessionDep, plan: str | None = Query(None, max_length=40, description="规划名称（默认最新）"),
          as_of: date | None = AsOfQ) -> report.TrendReport:
    with queries.domain_errors():
        out = report.city_trend(db, as_of=_as_of(as_of), plan_name=plan)
    db.commit()
    return out


@router.get("/intensity", response_model=report.IntensityStatus,
            summary="通报“目标任务”：二氧化碳强度进度状态（全年，或1—N月按最近完整季度推算）")
def intensity(user: InternalUser, db: SessionDep, year: int = YearQ,
              months: int = Query(12, ge=1, le=12, description="1—N月（12 为全年）"),
              as_of: date | None = AsOfQ) -> report.IntensityStatus:
    with queries.domain_errors():
        out = report.co2_intensity_status(db, year, as_of=_as_of(as_of), months=months)
    db.commit()
    return out


@router.get("/leader", response_model=report.LeaderCarbon, summary="领导总览碳排放栏：强度状态与重点企业校核概况")
def leader(user: InternalUser, db: SessionDep, year: int = YearQ, months: int = Query(12, ge=1, le=12),
           as_of: date | None = AsOfQ) -> report.LeaderCarbon:
    day = _as_of(as_of)
    with queries.domain_errors():
        out = report.leader_summary(db, year, as_of=day, months=months,
                                    with_enterprises=queries.enterprise_year_open(db, year, day))
    db.commit()
    return out


@router.get("/enterprises", response_model=list[report.EnterpriseRow], summary="重点企业清单：各设施与机组的校核状态和1—N月排放")
def enterprises(user: InternalUser, db: SessionDep, year: int = YearQ,
                through_month: int = Query(12, ge=1, le=12, description="截至月份"),
                as_of: date | None = AsOfQ) -> list[report.EnterpriseRow]:
    queries.require_enterprise_year(db, year, _as_of(as_of))
    with queries.domain_errors():
        out = report.enterprise_list(db, year, as_of=_as_of(as_of), through_month=through_month)
    db.commit()
    return out


@router.get("/units/{unit_id}", response_model=report.UnitDetail, summary="发电机组逐月明细：存证、排放、煤耗、校核 K-01…K-10")
def unit(user: InternalUser, db: SessionDep, unit_id: int = Path(ge=1, le=ID_MAX), year: int = YearQ,
         through_month: int = Query(12, ge=1, le=12), as_of: date | None = AsOfQ) -> report.UnitDetail:
    queries.require_enterprise_year(db, year, _as_of(as_of))
    with queries.domain_errors():
        out = report.unit_detail(db, unit_id, year, as_of=_as_of(as_of), through_month=through_month)
    db.commit()
    return out


@router.get("/checks", response_model=list[queries.FailedCheck], summary="不通过的校核结果（最新核算）及已建立的整改事项")
def checks(user: InternalUser, db: SessionDep, year: int = YearQ, through_month: int = Query(12, ge=1, le=12),
           as_of: date | None = AsOfQ) -> list[queries.FailedCheck]:
    queries.require_enterprise_year(db, year, _as_of(as_of))
    with queries.domain_errors():
        report.enterprise_list(db, year, as_of=_as_of(as_of), through_month=through_month)  # stores the latest runs
    out = queries.failed_checks(db, year, through_month)
    db.commit()
    return out


@router.get("/checks/{check_row_id}/evidence", response_model=EvidenceOut, summary="一项校核结果的整改存证材料")
def evidence(user: InternalUser, db: SessionDep, check_row_id: int = Path(ge=1, le=ID_MAX)) -> dict:
    with queries.domain_errors():
        payload = check_evidence(db, check_row_id)
    chk = queries.check_row(db, check_row_id)
    return payload | {"latest": queries.is_latest(db, chk), "item": queries.item_for_check(db, check_row_id)}


@router.post("/checks/{check_row_id}/rectification", response_model=queries.LinkedItem, status_code=201,
             summary="为不通过的校核结果建立整改台账事项（局工作人员操作，附计算存证，记入审计）")
def rectify(body: RectifyIn, user: BureauUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
            check_row_id: int = Path(ge=1, le=ID_MAX)) -> queries.LinkedItem:
    return service.open_rectification(db, ctx, user, check_row_id, lead_unit=body.lead_unit, deadline=body.deadline,
                                      home=settings.home, max_bytes=settings.max_attachment_bytes)


@router.get("/factors", response_model=list[report.FactorRef], summary="排放因子库（随软件提供 + 本局新增），含来源、版本、状态、有效期")
def factors(user: InternalUser, db: SessionDep,
            table: str | None = Query(None, max_length=40, description="只列出一张因子表")) -> list[report.FactorRef]:
    return [f for f in report.factor_table(db) if table is None or f.table == table]


@router.post("/factors", response_model=report.FactorRef, status_code=201,
             summary="新增一个因子（如某年山西省电力排放因子），此后核算自动采用；记入审计")
def add_factor(body: FactorIn, user: BureauUser, db: SessionDep, ctx: AuditCtx) -> report.FactorRef:
    return service.add_factor(db, ctx, user, body.model_dump())
