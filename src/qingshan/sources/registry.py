"""Registering enterprises, outlets, devices and limits; loading them for the gateway.

Validation happens here, before anything is written (a bad item is refused with a Chinese
message naming the field; nothing half-written):

* 统一社会信用代码: GB 32100 check character (:mod:`qingshan.sources.uscc`);
* county code: 6-digit GB/T 2260 code;
* MN: 24 characters 0–9/A–F (HJ 212—2017 Table 3, EPC-96; hj212.md §3), or 14 characters for
  a 2005 device (hj212.md §13, UNCONFIRMED length) when ``version`` is 0;
* PW: 6 characters (hj212.md §3), stored only as an Argon2id hash (see
  :mod:`qingshan.sources.models` for the decision).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.sources.devices import CrcVariant, DatatimeLabel, DeviceSettings
from qingshan.sources.limits import limit_set
from qingshan.sources.models import Device, Enterprise, Outlet, OutletLimit
from qingshan.sources.uscc import validate_uscc

# OWASP password-storage cheat sheet, Argon2id option "m=19 MiB, t=2, p=1".
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

_MN_2017 = re.compile(r"^[0-9A-F]{24}$")
_MN_2005 = re.compile(r"^[0-9A-Za-z]{14}$")


class RegistryError(ValueError):
    """A registry item refused; the message (Chinese) names the field and the value."""


def hash_password(pw: str) -> str:
    return _HASHER.hash(pw)


def verify_password(pw_hash: str, pw: str) -> bool:
    try:
        return _HASHER.verify(pw_hash, pw)
    except (VerificationError, InvalidHashError):
        return False


def validate_mn(mn: str, version: int = 1) -> str:
    if _MN_2017.match(mn) or (version == 0 and _MN_2005.match(mn)):
        return mn
    raise RegistryError(f"设备MN“{mn}”格式错误：应为24位十六进制大写字符（HJ 212—2017 表3）")


def add_enterprise(session: Session, name: str, uscc: str, industry: str | None = None,
                   county_code: str | None = None) -> Enterprise:
    try:
        code = validate_uscc(uscc)
    except ValueError as exc:
        raise RegistryError(f"企业“{name}”：{exc}") from None
    if county_code is not None and not re.fullmatch(r"\d{6}", county_code):
        raise RegistryError(f"企业“{name}”：区县代码“{county_code}”应为6位GB/T 2260数字代码")
    existing = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    if existing is not None:
        return existing
    ent = Enterprise(name=name, uscc=code, industry=industry, county_code=county_code)
    session.add(ent)
    session.flush()
    return ent


def add_outlet(session: Session, enterprise: Enterprise, code: str, kind: str, name: str,
               lon: float | None = None, lat: float | None = None) -> Outlet:
    if kind not in ("gas", "water"):
        raise RegistryError(f"排放口“{name}”：类型“{kind}”应为 gas（废气）或 water（废水）")
    if lon is not None and not (73 <= lon <= 136 and 3 <= (lat or 0) <= 54):
        raise RegistryError(f"排放口“{name}”：坐标（{lon}, {lat}）不在中国境内")
    existing = session.scalar(
        select(Outlet).where(Outlet.enterprise_id == enterprise.id, Outlet.code == code))
    if existing is not None:
        return existing
    out = Outlet(enterprise_id=enterprise.id, code=code, kind=kind, name=name, lon=lon, lat=lat)
    session.add(out)
    session.flush()
    return out


def add_device(session: Session, mn: str, password: str, st: str, outlet: Outlet | None = None,
               version: int = 1, datatime_label: str = "start", strict: bool = False,
               crc_variant: str | None = None) -> Device:
    """Register (or update) a device.

    ``strict``: refuse every packet with a deviation from the standard (default False: the
    gateway keeps what it safely can and archives the deviations). ``crc_variant``: a
    non-standard CRC this device is known to send (hj212.md §6a, ``modbus`` or
    ``modbus_swapped``); a CRC that matches neither the standard nor this variant is
    always refused.
    """
    validate_mn(mn, version)
    if crc_variant == "hj212":  # the standard CRC: nothing to configure
        crc_variant = None
    if crc_variant is not None and crc_variant not in set(CrcVariant):
        names = "、".join(["hj212", *sorted(CrcVariant)])
        raise RegistryError(f"设备“{mn}”：CRC 变体“{crc_variant}”未知，应为 {names} 之一（hj212.md §6a）")
    if len(password) != 6:
        raise RegistryError(f"设备“{mn}”：访问密码PW应为6个字符（HJ 212—2017 表3），实际{len(password)}个")
    if not re.fullmatch(r"[0-9A-Z]{2}", st):
        raise RegistryError(f"设备“{mn}”：系统编码ST“{st}”应为2个字符（HJ 212—2017 表5）")
    if datatime_label not in set(DatatimeLabel):
        raise RegistryError(f"设备“{mn}”：datatime_label“{datatime_label}”应为 start 或 end（hj212.md §11）")
    dev = session.scalar(select(Device).where(Device.mn == mn))
    if dev is None:
        dev = Device(mn=mn, registered_at=datetime.now(timezone.utc).replace(tzinfo=None))
        session.add(dev)
    dev.pw_hash = hash_password(password)
    dev.st = st
    dev.outlet_id = outlet.id if outlet is not None else None
    dev.version = version
    dev.datatime_label = datatime_label
    dev.active = True
    dev.strict = strict
    dev.crc_variant = crc_variant
    session.flush()
    return dev


def apply_limit_set(session: Session, outlet: Outlet, set_id: str) -> list[OutletLimit]:
    """Give the outlet every limit of a shipped set (replacing its limit for those factors)."""
    rows = []
    for spec in limit_set(set_id):
        lim = session.scalar(select(OutletLimit).where(
            OutletLimit.outlet_id == outlet.id, OutletLimit.factor == spec.factor))
        if lim is None:
            lim = OutletLimit(outlet_id=outlet.id, factor=spec.factor)
            session.add(lim)
        lim.limit_value = spec.limit_value
        lim.unit = spec.unit
        lim.basis = spec.basis
        lim.ref_o2 = spec.ref_o2
        lim.standard = spec.standard
        lim.period = spec.period
        lim.clause = f"{spec.clause}（限值集 {spec.set_id}）"
        rows.append(lim)
    session.flush()
    return rows


def load_devices(engine: Engine) -> dict[str, DeviceSettings]:
    """Every **active** registered device."""
    with Session(engine) as s:
        return {
            d.mn: DeviceSettings(d.mn, d.pw_hash, d.st, d.version, d.datatime_label, d.outlet_id, bool(d.strict),
                             d.crc_variant, d.registered_at)
            for d in s.scalars(select(Device).where(Device.active.is_(True)))
        }


def load_limits(engine: Engine) -> list[dict]:
    """Every outlet limit joined with the devices on that outlet (one row per MN × factor)."""
    with Session(engine) as s:
        q = (select(Device.mn, OutletLimit.outlet_id, OutletLimit.factor, OutletLimit.limit_value,
                    OutletLimit.unit, OutletLimit.basis, OutletLimit.ref_o2, OutletLimit.period, OutletLimit.standard,
                    OutletLimit.clause)
             .join(OutletLimit, OutletLimit.outlet_id == Device.outlet_id))
        return [dict(r._mapping) for r in s.execute(q)]
