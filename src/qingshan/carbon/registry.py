"""Facilities and units of carbon accounting, on top of the enterprise registry (``src_enterprise``).

A facility (a power plant or a cement plant) belongs to a registered enterprise (read via
:mod:`qingshan.sources.models`). Its units are the accounting units of carbon.md §3.1 (generating
units, one optional plant line 公用) or §6.2 (clinker lines). Validation happens before anything is
written; errors are Chinese and name the field. Update functions return before/after dicts for the
audit trail (phase 2 writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon.models import CarbonFacility, CarbonUnit
from qingshan.sources.models import Enterprise
from qingshan.standards.carbon_cement import CLINKER_TYPES
from qingshan.standards.carbon_common import exact
from qingshan.standards.carbon_power import UNIT_CLASSES, PowerUnit

SECTORS = {"power": "发电", "cement": "水泥熟料"}
UNIT_KINDS = {"unit": "发电机组", "plant_line": "全厂公用", "clinker_line": "熟料生产线"}
COOLING = {"water": "湿冷", "air": "空冷"}
_CODE = re.compile(r"^[\w#\-]{1,40}$")


class CarbonRegistryError(ValueError):
    """A facility or unit refused (Chinese message naming the field)."""


def enterprise_by_uscc(session: Session, uscc: str) -> Enterprise:
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if ent is None:
        raise CarbonRegistryError(f"未登记统一社会信用代码为“{uscc}”的企业（先用 qingshan sources enterprise 登记）")
    return ent


def add_facility(session: Session, uscc: str, code: str, name: str, sector: str, *,
                 county_code: str | None = None, demo: bool = False) -> CarbonFacility:
    """Register a facility of a registered enterprise (idempotent on ``code``)."""
    if not _CODE.match(code or ""):
        raise CarbonRegistryError(f"设施编号“{code}”应为 1—40 位汉字、字母、数字、-、_ 或 #")
    if sector not in SECTORS:
        raise CarbonRegistryError(f"行业“{sector}”应为 power（发电）或 cement（水泥熟料）")
    if county_code is not None and not re.fullmatch(r"\d{6}", county_code):
        raise CarbonRegistryError(f"区县代码“{county_code}”应为6位GB/T 2260数字代码")
    ent = enterprise_by_uscc(session, uscc)
    fac = session.scalar(select(CarbonFacility).where(CarbonFacility.code == code))
    if fac is not None:
        if fac.enterprise_id != ent.id:
            raise CarbonRegistryError(f"设施编号“{code}”已属于其他企业")
        return fac
    fac = CarbonFacility(enterprise_id=ent.id, code=code, name=name, sector=sector,
                   county_code=county_code or ent.county_code, demo=demo)
    session.add(fac)
    session.flush()
    return fac


@dataclass(frozen=True)
class UnitSpec:
    """What defines a unit (text values as entered)."""

    code: str
    name: str
    kind: str = "unit"
    capacity_mw: str | None = None
    unit_class: str | None = None
    chp: bool = False
    cooling: str | None = None
    clinker_type: str | None = None


def _validate_unit(fac: CarbonFacility, spec: UnitSpec) -> None:
    where = f"机组“{spec.code}”"
    if not _CODE.match(spec.code or ""):
        raise CarbonRegistryError(f"{where}：编号应为 1—40 位汉字、字母、数字、-、_ 或 #")
    if spec.kind not in UNIT_KINDS:
        raise CarbonRegistryError(f"{where}：类别“{spec.kind}”应为 unit、plant_line 或 clinker_line")
    if fac.sector == "power" and spec.kind == "clinker_line" or fac.sector == "cement" and spec.kind != "clinker_line":
        raise CarbonRegistryError(f"{where}：{SECTORS[fac.sector]}设施不能登记“{UNIT_KINDS[spec.kind]}”")
    if spec.kind == "unit":
        if spec.capacity_mw is None:
            raise CarbonRegistryError(f"{where}：发电机组须填写装机容量（MW）")
        try:
            cap = exact(spec.capacity_mw)
        except ValueError:
            raise CarbonRegistryError(f"{where}：装机容量“{spec.capacity_mw}”不是数字") from None
        if cap <= 0:
            raise CarbonRegistryError(f"{where}：装机容量应为正数")
        if (spec.unit_class or "conventional") not in UNIT_CLASSES:
            raise CarbonRegistryError(f"{where}：机组类型“{spec.unit_class}”应为 {'、'.join(UNIT_CLASSES)}")
        if (spec.cooling or "water") not in COOLING:
            raise CarbonRegistryError(f"{where}：冷却方式“{spec.cooling}”应为 water（湿冷）或 air（空冷）")
    if spec.kind == "clinker_line" and (spec.clinker_type or "portland") not in CLINKER_TYPES:
        raise CarbonRegistryError(f"{where}：熟料品种“{spec.clinker_type}”应为 {'、'.join(CLINKER_TYPES)}")


def unit_snapshot(u: CarbonUnit) -> dict:
    return {k: getattr(u, k) for k in ("code", "name", "kind", "capacity_mw", "unit_class", "chp", "cooling",
                                        "clinker_type", "active")}


def add_unit(session: Session, facility: CarbonFacility, spec: UnitSpec) -> tuple[CarbonUnit, dict | None, dict]:
    """Register or update a unit; returns (unit, before or None, after) for the audit trail."""
    _validate_unit(facility, spec)
    unit = session.scalar(select(CarbonUnit).where(CarbonUnit.facility_id == facility.id, CarbonUnit.code == spec.code))
    before = unit_snapshot(unit) if unit is not None else None
    if unit is None:
        unit = CarbonUnit(facility_id=facility.id, code=spec.code)
        session.add(unit)
    unit.name = spec.name
    unit.kind = spec.kind
    unit.capacity_mw = spec.capacity_mw if spec.kind == "unit" else None
    unit.unit_class = (spec.unit_class or "conventional") if spec.kind == "unit" else None
    unit.chp = bool(spec.chp) if spec.kind == "unit" else False
    unit.cooling = (spec.cooling or "water") if spec.kind == "unit" else None
    unit.clinker_type = (spec.clinker_type or "portland") if spec.kind == "clinker_line" else None
    unit.active = True
    session.flush()
    return unit, before, unit_snapshot(unit)


def power_unit(u: CarbonUnit) -> PowerUnit:
    """The standards' view of a registered unit."""
    return PowerUnit(code=u.code, capacity_mw=Fraction(u.capacity_mw) if u.capacity_mw else None,
                     unit_class=u.unit_class or "conventional", chp=bool(u.chp), cooling=u.cooling or "water",
                     kind="plant_line" if u.kind == "plant_line" else "unit")


def find_unit(session: Session, uscc: str, unit_code: str) -> CarbonUnit | None:
    """A unit by its enterprise's credit code and its code (as plants' sheets name it)."""
    q = (select(CarbonUnit).join(CarbonFacility, CarbonFacility.id == CarbonUnit.facility_id).join(Enterprise, Enterprise.id == CarbonFacility.enterprise_id)
         .where(Enterprise.uscc == uscc.strip().upper(), CarbonUnit.code == unit_code.strip()))
    return session.scalars(q).first()
