"""Tables of the pollution-source registry (Alembic branch ``hj212``).

* ``src_enterprise``  排污单位: name, 统一社会信用代码 (GB 32100, check digit validated by
  :mod:`qingshan.sources.uscc` before insert), industry, county (GB/T 2260 code).
* ``src_outlet``      排放口: gas (废气) or water (废水), name, WGS-84 coordinates.
* ``src_device``      在线监测设备 / 数采仪 identified by its HJ 212 MN (hj212.md §3): system
  code ST, protocol version (``Flag >> 2``, hj212.md §4), ``datatime_label`` (hj212.md §11).
* ``src_outlet_limit`` per-outlet emission limit per factor, with its basis (measured value or
  converted ``Zs`` value at reference O2) and the standard and clause it comes from.

Password decision (hj212.md §3, ``PW`` is 6 characters sent in clear in every packet): the
registry stores only an Argon2id hash (``pw_hash``), so a leaked database does not hand out
the passwords. The gateway verifies a received PW against the hash once per device and
caches the positive result in memory (see :mod:`qingshan.hj212.gateway.auth`), so the hash
cost is paid once per device per gateway process, not per packet. The consequence: the
platform cannot send host→site commands that need the site password without an operator
entering it; HJ 212 replies echo the PW of the packet being answered (hj212.md §10.3), which
needs no stored plaintext.

Limit values are stored as decimal **text** (exact, as the standard prints them) and compared
exactly (hj212.md §5.1: numbers are parsed with ``Decimal(str)``; the project's exact helpers).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Enterprise(Base):
    __tablename__ = "src_enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    county_code: Mapped[str | None] = mapped_column(String(6))


class Outlet(Base):
    __tablename__ = "src_outlet"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        CheckConstraint("kind IN ('gas', 'water')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("src_enterprise.id"))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class Device(Base):
    __tablename__ = "src_device"
    __table_args__ = (CheckConstraint("datatime_label IN ('start', 'end')", name="datatime_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(24), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("src_outlet.id"))
    pw_hash: Mapped[str] = mapped_column(String(200))
    st: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    datatime_label: Mapped[str] = mapped_column(String(5), default="start")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Parse this device's packets strictly (refuse any deviation); default lenient
    #: (docs/hj212-gateway.md "Lenient by default").
    strict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Non-standard CRC this device is known to send (hj212.md §6a: ``modbus``,
    #: ``modbus_swapped``); None = the HJ 212 CRC only. Never guessed.
    crc_variant: Mapped[str | None] = mapped_column(String(20))
    #: When the device was registered (UTC): start of a missing-data alarm if it never sends.
    registered_at: Mapped[datetime | None] = mapped_column(DateTime, default=_utcnow)


class OutletLimit(Base):
    __tablename__ = "src_outlet_limit"
    __table_args__ = (
        UniqueConstraint("outlet_id", "factor"),
        CheckConstraint("basis IN ('measured', 'converted')", name="basis"),
        CheckConstraint("period IN ('hour', 'day')", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("src_outlet.id"))
    factor: Mapped[str] = mapped_column(String(6))
    limit_value: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))
    basis: Mapped[str] = mapped_column(String(10))
    ref_o2: Mapped[str | None] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(4), default="hour")
    standard: Mapped[str] = mapped_column(String(100))
    clause: Mapped[str] = mapped_column(String(200))
