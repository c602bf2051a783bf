"""Air-domain tables: divisions, stations, hourly observations, import batches and errors.

Storage decisions (documented in docs/ingest-and-store.md):

* Time ``T`` is the **end** of the averaging hour in Beijing time, stored naive
  (air-evaluation.md §3: the value labelled T covers [T−1h, T)).
* A concentration is stored exactly as an integer number of micro-units
  (:data:`qingshan.exact.SCALE`; µg/m³, CO mg/m³), never as a float.
* One row per (station, T, pollutant, source). ``source`` is part of the key so that the CNEMC
  published value, a bureau table and HJ 212 values of the same station-hour can coexist;
  :class:`qingshan.store.observations.ObservationStore` picks one per cell by source priority.
  Re-importing a file upserts on that key, so nothing is ever duplicated.
* ``flag`` is the HJ 212 data flag (hj212.md §9.3) as received, or NULL for sources that carry
  no flags (CNEMC published values; a bureau table without a flag column).
* The published AQI is not an observation; it lives in :class:`PublishedAqi`.
* A file is imported through a stage (see :mod:`qingshan.store.staging`): its values are
  staged (PostgreSQL: :class:`ImportStage`; SQLite: a scratch file beside the database), checked
  for duplicates and conflicts there, and published at the end; on SQLite :class:`ImportUndo`
  keeps what each published value replaced, so a failed or interrupted import is rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm25")


class Division(Base):
    """Administrative division, GB/T 2260 six-digit code (county level and above)."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province | city | county (区/县/功能区)
    parent_code: Mapped[str | None] = mapped_column(String(12), nullable=True)


class Station(Base):
    """An air monitoring station (national CNEMC code such as ``1721A``, or a local code)."""

    __tablename__ = "air_stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    city_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    city_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    county_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)  # 对照点 (background site)
    kind: Mapped[str] = mapped_column(String(16), default="national")  # national | provincial | local
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(String(32), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class ImportBatch(Base):
    """One imported file (or one programmatic write)."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # cnemc | table | hj212 | api
    file_name: Mapped[str | None] = mapped_column(String(512), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    encoding: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_kept: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    values_written: Mapped[int] = mapped_column(Integer, default=0)
    values_flagged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    values_rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # running (staging) | publishing | ok | failed | skipped (same file and options already imported)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: the import options that shape what is stored (JSON text); a re-import is skipped only when
    #: the SHA-256 *and* these match an earlier successful batch
    options: Mapped[str | None] = mapped_column(String(512), nullable=True)
    #: last sign of life of a running import; a stale one is rolled back by the next import
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: for a skipped re-import: the batch that imported the same file
    previous_batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: SQLite: the last staged item already published (a rollback undoes up to here)
    published_upto: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ImportRowError(Base):
    """A rejected row (or field) of an import, with the reason in Chinese."""

    __tablename__ = "import_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1-based, header = row 1
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    #: rejected | flagged | skipped | replaced | kept (see qingshan.ingest.result.IssueKind)
    kind: Mapped[str] = mapped_column(String(16), default="rejected", server_default="rejected")


class Observation(Base):
    """Hourly concentration of one pollutant at one station, labelled with the hour end T."""

    __tablename__ = "air_observations"
    __table_args__ = (UniqueConstraint("station_id", "time", "pollutant", "source"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("air_stations.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    pollutant: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(BigInteger)  # micro-units (exact.SCALE)
    flag: Mapped[str | None] = mapped_column(String(4), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    # the import batch that brought the current value (a re-import of the same value keeps it)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"), nullable=True)


class PublishedAqi(Base):
    """The AQI and primary pollutant as published by the source (kept for conformance checks)."""

    __tablename__ = "air_published_aqi"
    __table_args__ = (UniqueConstraint("station_id", "time", "source"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("air_stations.id", ondelete="CASCADE"))
    # indexed for the importer's "anything stored in this window?" probe (qingshan.store.staging)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    aqi: Mapped[int | None] = mapped_column(Integer, nullable=True)
    primary_pollutant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"), nullable=True)


class ImportStage(Base):
    """PostgreSQL: one value (``pollutant`` set) or one published AQI (``pollutant`` NULL) of a
    file being imported (:mod:`qingshan.store.staging`; SQLite stages in a scratch file instead).

    ``state``: 0 staged, 1 dropped inside the file (duplicate or conflict), 2 not published
    because another file's stored value is kept (conflict policy ``keep``). Rows are deleted once
    their batch is finished.
    """

    __tablename__ = "air_import_stage"
    __table_args__ = (Index("ix_air_import_stage_key", "batch_id", "station_id", "time", "pollutant"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    station_id: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime] = mapped_column(DateTime)
    pollutant: Mapped[str | None] = mapped_column(String(8), nullable=True)
    value: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # micro-units; the AQI itself
    flag: Mapped[str | None] = mapped_column(String(4), nullable=True)
    primary_pollutant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class ImportUndo(Base):
    """What a value of a batch being published replaced (SQLite, where a file is published in
    several transactions): the stored row as it was, so a failed or interrupted import is rolled
    back. Only changed values have a record; the batch's other rows are the ones it added.
    Deleted once the batch is finished."""

    __tablename__ = "air_import_undo"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime] = mapped_column(DateTime)
    pollutant: Mapped[str | None] = mapped_column(String(8), nullable=True)  # NULL: the published AQI
    old_value: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    old_flag: Mapped[str | None] = mapped_column(String(4), nullable=True)
    old_primary: Mapped[str | None] = mapped_column(String(64), nullable=True)
    old_batch: Mapped[int | None] = mapped_column(Integer, nullable=True)
