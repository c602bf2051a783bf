"""企业温室气体排放核算与报告指南 发电设施: CO2 of a generating unit per month, and its production data.

Per unit *u* and month *m* (carbon.md §3.2)::

    E(u,m)       = E_fuel(u,m) + E_elec(u,m)                      [tCO2]
    E_fuel(u,m)  = Σ_i FC_i × NCV_i × CC_i × OF_i × 44/12
    E_coal(m)    = FC(m) × C_ar(m) × OF × 44/12                   (measured elemental carbon)
    E_elec(u,m)  = AD_elec × EF_grid                              (market grid factor, §5.2)
    E(u, year)   = Σ_m E(u,m)                                     (monthly first, never averaged parameters)

* Carbon and NCV on the same (as-received) basis: an air-dried result is converted with
  ``C_ar = C_ad × (1 − M_ar)/(1 − M_ad)`` (H and S_t alike).
* Carbon not measured, or "not valid" (its month fails K-02): the edition's punitive default
  ``coal_cc_unmeasured`` (0.03085 tC/GJ; 2021 edition 0.03356) with ``default_applied``.
  Coal OF is always ``coal_oxidation_rate`` (0.99). Both UNCONFIRMED, from the factor library.
* Coal NCV is never defaulted (a missing NCV fails K-01).
* Purchased electricity at ``market_grid_factor`` of the emission year (§5.2).

Production quantities (§3.3), per unit-month and per unit-year (from annual sums)::

    aux power rate        = 1 − supply / generation
    supply coal rate b_s  = FC × (1 − heat ratio) × NCV / 29.3076 × 10⁶ / (supply × 1 000)   [gce/kWh]
    generation coal rate  = the same over generation
    supply intensity      = E / supply                                                     [tCO2/MWh]
    load factor           = generation / (capacity × running hours)

A zero denominator leaves the quantity undefined (``None``, printed "—"). FC × NCV is coal as
fired only, without start-up oil or gas. CHP units (heat supplied > 0) use the power share:
FC × (1 − heat ratio), with the heat ratio the enterprise reports (``chp_heat_ratio_source``).

Settings (carbon.md §10): ``power_guide_edition_by_year``, ``coal_oxidation_rate``,
``coal_cc_unmeasured``, ``market_grid_factor``, ``shared_item_allocation``,
``chp_heat_ratio_source``, ``kj_per_kgce`` — :class:`PowerSettings`.

Units: mass t; gas 10⁴ Nm³; heat GJ; CC tC/GJ; electricity MWh; CO2 t; fractions as decimals.

References
----------
.. [1] 企业温室气体排放核算方法与报告指南 发电设施, 环办气候〔2021〕9号; 2022年修订版 (环办气候函
       〔2022〕111号); 企业温室气体排放核算与报告指南 发电设施, 环办气候函〔2022〕485号 — carbon.md §1,
       §3 (texts not obtained; rules as recalled and reposted, see carbon.md §11).
.. [2] carbon.md §9 C1, C1b (worked examples).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Literal

from qingshan.standards.carbon_common import C_TO_CO2, KJ_PER_KGCE
from qingshan.standards.carbon_factors import Factor, FactorLog, FactorTable, setting_factor

Edition = Literal["g2021", "g2022", "g485"]
EDITION_NAMES: dict[str, str] = {
    "g2021": "企业温室气体排放核算方法与报告指南 发电设施（环办气候〔2021〕9号）",
    "g2022": "企业温室气体排放核算方法与报告指南 发电设施（2022年修订版）",
    "g485": "企业温室气体排放核算与报告指南 发电设施（环办气候函〔2022〕485号）",
}
#: ``power_guide_edition_by_year`` (carbon.md §1, §10): (first emission year, edition), ascending.
#: 2021 → 2021 guide; 2022 → 2022 revision; 2023 on → 485号. The 2026 oxidation-rate update is
#: added once confirmed (a new factor row, no code).
DEFAULT_EDITION_BY_YEAR: tuple[tuple[int, str], ...] = ((0, "g2021"), (2022, "g2022"), (2023, "g485"))

#: unit classes (carbon.md §3.3): 常规燃煤, 循环流化床, 煤矸石, 低热值煤, 燃气
UNIT_CLASSES: dict[str, str] = {
    "conventional": "常规燃煤机组",
    "cfb": "循环流化床机组",
    "gangue": "煤矸石机组",
    "low_calorific": "低热值煤机组",
    "gas": "燃气机组",
}
#: other fuels of a power unit and their unit of quantity (carbon.md §3.2 defaults table)
OTHER_FUELS: dict[str, tuple[str, str]] = {
    "diesel": ("柴油", "t"),
    "fuel_oil": ("燃料油", "t"),
    "natural_gas": ("天然气", "10⁴Nm³"),
    "coke_oven_gas": ("焦炉煤气", "10⁴Nm³"),
    "blast_furnace_gas": ("高炉煤气", "10⁴Nm³"),
}


def edition_for_year(year: int, edition_by_year: Sequence[tuple[int, str]] = DEFAULT_EDITION_BY_YEAR) -> str:
    """Guide edition for an emission year (carbon.md §1 "Edition switch", ``power_guide_edition_by_year``)."""
    chosen = None
    for start, ed in sorted(edition_by_year):
        if year >= start:
            chosen = ed
    if chosen is None:
        raise ValueError(f"{year}年没有适用的发电设施核算指南版本")
    return chosen


@dataclass(frozen=True)
class PowerSettings:
    """Settings of carbon.md §10 for power accounting. ``None`` = the factor library's row
    (whose packaged value is the spec's default), so the row's source and status travel with it.

    * ``edition_by_year`` — ``power_guide_edition_by_year``;
    * ``coal_oxidation_rate`` — 0.99 in the library (UNCONFIRMED; 2026 update pending);
    * ``coal_cc_unmeasured`` — 0.03085 tC/GJ (2021 edition 0.03356) in the library (UNCONFIRMED);
    * ``market_grid_factor`` — 2019–20 0.6101, 2021 0.5810, ≥ 2022 0.5703 in the library (§5.2);
    * ``shared_item_allocation`` — ``plant_line`` (default) or ``by_generation`` (§3.1);
    * ``chp_heat_ratio_source`` — ``reported`` (the only one: the guide's definition is UNCONFIRMED);
    * ``kj_per_kgce`` — 29 307.6 (§2).
    """

    edition_by_year: tuple[tuple[int, str], ...] = DEFAULT_EDITION_BY_YEAR
    coal_oxidation_rate: Fraction | None = None
    coal_cc_unmeasured: Fraction | None = None
    market_grid_factor: Fraction | None = None
    shared_item_allocation: Literal["plant_line", "by_generation"] = "plant_line"
    chp_heat_ratio_source: Literal["reported"] = "reported"
    kj_per_kgce: Fraction = KJ_PER_KGCE

    def __post_init__(self) -> None:
        if self.shared_item_allocation not in ("plant_line", "by_generation"):
            raise ValueError("shared_item_allocation 应为 plant_line 或 by_generation（carbon.md §3.1）")
        if self.chp_heat_ratio_source != "reported":
            raise ValueError("chp_heat_ratio_source 目前只支持 reported（企业报送的供热比，carbon.md §3.3）")


@dataclass(frozen=True)
class PowerUnit:
    """A generating unit (机组) or a plant line (公用, ``kind="plant_line"``)."""

    code: str
    capacity_mw: Fraction | None = None
    unit_class: str = "conventional"
    chp: bool = False
    cooling: Literal["water", "air"] = "water"
    kind: Literal["unit", "plant_line"] = "unit"

    def __post_init__(self) -> None:
        if self.unit_class not in UNIT_CLASSES:
            raise ValueError(f"机组类型“{self.unit_class}”应为：{'、'.join(UNIT_CLASSES)}")


@dataclass(frozen=True)
class PowerMonth:
    """One unit-month as lodged (月度信息化存证), values exact.

    ``c`` (and ``h``, ``s_t``) are mass fractions on ``c_basis`` (``ar`` as-received or ``ad``
    air-dried); ``ncv`` is as received (GJ/t); ``m_t`` total moisture of the as-fired sample,
    ``m_ad`` its air-dried moisture. ``other_fuels`` maps a key of :data:`OTHER_FUELS` to its
    quantity. ``heat_ratio`` is the reported 供热比 (fraction).
    """

    year: int
    month: int
    coal_t: Fraction | None = None
    ncv: Fraction | None = None
    c: Fraction | None = None
    c_basis: Literal["ar", "ad"] = "ar"
    m_t: Fraction | None = None
    m_ad: Fraction | None = None
    h: Fraction | None = None
    s_t: Fraction | None = None
    lab_report_id: str | None = None
    sample_id: str | None = None
    ncv_sample_id: str | None = None
    sample_from: date | None = None
    sample_to: date | None = None
    coal_source_changed: bool = False
    other_fuels: Mapping[str, Fraction] = field(default_factory=dict)
    purchased_elec_mwh: Fraction | None = None
    generation_mwh: Fraction | None = None
    supply_mwh: Fraction | None = None
    heat_gj: Fraction | None = None
    heat_ratio: Fraction | None = None
    running_hours: Fraction | None = None
    lodged_on: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份 {self.month} 应在 1—12 之间")
        if self.c_basis not in ("ar", "ad"):
            raise ValueError("碳含量基准应为 ar（收到基）或 ad（空气干燥基）")
        for k in self.other_fuels:
            if k not in OTHER_FUELS:
                raise ValueError(f"燃料“{k}”未知，应为：{'、'.join(OTHER_FUELS)}")

    @property
    def is_chp_month(self) -> bool:
        return self.heat_gj is not None and self.heat_gj > 0

    def _to_ar(self, x: Fraction | None) -> Fraction | None:
        if x is None or self.c_basis == "ar":
            return x
        if self.m_t is None or self.m_ad is None:
            return None
        return as_received(x, self.m_t, self.m_ad)

    @property
    def c_ar(self) -> Fraction | None:
        """As-received carbon (carbon.md §3.2); None when an air-dried value lacks M_t or M_ad."""
        return self._to_ar(self.c)

    @property
    def h_ar(self) -> Fraction | None:
        return self._to_ar(self.h)

    @property
    def s_ar(self) -> Fraction | None:
        return self._to_ar(self.s_t)

    @property
    def carbon_measured(self) -> bool:
        return self.c is not None


def as_received(x_ad: Fraction, m_ar: Fraction, m_ad: Fraction) -> Fraction:
    """Air-dried → as-received: ``X_ar = X_ad × (1 − M_ar)/(1 − M_ad)`` (carbon.md §3.2)."""
    if m_ad >= 1:
        raise ValueError("空气干燥基水分应小于 1")
    return x_ad * (1 - m_ar) / (1 - m_ad)


# --- formulas (carbon.md §3.2) ---------------------------------------------------------------------


def fuel_emission(fc: Fraction, ncv: Fraction, cc: Fraction, of: Fraction) -> Fraction:
    """``FC × NCV × CC × OF × 44/12`` [tCO2] (carbon.md §3.2)."""
    return fc * ncv * cc * of * C_TO_CO2


def coal_emission_measured(fc: Fraction, c_ar: Fraction, of: Fraction) -> Fraction:
    """``FC × C_ar × OF × 44/12`` [tCO2]: coal with measured as-received carbon (carbon.md §3.2)."""
    return fc * c_ar * of * C_TO_CO2


def electricity_emission(mwh: Fraction, ef: Fraction) -> Fraction:
    """``AD_elec × EF_grid`` [tCO2] (carbon.md §3.2)."""
    return mwh * ef


def carbon_per_heat(c_ar: Fraction | None, ncv_ar: Fraction | None) -> Fraction | None:
    """``CC = C_ar / NCV_ar`` [tC/GJ] (carbon.md §3.2)."""
    if c_ar is None or ncv_ar is None or ncv_ar == 0:
        return None
    return c_ar / ncv_ar


def _div(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def aux_power_rate(generation: Fraction | None, supply: Fraction | None) -> Fraction | None:
    """厂用电率 ``1 − supply/generation`` (carbon.md §3.3)."""
    q = _div(supply, generation)
    return None if q is None else 1 - q


def coal_rate(coal_heat_gj: Fraction | None, mwh: Fraction | None, kj_per_kgce: Fraction = KJ_PER_KGCE) -> Fraction | None:
    """gce/kWh from coal heat (GJ, power share) and electricity (MWh) (carbon.md §3.3).

    ``GJ / (kj_per_kgce/1000) × 10⁶ / (MWh × 1 000)``.
    """
    if coal_heat_gj is None:
        return None
    return _div(coal_heat_gj / (kj_per_kgce / 1000) * 10**6, None if mwh is None else mwh * 1000)


def power_share(heat_gj: Fraction | None, heat_ratio: Fraction | None) -> Fraction | None:
    """Share of fuel for power: 1 without heat; 1 − heat ratio for a CHP month; None when a
    heat-supplying month has no reported heat ratio (carbon.md §3.3)."""
    if heat_gj is None or heat_gj <= 0:
        return Fraction(1)
    if heat_ratio is None:
        return None
    return 1 - heat_ratio


def load_factor(generation: Fraction | None, capacity_mw: Fraction | None, hours: Fraction | None) -> Fraction | None:
    """负荷（出力）系数 ``generation / (capacity × hours)`` (carbon.md §3.3)."""
    if capacity_mw is None or hours is None:
        return None
    return _div(generation, capacity_mw * hours)


# --- per unit-month ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """§3.3 quantities (exact; None = undefined, printed "—")."""

    aux_rate: Fraction | None
    supply_coal_rate: Fraction | None
    generation_coal_rate: Fraction | None
    supply_intensity: Fraction | None
    load_factor: Fraction | None


@dataclass(frozen=True)
class PowerMonthResult:
    """CO2 of one unit-month with everything that produced it."""

    unit: str
    year: int
    month: int
    edition: str
    e_coal: Fraction | None
    e_other: dict[str, Fraction]
    e_elec: Fraction
    e_total: Fraction | None
    c_ar: Fraction | None
    cc: Fraction | None  # measured C_ar / NCV_ar
    cc_used: Fraction | None  # the CC the coal emission stands for (measured or default)
    of: Fraction
    default_applied: dict[str, bool]
    coal_heat_gj: Fraction | None  # FC × NCV (coal as fired only)
    power_coal_heat_gj: Fraction | None  # FC × (1 − heat ratio) × NCV
    derived: Derived
    factors: tuple[Factor, ...]
    notes: tuple[str, ...] = ()


def coal_parameters(factors: FactorTable, year: int, settings: PowerSettings, log: FactorLog) -> tuple[str, Fraction, Fraction]:
    """(edition, OF, default CC) for an emission year, logging the rows used."""
    ed = edition_for_year(year, settings.edition_by_year)
    if settings.coal_oxidation_rate is not None:
        of = log.use(setting_factor("power_coal_default", ed, "oxidation_rate", settings.coal_oxidation_rate, "—",
                                    "coal_oxidation_rate"))
    else:
        of = log.use(factors.get("power_coal_default", ed, "oxidation_rate"))
    if settings.coal_cc_unmeasured is not None:
        cc_def = log.use(setting_factor("power_coal_default", ed, "cc_unmeasured", settings.coal_cc_unmeasured, "tC/GJ",
                                        "coal_cc_unmeasured"))
    else:
        cc_def = log.use(factors.get("power_coal_default", ed, "cc_unmeasured"))
    return ed, of, cc_def


def grid_factor(factors: FactorTable, year: int, settings: PowerSettings, log: FactorLog) -> Fraction:
    """``market_grid_factor`` of the emission year (carbon.md §5.2)."""
    if settings.market_grid_factor is not None:
        return log.use(setting_factor("market_grid_factor", "national", "ef", settings.market_grid_factor, "tCO2/MWh",
                                      "market_grid_factor"))
    return log.use(factors.get("market_grid_factor", "national", "ef", year))


def account_power_month(
    unit: PowerUnit,
    rec: PowerMonth,
    factors: FactorTable | None = None,
    *,
    settings: PowerSettings = PowerSettings(),
    carbon_valid: bool = True,
) -> PowerMonthResult:
    """CO2 of one unit-month (carbon.md §3.2) and its §3.3 quantities.

    ``carbon_valid`` is False when the month's carbon fails K-02 (same-sample report, §4.2): the
    carbon is then "not valid" and the default CC applies, as when it is not measured. A K-04
    ``fail`` does not default (the value is returned for correction).

    Coal emission: ``FC × C_ar × OF × 44/12`` with measured, valid carbon; otherwise
    ``FC × NCV × coal_cc_unmeasured × OF × 44/12`` (``default_applied["cc"]``). Undefined (None)
    when FC, or the carbon and NCV both, are missing; E_total is then undefined too.
    """
    factors = factors or FactorTable.packaged()
    log = FactorLog()
    edition, of, cc_default = coal_parameters(factors, rec.year, settings, log)
    notes: list[str] = []
    c_ar = rec.c_ar
    if rec.c is not None and c_ar is None:
        notes.append("空气干燥基碳含量缺少全水分或空干基水分，无法换算为收到基")
    cc = carbon_per_heat(c_ar, rec.ncv)
    use_measured = c_ar is not None and carbon_valid
    default_applied = {"cc": False}
    e_coal: Fraction | None
    cc_used: Fraction | None
    if rec.coal_t is None and unit.kind == "plant_line":
        e_coal, cc_used = Fraction(0), None  # a plant line without coal of its own
    elif rec.coal_t is None:
        e_coal, cc_used = None, None
    elif rec.coal_t == 0:
        e_coal, cc_used = Fraction(0), cc if use_measured else None
    elif use_measured:
        e_coal = coal_emission_measured(rec.coal_t, c_ar, of)
        cc_used = cc
    elif rec.ncv is not None:
        e_coal = fuel_emission(rec.coal_t, rec.ncv, cc_default, of)
        cc_used = cc_default
        default_applied["cc"] = True
    else:
        e_coal, cc_used = None, None
    e_other: dict[str, Fraction] = {}
    for fuel, qty in rec.other_fuels.items():
        ncv = log.use(factors.get("power_fuel_default", fuel, "ncv", rec.year))
        fcc = log.use(factors.get("power_fuel_default", fuel, "cc", rec.year))
        fof = log.use(factors.get("power_fuel_default", fuel, "oxidation_rate", rec.year))
        e_other[fuel] = fuel_emission(qty, ncv, fcc, fof)
        default_applied[fuel] = True
    e_elec = Fraction(0)
    if rec.purchased_elec_mwh:
        e_elec = electricity_emission(rec.purchased_elec_mwh, grid_factor(factors, rec.year, settings, log))
    e_total = None if e_coal is None else e_coal + sum(e_other.values(), Fraction(0)) + e_elec
    coal_heat = rec.coal_t * rec.ncv if rec.coal_t is not None and rec.ncv is not None else None
    share = power_share(rec.heat_gj, rec.heat_ratio)
    power_heat = coal_heat * share if coal_heat is not None and share is not None else None
    derived = Derived(
        aux_rate=aux_power_rate(rec.generation_mwh, rec.supply_mwh),
        supply_coal_rate=coal_rate(power_heat, rec.supply_mwh, settings.kj_per_kgce),
        generation_coal_rate=coal_rate(power_heat, rec.generation_mwh, settings.kj_per_kgce),
        supply_intensity=_div(e_total, rec.supply_mwh),
        load_factor=load_factor(rec.generation_mwh, unit.capacity_mw, rec.running_hours),
    )
    return PowerMonthResult(
        unit=unit.code, year=rec.year, month=rec.month, edition=edition, e_coal=e_coal, e_other=e_other, e_elec=e_elec,
        e_total=e_total, c_ar=c_ar, cc=cc, cc_used=cc_used, of=of, default_applied=default_applied,
        coal_heat_gj=coal_heat, power_coal_heat_gj=power_heat, derived=derived, factors=log.factors,
        notes=tuple(notes),
    )


# --- per unit-year (monthly first) ------------------------------------------------------------------


@dataclass(frozen=True)
class PowerYearResult:
    """A unit-year from its months: exact sums, quantities from annual sums (carbon.md §3.3)."""

    unit: str
    year: int
    months: tuple[int, ...]
    e_total: Fraction | None  # None when any month's E is undefined
    e_coal: Fraction | None
    e_elec: Fraction
    coal_t: Fraction
    generation_mwh: Fraction
    supply_mwh: Fraction
    heat_gj: Fraction
    coal_heat_gj: Fraction | None
    cc_weighted: Fraction | None  # heat-weighted CC of the measured months (C1b)
    default_months: tuple[int, ...]
    derived: Derived
    factors: tuple[Factor, ...]


def _sum(values: Sequence[Fraction | None]) -> Fraction | None:
    if any(v is None for v in values):
        return None
    return sum(values, Fraction(0))


def heat_weighted_cc(recs: Sequence[PowerMonth], valid: Mapping[int, bool] | None = None) -> Fraction | None:
    """The only correct aggregate CC: ``Σ(FC × C_ar) / Σ(FC × NCV)`` over measured (and valid)
    months (carbon.md §9 C1b)."""
    num = den = Fraction(0)
    for r in recs:
        if r.coal_t is None or r.ncv is None or r.c_ar is None:
            continue
        if valid is not None and not valid.get(r.month, True):
            continue
        num += r.coal_t * r.c_ar
        den += r.coal_t * r.ncv
    return num / den if den else None


def account_power_year(
    unit: PowerUnit,
    recs: Sequence[PowerMonth],
    results: Sequence[PowerMonthResult],
    *,
    settings: PowerSettings = PowerSettings(),
    carbon_valid: Mapping[int, bool] | None = None,
) -> PowerYearResult:
    """Σ of the monthly results of one unit-year; §3.3 quantities from the annual sums.

    CHP: the power-share coal heat is summed month by month (Σ FC_m × (1 − hr_m) × NCV_m).
    """
    if not results:
        raise ValueError("没有月度结果，无法汇总年度")
    year = results[0].year
    e_total = _sum([r.e_total for r in results])
    e_coal = _sum([r.e_coal for r in results])
    e_elec = sum((r.e_elec for r in results), Fraction(0))
    z = Fraction(0)
    coal_t = sum((r.coal_t or z for r in recs), z)
    gen = sum((r.generation_mwh or z for r in recs), z)
    sup = sum((r.supply_mwh or z for r in recs), z)
    heat = sum((r.heat_gj or z for r in recs), z)
    coal_heat = _sum([r.coal_heat_gj for r in results])
    power_heat = _sum([r.power_coal_heat_gj for r in results])
    hours = _sum([r.running_hours for r in recs])
    log = FactorLog()
    for r in results:
        log.extend(r.factors)
    derived = Derived(
        aux_rate=aux_power_rate(gen, sup),
        supply_coal_rate=coal_rate(power_heat, sup, settings.kj_per_kgce),
        generation_coal_rate=coal_rate(power_heat, gen, settings.kj_per_kgce),
        supply_intensity=_div(e_total, sup),
        load_factor=load_factor(gen, unit.capacity_mw, hours),
    )
    return PowerYearResult(
        unit=unit.code, year=year, months=tuple(r.month for r in results), e_total=e_total, e_coal=e_coal,
        e_elec=e_elec, coal_t=coal_t, generation_mwh=gen, supply_mwh=sup, heat_gj=heat, coal_heat_gj=coal_heat,
        cc_weighted=heat_weighted_cc(recs, carbon_valid),
        default_months=tuple(r.month for r in results if r.default_applied.get("cc")),
        derived=derived, factors=log.factors,
    )


def allocate_by_generation(plant_line_e: Fraction, generation: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """``shared_item_allocation = by_generation`` (carbon.md §3.1): a plant line's CO2 shared
    among units in proportion to generation (exact; the shares add up to the whole)."""
    total = sum(generation.values(), Fraction(0))
    if total == 0:
        raise ValueError("各机组发电量合计为零，无法按发电量分摊公用部分")
    return {u: plant_line_e * g / total for u, g in generation.items()}


#: carbon.md §3.1: a plant enters the national market in any year with ≥ 26 000 tCO2e (about 10 000 tce);
#: captive plants of any industry count as power (2022 and 2023 notices)
COVERAGE_THRESHOLD_T = Fraction(26000)


def market_covered(plant_year_t: Fraction, threshold: Fraction = COVERAGE_THRESHOLD_T) -> bool:
    """Whether a plant-year's CO2 reaches the coverage threshold (carbon.md §3.1)."""
    return plant_year_t >= threshold


def plant_total(unit_totals: Mapping[str, Fraction], plant_line: Fraction = Fraction(0)) -> Fraction:
    """Plant total = Σ units + plant line (carbon.md §3.1; the same under either allocation)."""
    return sum(unit_totals.values(), Fraction(0)) + plant_line
