"""Who acts: organisation units, accounts and their roles, and the Datong organisation.

Units and users are shared by every domain (a ledger item's lead unit, a bulletin's author, an
emergency's duty officer), so they live here and not in the web layer. Sessions, passwords and
login throttling are the web's (:mod:`qingshan.web.security`, :mod:`qingshan.web.models`).

Roles (``User.role``):

========  =======================  ====================================================
role      中文                      may
========  =======================  ====================================================
admin     局系统管理员              everything, including accounts
staff     局科室工作人员            create/edit every ledger item, verify, close, reopen,
                                   import, assign and answer complaints
unit      责任单位用户(县区/部门)   see everything; edit, report progress and submit for
                                   closure only on items where its unit is lead or
                                   supporting/responsible unit
leader    领导(只读)                see everything, export; change nothing
public    公众                      portal only: submit a complaint, look it up
========  =======================  ====================================================

Divisions and codes: ``/work/shared/data/datong/FACTS.md`` §1 (NBS statistical division codes,
which follow GB/T 2260 for county-level units; state after the 2018 adjustment). 140271 is the
NBS statistical code of the 山西大同经济开发区, a functional zone and not a GB/T 2260 unit.
Departments: the municipal departments the conference's tasks name by function; their exact
official names in Datong were not verified (演示); the codes are local mnemonics.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from qingshan.core.clock import now_utc
from qingshan.store.base import Base

ROLES: dict[str, str] = {
    "admin": "局系统管理员",
    "staff": "局科室工作人员",
    "unit": "责任单位用户",
    "leader": "领导",
    "public": "公众",
}
INTERNAL_ROLES = ("admin", "staff", "unit", "leader")
EDITOR_ROLES = ("admin", "staff", "unit")
BUREAU_ROLES = ("admin", "staff")


class Unit(Base):
    """An organisation unit: the city, a district/county, a functional zone, a department.

    ``code`` is the GB/T 2260 code for administrative divisions (140200, 140212 …), the NBS
    statistical code for the functional zone 140271, and a local mnemonic for departments.
    """

    __tablename__ = "web_unit"  # table names predate qingshan.core; kept (no data migration)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # city | district | county | zone | department | bureau_section
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("web_unit.id"), nullable=True)


class User(Base):
    """An account. ``role`` is one of :data:`ROLES`; unit users belong to a unit."""

    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("web_unit.id"), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)

    unit: Mapped[Unit | None] = relationship(lazy="joined")


def role_label(role: str | None) -> str:
    return ROLES.get(role or "", role or "未登录用户")


def unit_out(unit: Unit | None) -> dict | None:
    """``{id, code, name, kind}`` of a unit (None stays None)."""
    return None if unit is None else {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind}


def resolve_unit(db: Session, ref: Any) -> Unit:
    """A unit by id, code or name; ``ValueError`` (Chinese message) when there is none."""
    if isinstance(ref, Unit):
        return ref
    unit = None
    if isinstance(ref, int) and not 0 < ref < 2**63:
        raise ValueError(f"单位编号 {str(ref)[:30]} 不存在")
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit() and len(ref.strip()) < 6):
        unit = db.get(Unit, int(ref))
    if unit is None and ref is not None:
        text = str(ref).strip()
        unit = db.scalar(select(Unit).where(or_(Unit.code == text, Unit.name == text)))
    if unit is None:
        raise ValueError(f"单位「{str(ref)[:50]}」不存在（请填写系统中的单位全称或代码）")
    return unit


def list_units(db: Session) -> list[Unit]:
    return list(db.scalars(select(Unit).order_by(Unit.code)))


# --- the Datong organisation ------------------------------------------------------------------

CITY = ("140200", "大同市", "city")

# (code, name, kind) — FACTS.md §1 table / divisions.csv
DIVISIONS: tuple[tuple[str, str, str], ...] = (
    ("140212", "新荣区", "district"),
    ("140213", "平城区", "district"),
    ("140214", "云冈区", "district"),
    ("140215", "云州区", "district"),
    ("140221", "阳高县", "county"),
    ("140222", "天镇县", "county"),
    ("140223", "广灵县", "county"),
    ("140224", "灵丘县", "county"),
    ("140225", "浑源县", "county"),
    ("140226", "左云县", "county"),
)
ZONES: tuple[tuple[str, str, str], ...] = (("140271", "山西大同经济开发区", "zone"),)

BUREAU = ("D-STHJ", "大同市生态环境局", "department")
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    BUREAU,
    ("D-FGW", "大同市发展和改革委员会", "department"),
    ("D-GXJ", "大同市工业和信息化局", "department"),
    ("D-ZRZY", "大同市自然资源局", "department"),
    ("D-ZJJ", "大同市住房和城乡建设局", "department"),
    ("D-JTJ", "大同市交通运输局", "department"),
    ("D-SWJ", "大同市水务局", "department"),
    ("D-NYNC", "大同市农业农村局", "department"),
    ("D-YJJ", "大同市应急管理局", "department"),
    ("D-GAJ", "大同市公安局", "department"),
    ("D-NYJ", "大同市能源局", "department"),
)


def ensure_org(db: Session) -> dict[str, Unit]:
    """Create the units that are missing; returns ``{name: Unit}`` for all of them (idempotent)."""
    existing = {u.code: u for u in db.scalars(select(Unit))}
    city = existing.get(CITY[0])
    if city is None:
        city = Unit(code=CITY[0], name=CITY[1], kind=CITY[2])
        db.add(city)
        db.flush()
    out = {city.name: city}
    for code, name, kind in DIVISIONS + ZONES + DEPARTMENTS:
        unit = existing.get(code)
        if unit is None:
            unit = Unit(code=code, name=name, kind=kind, parent_id=city.id)
            db.add(unit)
        out[name] = unit
    db.flush()
    return out
