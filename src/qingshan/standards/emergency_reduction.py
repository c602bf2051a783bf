"""Emission reductions of the emergency list and the city sufficiency check (应急减排清单).

Implements air-emergency.md §2 (648号 ratios as restated by city plans; the 2020 technical
guide's capacity base for cement; the rest PROJECT DEFAULT where marked):

* :func:`required_ratio` — ``required_ratio[level][pollutant]`` from the versioned table (§2.1,
  UNCONFIRMED after 2024);
* :func:`city_baseline` — whole-society daily emission ``B_p`` (t/d) from an inventory
  (§2.2, ``city_baseline_basis``);
* :func:`capacity_base` — the smallest of EIA, permit and last year's actual output (§2.2);
* :func:`parse_measures` / :func:`format_measure` — the list's measures (§2.3);
* :func:`emission_under` / :func:`line_reductions` — ``E_L`` and ``R = max(0, E0 − E_L)`` per
  line, level and pollutant (§2.4), protected rows (§2.5);
* :func:`city_check` — the sufficiency check of §2.6 per pollutant and level, with the shortfall.

Exact arithmetic: every quantity is a :class:`fractions.Fraction` (the spec's worked example E2
cuts 2/11 exactly); percentages are published with one decimal, half-even (GB/T 8170), on the
exact value. Units: enterprise emissions kg/d, city totals t/d (kg → t by /1000).

References
----------
.. [1] 环办大气函〔2019〕648号; 环办大气函〔2020〕340号 (capacity base, cement measures).
.. [2] ../shared/standards/air-emergency.md §2.1–§2.6, §5 E2.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from qingshan import exact
from qingshan.standards.emergency_tables import TableError, TableVersion, packaged_default

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")
POLLUTANT_ZH = {"SO2": "二氧化硫", "NOx": "氮氧化物", "PM": "颗粒物", "VOCs": "挥发性有机物"}
LEVELS = ("yellow", "orange", "red")
LEVEL_ZH = {"yellow": "黄色", "orange": "橙色", "red": "红色"}
#: §2.3 ``protected`` categories.
PROTECTED = {"none": "无", "heating": "供暖", "waste_disposal": "协同处置城市垃圾或危废",
             "city_operation": "城市运行保障", "other_local": "地方保障类"}
#: §2.3 measure codes and their Chinese names.
MEASURES = {
    "self": "自主减排", "stop": "停产", "cut": "限产", "stop_share": "按生产线停产", "coking_time": "延长结焦时间",
    "truck_ban_le4": "停用国四及以下重型货车", "no_road_transport": "停止公路运输", "stagger": "错峰生产",
}


class ReductionError(ValueError):
    """A list row whose reduction cannot be computed; the message (Chinese) names the field."""


# =============================================================================================
# tables and baselines (§2.1, §2.2)
# =============================================================================================


def _frac(v: Any) -> Fraction:
    return Fraction(str(v).strip())


def validate_required_ratio(table: TableVersion) -> None:
    if table.kind != "required_ratio":
        raise TableError(f"需要应急减排比例表，而非“{table.kind}”")
    pct = table.data.get("percent")
    if not isinstance(pct, Mapping):
        raise TableError(f"应急减排比例表 {table.version}：缺少 percent")
    for lv in LEVELS:
        for p in POLLUTANTS:
            try:
                v = _frac(pct[lv][p])
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                raise TableError(f"应急减排比例表 {table.version}：{LEVEL_ZH[lv]} {p} 缺失或不是数") from None
            if not 0 <= v <= 100:
                raise TableError(f"应急减排比例表 {table.version}：{LEVEL_ZH[lv]} {p} = {v}% 超出 0–100%")


def required_ratio(level: str, pollutant: str, table: TableVersion | None = None) -> Fraction:
    """§2.1 ``required_ratio[level][pollutant]`` as a fraction (table values are percent)."""
    t = table or packaged_default("required_ratio")
    try:
        return _frac(t.data["percent"][level][pollutant]) / 100
    except KeyError:
        raise TableError(f"应急减排比例表 {t.version} 没有 {level}/{pollutant}") from None


def city_baseline(amount_t: Fraction, *, basis: str = "annual_div_365", year: int | None = None,
                  season_days: int | None = None) -> Fraction:
    """§2.2 whole-society daily emission ``B_p`` [t/d].

    ``basis="annual_div_365"`` (default): the annual inventory ``amount_t`` divided by the days
    of ``year`` (366 in a leap year); ``"heating_season_daily"``: a heating-season total divided
    by ``season_days`` (UNCONFIRMED which one 648号 means).
    """
    amount_t = Fraction(amount_t)
    if basis == "annual_div_365":
        if year is None:
            raise ValueError("annual_div_365 需要清单年份")
        return amount_t / (366 if calendar.isleap(year) else 365)
    if basis == "heating_season_daily":
        if not season_days:
            raise ValueError("heating_season_daily 需要采暖季天数")
        return amount_t / season_days
    raise ValueError("city_baseline_basis 应为 annual_div_365 或 heating_season_daily")


def capacity_base(cap_eia: Fraction | None, cap_permit: Fraction | None, prod_lastyear: Fraction | None
                  ) -> Fraction | None:
    """§2.2: the smallest of EIA-approved capacity, permit capacity and last year's normal output
    (daily means, one unit for all three); None when none is known. Confirmed for cement,
    applied to every industry (UNCONFIRMED beyond cement)."""
    known = [Fraction(v) for v in (cap_eia, cap_permit, prod_lastyear) if v is not None]
    return min(known) if known else None


# =============================================================================================
# measures (§2.3)
# =============================================================================================


@dataclass(frozen=True)
class Measure:
    kind: str
    x: Fraction | None = None  # cut / stop_share: fraction; coking_time: hours

    def __str__(self) -> str:
        return format_measure(self)

    @property
    def code(self) -> str:
        if self.kind in ("cut", "stop_share"):
            return f"{self.kind} {_num(self.x * 100)}"
        if self.kind == "coking_time":
            return f"coking_time {_num(self.x)}"
        return self.kind


def _num(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    return exact.fraction_to_str(x, 6).rstrip("0").rstrip(".")


_ZH_PATTERNS = (
    (re.compile(r"^(?:cut|限产)\s*([0-9.]+)\s*%?$", re.I), "cut"),
    (re.compile(r"^(?:stop_share|停产|按生产线停产)\s*([0-9.]+)\s*%?(?:（?按生产线）?)?$", re.I), "stop_share"),
    (re.compile(r"^(?:coking_time|延长结焦时间(?:至)?)\s*([0-9.]+)\s*(?:h|小时)?$", re.I), "coking_time"),
)
_ZH_PLAIN = {
    "self": "self", "自主减排": "self", "自主": "self",
    "stop": "stop", "停产": "stop", "全部停产": "stop",
    "truck_ban_le4": "truck_ban_le4", "停用国四及以下重型货车": "truck_ban_le4", "禁用国四及以下重型货车": "truck_ban_le4",
    "no_road_transport": "no_road_transport", "停止公路运输": "no_road_transport",
    "stagger": "stagger", "错峰": "stagger", "错峰生产": "stagger",
}


def parse_measure(text: str) -> Measure:
    """One measure from its code (``cut 20``) or Chinese form (``限产20%``, ``停产50%``,
    ``延长结焦时间至36小时``, ``停用国四及以下重型货车`` …). x in percent, used as a fraction."""
    s = str(text).strip().replace("％", "%")
    if s in _ZH_PLAIN:
        return Measure(_ZH_PLAIN[s])
    for rx, kind in _ZH_PATTERNS:
        m = rx.match(s)
        if m:
            try:
                v = Fraction(m.group(1))
            except ValueError:
                break
            if kind == "coking_time":
                if v <= 0:
                    raise ReductionError(f"措施“{s}”：结焦时间应大于 0")
                return Measure(kind, v)
            if not 0 < v <= 100:
                raise ReductionError(f"措施“{s}”：比例应在 0–100% 之间")
            return Measure(kind, v / 100)
    raise ReductionError(f"措施“{s}”无法识别（应为 {'、'.join(MEASURES.values())}，如“限产20%”“停产50%（按生产线）”“延长结焦时间至36小时”）")


def parse_measures(text: str | None) -> tuple[Measure, ...]:
    """Several measures separated by ``；`` ``;`` ``、`` ``+`` or line breaks."""
    if text is None or not str(text).strip():
        return ()
    parts = re.split(r"[；;、+\n]+", str(text))
    return tuple(parse_measure(p) for p in parts if p.strip())


def format_measure(m: Measure) -> str:
    if m.kind == "cut":
        return f"限产{_num(m.x * 100)}%"
    if m.kind == "stop_share":
        return f"停产{_num(m.x * 100)}%（按生产线）"
    if m.kind == "coking_time":
        return f"延长结焦时间至{_num(m.x)}小时"
    return MEASURES[m.kind]


def format_measures(ms: Iterable[Measure]) -> str:
    return "；".join(format_measure(m) for m in ms)


# =============================================================================================
# reductions per line (§2.4, §2.5)
# =============================================================================================


@dataclass(frozen=True)
class Line:
    """What §2.4 needs of one list row (enterprise × production line). Quantities exact."""

    e0: Mapping[str, Fraction]  # kg/d per pollutant
    measures: Mapping[str, tuple[Measure, ...]] = field(default_factory=dict)  # per level
    cap_eia: Fraction | None = None
    cap_permit: Fraction | None = None
    prod_lastyear: Fraction | None = None
    p0: Fraction | None = None
    e_hold: Mapping[str, Fraction] = field(default_factory=dict)
    t0: Fraction | None = None  # normal coking time, h
    protected: str = "none"
    max_load: Fraction | None = None  # fraction of the capacity base
    r_declared: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)
    local_exempt: bool = False  # protected category in local_exempt_categories (§2.5)
    label: str = ""

    @property
    def c_base(self) -> Fraction | None:
        return capacity_base(self.cap_eia, self.cap_permit, self.prod_lastyear)


def _remaining(line: Line, m: Measure, level: str, p: str, e0: Fraction) -> Fraction:
    """E_L/E0 of one measure (§2.4)."""
    where = f"{line.label}：{LEVEL_ZH.get(level, level)}措施“{format_measure(m)}”"
    if m.kind in ("truck_ban_le4", "no_road_transport", "stagger"):
        return Fraction(1)  # transport bans count in the mobile-source line (§2.4)
    if m.kind == "self":
        declared = line.r_declared.get(level, {}).get(p)
        if declared is None:
            return Fraction(1)
        return max(Fraction(0), e0 - declared) / e0
    if m.kind == "stop":
        return Fraction(line.e_hold.get(p, 0)) / e0
    if m.kind == "stop_share":
        return 1 - m.x
    if m.kind == "cut":
        c = line.c_base
        if c is None or line.p0 is None:
            raise ReductionError(f"{where}需要产能基准（环评/排污许可/上年实际产量）和当前产量 P0")
        return min(line.p0, (1 - m.x) * c) / line.p0
    if m.kind == "coking_time":
        if line.t0 is None:
            raise ReductionError(f"{where}需要正常结焦时间 T0")
        return line.t0 / m.x
    raise ReductionError(f"{where}无法计算")


def emission_under(line: Line, level: str, pollutant: str) -> Fraction:
    """``E_L`` [kg/d] of ``pollutant`` at ``level`` (§2.4).

    Several measures multiply their remaining fractions; a protected row (§2.5) has
    ``E_L = E0 × min(1, max_load × C_base / P0)`` in place of its measures; a row with
    ``P0 = 0`` (already stopped) has ``E_L = E0 = 0``.
    """
    e0 = Fraction(line.e0.get(pollutant, 0))
    if e0 == 0 or line.p0 == 0:
        return Fraction(0) if line.p0 == 0 else e0
    if line.protected != "none":
        if line.max_load is not None:
            c = line.c_base
            if c is None or line.p0 is None:
                raise ReductionError(f"{line.label}：保障类企业（以热定产）需要产能基准和当前产量 P0")
            return e0 * min(Fraction(1), line.max_load * c / line.p0)
        if line.local_exempt:
            return e0 - min(e0, line.r_declared.get(level, {}).get(pollutant, Fraction(0)))
        raise ReductionError(f"{line.label}：保障类企业应填写最大允许负荷（max_load）")
    frac = Fraction(1)
    for m in line.measures.get(level, ()):
        frac *= _remaining(line, m, level, pollutant, e0)
    return e0 * frac


def line_reductions(line: Line, level: str) -> dict[str, Fraction]:
    """``R[level][p] = max(0, E0 − E_L)`` [kg/d] for every pollutant of §2.3."""
    return {p: max(Fraction(0), Fraction(line.e0.get(p, 0)) - emission_under(line, level, p)) for p in POLLUTANTS}


def required_cut(line: Line, level: str, pollutant: str) -> Fraction:
    """``rho_req = R[L][p] / E0_p`` (0 when E0_p = 0; §4.2)."""
    e0 = Fraction(line.e0.get(pollutant, 0))
    return Fraction(0) if e0 == 0 else line_reductions(line, level)[pollutant] / e0


# =============================================================================================
# city sufficiency check (§2.6)
# =============================================================================================


def percent_pub(x: Fraction | None, decimals: int = 1) -> str:
    """A share published in % with one decimal, half-even on the exact value (GB/T 8170); '—' if None."""
    return "—" if x is None else exact.fraction_to_str(x * 100, decimals) + "%"


@dataclass(frozen=True)
class PollutantCheck:
    pollutant: str
    baseline_t: Fraction
    ratio: Fraction
    required_t: Fraction
    rows_t: Fraction
    other_t: Fraction
    achieved_t: Fraction
    share: Fraction | None
    passed: bool
    shortfall_t: Fraction

    @property
    def share_pub(self) -> str:
        return percent_pub(self.share)


@dataclass(frozen=True)
class CityCheck:
    level: str
    items: tuple[PollutantCheck, ...]
    table: dict[str, str]

    @property
    def passed(self) -> bool:
        return all(i.passed for i in self.items)

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(i.pollutant for i in self.items if not i.passed)


def city_check(level: str, rows_kg: Mapping[str, Fraction], other_t: Mapping[str, Fraction],
               baseline_t: Mapping[str, Fraction], *, table: TableVersion | None = None,
               pollutants: Sequence[str] = POLLUTANTS) -> CityCheck:
    """§2.6 for level ``level``: per pollutant

    ``achieved = Σ_rows R[L][p] / 1000 + S_p(L)``, ``required = required_ratio[L][p] × B_p``,
    pass when ``achieved ≥ required`` (exact), ``shortfall = max(0, required − achieved)``;
    ``share = achieved / B_p`` (None when ``B_p = 0``, which passes). The list passes ``L`` only
    if every pollutant passes.

    ``rows_kg``: Σ over every list row (protected ones included) of R[L][p] [kg/d];
    ``other_t``: listed non-industrial reductions S_p(L) [t/d]; ``baseline_t``: B_p [t/d].
    """
    t = table or packaged_default("required_ratio")
    items = []
    for p in pollutants:
        b = Fraction(baseline_t.get(p, 0))
        ratio = required_ratio(level, p, t)
        req = ratio * b
        rows = Fraction(rows_kg.get(p, 0)) / 1000
        other = Fraction(other_t.get(p, 0))
        ach = rows + other
        items.append(PollutantCheck(p, b, ratio, req, rows, other, ach, None if b == 0 else ach / b,
                                    ach >= req, max(Fraction(0), req - ach)))
    return CityCheck(level, tuple(items), t.ref)
