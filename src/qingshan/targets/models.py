"""Tables of the ``targets`` branch (assessment-bulletin.md §0, §3.1, §5).

* ``targets_unit``          the city (kind 市) and its county-level units (区/县/开发区) with a display
  order and validity dates; a development zone can be added as an eleventh unit (§0).
* ``targets_unit_station``  dated air-station list of a unit (``unit_stations``; a station code of
  the registry); the list in force at a period's end forms the unit's series (§0).
* ``targets_unit_section``  dated water-section list of a unit (``unit_sections``).
* ``targets_target``        annual target per unit and indicator with direction, value as
  published text, decimals, dust rule, last year's value and the source document (§3.1).
* ``targets_manual_input``  monthly manual inputs (provincial ranks and amounts, the regional
  average …) with document number and date (§0, §5: a bulletin is reproducible from stored
  inputs).
* ``targets_scheme``        an assessment scheme as data (JSON text; §2.3).

Values are decimal **text**, exact as the source prints them (§5).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base


class TargetsUnit(Base):
    __tablename__ = "targets_unit"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # 市 | 区 | 县 | 开发区
    display_order: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class TargetsUnitStation(Base):
    __tablename__ = "targets_unit_station"
    __table_args__ = (UniqueConstraint("unit_code", "station_code", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    station_code: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class TargetsUnitSection(Base):
    __tablename__ = "targets_unit_section"
    __table_args__ = (UniqueConstraint("unit_code", "section_code", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    section_code: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class AnnualTarget(Base):
    __tablename__ = "targets_target"
    __table_args__ = (UniqueConstraint("year", "unit_code", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(12))
    indicator: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(2))  # le | ge
    value: Mapped[str] = mapped_column(String(32))
    decimals: Mapped[int] = mapped_column(Integer)
    dust_rule: Mapped[str] = mapped_column(String(16), default="none")
    base_value: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_doc: Mapped[str] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class TargetsManualInput(Base):
    __tablename__ = "targets_manual_input"
    __table_args__ = (UniqueConstraint("month", "kind", "unit_code", "period", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(8))  # month | ytd
    indicator: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    doc_no: Mapped[str] = mapped_column(String(128))
    doc_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class TargetsScheme(Base):
    __tablename__ = "targets_scheme"
    __table_args__ = (UniqueConstraint("year", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # the scheme as JSON (qingshan.assessment.scheme)
    source: Mapped[str] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
