"""Tailings-pond tables (prefix ``ponds_``, Alembic branch ``landwaste``): the 一库一档 file of
soil-waste.md §6.5 (UNCONFIRMED as a formal checklist).

* ``ponds_pond``        identity and approvals, facilities, emergency plan and HJ 740 level as
  filed, operating status, the review flag of §6.2.
* ``ponds_grade``       grades from the provincial list with year and document (§6.2).
* ``ponds_responsible`` responsible units (operator, county and city bureaus, …).
* ``ponds_record``      dated records the schedule counts: city checks, the operator's
  comprehensive inspection, annual reports, discharge and receiving-water monitoring (§6.3–6.4).
* ``ponds_monitoring``  monthly compliance results after closure (leachate, groundwater; §6.4).
* ``ponds_attachment``  photos and documents of the file; the bytes live under
  ``QINGSHAN_HOME/attachments/pond-<id>/`` through the ledger's attachment store (content-sniffed,
  size-limited, outside any web root).
* ``ponds_import``      one row per imported file.

Hazards (隐患排查治理) are items of the risk-hazard ledger (``ledger_item``, kind ``hazard``,
hazard type 尾矿库, field ``pond_code``): see :mod:`qingshan.landwaste.ponds.hazards`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.core.clock import now_utc
from qingshan.landwaste.soil.models import utcnow
from qingshan.store.base import Base

RECORD_KINDS = ("city_check", "operator_inspection", "annual_report", "discharge_monitoring", "receiving_water")


class Pond(Base):
    __tablename__ = "ponds_pond"
    __table_args__ = (CheckConstraint("status IN ('在用', '停用', '闭库')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(6))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    operator_name: Mapped[str | None] = mapped_column(String(200))
    operator_uscc: Mapped[str | None] = mapped_column(String(18))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("src_enterprise.id"))
    ore_type: Mapped[str | None] = mapped_column(String(60))
    tailings_property: Mapped[str | None] = mapped_column(String(20))  # I | II | hazardous (GB 18599 / 名录)
    design_capacity_m3: Mapped[str | None] = mapped_column(String(30))
    current_capacity_m3: Mapped[str | None] = mapped_column(String(30))
    dam_height_m: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(4))
    built_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    eia_approval: Mapped[str | None] = mapped_column(String(200))
    eia_acceptance: Mapped[str | None] = mapped_column(String(200))
    permit_no: Mapped[str | None] = mapped_column(String(100))
    closure_documents: Mapped[str | None] = mapped_column(Text)
    facilities: Mapped[str | None] = mapped_column(Text)  # JSON list (anti-seepage, leachate, wells, …)
    downstream_receptors: Mapped[str | None] = mapped_column(Text)  # JSON list
    discharges: Mapped[bool] = mapped_column(Boolean, default=False)
    discharge_months: Mapped[str | None] = mapped_column(String(40))  # "1-12", "5-10"
    toxic_discharge: Mapped[bool] = mapped_column(Boolean, default=False)
    hj740_level: Mapped[str | None] = mapped_column(String(20))  # as filed (hj740_level_source = filed_report)
    hj740_assessed_on: Mapped[date | None] = mapped_column(Date)
    emergency_plan_filing: Mapped[str | None] = mapped_column(String(100))
    emergency_plan_revised_on: Mapped[date | None] = mapped_column(Date)
    grade_review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[str | None] = mapped_column(Text)  # JSON list
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class PondGrade(Base):
    __tablename__ = "ponds_grade"
    __table_args__ = (UniqueConstraint("pond_id", "valid_from"), CheckConstraint("grade IN (1, 2, 3)", name="grade"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pond_id: Mapped[int] = mapped_column(ForeignKey("ponds_pond.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    list_year: Mapped[int | None] = mapped_column(Integer)
    document: Mapped[str | None] = mapped_column(String(200))


class PondResponsible(Base):
    __tablename__ = "ponds_responsible"
    __table_args__ = (UniqueConstraint("pond_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pond_id: Mapped[int] = mapped_column(ForeignKey("ponds_pond.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))  # 运营单位 / 县级监管部门 / 市级监管部门 …
    unit_name: Mapped[str] = mapped_column(String(200))
    person: Mapped[str | None] = mapped_column(String(50))


class PondRecord(Base):
    __tablename__ = "ponds_record"
    __table_args__ = (
        UniqueConstraint("pond_id", "kind", "done_on"),
        CheckConstraint("kind IN ('city_check', 'operator_inspection', 'annual_report', 'discharge_monitoring', "
                        "'receiving_water')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pond_id: Mapped[int] = mapped_column(ForeignKey("ponds_pond.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(25))
    done_on: Mapped[date] = mapped_column(Date)
    by_unit: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[str | None] = mapped_column(Text)
    hazards_found: Mapped[int] = mapped_column(Integer, default=0)


class PondMonitoring(Base):
    __tablename__ = "ponds_monitoring"
    __table_args__ = (
        UniqueConstraint("pond_id", "medium", "month"),
        CheckConstraint("medium IN ('leachate', 'groundwater')", name="medium"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pond_id: Mapped[int] = mapped_column(ForeignKey("ponds_pond.id", ondelete="CASCADE"))
    medium: Mapped[str] = mapped_column(String(12))
    month: Mapped[date] = mapped_column(Date)
    compliant: Mapped[bool | None] = mapped_column(Boolean)  # None: not monitored (a gap)
    note: Mapped[str | None] = mapped_column(Text)


class PondAttachment(Base):
    __tablename__ = "ponds_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pond_id: Mapped[int] = mapped_column(ForeignKey("ponds_pond.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(300))  # relative to QINGSHAN_HOME
    caption: Mapped[str | None] = mapped_column(String(200))
    taken_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)


class PondImport(Base):
    __tablename__ = "ponds_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_kept: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
