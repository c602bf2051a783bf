"""核算与报告指南 水泥行业 (CETS—AG—02.01—V01—2024): CO2 of a clinker line per month.

Boundary per clinker line (carbon.md §6.2)::

    E_line    = E_fuel + E_altfuel + E_process                         (direct)
    E_elec    = AD_elec × EF_grid                                       (reported separately)
    intensity = E_line (+ E_elec if ``cement_include_elec``) / Q_clinker  [tCO2/t clinker]
    coal use  = Σ coal FC × NCV / 29.3076 / Q_clinker × 1 000          [kgce/t clinker]

* E_fuel: as carbon.md §3.2 — measured carbon ``FC × C_ar × OF × 44/12``, else the §3.2 default
  CC of the edition in force; coal OF ``cement_coal_oxidation_rate`` (0.98, UNCONFIRMED).
* E_altfuel: ``Σ_j Q_j × NCV_j × CC_j × f_fossil,j × OF_j × 44/12`` (non-biomass carbon of
  alternative fuels and co-processed waste).
* E_process, ``clinker_process_method``:

  - ``default_factor`` (the 2024 guide as implemented independently in two public code bases;
    UNCONFIRMED): ``Q_clinker × EF_clinker − Σ_k Q_k × D_k``, **floored at zero per month**;
  - ``oxide`` (2013 NDRC guide, GB/T 32151.8—2015): ``EF = (CaO − CaO_nc) × 44/56 +
    (MgO − MgO_nc) × 44/40``; ``E = (Q_clinker + Q_kiln_dust + Q_bypass_dust) × EF`` (dust when
    ``include_kiln_dust``), plus raw-meal organic carbon ``Q_rawmeal × C_nf × 44/12`` when
    ``include_rawmeal_organic_carbon``. MgO at 44/40, never 44/56.

Emissions are computed per month and summed (carbon.md §2 "monthly first").

References
----------
.. [1] 企业温室气体排放核算与报告指南 水泥熟料生产, CETS—AG—02.01—V01—2024 (text not obtained;
       carbon.md §6.2, §11 item 4).
.. [2] 中国水泥生产企业温室气体排放核算方法与报告指南（试行）(2013); GB/T 32151.8—2015 (oxide method).
.. [3] carbon.md §9 C2 (worked example).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from qingshan.standards.carbon_common import CAO_TO_CO2, C_TO_CO2, KJ_PER_KGCE, MGO_TO_CO2
from qingshan.standards.carbon_factors import Factor, FactorLog, FactorTable, setting_factor
from qingshan.standards.carbon_power import (
    DEFAULT_EDITION_BY_YEAR,
    coal_emission_measured,
    edition_for_year,
    electricity_emission,
    fuel_emission,
)

ClinkerType = Literal["portland", "white", "sulfoaluminate", "aluminate"]
CLINKER_TYPES: dict[str, str] = {
    "portland": "硅酸盐水泥熟料",
    "white": "白色硅酸盐水泥熟料",
    "sulfoaluminate": "硫（铁）铝酸盐水泥熟料",
    "aluminate": "铝酸盐水泥熟料",
}


@dataclass(frozen=True)
class CementSettings:
    """Settings of carbon.md §10 for cement. ``None`` = the factor library's row.

    * ``cement_coal_oxidation_rate`` — 0.98 in the library (UNCONFIRMED);
    * ``clinker_process_method`` — ``default_factor`` (default) or ``oxide``;
    * ``include_kiln_dust`` — True; ``include_rawmeal_organic_carbon`` — False (oxide method);
    * ``cement_include_elec`` — False (intensity boundary);
    * ``sector_grid_factor`` — ``market`` (default: the §5.2 market factor of the year, as C2) or
      ``statistical_y_minus_2`` (the national average statistical factor of year Y−2, the press
      reading of the 2024 sector guides; UNCONFIRMED);
    * ``market_grid_factor`` — an explicit factor overriding both;
    * ``edition_by_year`` — which §3.2 carbon default applies when coal carbon is not measured;
    * ``kj_per_kgce`` — 29 307.6 (§2).
    """

    cement_coal_oxidation_rate: Fraction | None = None
    clinker_process_method: Literal["default_factor", "oxide"] = "default_factor"
    include_kiln_dust: bool = True
    include_rawmeal_organic_carbon: bool = False
    cement_include_elec: bool = False
    sector_grid_factor: Literal["market", "statistical_y_minus_2"] = "market"
    market_grid_factor: Fraction | None = None
    edition_by_year: tuple[tuple[int, str], ...] = DEFAULT_EDITION_BY_YEAR
    kj_per_kgce: Fraction = KJ_PER_KGCE

    def __post_init__(self) -> None:
        if self.clinker_process_method not in ("default_factor", "oxide"):
            raise ValueError("clinker_process_method 应为 default_factor 或 oxide（carbon.md §6.2）")
        if self.sector_grid_factor not in ("market", "statistical_y_minus_2"):
            raise ValueError("sector_grid_factor 应为 market 或 statistical_y_minus_2（carbon.md §5.2）")


@dataclass(frozen=True)
class AltFuel:
    """An alternative fuel or co-processed waste (替代燃料/协同处置废弃物) of a month."""

    name: str
    quantity_t: Fraction
    ncv: Fraction  # GJ/t
    cc: Fraction  # tC/GJ
    fossil_fraction: Fraction
    of: Fraction = Fraction(1)


@dataclass(frozen=True)
class CementMonth:
    """One clinker-line month, values exact. ``substitutes`` maps a deduction-table material
    (e.g. ``电石渣``) to its quantity (t). Oxides are mass fractions in clinker."""

    year: int
    month: int
    clinker_t: Fraction | None = None
    clinker_type: str = "portland"
    coal_t: Fraction | None = None
    ncv: Fraction | None = None
    c_ar: Fraction | None = None
    alt_fuels: Sequence[AltFuel] = ()
    substitutes: Mapping[str, Fraction] = field(default_factory=dict)
    cao: Fraction | None = None
    cao_nc: Fraction | None = None
    mgo: Fraction | None = None
    mgo_nc: Fraction | None = None
    kiln_dust_t: Fraction | None = None
    bypass_dust_t: Fraction | None = None
    rawmeal_t: Fraction | None = None
    rawmeal_c_nf: Fraction | None = None
    elec_mwh: Fraction | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份 {self.month} 应在 1—12 之间")
        if self.clinker_type not in CLINKER_TYPES:
            raise ValueError(f"熟料品种“{self.clinker_type}”应为：{'、'.join(CLINKER_TYPES.values())}")


def oxide_clinker_factor(cao: Fraction, cao_nc: Fraction, mgo: Fraction, mgo_nc: Fraction) -> Fraction:
    """``EF_clinker = (CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40`` [t/t] (carbon.md §6.2)."""
    return (cao - cao_nc) * CAO_TO_CO2 + (mgo - mgo_nc) * MGO_TO_CO2


def process_default_factor(clinker_t: Fraction, ef_clinker: Fraction, deductions: Mapping[str, tuple[Fraction, Fraction]]) -> Fraction:
    """``max(0, Q_clinker × EF_clinker − Σ_k Q_k × D_k)`` (carbon.md §6.2, floored per month).

    ``deductions`` maps material → (quantity t, D tCO2/t).
    """
    e = clinker_t * ef_clinker - sum((q * d for q, d in deductions.values()), Fraction(0))
    return max(e, Fraction(0))


def alt_fuel_emission(f: AltFuel) -> Fraction:
    """``Q × NCV × CC × f_fossil × OF × 44/12`` (carbon.md §6.2)."""
    return f.quantity_t * f.ncv * f.cc * f.fossil_fraction * f.of * C_TO_CO2


@dataclass(frozen=True)
class CementMonthResult:
    line: str
    year: int
    month: int
    e_fuel: Fraction | None
    e_altfuel: Fraction
    e_process: Fraction | None
    e_line: Fraction | None
    e_elec: Fraction
    clinker_t: Fraction | None
    coal_heat_gj: Fraction | None
    method: str
    default_applied: dict[str, bool]
    factors: tuple[Factor, ...]


def account_cement_month(
    line: str,
    rec: CementMonth,
    factors: FactorTable | None = None,
    *,
    settings: CementSettings = CementSettings(),
) -> CementMonthResult:
    """CO2 of one clinker-line month (carbon.md §6.2)."""
    factors = factors or FactorTable.packaged()
    log = FactorLog()
    if settings.cement_coal_oxidation_rate is not None:
        of = log.use(setting_factor("cement_coal", "coal", "oxidation_rate", settings.cement_coal_oxidation_rate, "—",
                                    "cement_coal_oxidation_rate"))
    else:
        of = log.use(factors.get("cement_coal", "coal", "oxidation_rate", rec.year))
    default_applied = {"cc": False}
    if rec.coal_t is None:
        e_fuel = None
    elif rec.c_ar is not None:
        e_fuel = coal_emission_measured(rec.coal_t, rec.c_ar, of)
    elif rec.ncv is not None:
        ed = edition_for_year(rec.year, settings.edition_by_year)
        cc = log.use(factors.get("power_coal_default", ed, "cc_unmeasured"))
        e_fuel = fuel_emission(rec.coal_t, rec.ncv, cc, of)
        default_applied["cc"] = True
    else:
        e_fuel = None
    e_alt = sum((alt_fuel_emission(f) for f in rec.alt_fuels), Fraction(0))
    e_process: Fraction | None
    if rec.clinker_t is None:
        e_process = None
    elif settings.clinker_process_method == "default_factor":
        ef = log.use(factors.get("clinker_ef", rec.clinker_type, "ef", rec.year))
        deds = {m: (q, log.use(factors.get("clinker_deduction", m, "d", rec.year))) for m, q in rec.substitutes.items()}
        e_process = process_default_factor(rec.clinker_t, ef, deds)
    else:
        if None in (rec.cao, rec.mgo):
            e_process = None
        else:
            ef = oxide_clinker_factor(rec.cao, rec.cao_nc or 0, rec.mgo, rec.mgo_nc or 0)
            q = rec.clinker_t
            if settings.include_kiln_dust:
                q += (rec.kiln_dust_t or 0) + (rec.bypass_dust_t or 0)
            e_process = q * ef
            if settings.include_rawmeal_organic_carbon and rec.rawmeal_t is not None and rec.rawmeal_c_nf is not None:
                e_process += rec.rawmeal_t * rec.rawmeal_c_nf * C_TO_CO2
    e_elec = Fraction(0)
    if rec.elec_mwh:
        if settings.market_grid_factor is not None:
            ef_grid = log.use(setting_factor("market_grid_factor", "national", "ef", settings.market_grid_factor,
                                             "tCO2/MWh", "market_grid_factor"))
        elif settings.sector_grid_factor == "statistical_y_minus_2":
            ef_grid = log.use(factors.get("grid_statistical", "national_average", "ef", rec.year - 2))
        else:
            ef_grid = log.use(factors.get("market_grid_factor", "national", "ef", rec.year))
        e_elec = electricity_emission(rec.elec_mwh, ef_grid)
    e_line = None if e_fuel is None or e_process is None else e_fuel + e_alt + e_process
    coal_heat = rec.coal_t * rec.ncv if rec.coal_t is not None and rec.ncv is not None else None
    return CementMonthResult(line, rec.year, rec.month, e_fuel, e_alt, e_process, e_line, e_elec, rec.clinker_t,
                             coal_heat, settings.clinker_process_method, default_applied, log.factors)


@dataclass(frozen=True)
class CementYearResult:
    line: str
    year: int
    months: tuple[int, ...]
    e_fuel: Fraction | None
    e_altfuel: Fraction
    e_process: Fraction | None
    e_line: Fraction | None
    e_elec: Fraction
    clinker_t: Fraction
    intensity: Fraction | None  # tCO2/t clinker, boundary per ``cement_include_elec``
    intensity_with_elec: Fraction | None
    coal_use_kgce_per_t: Fraction | None
    factors: tuple[Factor, ...]


def _sum(values) -> Fraction | None:
    values = list(values)
    if any(v is None for v in values):
        return None
    return sum(values, Fraction(0))


def account_cement_year(results: Sequence[CementMonthResult], *, settings: CementSettings = CementSettings()) -> CementYearResult:
    """Σ of a line's months; intensity and coal use from the annual sums (carbon.md §6.2)."""
    if not results:
        raise ValueError("没有月度结果，无法汇总年度")
    e_fuel = _sum(r.e_fuel for r in results)
    e_alt = sum((r.e_altfuel for r in results), Fraction(0))
    e_proc = _sum(r.e_process for r in results)
    e_line = _sum(r.e_line for r in results)
    e_elec = sum((r.e_elec for r in results), Fraction(0))
    clinker = sum((r.clinker_t or 0 for r in results), Fraction(0))
    heat = _sum(r.coal_heat_gj for r in results)
    log = FactorLog()
    for r in results:
        log.extend(r.factors)
    with_elec = e_line + e_elec if e_line is not None else None
    intensity_direct = e_line / clinker if e_line is not None and clinker else None
    intensity_elec = with_elec / clinker if with_elec is not None and clinker else None
    coal_use = heat / (settings.kj_per_kgce / 1000) / clinker * 1000 if heat is not None and clinker else None
    return CementYearResult(
        results[0].line, results[0].year, tuple(r.month for r in results), e_fuel, e_alt, e_proc, e_line, e_elec,
        clinker, intensity_elec if settings.cement_include_elec else intensity_direct, intensity_elec, coal_use,
        log.factors,
    )
