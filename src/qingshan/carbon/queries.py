"""Reads for the carbon pages, the JSON API and the bulletin seam.

The figures come from the one report builder (:mod:`qingshan.carbon.report`); this module picks
the periods the store has data for, lists the failed checks of the latest runs with the ledger
items opened for them, and turns the carbon domain's own exceptions into
:mod:`qingshan.core.errors` (so every page and route gets the right status from the one mapping).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.city import CityDataError, get_plan
from qingshan.carbon.evidence import EvidenceError
from qingshan.carbon.models import (
    CarbonAnnualReport,
    CarbonCementMonth,
    CarbonCheck,
    CarbonCheckItem,
    CarbonCityBalance,
    CarbonCityGdp,
    CarbonFacility,
    CarbonFactor,
    CarbonImportBatch,
    CarbonPlan,
    CarbonPowerMonth,
    CarbonRun,
    CarbonUnit,
)
from qingshan.carbon.progress import SeriesFileError
from qingshan.carbon.report import IntensityStatus, co2_intensity_status
from qingshan.core.errors import DomainError, NotFound, ValidationFailed
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.workflow import state_label
from qingshan.sources.models import Enterprise
from qingshan.standards.carbon_checks import CHECK_NAMES
from qingshan.standards.carbon_factors import FactorError, FactorMissing
from qingshan.standards.carbon_tracking import TrackingError

#: The cumulative periods of the city balance (1—3、1—6、1—9月 and the year; carbon.md §8, notes).
CITY_PERIODS = (3, 6, 9, 12)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Run report-builder code; its refusals become core errors (Chinese messages kept).

    Missing data (no balance for the period, no such unit or check) → :class:`NotFound`;
    a refused input (a factor row, a tracking input) → :class:`ValidationFailed`; a factor the
    library lacks for the data → :class:`DomainError` (the data need a library row first).
    """
    try:
        yield
    except (CityDataError, EvidenceError) as exc:
        raise NotFound(str(exc)) from None
    except (FactorError, TrackingError, SeriesFileError) as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "", "message": str(exc)}]) from None
    except FactorMissing as exc:
        raise DomainError(f"因子库缺少所需因子：{exc}") from None


def period_ended(year: int, months: int, today: date) -> bool:
    """Whether 1—``months``月 of ``year`` is over on ``today`` (a period still running has no
    statistics; it is never a page's default)."""
    end_year, end_month = (year + 1, 1) if months == 12 else (year, months + 1)
    return today >= date(end_year, end_month, 1)


def city_periods(session: Session) -> list[tuple[int, int]]:
    """Every (year, months) with balance rows, latest first."""
    rows = session.execute(select(CarbonCityBalance.year, CarbonCityBalance.months).distinct()).all()
    return sorted({(y, m) for y, m in rows}, reverse=True)


def default_city_period(session: Session, today: date) -> tuple[int, int] | None:
    """The latest balance period already over on ``today`` (else the latest stored), or None."""
    periods = city_periods(session)
    ended = [p for p in periods if period_ended(*p, today)]
    return (ended or periods or [None])[0]


def default_enterprise_period(session: Session, today: date) -> tuple[int, int]:
    """(year, month) of the latest lodged monthly record (power or cement); without any, the last
    complete month before ``today``."""
    latest = []
    for model, extra in ((CarbonPowerMonth, CarbonPowerMonth.kind == "monthly"), (CarbonCementMonth, None)):
        q = select(model.year, func.max(model.month)).group_by(model.year).order_by(model.year.desc()).limit(1)
        if extra is not None:
            q = q.where(extra)
        row = session.execute(q).first()
        if row is not None:
            latest.append((row[0], row[1]))
    if latest:
        return max(latest)
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def enterprise_years(session: Session) -> list[int]:
    years = set(session.scalars(select(CarbonPowerMonth.year).distinct())) | set(
        session.scalars(select(CarbonCementMonth.year).distinct()))
    return sorted(years, reverse=True)


def enterprise_year_open(session: Session, year: int, today: date) -> bool:
    return year == today.year or year in enterprise_years(session)


def require_enterprise_year(session: Session, year: int, today: date) -> None:
    """Refuse (404) to evaluate the key enterprises for a year with no lodged record, unless it is
    the current year (when every month past its deadline without a record is a K-01 ``fail``):
    evaluating stores runs, and a far year would only fill the store with "not lodged" results."""
    if enterprise_year_open(session, year, today):
        return
    raise NotFound(f"没有 {year} 年的企业月度存证数据")


# --- failed checks and their ledger items -------------------------------------------------------------


class LinkedItem(BaseModel):
    """The rectification-ledger item opened for a failed check."""

    link_id: int
    check_row_id: int
    item_id: int | None
    code: str | None
    status: str | None
    status_label: str | None
    opened_by: str | None
    opened_at: str
    evidence_sha256: str


class FailedCheck(BaseModel):
    """A ``fail`` of the latest run of a unit-month (or of the unit's 1—N月 year run)."""

    check_row_id: int
    check: str
    name: str
    message: str
    values: dict[str, str]
    year: int
    month: int | None
    unit_id: int
    unit_code: str
    unit_name: str
    facility: str
    facility_code: str
    enterprise: str
    county_code: str | None
    demo: bool
    run_id: int
    item: LinkedItem | None  # opened for this very result
    earlier_item: LinkedItem | None  # opened for an earlier result of the same unit, month and check


def _latest_runs(session: Session, year: int, through_month: int) -> list[int]:
    runs = session.execute(
        select(CarbonRun.unit_id, CarbonRun.scope, CarbonRun.month, func.max(CarbonRun.id))
        .where(CarbonRun.year == year, CarbonRun.scope.in_(("unit_month", "unit_year")))
        .group_by(CarbonRun.unit_id, CarbonRun.scope, CarbonRun.month)).all()
    return [rid for _u, scope, m, rid in runs
            if (scope == "unit_month" and m is not None and m <= through_month) or (scope == "unit_year" and m == through_month)]


def linked_item(session: Session, link: CarbonCheckItem) -> LinkedItem:
    item = session.get(LedgerItem, link.ledger_item_id) if link.ledger_item_id else None
    return LinkedItem(link_id=link.id, check_row_id=link.check_row_id, item_id=item.id if item else None,
                      code=item.code if item else None, status=item.status if item else None,
                      status_label=state_label(item.kind, item.status) if item else None, opened_by=link.opened_by,
                      opened_at=link.opened_at.isoformat(timespec="seconds"), evidence_sha256=link.evidence_sha256)


def failed_checks(session: Session, year: int, through_month: int = 12) -> list[FailedCheck]:
    """The ``fail`` results of the latest stored runs of ``year`` (months 1…``through_month`` and the
    1—``through_month``月 year run), with any ledger item opened for them. Run the report builder
    first (:func:`qingshan.carbon.report.enterprise_list`): it stores the runs read here."""
    runs = _latest_runs(session, year, through_month)
    if not runs:
        return []
    rows = session.execute(
        select(CarbonCheck, CarbonUnit, CarbonFacility, Enterprise)
        .join(CarbonUnit, CarbonUnit.id == CarbonCheck.unit_id)
        .join(CarbonFacility, CarbonFacility.id == CarbonUnit.facility_id)
        .join(Enterprise, Enterprise.id == CarbonFacility.enterprise_id)
        .where(CarbonCheck.run_id.in_(runs), CarbonCheck.status == "fail")
        .order_by(CarbonFacility.code, CarbonUnit.code, CarbonCheck.month, CarbonCheck.check_id)).all()
    if not rows:
        return []
    links = session.scalars(select(CarbonCheckItem).where(
        CarbonCheckItem.unit_id.in_({u.id for _c, u, _f, _e in rows}), CarbonCheckItem.year == year)
        .order_by(CarbonCheckItem.id)).all()
    by_row = {lk.check_row_id: lk for lk in links}
    by_key: dict[tuple, CarbonCheckItem] = {}
    for lk in links:
        by_key[(lk.unit_id, lk.month, lk.check_id)] = lk  # the latest opened wins
    out = []
    for c, u, f, e in rows:
        own = by_row.get(c.id)
        earlier = by_key.get((u.id, c.month, c.check_id)) if own is None else None
        out.append(FailedCheck(
            check_row_id=c.id, check=c.check_id, name=CHECK_NAMES[c.check_id], message=c.message,
            values={str(k): str(v) for k, v in (c.values or {}).items()}, year=c.year, month=c.month, unit_id=u.id,
            unit_code=u.code, unit_name=u.name, facility=f.name, facility_code=f.code, enterprise=e.name,
            county_code=f.county_code, demo=f.demo, run_id=c.run_id,
            item=linked_item(session, own) if own is not None else None,
            earlier_item=linked_item(session, earlier) if earlier is not None else None))
    return out


def check_row(session: Session, check_row_id: int) -> CarbonCheck:
    chk = session.get(CarbonCheck, check_row_id)
    if chk is None:
        raise NotFound(f"没有编号为 {check_row_id} 的校核结果")
    return chk


def is_latest(session: Session, chk: CarbonCheck) -> bool:
    """Whether the check's run is still the latest run of its unit-month (or unit-year)."""
    run = session.get(CarbonRun, chk.run_id)
    latest = session.scalar(select(func.max(CarbonRun.id)).where(
        CarbonRun.scope == run.scope, CarbonRun.year == run.year, CarbonRun.unit_id == run.unit_id,
        CarbonRun.month.is_(None) if run.month is None else CarbonRun.month == run.month))
    return latest == run.id


def item_for_check(session: Session, check_row_id: int) -> LinkedItem | None:
    link = session.scalar(select(CarbonCheckItem).where(CarbonCheckItem.check_row_id == check_row_id))
    return linked_item(session, link) if link is not None else None


# --- the bulletin's CO2-intensity line --------------------------------------------------------------


def intensity_for_year(session: Session, year: int, *, as_of: date) -> IntensityStatus | None:
    """The CO2-intensity status the bulletin prints for ``year`` on ``as_of`` (carbon.md §8.4).

    The latest period of ``year`` that is over on ``as_of`` and has a status: the year itself
    (basis ``annual``), else 1—9, 1—6 or 1—3月 (basis ``ytd_estimate``, the project rule of
    :func:`qingshan.carbon.report.co2_intensity_status`, UNCONFIRMED). None without a plan or
    without data for any of them (the bulletin then prints 暂无数据).
    """
    for months in (12, 9, 6, 3):
        if not period_ended(year, months, as_of):
            continue
        with domain_errors():
            st = co2_intensity_status(session, year, as_of=as_of, months=months)
        if st.basis != "no_data" and st.status in ("green", "yellow", "red"):
            return st
    return None


def intensity_source(session: Session, st: IntensityStatus) -> str:
    """Where the figures behind ``st`` come from: the GDP rows' sources, the plan's target source
    and status, the basis and the demo label (for the bulletin's 依据 column)."""
    q = 12 if st.months == 12 else (st.months // 3) * 3
    gdp = records.gdp(session)
    srcs = [g.source for (y, m), g in sorted(gdp.items()) if m == q and y in (st.year - 1, st.year) and g.source]
    plan = get_plan(session)
    parts = [f"能源平衡表与地区生产总值指数（{'；'.join(dict.fromkeys(srcs)) or '来源未填'}）",
             f"目标：{plan.target_source}（{plan.target_status}）" if plan else "",
             "按全年核算" if st.basis == "annual" else st.note]
    if st.demo:
        parts.append("演示/合成数据")
    return "；".join(p for p in parts if p)


# --- what the figures depend on -------------------------------------------------------------------------


def data_version(session: Session) -> str:
    """A digest of every input of the carbon figures, for caches: the bureau's factor rows, the
    registry, the plans, the city balance and GDP (small tables, hashed whole) and the monthly
    records (large: changed only by imports, each of which adds a batch — so their counts, their
    highest ids and the highest batch id stand for them)."""
    h = hashlib.sha256()
    for model in (CarbonImportBatch, CarbonFactor, CarbonPowerMonth, CarbonCementMonth, CarbonAnnualReport):
        h.update(repr(session.execute(select(func.count(), func.max(model.id)).select_from(model)).one()).encode())
    for model in (CarbonPlan, CarbonCityGdp, CarbonCityBalance, CarbonUnit, CarbonFacility):
        cols = [c for c in model.__table__.columns]
        for row in session.execute(select(*cols).order_by(model.id)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()
