"""Solid-waste and hazardous-waste tables (prefix ``waste_``, Alembic branch ``landwaste``).

Quantities are integer micro-tonnes (BigInteger; 1 µt = 1 g), exact (soil-waste.md §4.3).
Generators and transferors are enterprises of the sources registry (``src_enterprise``).

* ``waste_monthly``   月汇总: one row per enterprise, month and waste code (§4.1), with the
  balance result (accepted/rejected, residual, problems) so rejected months stay visible.
* ``waste_receiver``  where utilised and disposed waste went (own / outsourced, receiver, USCC).
* ``waste_site``      贮存场、填埋场 with their GB 18599 class (§4.4).
* ``waste_target``    rate targets per enterprise, county or city and year.
* ``waste_hw_manifest`` 转移联单 (§5.2–5.4), ``waste_hw_event`` its state changes,
  ``waste_hw_alarm`` time-limit and discrepancy alarms with the evidence payload (§5.4–5.5),
  ``waste_hw_ledger`` the HJ 1259 hazardous-waste ledger (§5.6).
* ``waste_import``    one row per imported file.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.landwaste.soil.models import utcnow
from qingshan.store.base import Base

MICRO_T = BigInteger().with_variant(Integer(), "sqlite")


class WasteMonthly(Base):
    __tablename__ = "waste_monthly"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "month", "waste_code"),
        CheckConstraint("status IN ('accepted', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("src_enterprise.id"))
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    waste_code: Mapped[str] = mapped_column(String(11))
    category: Mapped[str] = mapped_column(String(3))
    waste_name: Mapped[str | None] = mapped_column(String(100))
    generated: Mapped[int] = mapped_column(MICRO_T)
    utilised_self: Mapped[int] = mapped_column(MICRO_T)
    utilised_outsourced: Mapped[int] = mapped_column(MICRO_T)
    utilised_prior: Mapped[int] = mapped_column(MICRO_T)
    disposed_self: Mapped[int] = mapped_column(MICRO_T)
    disposed_outsourced: Mapped[int] = mapped_column(MICRO_T)
    disposed_prior: Mapped[int] = mapped_column(MICRO_T)
    stored: Mapped[int] = mapped_column(MICRO_T)
    dumped: Mapped[int] = mapped_column(MICRO_T)
    opening_stock: Mapped[int] = mapped_column(MICRO_T)
    closing_stock: Mapped[int | None] = mapped_column(MICRO_T)
    residual: Mapped[int] = mapped_column(MICRO_T)
    status: Mapped[str] = mapped_column(String(10))
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of codes
    dumping: Mapped[bool] = mapped_column(Boolean, default=False)
    source_row: Mapped[int | None] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("waste_import.id"))


class WasteReceiver(Base):
    __tablename__ = "waste_receiver"
    __table_args__ = (
        CheckConstraint("flow IN ('utilise', 'dispose')", name="flow"),
        CheckConstraint("mode IN ('self', 'outsourced')", name="mode"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    monthly_id: Mapped[int] = mapped_column(ForeignKey("waste_monthly.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(10))
    receiver_name: Mapped[str] = mapped_column(String(200))
    receiver_uscc: Mapped[str | None] = mapped_column(String(18))
    method: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(MICRO_T)
    #: approval (storage/disposal) or filing (utilisation) number of an inter-provincial movement
    approval_no: Mapped[str | None] = mapped_column(String(100))


class WasteSite(Base):
    __tablename__ = "waste_site"
    __table_args__ = (
        CheckConstraint("kind IN ('storage', 'landfill')", name="kind"),
        CheckConstraint("gb18599_class IN ('I', 'II')", name="gb18599_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    gb18599_class: Mapped[str] = mapped_column(String(2))
    county_code: Mapped[str | None] = mapped_column(String(6))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("src_enterprise.id"))
    waste_codes: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(10))
    stopped_on: Mapped[date | None] = mapped_column(Date)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class WasteTarget(Base):
    __tablename__ = "waste_target"
    __table_args__ = (
        UniqueConstraint("scope", "scope_code", "year", "indicator"),
        CheckConstraint("scope IN ('enterprise', 'county', 'city')", name="scope"),
        CheckConstraint("indicator IN ('utilisation', 'disposal')", name="indicator"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    scope_code: Mapped[str] = mapped_column(String(18))  # USCC, or GB/T 2260 code
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(12))
    target_percent: Mapped[str] = mapped_column(String(20))  # exact decimal text, "≥"
    source: Mapped[str | None] = mapped_column(String(300))


class HwManifest(Base):
    __tablename__ = "waste_hw_manifest"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(14), unique=True)
    transferor_id: Mapped[int] = mapped_column(ForeignKey("src_enterprise.id"))
    receiver_name: Mapped[str] = mapped_column(String(200))
    receiver_licence: Mapped[str | None] = mapped_column(String(100))
    receiver_region: Mapped[str | None] = mapped_column(String(6))
    carrier_name: Mapped[str | None] = mapped_column(String(200))
    waste_code: Mapped[str] = mapped_column(String(10))
    waste_name: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(MICRO_T)
    accepted_quantity: Mapped[int | None] = mapped_column(MICRO_T)
    state: Mapped[str] = mapped_column(String(30))
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_on: Mapped[date | None] = mapped_column(Date)
    dispatched_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)  # waste arrived and was taken in
    confirmed_on: Mapped[date | None] = mapped_column(Date)  # receipt confirmed in the system
    transfer_end: Mapped[date | None] = mapped_column(Date)  # paper: receipt or rejection time
    backfilled_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("waste_import.id"))


class HwEvent(Base):
    __tablename__ = "waste_hw_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("waste_hw_manifest.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    event_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class HwAlarm(Base):
    __tablename__ = "waste_hw_alarm"
    __table_args__ = (
        UniqueConstraint("manifest_id", "kind"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("waste_hw_manifest.id", ondelete="CASCADE"))
    #: receipt_confirmation_overdue | paper_backfill_overdue | discrepancy | calendar_missing
    kind: Mapped[str] = mapped_column(String(40))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    opened_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    calendar_version: Mapped[str | None] = mapped_column(String(60))
    calendar_status: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text)  # JSON: the payload for a rectification-ledger item
    ledger_item_id: Mapped[int | None] = mapped_column(Integer)  # phase 2: the opened ledger item


class HwLedgerEntry(Base):
    __tablename__ = "waste_hw_ledger"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "entry_on", "waste_code", "action", "container_code"),
        CheckConstraint("action IN ('generate', 'store_in', 'store_out', 'transfer_out', 'self_utilise', 'self_dispose')",
                        name="action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("src_enterprise.id"))
    entry_on: Mapped[date] = mapped_column(Date)
    waste_code: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(15))
    quantity: Mapped[int] = mapped_column(MICRO_T)
    container_code: Mapped[str] = mapped_column(String(60), default="")
    facility_code: Mapped[str | None] = mapped_column(String(60))
    manifest_number: Mapped[str | None] = mapped_column(String(14))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("waste_import.id"))


class WasteImport(Base):
    __tablename__ = "waste_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_kept: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
