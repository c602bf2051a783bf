"""Soil tables (prefix ``soil_``, Alembic branch ``landwaste``).

Results are stored as reported — value and unit text — and converted exactly when evaluated
(soil-waste.md §1), so a later correction of the rules never meets a rounded number.

* ``soil_survey``  调查 (详查、例行监测、地块调查): the standard it is evaluated by.
* ``soil_plot``    地块 / 耕地单元: land use or land class, investigation stage, background values.
* ``soil_point``   采样点位: survey, plot, land use, WGS-84 coordinates, county (GB/T 2260).
* ``soil_sample``  样品: point, sampling date and depth, pH as reported.
* ``soil_result``  检测结果: item as reported and its canonical key, value and unit text.
* ``soil_import``  one row per imported file (checksum, counts, errors).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class SoilSurvey(Base):
    __tablename__ = "soil_survey"
    __table_args__ = (CheckConstraint("standard IN ('gb15618', 'gb36600')", name="standard"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    standard: Mapped[str] = mapped_column(String(10))
    #: GB 36600 investigation stage of the survey's plots: initial | detailed
    stage: Mapped[str | None] = mapped_column(String(10))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class SoilPlot(Base):
    __tablename__ = "soil_plot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    survey_id: Mapped[int] = mapped_column(ForeignKey("soil_survey.id"))
    county_code: Mapped[str | None] = mapped_column(String(6))
    #: GB 36600 background values (JSON item → mg/kg text) and their source (§3.5)
    background_values: Mapped[str | None] = mapped_column(Text)
    background_source: Mapped[str | None] = mapped_column(String(300))
    #: the unit class of the 2019 guide, stored as given (UNCONFIRMED aggregation, §2.5)
    unit_class: Mapped[str | None] = mapped_column(String(20))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SoilPoint(Base):
    __tablename__ = "soil_point"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    survey_id: Mapped[int] = mapped_column(ForeignKey("soil_survey.id"))
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("soil_plot.id"))
    #: GB 15618 farmland_use (paddy/other/orchard/paddy_dry_rotation) or GB 36600 land class (1/2)
    land_use: Mapped[str | None] = mapped_column(String(20))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    county_code: Mapped[str | None] = mapped_column(String(6))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SoilSample(Base):
    __tablename__ = "soil_sample"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("soil_point.id"))
    sampled_on: Mapped[date | None] = mapped_column(Date)
    depth: Mapped[str | None] = mapped_column(String(40))
    ph_text: Mapped[str | None] = mapped_column(String(20))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("soil_import.id"))


class SoilResult(Base):
    __tablename__ = "soil_result"
    __table_args__ = (UniqueConstraint("sample_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("soil_sample.id", ondelete="CASCADE"))
    #: the canonical key under the survey's standard, or the normalised name of an item without a value
    item_key: Mapped[str] = mapped_column(String(60))
    item_text: Mapped[str] = mapped_column(String(100))
    value_text: Mapped[str] = mapped_column(String(40))
    unit_text: Mapped[str] = mapped_column(String(20))
    detection_limit_text: Mapped[str | None] = mapped_column(String(40))


class SoilImport(Base):
    __tablename__ = "soil_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_kept: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)  # JSON list of {row, field, reason}
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
