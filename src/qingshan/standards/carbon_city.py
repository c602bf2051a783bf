"""City energy CO2 and the dual-control indicators (碳排放双控) from the city energy balance.

§8.1 — energy CO2 of the city (sectoral method on the 能源平衡表; 省级温室气体清单编制指南（试行）
and the method MEE used to assess provincial CO2-intensity targets, text not read: UNCONFIRMED)::

    CO2_city = Σ_f (A_f × NCV_f × CC_f × OF_f × 44/12)   fossil fuels burned in the city
             + E_transform                               carbon lost in coking, refining, gas-making
             + NetImport_elec × EF_elec                  MWh, imported − exported
             + NetImport_heat × EF_heat                  GJ

* A_f = final consumption (excluding feedstock) + input to thermal power and heat plants; coal
  washed or coked is not counted at input (its products count where burned).
* ``electricity_trade_treatment``: ``net_import_adjusted`` (default) or ``territorial`` (term 0).
* EF_elec = ``city_grid_factor``: the Shanxi provincial average of the latest year ≤ the
  accounting year whose value is loaded (a published but unloaded year is a warning), or the
  year fixed by ``city_grid_factor_fixed_year``.
* EF_heat = ``city_heat_factor`` (0.11 tCO2/GJ, UNCONFIRMED).
* Fuel defaults (``city_fuel_defaults``): NCV = GB/T 2589's average-NCV column read as GJ/t
  (20 908 kJ/kg → 20.908 GJ/t) except natural gas at ``city_ng_ncv`` (389.31 GJ/10⁴ m³); CC/OF
  from the city table; a fuel without a city row takes its §3.2 default row; a fuel in neither is
  refused. A measured NCV in the balance replaces the default.
* ``use_enterprise_data_for_power``: a power plant's verified §3 fuel emissions replace its fuel
  quantities in A_f (its purchased electricity is not added).
* Energy only; process CO2 is reported beside it (``city_include_process`` False).

§8.2 — indicators: total energy (Σ fuels × k of GB/T 2589, primary and net imported electricity at
等价值 per ``elec_trade_energy_conversion``), energy intensity, CO2 total and intensity, non-fossil
share. The assessed total excludes feedstock (``exclude_feedstock``) and new renewables
(``exclude_new_renewables``: renewable electricity consumed above ``new_renewables_base_year``);
the non-fossil share uses the total before exclusions; both totals are published.

§8.3 — constant-price GDP: ``GDP_c(t) = GDP_nominal(b) × Π_{k=b+1..t} index_k/100``.

§6.3 — coking carbon balance (city inventory only): :func:`coking_carbon_balance`.

Units: t, 10⁴ m³, MWh, GJ, tCO2, tce; GDP 亿元, intensities per 万元 (× 10⁴).

References
----------
.. [1] 省级温室气体清单编制指南（试行）, 发改办气候〔2011〕1041号 (carbon.md §8.1; from memory).
.. [2] 加快构建碳排放双控制度体系工作方案, 国办发〔2024〕39号 (carbon.md §8.2, policy frame).
.. [3] GB/T 2589—2020 (carbon.md §7) via :mod:`qingshan.standards.standard_coal`.
.. [4] carbon.md §9 C3 (worked example).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from qingshan.standards.carbon_common import C_TO_CO2, KJ_PER_KGCE
from qingshan.standards.carbon_factors import Factor, FactorLog, FactorMissing, FactorTable, setting_factor
from qingshan.standards.standard_coal import ENERGIES, GASES, coefficient, electricity_tce, to_tce

#: what a balance row's quantity is used for (carbon.md §8.1, §8.2)
USES: dict[str, str] = {
    "power_heat": "火力发电及供热投入",
    "final": "终端消费（不含原料）",
    "feedstock": "原料（非能源）用途",
    "transform_input": "加工转换投入（洗选、炼焦等，投入端不计）",
    "net_import": "净调入（调入−调出）",
    "primary": "一次电力（水、风、光、核）",
    "renewable_consumption": "可再生能源电力消费量",
    "transform": "加工转换碳损失 E_transform",
    "process": "工业过程排放（单列）",
}
#: (item, use) pairs allowed besides fuels × {power_heat, final, feedstock, transform_input}
SPECIAL_ITEMS: dict[tuple[str, str], str] = {
    ("electricity", "net_import"): "MWh",
    ("electricity", "primary"): "MWh",
    ("electricity", "renewable_consumption"): "MWh",
    ("heat", "net_import"): "GJ",
    ("co2", "transform"): "tCO2",
    ("co2", "process"): "tCO2",
}
FUEL_USES = ("power_heat", "final", "feedstock", "transform_input")
FUELS = tuple(k for k in ENERGIES if k not in ("electricity", "heat", "steam"))


@dataclass(frozen=True)
class BalanceRow:
    """One line of the city energy balance. ``ncv`` — a measured NCV in GJ per unit of quantity
    (GJ/t, or GJ/10⁴ m³ for gases), replacing the default for CO2 and energy."""

    item: str
    use: str
    quantity: Fraction
    ncv: Fraction | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.item, self.use) in SPECIAL_ITEMS:
            return
        if self.item not in FUELS:
            raise ValueError(f"能源品种“{self.item}”未知")
        if self.use not in FUEL_USES:
            raise ValueError(f"“{ENERGIES[self.item][0]}”的用途“{self.use}”应为：{'、'.join(USES[u] for u in FUEL_USES)}")

    @property
    def unit(self) -> str:
        return SPECIAL_ITEMS.get((self.item, self.use)) or ENERGIES[self.item][1]


@dataclass(frozen=True)
class CitySettings:
    """Settings of carbon.md §10 for city accounting (None = the factor library's row).

    ``electricity_trade_treatment`` (``net_import_adjusted``), ``city_grid_region`` (``shanxi``),
    ``city_grid_factor`` (override), ``city_grid_factor_fixed_year`` (none), ``city_heat_factor``
    (library 0.11), ``use_enterprise_data_for_power`` (True), ``city_include_process`` (False),
    ``city_ng_ncv`` (library 389.31), ``elec_trade_energy_conversion`` (``equal_value``),
    ``equal_value_kgce_per_kwh`` (library, latest year ≤ accounting year),
    ``default_gas_kgce_per_m3`` (library 1.2143), ``range_default`` (``refuse``),
    ``exclude_feedstock`` / ``exclude_new_renewables`` (True / True), ``new_renewables_base_year``
    (None = the plan base year), ``kj_per_kgce`` (29 307.6).
    """

    electricity_trade_treatment: Literal["net_import_adjusted", "territorial"] = "net_import_adjusted"
    city_grid_region: str = "shanxi"
    city_grid_factor: Fraction | None = None
    city_grid_factor_fixed_year: int | None = None
    city_heat_factor: Fraction | None = None
    use_enterprise_data_for_power: bool = True
    city_include_process: bool = False
    city_ng_ncv: Fraction | None = None
    elec_trade_energy_conversion: Literal["equal_value", "equivalent_value"] = "equal_value"
    equal_value_kgce_per_kwh: Fraction | None = None
    default_gas_kgce_per_m3: Fraction | None = None
    range_default: Literal["refuse", "low"] = "refuse"
    exclude_feedstock: bool = True
    exclude_new_renewables: bool = True
    new_renewables_base_year: int | None = None
    kj_per_kgce: Fraction = KJ_PER_KGCE

    def __post_init__(self) -> None:
        if self.electricity_trade_treatment not in ("net_import_adjusted", "territorial"):
            raise ValueError("electricity_trade_treatment 应为 net_import_adjusted 或 territorial（carbon.md §8.1）")
        if self.elec_trade_energy_conversion not in ("equal_value", "equivalent_value"):
            raise ValueError("elec_trade_energy_conversion 应为 equal_value 或 equivalent_value（carbon.md §8.2）")

    def as_dict(self) -> dict[str, str | None]:
        return {k: (None if v is None else str(v)) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class PlantFuelData:
    """A power plant's verified §3 data for the year (``use_enterprise_data_for_power``):
    its coal as fired and other fuels (removed from the balance's power input) and its fuel CO2."""

    plant: str
    coal_t: Fraction
    other_fuels: Mapping[str, Fraction]
    e_fuel_t: Fraction


@dataclass(frozen=True)
class FuelLine:
    item: str
    use: str
    quantity: Fraction
    ncv: Fraction
    cc: Fraction
    of: Fraction
    ef: Fraction  # tCO2 per unit of quantity (exact; C3 prints it rounded)
    co2: Fraction


@dataclass(frozen=True)
class CityCO2:
    """§8.1 result with every term and the factors used."""

    year: int
    fuel_lines: tuple[FuelLine, ...]
    fuels_co2: Fraction
    enterprise_co2: Fraction
    enterprise_plants: tuple[str, ...]
    transform_co2: Fraction
    net_import_elec_mwh: Fraction
    grid_factor: Fraction | None
    elec_co2: Fraction
    net_import_heat_gj: Fraction
    heat_co2: Fraction
    process_co2: Fraction
    total: Fraction  # per the treatment chosen
    territorial: Fraction  # electricity term 0
    treatment: str
    factors: tuple[Factor, ...]
    warnings: tuple[str, ...] = ()


def fuel_parameters(item: str, factors: FactorTable, year: int, log: FactorLog, *, ncv: Fraction | None = None,
                    city_ng_ncv: Fraction | None = None) -> tuple[Fraction, Fraction, Fraction]:
    """(NCV, CC, OF) of a fuel for city CO2 (carbon.md §8.1 ``city_fuel_defaults``)."""
    name = ENERGIES[item][0]
    if factors.find("city_fuel", item, "cc", year) is not None:
        cc = log.use(factors.get("city_fuel", item, "cc", year))
        of = log.use(factors.get("city_fuel", item, "oxidation_rate", year))
        if ncv is None:
            if item == "natural_gas" and city_ng_ncv is not None:
                ncv = log.use(setting_factor("city_fuel", "natural_gas", "ncv", city_ng_ncv, "GJ/10⁴m³", "city_ng_ncv"))
            elif factors.find("city_fuel", item, "ncv", year) is not None:
                ncv = log.use(factors.get("city_fuel", item, "ncv", year))
            else:
                kj = factors.find("gbt2589", item, "ncv_kj", year)
                if kj is None or kj.value is None:
                    raise FactorMissing(f"{name}没有平均低位发热量（GB/T 2589），须在能源平衡表中给出实测值")
                ncv = log.use(kj) / 1000 * (10 if item in GASES else 1)
        return ncv, cc, of
    if factors.find("power_fuel_default", item, "cc", year) is not None:
        cc = log.use(factors.get("power_fuel_default", item, "cc", year))
        of = log.use(factors.get("power_fuel_default", item, "oxidation_rate", year))
        if ncv is None:
            ncv = log.use(factors.get("power_fuel_default", item, "ncv", year))
        return ncv, cc, of
    raise FactorMissing(f"{name}既无城市核算缺省值也无发电设施缺省值（carbon.md §8.1），不能计算排放；可在因子库中补充")


def city_grid_factor(year: int, factors: FactorTable, settings: CitySettings, log: FactorLog) -> tuple[Fraction, list[str]]:
    """EF_elec for the city (carbon.md §8.1 ``city_grid_factor``)."""
    if settings.city_grid_factor is not None:
        return log.use(setting_factor("grid_statistical", settings.city_grid_region, "ef", settings.city_grid_factor,
                                      "tCO2/MWh", "city_grid_factor")), []
    y = settings.city_grid_factor_fixed_year or year
    f, warnings = factors.latest("grid_statistical", settings.city_grid_region, "ef", y)
    log.use(f)
    if f.valid_from != year:
        warnings = warnings + [f"电力排放因子采用 {f.valid_from} 年值（{f.source}）"]
    return f.value, warnings


def _apply_enterprise_data(rows: Sequence[BalanceRow], plants: Sequence[PlantFuelData]) -> tuple[list[BalanceRow], Fraction, list[str], list[str]]:
    """Replace the verified plants' fuel in the power input by their §3 emissions (carbon.md §8.1)."""
    remaining = {(r.item, r.use): r.quantity for r in rows if r.use == "power_heat"}
    used: list[str] = []
    warnings: list[str] = []
    e = Fraction(0)
    for p in plants:
        need = {"raw_coal": p.coal_t, **{k: v for k, v in p.other_fuels.items() if (k, "power_heat") in remaining}}
        if need["raw_coal"] > remaining.get(("raw_coal", "power_heat"), Fraction(0)):
            warnings.append(f"{p.plant}的入炉煤量超过平衡表火电投入原煤余量，未替换")
            continue
        for k, v in need.items():
            remaining[(k, "power_heat")] -= v
        e += p.e_fuel_t
        used.append(p.plant)
    out = [BalanceRow(r.item, r.use, remaining[(r.item, r.use)], r.ncv, r.note) if r.use == "power_heat" else r for r in rows]
    return out, e, used, warnings


def city_co2(
    year: int,
    rows: Sequence[BalanceRow],
    factors: FactorTable | None = None,
    *,
    settings: CitySettings = CitySettings(),
    plants: Sequence[PlantFuelData] = (),
) -> CityCO2:
    """Energy CO2 of the city for a year or a cumulative period (carbon.md §8.1)."""
    factors = factors or FactorTable.packaged()
    log = FactorLog()
    warnings: list[str] = []
    _check_unique(rows)
    enterprise_e = Fraction(0)
    used: list[str] = []
    if settings.use_enterprise_data_for_power and plants:
        rows, enterprise_e, used, w = _apply_enterprise_data(rows, plants)
        warnings += w
    lines: list[FuelLine] = []
    for r in rows:
        if r.item not in FUELS or r.use not in ("power_heat", "final"):
            continue
        ncv, cc, of = fuel_parameters(r.item, factors, year, log, ncv=r.ncv, city_ng_ncv=settings.city_ng_ncv)
        ef = ncv * cc * of * C_TO_CO2
        lines.append(FuelLine(r.item, r.use, r.quantity, ncv, cc, of, ef, r.quantity * ef))
    fuels = sum((ln.co2 for ln in lines), Fraction(0))
    special = {(r.item, r.use): r.quantity for r in rows if (r.item, r.use) in SPECIAL_ITEMS}
    transform = special.get(("co2", "transform"), Fraction(0))
    process = special.get(("co2", "process"), Fraction(0))
    net_elec = special.get(("electricity", "net_import"), Fraction(0))
    net_heat = special.get(("heat", "net_import"), Fraction(0))
    ef_elec = None
    elec = Fraction(0)
    if net_elec and settings.electricity_trade_treatment == "net_import_adjusted":
        ef_elec, w = city_grid_factor(year, factors, settings, log)
        warnings += w
        elec = net_elec * ef_elec
    heat = Fraction(0)
    if net_heat:
        if settings.city_heat_factor is not None:
            ef_heat = log.use(setting_factor("city_heat", "heat", "ef", settings.city_heat_factor, "tCO2/GJ", "city_heat_factor"))
        else:
            ef_heat = log.use(factors.get("city_heat", "heat", "ef", year))
        heat = net_heat * ef_heat
    base = fuels + enterprise_e + transform + heat + (process if settings.city_include_process else 0)
    total = base + elec
    return CityCO2(
        year=year, fuel_lines=tuple(lines), fuels_co2=fuels, enterprise_co2=enterprise_e, enterprise_plants=tuple(used),
        transform_co2=transform, net_import_elec_mwh=net_elec, grid_factor=ef_elec, elec_co2=elec,
        net_import_heat_gj=net_heat, heat_co2=heat, process_co2=process, total=total, territorial=base,
        treatment=settings.electricity_trade_treatment, factors=log.factors, warnings=tuple(warnings),
    )


def _check_unique(rows: Sequence[BalanceRow]) -> None:
    seen: set[tuple[str, str]] = set()
    for r in rows:
        if (r.item, r.use) in seen:
            raise ValueError(f"能源平衡表中“{r.item}/{r.use}”重复")
        seen.add((r.item, r.use))


# --- §8.2 energy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergyLine:
    item: str
    use: str
    quantity: Fraction
    k: Fraction
    tce: Fraction


@dataclass(frozen=True)
class CityEnergy:
    """§8.2 energy totals (tce) with the parts and exclusions."""

    year: int
    lines: tuple[EnergyLine, ...]
    fuels_tce: Fraction
    feedstock_tce: Fraction
    primary_elec_tce: Fraction
    net_import_elec_tce: Fraction
    net_import_heat_tce: Fraction
    total_before: Fraction  # before exclusions (non-fossil share uses it)
    excluded_feedstock: Fraction
    excluded_renewables: Fraction
    total_assessed: Fraction
    non_fossil_share: Fraction | None
    conversion: str
    factors: tuple[Factor, ...]
    warnings: tuple[str, ...] = ()


def city_energy(
    year: int,
    rows: Sequence[BalanceRow],
    factors: FactorTable | None = None,
    *,
    settings: CitySettings = CitySettings(),
    base_renewables_mwh: Fraction | None = None,
) -> CityEnergy:
    """Total energy consumption and the non-fossil share (carbon.md §8.2).

    Fuels (final, power/heat input and, before exclusion, feedstock) at GB/T 2589 coefficients;
    primary electricity and net imported electricity at 等价值 (``elec_trade_energy_conversion``);
    net imported heat at 0.03412. ``base_renewables_mwh`` — renewable electricity consumed in
    ``new_renewables_base_year``: the part above it is excluded (``exclude_new_renewables``).
    """
    factors = factors or FactorTable.packaged()
    log = FactorLog()
    warnings: list[str] = []
    _check_unique(rows)
    lines: list[EnergyLine] = []
    for r in rows:
        if r.item not in FUELS or r.use not in ("power_heat", "final", "feedstock"):
            continue
        ncv_kj = None
        if r.ncv is not None:  # GJ per t → kJ/kg; GJ per 10⁴ m³ → kJ/m³
            ncv_kj = r.ncv * 1000 / (10 if r.item in GASES else 1)
        c = coefficient(r.item, factors, ncv_kj=ncv_kj, range_default=settings.range_default,
                        default_gas_kgce_per_m3=settings.default_gas_kgce_per_m3, kj_per_kgce=settings.kj_per_kgce)
        log.extend(c.factors)
        lines.append(EnergyLine(r.item, r.use, r.quantity, c.k, to_tce(r.quantity, r.item, c)))
    fuels = sum((ln.tce for ln in lines if ln.use != "feedstock"), Fraction(0))
    feedstock = sum((ln.tce for ln in lines if ln.use == "feedstock"), Fraction(0))
    special = {(r.item, r.use): r.quantity for r in rows if (r.item, r.use) in SPECIAL_ITEMS}

    def elec(mwh: Fraction) -> Fraction:
        if not mwh:
            return Fraction(0)
        tce, fs, w = electricity_tce(mwh, year, factors, conversion=settings.elec_trade_energy_conversion,
                                     equal_value_kgce_per_kwh=settings.equal_value_kgce_per_kwh)
        log.extend(fs)
        for x in w:
            if x not in warnings:
                warnings.append(x)
        return tce

    primary = elec(special.get(("electricity", "primary"), Fraction(0)))
    net_elec = elec(special.get(("electricity", "net_import"), Fraction(0)))
    heat_gj = special.get(("heat", "net_import"), Fraction(0))
    heat = Fraction(0)
    if heat_gj:
        c = coefficient("heat", factors)
        log.extend(c.factors)
        heat = to_tce(heat_gj, "heat", c)
    total_before = fuels + feedstock + primary + net_elec + heat
    ex_feed = feedstock if settings.exclude_feedstock else Fraction(0)
    ex_ren = Fraction(0)
    ren = special.get(("electricity", "renewable_consumption"))
    if settings.exclude_new_renewables:
        if ren is None or base_renewables_mwh is None:
            warnings.append("缺少本年或基年可再生能源电力消费量，未扣除新增可再生能源")
        elif ren > base_renewables_mwh:
            ex_ren = elec(ren - base_renewables_mwh)
    non_fossil = primary / total_before if total_before else None
    return CityEnergy(
        year=year, lines=tuple(lines), fuels_tce=fuels, feedstock_tce=feedstock, primary_elec_tce=primary,
        net_import_elec_tce=net_elec, net_import_heat_tce=heat, total_before=total_before, excluded_feedstock=ex_feed,
        excluded_renewables=ex_ren, total_assessed=total_before - ex_feed - ex_ren, non_fossil_share=non_fossil,
        conversion=settings.elec_trade_energy_conversion, factors=log.factors, warnings=tuple(warnings),
    )


# --- §8.3 constant-price GDP and intensities -----------------------------------------------------


def constant_price_gdp(nominal_base: Fraction, indices: Sequence[Fraction]) -> Fraction:
    """``GDP_c(t) = GDP_nominal(b) × Π index_k/100`` (carbon.md §8.3), base-year prices (亿元).

    ``indices`` are the years b+1 … t (上年=100).
    """
    g = Fraction(nominal_base)
    for idx in indices:
        g *= Fraction(idx) / 100
    return g


def intensity_per_10k_yuan(x: Fraction, gdp_100m_yuan: Fraction) -> Fraction:
    """X per 万元 of GDP given in 亿元 (1 亿元 = 10⁴ 万元) (carbon.md §2, §8.2)."""
    if gdp_100m_yuan <= 0:
        raise ValueError("地区生产总值应为正数")
    return x / (gdp_100m_yuan * 10**4)


# --- §6.3 coking carbon balance -------------------------------------------------------------------


def coking_carbon_balance(inputs: Sequence[tuple[Fraction, Fraction]], outputs: Sequence[tuple[Fraction, Fraction]],
                          bought_gas_co2: Fraction = Fraction(0)) -> Fraction:
    """``E_coking = [Σ_in Q × C − Σ_out Q × C] × 44/12 + E_fuel(heating gas bought in)`` (carbon.md §6.3).

    Every (Q, C) is a plant input (C a mass fraction; gas C in t/10⁴ m³); no defaults.
    """
    c_in = sum((q * c for q, c in inputs), Fraction(0))
    c_out = sum((q * c for q, c in outputs), Fraction(0))
    return (c_in - c_out) * C_TO_CO2 + bought_gas_co2


@dataclass(frozen=True)
class CityIndicators:
    """§8.2 indicators of one year (exact)."""

    year: int
    co2: CityCO2
    energy: CityEnergy
    gdp_constant: Fraction | None  # 亿元, base-year prices
    co2_intensity: Fraction | None  # tCO2/万元
    energy_intensity: Fraction | None  # tce/万元 (assessed total)
    notes: tuple[str, ...] = field(default_factory=tuple)


def indicators(co2: CityCO2, energy: CityEnergy, gdp_constant: Fraction | None) -> CityIndicators:
    """CO2 and energy intensities on constant-price GDP (carbon.md §8.2)."""
    if gdp_constant is None:
        return CityIndicators(co2.year, co2, energy, None, None, None, ("缺少地区生产总值，无法计算强度",))
    return CityIndicators(co2.year, co2, energy, gdp_constant, intensity_per_10k_yuan(co2.total, gdp_constant),
                          intensity_per_10k_yuan(energy.total_assessed, gdp_constant))
