"""GB/T 2589—2020 综合能耗计算通则: conversion of energy quantities to standard coal (tce).

carbon.md §7::

    energy (tce) = Σ_i quantity_i × k_i
    k_i = the table's coefficient (kcal value ÷ 7 000, 4 dp)     default NCVs
    k_i = NCV_i / 29 307.6 kJ/kgce                               measured NCV in kJ (kept exact)

Units: a kgce/kg coefficient is also tce/t; gases 10⁴ m³ × k kgce/m³ = 10·k tce; MWh × k
kgce/kWh = k tce; GJ × k kgce/MJ = k tce. The printed coefficient is used, never the kJ column
÷ 29 307.6 (most kJ values were converted at 4.1816 kJ/kcal: 20 908/29 307.6 = 0.7134 ≠ 0.7143).

Range rows without a measured NCV: natural gas takes ``default_gas_kgce_per_m3`` (1.2143, the
library's ``gbt2589/natural_gas/k_default``); slime and coke-oven gas are refused
(``range_default = "refuse"``) or take the lower end (``"low"``).

Electricity: 当量值 0.1229 kgce/kWh (heat content); 等价值 = the year's average thermal supply
coal rate (``equal_value_kgce_per_kwh``, e.g. 0.3024 for 2024; UNCONFIRMED series), the latest
loaded year not after the accounting year.

Bold rows of carbon.md §7 (raw coal, gasoline/kerosene, diesel, natural gas, heat, electricity)
are ``confirmed`` in the library; the rest are from memory (``UNCONFIRMED``).

References
----------
.. [1] GB/T 2589—2020 综合能耗计算通则, 附录 A 各种能源折标准煤参考系数 (text not obtained;
       carbon.md §7, §11 item 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from qingshan.standards.carbon_common import KJ_PER_KGCE
from qingshan.standards.carbon_factors import Factor, FactorLog, FactorMissing, FactorTable, setting_factor

#: GB/T 2589 energy keys → (Chinese name, unit of the quantity)
ENERGIES: dict[str, tuple[str, str]] = {
    "raw_coal": ("原煤", "t"),
    "washed_coal": ("洗精煤", "t"),
    "middlings": ("洗中煤", "t"),
    "slime": ("煤泥", "t"),
    "coke": ("焦炭", "t"),
    "crude_oil": ("原油", "t"),
    "fuel_oil": ("燃料油", "t"),
    "gasoline": ("汽油", "t"),
    "kerosene": ("煤油", "t"),
    "diesel": ("柴油", "t"),
    "coal_tar": ("煤焦油", "t"),
    "lpg": ("液化石油气", "t"),
    "refinery_gas": ("炼厂干气", "t"),
    "natural_gas": ("天然气", "10⁴m³"),
    "coke_oven_gas": ("焦炉煤气", "10⁴m³"),
    "blast_furnace_gas": ("高炉煤气", "10⁴m³"),
    "heat": ("热力", "GJ"),
    "electricity": ("电力", "MWh"),
    "steam": ("低压蒸汽", "t"),
}
GASES = ("natural_gas", "coke_oven_gas", "blast_furnace_gas")


@dataclass(frozen=True)
class Coefficient:
    """A coefficient k in kgce per unit (kg, m³, kWh, MJ) and the rows it came from."""

    k: Fraction
    factors: tuple[Factor, ...]
    measured: bool = False


def coefficient(
    energy: str,
    factors: FactorTable | None = None,
    *,
    ncv_kj: Fraction | None = None,
    range_default: Literal["refuse", "low"] = "refuse",
    default_gas_kgce_per_m3: Fraction | None = None,
    kj_per_kgce: Fraction = KJ_PER_KGCE,
) -> Coefficient:
    """k of GB/T 2589—2020 (carbon.md §7), in kgce/kg, kgce/m³, kgce/kWh (当量值) or kgce/MJ.

    ``ncv_kj`` — a measured NCV in kJ per kg or m³: ``k = NCV / 29 307.6``, exact, not rounded.
    ``range_default`` — range rows other than gas without a measured NCV: ``refuse`` (default)
    or ``low`` (the lower end). ``default_gas_kgce_per_m3`` — None = the library's 1.2143.
    """
    if energy not in ENERGIES:
        raise FactorMissing(f"能源品种“{energy}”不在 GB/T 2589 折标系数表中")
    if range_default not in ("refuse", "low"):
        raise ValueError("range_default 应为 refuse 或 low（carbon.md §7）")
    if ncv_kj is not None:
        if ncv_kj <= 0:
            raise ValueError("实测低位发热量应为正数")
        return Coefficient(Fraction(ncv_kj) / kj_per_kgce, (), measured=True)
    factors = factors or FactorTable.packaged()
    log = FactorLog()
    row = factors.find("gbt2589", energy, "k")
    if row is not None and row.value is not None:
        log.use(row)
        return Coefficient(row.value, log.factors)
    if energy == "natural_gas":
        if default_gas_kgce_per_m3 is not None:
            k = log.use(setting_factor("gbt2589", "natural_gas", "k_default", default_gas_kgce_per_m3, "kgce/m³",
                                       "default_gas_kgce_per_m3"))
        else:
            k = log.use(factors.get("gbt2589", "natural_gas", "k_default"))
        return Coefficient(k, log.factors)
    low = factors.find("gbt2589", energy, "k_low")
    if low is not None:
        if range_default == "low":
            return Coefficient(log.use(low), log.factors)
        raise FactorMissing(f"{ENERGIES[energy][0]}的折标系数为范围值，须给出实测低位发热量（或设置 range_default=low）")
    raise FactorMissing(f"因子库中没有{ENERGIES[energy][0]}的折标系数")


def to_tce(quantity: Fraction, energy: str, coeff: Coefficient) -> Fraction:
    """Quantity in its unit of :data:`ENERGIES` × k → tce (carbon.md §7 units).

    t × kgce/kg = tce; 10⁴ m³ × kgce/m³ = 10 tce per unit of k; MWh × kgce/kWh = tce;
    GJ × kgce/MJ = tce.
    """
    scale = 10 if energy in GASES else 1
    return quantity * coeff.k * scale


def electricity_tce(
    mwh: Fraction,
    year: int,
    factors: FactorTable | None = None,
    *,
    conversion: Literal["equal_value", "equivalent_value"] = "equal_value",
    equal_value_kgce_per_kwh: Fraction | None = None,
) -> tuple[Fraction, tuple[Factor, ...], list[str]]:
    """Electricity in tce: 等价值 (``equal_value``, default, carbon.md §8.2) at the year's
    coefficient (latest loaded year ≤ ``year``), or 当量值 (``equivalent_value``) 0.1229 kgce/kWh.

    Returns (tce, factors used, warnings).
    """
    factors = factors or FactorTable.packaged()
    if conversion == "equivalent_value":
        c = coefficient("electricity", factors)
        return mwh * c.k, c.factors, []
    if conversion != "equal_value":
        raise ValueError("elec_trade_energy_conversion 应为 equal_value（等价值）或 equivalent_value（当量值）")
    if equal_value_kgce_per_kwh is not None:
        f = setting_factor("equal_value", "electricity", "kgce_per_kwh", equal_value_kgce_per_kwh, "kgce/kWh",
                           "equal_value_kgce_per_kwh")
        return mwh * f.value, (f,), []
    f, warnings = factors.latest("equal_value", "electricity", "kgce_per_kwh", year)
    return mwh * f.value, (f,), warnings
