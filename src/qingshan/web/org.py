"""The Datong organisation: city, districts and counties (GB/T 2260), the functional zone, departments.

Divisions and codes: ``/work/shared/data/datong/FACTS.md`` §1 (NBS statistical division codes,
which follow GB/T 2260 for county-level units; state after the 2018 adjustment). 140271 is the
NBS statistical code of the 山西大同经济开发区, a functional zone and not a GB/T 2260 unit.

Departments: the municipal departments the conference's tasks name by function (development and
reform, industry, natural resources, housing, transport, water, agriculture, emergency management,
public security, energy). Their exact official names in Datong were not verified (演示); the codes
are local mnemonics, not official codes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.web.models import Unit

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
