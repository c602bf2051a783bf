"""The emergency list in the store: reductions per row, check units, the city sufficiency check.

One row per enterprise × production line (air-emergency.md §2.3); its reductions per level are
computed by :mod:`qingshan.standards.emergency_reduction` (§2.4, §2.5) when the row is stored and
recomputed on demand with the active tables; the city check (§2.6) runs per level and pollutant.
Rows that share an HJ 212 outlet form one check unit for VERIFY-1 (§4.2 "Check unit").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.emergency import tables
from qingshan.emergency.errors import NotFound
from qingshan.emergency.models import CityBaseline, EmergencyList, ListOther, ListRow
from qingshan.standards.emergency_reduction import (
    LEVELS,
    POLLUTANTS,
    PROTECTED,
    CityCheck,
    Line,
    Measure,
    city_check,
    format_measures,
    line_reductions,
    parse_measure,
)
from qingshan.standards.verify_cuts import CheckUnit

#: Industry keys of the grade tables and their Chinese names (§2.3: 39 guide industries, 其他, 民生).
INDUSTRY_ZH = {"cement": "水泥熟料", "coking": "焦化", "power": "燃煤发电", "boiler": "燃煤锅炉", "other": "其他行业",
               "civil": "民生"}
INDUSTRY_ALIASES = {
    "水泥": "cement", "水泥熟料": "cement", "水泥制造": "cement", "焦化": "coking", "炼焦": "coking",
    "火电": "power", "燃煤发电": "power", "火力发电": "power", "电力": "power", "锅炉": "boiler", "燃煤锅炉": "boiler",
    "供热锅炉": "boiler", "其他": "other", "其他行业": "other", "民生": "civil", "民生保障": "civil",
}
OTHER_CATEGORIES = {"mobile": "移动源", "dust": "扬尘源", "other": "其他"}


def industry_key(text: str) -> str:
    s = str(text or "").strip()
    return s if s in INDUSTRY_ZH else INDUSTRY_ALIASES.get(s, s)


def frac(text: str | None) -> Fraction | None:
    return None if text in (None, "") else Fraction(str(text))


def frac_text(x: Fraction | None) -> str | None:
    if x is None:
        return None
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def line_of(row: ListRow, *, local_exempt_categories: Sequence[str] = ()) -> Line:
    """The §2.4 input of a stored row (exact fractions from its text)."""
    return Line(
        e0={p: Fraction(v) for p, v in (row.e0 or {}).items()},
        measures={lv: tuple(parse_measure(m) for m in (row.measures or {}).get(lv, ())) for lv in LEVELS},
        cap_eia=frac(row.cap_eia), cap_permit=frac(row.cap_permit), prod_lastyear=frac(row.prod_lastyear),
        p0=frac(row.p0), e_hold={p: Fraction(v) for p, v in (row.e_hold or {}).items()}, t0=frac(row.t0),
        protected=row.protected or "none", max_load=frac(row.max_load),
        r_declared={lv: {p: Fraction(v) for p, v in d.items()} for lv, d in (row.r_declared or {}).items()},
        local_exempt=(row.protected or "none") in local_exempt_categories,
        label=f"{row.name}（{row.line_id}）",
    )


def reductions_of(row: ListRow) -> dict[str, dict[str, Fraction]]:
    line = line_of(row)
    return {lv: line_reductions(line, lv) for lv in LEVELS}


def store_reductions(row: ListRow) -> None:
    row.r = {lv: {p: frac_text(v) for p, v in r.items()} for lv, r in reductions_of(row).items()}


def get_list(session: Session, list_id: int | None = None) -> EmergencyList:
    """A list by id, or the newest active one."""
    if list_id is not None:
        lst = session.get(EmergencyList, list_id)
    else:
        lst = session.scalars(select(EmergencyList).where(EmergencyList.status == "active")
                              .order_by(EmergencyList.id.desc()).limit(1)).first()
    if lst is None:
        raise NotFound("没有应急减排清单" if list_id is None else f"应急减排清单 {list_id} 不存在")
    return lst


def list_rows(session: Session, list_id: int, *, grade: str | None = None, industry: str | None = None,
              county: str | None = None, enterprise_id: int | None = None) -> list[ListRow]:
    """Rows of a list, filtered by grade, industry (key or Chinese) and county code (the list page's filters)."""
    q = select(ListRow).where(ListRow.list_id == list_id)
    if grade:
        q = q.where(ListRow.grade == grade)
    if industry:
        q = q.where(ListRow.industry == industry_key(industry))
    if county:
        q = q.where(ListRow.county == county)
    if enterprise_id is not None:
        q = q.where(ListRow.enterprise_id == enterprise_id)
    return list(session.scalars(q.order_by(ListRow.row_no)))


def check_for(session: Session, list_id: int, level: str) -> CityCheck:
    """§2.6 for one level: Σ rows R (recomputed) + listed non-industrial reductions vs the baseline."""
    rows_kg = {p: Fraction(0) for p in POLLUTANTS}
    for row in list_rows(session, list_id):
        for p, v in reductions_of(row)[level].items():
            rows_kg[p] += v
    other = {p: Fraction(0) for p in POLLUTANTS}
    for o in session.scalars(select(ListOther).where(ListOther.list_id == list_id, ListOther.level == level)):
        other[o.pollutant] += Fraction(o.t_per_day)
    base = {b.pollutant: Fraction(b.t_per_day) for b in
            session.scalars(select(CityBaseline).where(CityBaseline.list_id == list_id))}
    return city_check(level, rows_kg, other, base, table=tables.active(session, "required_ratio"))


@dataclass(frozen=True)
class UnitRows:
    unit: CheckUnit
    rows: tuple[ListRow, ...]

    @property
    def enterprise_id(self) -> int:
        return self.rows[0].enterprise_id


def check_units(rows: Sequence[ListRow], *, limits: dict[int, dict[str, Fraction]] | None = None) -> list[UnitRows]:
    """§4.2 check units: rows sharing an outlet (MN) are merged — R and E0 summed, ``stop`` only if
    every merged row stops; a row without MN is its own (unmonitored) unit."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, r in enumerate(rows):
        for mn in r.mn_codes or []:
            if mn in owner:
                parent[find(i)] = find(owner[mn])
            else:
                owner[mn] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        rs = tuple(rows[i] for i in members)
        red = [reductions_of(r) for r in rs]
        e0 = {p: sum((Fraction((r.e0 or {}).get(p, 0)) for r in rs), Fraction(0)) for p in POLLUTANTS}
        rho_req = {lv: {p: (sum((x[lv][p] for x in red), Fraction(0)) / e0[p]) if e0[p] else Fraction(0)
                        for p in POLLUTANTS} for lv in LEVELS}
        parsed = [{lv: [parse_measure(m) for m in (r.measures or {}).get(lv, ())] for lv in LEVELS} for r in rs]
        stop = frozenset(lv for lv in LEVELS if all(any(m.kind == "stop" for m in ms[lv]) for ms in parsed)
                         and all((r.protected or "none") == "none" for r in rs))
        cut = frozenset(lv for lv in LEVELS if any(any(m.kind == "cut" for m in ms[lv]) for ms in parsed))
        ramps = [r.ramp_h for r in rs if r.ramp_h is not None]
        mns = tuple(sorted({mn for r in rs for mn in (r.mn_codes or [])}))
        key = f"{rs[0].uscc}:{'+'.join(r.line_id for r in rs)}"
        lim = (limits or {}).get(rs[0].enterprise_id, {})
        out.append(UnitRows(CheckUnit(key, mns, rho_req, e0=e0, stop_levels=stop, cut_levels=cut,
                                      ramp_h=max(ramps) if ramps else None, limits=lim), rs))
    return out


def measures_text(row: ListRow, level: str) -> str:
    """The row's measures at ``level`` in Chinese; a protected row's 以热定产 replaces them (§2.4)."""
    if (row.protected or "none") != "none" and row.max_load:
        load = exact.fraction_to_str(Fraction(row.max_load) * 100, 1).removesuffix(".0")
        return f"保障类（{PROTECTED[row.protected]}）：以热定产，负荷不超过产能基准的{load}%"
    return format_measures(parse_measure(m) for m in (row.measures or {}).get(level, ()))


def measure_objects(row: ListRow, level: str) -> tuple[Measure, ...]:
    return tuple(parse_measure(m) for m in (row.measures or {}).get(level, ()))
