"""Surface-water tables (Alembic branch ``water``, migration ``water_0001``).

* ``water_sections`` — the section (断面) registry: code, name, river (for a lake or reservoir
  point: the lake's or reservoir's name), basin, water system, water-body type
  (river/lake/reservoir, water.md §1: a property of the section), county (GB/T 2260), control
  level (国考/省考/市考), coordinates, responsible unit, upstream→downstream order (``seq``
  along its river and the code of the next section downstream), ``demo`` for labelled
  synthetic entries.
* ``water_section_targets`` — assessment target class (考核目标) per section and year (the
  target is section metadata with validity, water.md §11).
* ``water_observations`` — one result of one item at one section and time, exact: the value
  in **nano-units** of the item's GB 3838 unit (:mod:`qingshan.standards.water_values`),
  ``nd`` with the detection limit for a non-detect (value NULL), the HJ 212 data flag as
  received (NULL for sources without flags), the text as reported. One row per
  (section, time, item, source): a re-import upserts, nothing is duplicated.
* ``water_published_class`` — the class a source published (CNEMC real-time release), kept
  for conformance checks.
* ``water_import_batches`` / ``water_import_errors`` — one row per imported file; the rejected
  rows and values with the reason in Chinese.
* ``water_rectifications`` (``water_0002``) — the rectification (整改) a bureau user opened for a
  section × evaluation period (one per pair: the unique key makes the action idempotent), the
  ledger item it opened (id and code; no foreign key, the ledger tables are another branch), the
  reason (劣Ⅴ / target missed) and the evidence payload as it was when the item was opened.
* ``water_station_links`` (``water_0003``) — which automatic station (HJ 212 device, MN) reports
  for which section: one row per MN (one MN → one section; a section may have several MNs), the
  station's factor-code choice per item and unit overrides per factor code (what
  :class:`qingshan.water.hj212.StationConfig` carries, hj212.md §12.3 "per-station
  configuration"), an ``active`` flag and an optional validity ``[valid_from, valid_to)``.

Times are Beijing time, naive: the sampling time of a laboratory result (a date alone is
stored at 00:00), the reading time of an automatic station.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base

ID64 = BigInteger().with_variant(Integer(), "sqlite")
CONTROL_LEVELS = ("国考", "省考", "市考")


class Section(Base):
    __tablename__ = "water_sections"
    __table_args__ = (
        CheckConstraint("water_body IN ('river', 'lake', 'reservoir')", name="water_body"),
        CheckConstraint("control_level IS NULL OR control_level IN ('国考', '省考', '市考')", name="control_level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    river: Mapped[str | None] = mapped_column(String(64), nullable=True)
    basin: Mapped[str | None] = mapped_column(String(64), nullable=True)
    water_system: Mapped[str | None] = mapped_column(String(64), nullable=True)
    water_body: Mapped[str] = mapped_column(String(10), default="river")
    county_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    control_level: Mapped[str | None] = mapped_column(String(4), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    responsible_unit: Mapped[str | None] = mapped_column(String(128), nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    downstream_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class SectionTarget(Base):
    __tablename__ = "water_section_targets"
    __table_args__ = (
        UniqueConstraint("section_id", "year"),
        CheckConstraint("target_class BETWEEN 1 AND 6", name="target_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("water_sections.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    target_class: Mapped[int] = mapped_column(Integer)


class ImportBatch(Base):
    __tablename__ = "water_import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # cnemc | lab | hj212 | api | demo
    file_name: Mapped[str | None] = mapped_column(String(512), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    encoding: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_kept: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    values_written: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ImportError_(Base):
    __tablename__ = "water_import_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("water_import_batches.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text)


class Observation(Base):
    __tablename__ = "water_observations"
    __table_args__ = (UniqueConstraint("section_id", "time", "item", "source"),)

    id: Mapped[int] = mapped_column(ID64, primary_key=True, autoincrement=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("water_sections.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    item: Mapped[str] = mapped_column(String(12))
    value_nano: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    nd: Mapped[bool] = mapped_column(Boolean, default=False)
    dl_nano: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    flag: Mapped[str | None] = mapped_column(String(4), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(String(40), nullable=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_import_batches.id", ondelete="SET NULL"), nullable=True
    )


class PublishedClass(Base):
    __tablename__ = "water_published_class"
    __table_args__ = (UniqueConstraint("section_id", "time", "source"),)

    id: Mapped[int] = mapped_column(ID64, primary_key=True, autoincrement=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("water_sections.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(DateTime)
    class_: Mapped[int | None] = mapped_column("class", Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_import_batches.id", ondelete="SET NULL"), nullable=True
    )


class Rectification(Base):
    """A rectification item opened for one section and evaluation period ``[start, end)``.

    The row is written before the ledger item (``ledger_item_id`` NULL until it exists), so two
    clicks at once meet at the unique key instead of opening two items."""

    __tablename__ = "water_rectifications"
    __table_args__ = (UniqueConstraint("section_code", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_code: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200))
    ledger_item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ledger_item_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    evidence: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class StationLink(Base):
    """An HJ 212 device (MN, hj212.md §3) linked to the section it measures.

    ``codes`` maps a GB 3838 item code to the factor code the station sends for it (e.g.
    ``{"as": "w20141"}``); ``units`` maps a factor code to the unit it arrives in when the
    station deviates from the table default (hj212.md §12.3). Only values whose period starts
    in ``[valid_from, valid_to)`` (either bound open when NULL) of an ``active`` link are taken."""

    __tablename__ = "water_station_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mn: Mapped[str] = mapped_column(String(24), unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("water_sections.id", ondelete="CASCADE"), index=True)
    codes: Mapped[dict] = mapped_column(JSON)
    units: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
