"""Tables of carbon accounting (Alembic branch ``carbon``, table prefix ``carbon_``).

* ``carbon_factor``        the bureau's factor rows (laid over the packaged library, carbon.md §10)
* ``carbon_facility``      a plant of a registered enterprise (``src_enterprise``): power or cement
* ``carbon_unit``          a generating unit (capacity, class, CHP, cooling), a plant line (公用)
                           or a clinker line
* ``carbon_power_month``   a unit-month as lodged (``kind = monthly``) or as in the annual report
                           (``kind = annual``); numbers are decimal text, exactly as reported
* ``carbon_annual_report`` the annual emission a unit's annual report states (K-09)
* ``carbon_cement_month``  a clinker-line month
* ``carbon_import_batch``  one imported file: counts, per-row errors, before/after of changed rows
* ``carbon_city_balance``  city energy-balance rows per year and cumulative period (1—N月)
* ``carbon_city_gdp``      GDP (亿元, current prices) and its constant-price index (上年同期 = 100)
* ``carbon_plan``          a five-year target (base year, R*), with source and status
* ``carbon_run``           one computation (unit-month, unit-year, city period) with its settings,
                           the factor rows it used and its exact results
* ``carbon_check``         a check result (K-01 … K-10) of a run, with the offending values
* ``carbon_check_item``    the rectification-ledger item a bureau user opened for a failed check,
                           with the evidence (check, lodged record, run, factors) as it was then

Numbers are stored as decimal text (or ``num/den`` for exact results), never as floats
(carbon.md §2).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base

N = String(40)  # a decimal text column


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class CarbonFactor(Base):
    __tablename__ = "carbon_factor"
    __table_args__ = (
        UniqueConstraint("table_name", "key", "param", "valid_from", "version"),
        CheckConstraint("status IN ('confirmed', 'UNCONFIRMED')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(60))
    param: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(N)
    unit: Mapped[str] = mapped_column(String(30))
    valid_from: Mapped[int | None] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class CarbonFacility(Base):
    __tablename__ = "carbon_facility"
    __table_args__ = (CheckConstraint("sector IN ('power', 'cement')", name="sector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("src_enterprise.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(10))
    county_code: Mapped[str | None] = mapped_column(String(6))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class CarbonUnit(Base):
    __tablename__ = "carbon_unit"
    __table_args__ = (
        UniqueConstraint("facility_id", "code"),
        CheckConstraint("kind IN ('unit', 'plant_line', 'clinker_line')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("carbon_facility.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    capacity_mw: Mapped[str | None] = mapped_column(N)
    unit_class: Mapped[str | None] = mapped_column(String(20))
    chp: Mapped[bool] = mapped_column(Boolean, default=False)
    cooling: Mapped[str | None] = mapped_column(String(5))
    clinker_type: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CarbonImportBatch(Base):
    __tablename__ = "carbon_import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    changes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CarbonPowerMonth(Base):
    __tablename__ = "carbon_power_month"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "month", "kind"),
        CheckConstraint("kind IN ('monthly', 'annual')", name="kind"),
        CheckConstraint("c_basis IN ('ar', 'ad')", name="c_basis"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="monthly")
    coal_t: Mapped[str | None] = mapped_column(N)
    ncv: Mapped[str | None] = mapped_column(N)
    c: Mapped[str | None] = mapped_column(N)
    c_basis: Mapped[str] = mapped_column(String(2), default="ar")
    m_t: Mapped[str | None] = mapped_column(N)
    m_ad: Mapped[str | None] = mapped_column(N)
    h: Mapped[str | None] = mapped_column(N)
    s_t: Mapped[str | None] = mapped_column(N)
    lab_report_id: Mapped[str | None] = mapped_column(String(80))
    sample_id: Mapped[str | None] = mapped_column(String(80))
    ncv_sample_id: Mapped[str | None] = mapped_column(String(80))
    sample_from: Mapped[date | None] = mapped_column(Date)
    sample_to: Mapped[date | None] = mapped_column(Date)
    coal_source_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    coal_data_source: Mapped[str | None] = mapped_column(String(20))
    coal_data_reason: Mapped[str | None] = mapped_column(String(300))
    other_fuels: Mapped[dict] = mapped_column(JSON, default=dict)
    purchased_elec_mwh: Mapped[str | None] = mapped_column(N)
    generation_mwh: Mapped[str | None] = mapped_column(N)
    supply_mwh: Mapped[str | None] = mapped_column(N)
    heat_gj: Mapped[str | None] = mapped_column(N)
    heat_ratio: Mapped[str | None] = mapped_column(N)
    running_hours: Mapped[str | None] = mapped_column(N)
    lodged_on: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_import_batch.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)


class CarbonAnnualReport(Base):
    __tablename__ = "carbon_annual_report"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    emission_t: Mapped[str | None] = mapped_column(N)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_import_batch.id"))


class CarbonCementMonth(Base):
    __tablename__ = "carbon_cement_month"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    clinker_t: Mapped[str | None] = mapped_column(N)
    clinker_type: Mapped[str] = mapped_column(String(20), default="portland")
    coal_t: Mapped[str | None] = mapped_column(N)
    ncv: Mapped[str | None] = mapped_column(N)
    c_ar: Mapped[str | None] = mapped_column(N)
    substitutes: Mapped[dict] = mapped_column(JSON, default=dict)
    alt_fuels: Mapped[list] = mapped_column(JSON, default=list)
    cao: Mapped[str | None] = mapped_column(N)
    cao_nc: Mapped[str | None] = mapped_column(N)
    mgo: Mapped[str | None] = mapped_column(N)
    mgo_nc: Mapped[str | None] = mapped_column(N)
    kiln_dust_t: Mapped[str | None] = mapped_column(N)
    bypass_dust_t: Mapped[str | None] = mapped_column(N)
    elec_mwh: Mapped[str | None] = mapped_column(N)
    lodged_on: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_import_batch.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)


class CarbonCityBalance(Base):
    __tablename__ = "carbon_city_balance"
    __table_args__ = (
        UniqueConstraint("year", "months", "item", "use"),
        CheckConstraint("months IN (3, 6, 9, 12)", name="months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    months: Mapped[int] = mapped_column(Integer)  # 1—N月 cumulative; 12 = the year
    item: Mapped[str] = mapped_column(String(30))
    use: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[str] = mapped_column(N)
    ncv: Mapped[str | None] = mapped_column(N)
    note: Mapped[str | None] = mapped_column(String(300))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_import_batch.id"))


class CarbonCityGdp(Base):
    __tablename__ = "carbon_city_gdp"
    __table_args__ = (
        UniqueConstraint("year", "months"),
        CheckConstraint("months IN (3, 6, 9, 12)", name="months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    months: Mapped[int] = mapped_column(Integer)
    gdp_nominal: Mapped[str | None] = mapped_column(N)  # 亿元, current prices
    gdp_index: Mapped[str | None] = mapped_column(N)  # constant prices, same period of last year = 100
    source: Mapped[str | None] = mapped_column(String(300))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_import_batch.id"))


class CarbonPlan(Base):
    __tablename__ = "carbon_plan"
    __table_args__ = (CheckConstraint("target_status IN ('confirmed', 'UNCONFIRMED')", name="target_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    base_year: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(N)  # R* as a fraction, e.g. "0.17"
    target_source: Mapped[str] = mapped_column(String(300))
    target_status: Mapped[str] = mapped_column(String(12))
    projected_gdp_index: Mapped[str | None] = mapped_column(N)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class CarbonRun(Base):
    __tablename__ = "carbon_run"
    __table_args__ = (CheckConstraint("scope IN ('unit_month', 'unit_year', 'city')", name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)  # unit-month: the month; unit-year/city: through 1—N月
    status: Mapped[str | None] = mapped_column(String(8))  # worst check status
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    factors: Mapped[list] = mapped_column(JSON, default=list)
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    as_of: Mapped[date | None] = mapped_column(Date)
    #: SHA-256 of everything but the timestamp: an identical re-run reuses the stored run
    digest: Mapped[str] = mapped_column(String(64), index=True)


class CarbonCheck(Base):
    __tablename__ = "carbon_check"
    __table_args__ = (CheckConstraint("status IN ('pass', 'warn', 'fail', 'n/a')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("carbon_run.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(4))
    message: Mapped[str] = mapped_column(Text)
    values: Mapped[dict] = mapped_column(JSON, default=dict)


class CarbonCheckItem(Base):
    """A rectification-ledger item opened by a bureau user for one failed check result.

    One per stored check result (the unique ``check_row_id``): the row is written first, as the
    claim, so two users cannot open two items for the same failure; ``ledger_item_id`` is set once
    the ledger has the item. ``evidence`` is the payload of :func:`qingshan.carbon.evidence.check_evidence`
    as it stood when the item was opened, ``evidence_sha256`` its digest (canonical JSON).
    """

    __tablename__ = "carbon_check_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_row_id: Mapped[int] = mapped_column(ForeignKey("carbon_check.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("carbon_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String(5))
    # no foreign key: ``ledger_item`` belongs to the ``web`` migration branch, which is upgraded and
    # downgraded independently of this one; the service writes the id of the item it created
    ledger_item_id: Mapped[int | None] = mapped_column(Integer, index=True)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_by: Mapped[str | None] = mapped_column(String(64))
