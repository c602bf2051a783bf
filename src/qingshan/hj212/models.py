"""Tables of the HJ 212 gateway (Alembic branch ``hj212``).

* ``hj212_raw_packet`` — the raw archive: **every** received packet, good or bad, append-only
  (never updated or deleted), with receive time (UTC), peer address, verdict and reason.
  Ids are allocated by the gateway's single writer so data rows can reference them in the
  same group commit.
* ``hj212_data`` — one row per accepted data packet that is not a duplicate, keyed by the
  deduplication key of hj212.md §10.5 item 2: (MN, CN, DataTime, PNUM, PNO), with
  PNUM = PNO = 1 for an unsplit packet. Packets without DataTime get DataTime NULL and are
  never deduplicated (§10.5 item 4): NULLs are distinct in a unique index on SQLite and
  PostgreSQL. The primary key *is* the raw packet id, so every stored value traces to its
  packet. The values themselves are **not copied**: the raw packet is their single source, and
  :func:`qingshan.hj212.derive.flatten` reads them from it with the codec (every number as the
  exact text received, hj212.md §5.1). Writing each real-time value twice would halve the
  gateway's sustained rate (docs/hj212-gateway.md); ``hj212_data`` is the deduplicated index,
  ``hj212_value`` the typed copy of the statistics values only.
* ``hj212_value`` — the typed values of the statistics packets (CN 2051 minute, 2061 hour,
  2031 day; hj212.md §8): one row per (MN, CN, DataTime, factor) with its fields as exact
  micro-unit integers (:mod:`qingshan.hj212.values`), the factor's ``-Flag`` and the id of the
  raw packet it came from. Written by the gateway's writer in the same transaction as the
  archive and index rows (``INSERT … ON CONFLICT DO NOTHING``: the first stored value wins,
  hj212.md §10.5 rules 5 and 7). Real-time packets (CN 2011) are not copied: they are the bulk
  of the traffic and only the alarms read them. ``hj212_value_backfill`` lists the index rows
  stored before this table existed, still to be copied (:func:`qingshan.hj212.values.backfill`).
* ``hj212_alarm`` — alarm records (:mod:`qingshan.hj212.alarms`).
* ``hj212_dead_letter`` — items the gateway's own code failed on (issue 7 item 1): the bytes,
  where it failed and the error; never acknowledged. Empty in normal operation.

Times: ``datatime``/``start``/``end`` are station local time (Beijing, UTC+8) as transmitted
(hj212.md §11, no zone on the wire); ``received_at``/``detected_at`` are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base

ID64 = BigInteger().with_variant(Integer(), "sqlite")


class RawPacket(Base):
    __tablename__ = "hj212_raw_packet"

    id: Mapped[int] = mapped_column(ID64, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    peer: Mapped[str] = mapped_column(String(64))
    mn: Mapped[str | None] = mapped_column(String(32))
    st: Mapped[str | None] = mapped_column(String(4))
    cn: Mapped[str | None] = mapped_column(String(8))
    qn: Mapped[str | None] = mapped_column(String(24))
    flag: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(300))
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class DataRecord(Base):
    __tablename__ = "hj212_data"
    __table_args__ = (UniqueConstraint("mn", "cn", "datatime", "pnum", "pno"),)

    raw_id: Mapped[int] = mapped_column(ID64, ForeignKey("hj212_raw_packet.id"), primary_key=True,
                                        autoincrement=False)
    mn: Mapped[str] = mapped_column(String(32))
    st: Mapped[str] = mapped_column(String(4))
    cn: Mapped[str] = mapped_column(String(8))
    datatime: Mapped[datetime | None] = mapped_column(DateTime)
    pnum: Mapped[int] = mapped_column(Integer)
    pno: Mapped[int] = mapped_column(Integer)
    qn: Mapped[str | None] = mapped_column(String(24))
    flag: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class ValueRecord(Base):
    """One factor of one statistics packet (CN 2051/2061/2031), values in micro-units.

    ``cou``/``min``/``avg``/``max``/``zs_min``/``zs_avg``/``zs_max``: the ``-Cou``, ``-Min``, …
    fields as integers of 10⁻⁶ of the factor's unit (hj212.md §12), exactly the text received
    (more than six decimals rounded to odd, :func:`qingshan.exact.scaled_from_str`); NULL when
    absent, not a number, or beyond ±9.2·10¹² units (the raw packet ``raw_id`` keeps the text).
    ``datatime`` as transmitted (hj212.md §11; the device's ``datatime_label`` says whether it
    starts or ends the period).
    """

    __tablename__ = "hj212_value"
    __table_args__ = {"sqlite_with_rowid": False}  # clustered by the key: range reads per device

    mn: Mapped[str] = mapped_column(String(32), primary_key=True)
    cn: Mapped[str] = mapped_column(String(8), primary_key=True)
    datatime: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    factor: Mapped[str] = mapped_column(String(16), primary_key=True)
    cou: Mapped[int | None] = mapped_column(BigInteger)
    min: Mapped[int | None] = mapped_column(BigInteger)
    avg: Mapped[int | None] = mapped_column(BigInteger)
    max: Mapped[int | None] = mapped_column(BigInteger)
    zs_min: Mapped[int | None] = mapped_column(BigInteger)
    zs_avg: Mapped[int | None] = mapped_column(BigInteger)
    zs_max: Mapped[int | None] = mapped_column(BigInteger)
    flag: Mapped[str | None] = mapped_column(String(4))
    raw_id: Mapped[int] = mapped_column(ID64, ForeignKey("hj212_raw_packet.id"))


class ValueBackfill(Base):
    """Index rows (``hj212_data.raw_id``) stored before ``hj212_value`` existed, to be copied."""

    __tablename__ = "hj212_value_backfill"

    raw_id: Mapped[int] = mapped_column(ID64, primary_key=True, autoincrement=False)


class Alarm(Base):
    __tablename__ = "hj212_alarm"
    __table_args__ = (UniqueConstraint("kind", "mn", "factor", "scope", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    mn: Mapped[str] = mapped_column(String(32))
    outlet_id: Mapped[int | None] = mapped_column(Integer)
    factor: Mapped[str] = mapped_column(String(8), default="")
    #: What else identifies the episode (``field/CN`` of a constant-value run, ``CN`` of a
    #: judged value); '' when kind, MN and factor do.
    scope: Mapped[str] = mapped_column(String(16), default="", server_default="")
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(6))
    evidence: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(DateTime)


class DeadLetterRecord(Base):
    __tablename__ = "hj212_dead_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    peer: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
