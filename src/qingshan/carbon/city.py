"""City accounts: energy CO2 (carbon.md §8.1), energy and intensities (§8.2, §8.3) per year or 1—N月.

Inputs are the stored energy balance and GDP rows (entered or imported), the factor library and,
with ``use_enterprise_data_for_power``, the verified §3 data of power plants. A plant's year counts
as verified (project rule, recorded in docs/carbon-notes.md) when every active unit of the plant
has all twelve monthly records and its unit-year evaluation has no ``fail``. Each account is stored
as a ``city`` run with its settings, the factor rows used and its exact figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.accounting import evaluate_power_unit, power_units, settings_dict
from qingshan.carbon.factors import library
from qingshan.carbon.models import CarbonCityBalance, CarbonCityGdp, CarbonFacility, CarbonPlan, CarbonPowerMonth
from qingshan.carbon.runs import fig, pct, store_run
from qingshan.standards.carbon_checks import CheckStatus
from qingshan.standards.carbon_city import (
    BalanceRow,
    CityCO2,
    CityEnergy,
    CitySettings,
    PlantFuelData,
    city_co2,
    city_energy,
    intensity_per_10k_yuan,
)
from qingshan.standards.carbon_common import PUBLISH, exact
from qingshan.standards.carbon_factors import FactorTable
from qingshan.standards.carbon_power import PowerSettings


class CityDataError(ValueError):
    """City accounting refused (Chinese message)."""


@dataclass(frozen=True)
class CityAccount:
    year: int
    months: int
    co2: CityCO2
    energy: CityEnergy
    gdp_constant: Fraction | None  # 亿元 at the prices of ``gdp_base_year``
    gdp_base_year: int | None
    co2_intensity: Fraction | None  # tCO2/万元
    energy_intensity: Fraction | None  # tce/万元
    run_id: int | None
    demo: bool
    warnings: tuple[str, ...]


def get_plan(session: Session, name: str | None = None) -> CarbonPlan | None:
    q = select(CarbonPlan).order_by(CarbonPlan.id.desc())
    if name is not None:
        q = q.where(CarbonPlan.name == name)
    return session.scalars(q).first()


def set_plan(session: Session, name: str, base_year: int, target: str, *, source: str, status: str = "UNCONFIRMED",
             projected_gdp_index: str | None = None, demo: bool = False) -> tuple[CarbonPlan, dict | None, dict]:
    """Create or update a five-year target; returns (plan, before, after) for the audit trail."""
    try:
        t = Fraction(target)
    except (ValueError, ZeroDivisionError):
        raise CityDataError(f"目标“{target}”不是数字") from None
    if not 0 < t < 1:
        raise CityDataError("降低目标应为 0 与 1 之间的小数（如 0.17 表示下降 17%）")
    if status not in ("confirmed", "UNCONFIRMED"):
        raise CityDataError("目标状态应为 confirmed 或 UNCONFIRMED")
    plan = session.scalar(select(CarbonPlan).where(CarbonPlan.name == name))
    keys = ("name", "base_year", "target", "target_source", "target_status", "projected_gdp_index", "demo")
    before = {k: getattr(plan, k) for k in keys} if plan else None
    if plan is None:
        plan = CarbonPlan(name=name)
        session.add(plan)
    plan.base_year, plan.target, plan.target_source, plan.target_status = base_year, target, source, status
    plan.projected_gdp_index, plan.demo = projected_gdp_index, demo
    session.flush()
    return plan, before, {k: getattr(plan, k) for k in keys}


def verified_plants(session: Session, year: int, *, as_of: date, factors: FactorTable,
                    settings: PowerSettings = PowerSettings()) -> tuple[list[PlantFuelData], list[str]]:
    """Power plants whose §3 data for ``year`` may replace their fuel in the balance (carbon.md §8.1).

    A plant none of whose generating units has twelve monthly records cannot be verified: it is
    judged from the record counts alone (no evaluation), as it would be after one.
    """
    by_fac: dict[int, list] = {}
    for u in power_units(session):
        by_fac.setdefault(u.facility_id, []).append(u)
    lodged = dict(session.execute(
        select(CarbonPowerMonth.unit_id, func.count()).where(CarbonPowerMonth.year == year, CarbonPowerMonth.kind == "monthly")
        .group_by(CarbonPowerMonth.unit_id)).all())
    out: list[PlantFuelData] = []
    notes: list[str] = []
    for fac_id, units in by_fac.items():
        fac = session.get(CarbonFacility, fac_id)
        if not any(lodged.get(u.id) for u in units):
            continue  # nothing lodged for the year: nothing to verify
        if any(lodged.get(u.id, 0) < 12 for u in units if u.kind == "unit"):
            notes.append(f"{fac.name}：{year}年企业数据不完整或有未通过的校核，城市核算仍按平衡表缺省值")
            continue
        evs = [evaluate_power_unit(session, u, year, as_of=as_of, factors=factors, settings=settings) for u in units]
        complete = all(sum(1 for m in e.evaluation.months if m.result is not None) == 12 for e in evs
                       if e.evaluation.unit.kind == "unit")
        recorded = [e for e in evs if e.evaluation.year_result is not None]
        if not recorded:
            continue
        if not complete or any(e.evaluation.status is CheckStatus.FAIL for e in recorded):
            notes.append(f"{fac.name}：{year}年企业数据不完整或有未通过的校核，城市核算仍按平衡表缺省值")
            continue
        coal = Fraction(0)
        other: dict[str, Fraction] = {}
        e_fuel = Fraction(0)
        for e in recorded:
            for m in e.evaluation.months:
                if m.record is None or m.result is None:
                    continue
                coal += m.record.coal_t or 0
                for k, q in m.record.other_fuels.items():
                    other[k] = other.get(k, Fraction(0)) + q
                e_fuel += (m.result.e_coal or 0) + sum(m.result.e_other.values(), Fraction(0))
        out.append(PlantFuelData(fac.name, coal, other, e_fuel))
    return out, notes


def constant_gdp(session: Session, year: int, base_year: int) -> tuple[Fraction | None, list[str]]:
    """GDP of ``year`` at ``base_year`` prices (carbon.md §8.3), from annual rows."""
    g = records.gdp(session)
    base = g.get((base_year, 12))
    if base is None or base.gdp_nominal is None:
        return None, [f"缺少基年 {base_year} 年现价地区生产总值"]
    value = Fraction(base.gdp_nominal)
    lo, hi, up = (base_year, year, True) if year >= base_year else (year, base_year, False)
    for y in range(lo + 1, hi + 1):
        row = g.get((y, 12))
        if row is None or row.gdp_index is None:
            return None, [f"缺少 {y} 年地区生产总值指数"]
        ratio = Fraction(row.gdp_index) / 100
        value = value * ratio if up else value / ratio
    return value, []


def account_city(
    session: Session,
    year: int,
    *,
    as_of: date,
    months: int = 12,
    settings: CitySettings = CitySettings(),
    gdp_base_year: int | None = None,
    factors: FactorTable | None = None,
    power_settings: PowerSettings = PowerSettings(),
    store: bool = True,
) -> CityAccount:
    """The city's CO2, energy and intensities for ``year`` (1—``months``月), stored as a run."""
    if months not in (3, 6, 9, 12):
        raise CityDataError("期间应为 1—3、1—6、1—9 月或全年")
    factors = factors or library(session)
    rows = records.balance(session, year, months)
    if not rows:
        raise CityDataError(f"没有 {year} 年{'全年' if months == 12 else f'1—{months}月'}的能源平衡表数据")
    warnings: list[str] = []
    plants: list[PlantFuelData] = []
    if settings.use_enterprise_data_for_power and months == 12:
        plants, notes = verified_plants(session, year, as_of=as_of, factors=factors, settings=power_settings)
        warnings += notes
    co2 = city_co2(year, rows, factors, settings=settings, plants=plants)
    plan = get_plan(session)
    base_ren = None
    ren_year = settings.new_renewables_base_year or (plan.base_year if plan else None)
    if ren_year is not None:
        base_rows = {(r.item, r.use): r.quantity for r in records.balance(session, ren_year, months)}
        base_ren = base_rows.get(("electricity", "renewable_consumption"))
    energy = city_energy(year, rows, factors, settings=settings, base_renewables_mwh=base_ren)
    warnings += list(co2.warnings) + [w for w in energy.warnings if w not in co2.warnings]
    gdp_c = co2_i = energy_i = None
    base = gdp_base_year or (plan.base_year if plan else year)
    if months == 12:
        gdp_c, w = constant_gdp(session, year, base)
        warnings += w
        if gdp_c is not None:
            co2_i = intensity_per_10k_yuan(co2.total, gdp_c)
            energy_i = intensity_per_10k_yuan(energy.total_assessed, gdp_c)
    demo = bool(session.scalar(select(CarbonCityBalance.demo).where(CarbonCityBalance.year == year, CarbonCityBalance.months == months,
                                                                  CarbonCityBalance.demo.is_(True)).limit(1)))
    run_id = None
    if store:
        results = city_results(co2, energy, gdp_c, base, co2_i, energy_i)
        sd = settings_dict(settings) | {"gdp_base_year": base}
        run = store_run(session, scope="city", year=year, month=months, unit_id=None, as_of=as_of, settings=sd,
                        factors=tuple(dict.fromkeys(co2.factors + energy.factors)),
                        inputs={"balance": records.balance_payload(session, year, months),
                                "plants": [p.plant for p in plants], "demo": demo},
                        results=results | {"warnings": warnings}, status=None)
        run_id = run.id
    return CityAccount(year, months, co2, energy, gdp_c, base, co2_i, energy_i, run_id, demo, tuple(warnings))


def city_results(co2: CityCO2, energy: CityEnergy, gdp_c, base, co2_i, energy_i) -> dict:
    t, tce, i = PUBLISH.tco2, PUBLISH.tce, PUBLISH.intensity
    return {
        "co2_total": fig(co2.total, t, "tCO2"), "co2_territorial": fig(co2.territorial, t, "tCO2"),
        "co2_fuels": fig(co2.fuels_co2, t, "tCO2"), "co2_enterprise": fig(co2.enterprise_co2, t, "tCO2"),
        "enterprise_plants": list(co2.enterprise_plants), "co2_transform": fig(co2.transform_co2, t, "tCO2"),
        "co2_elec": fig(co2.elec_co2, t, "tCO2"), "grid_factor": fig(co2.grid_factor, 4, "tCO2/MWh"),
        "net_import_elec_mwh": fig(co2.net_import_elec_mwh, 0, "MWh"), "co2_heat": fig(co2.heat_co2, t, "tCO2"),
        "co2_process": fig(co2.process_co2, t, "tCO2"), "treatment": co2.treatment,
        "fuel_lines": [{"item": ln.item, "use": ln.use, "quantity": fig(ln.quantity, 3, ""), "ef": fig(ln.ef, 6, "tCO2/单位"),
                        "co2": fig(ln.co2, t, "tCO2")} for ln in co2.fuel_lines],
        "energy_total_before": fig(energy.total_before, tce, "tce"),
        "energy_total_assessed": fig(energy.total_assessed, tce, "tce"),
        "energy_fuels": fig(energy.fuels_tce, tce, "tce"), "energy_net_import_elec": fig(energy.net_import_elec_tce, tce, "tce"),
        "energy_primary_elec": fig(energy.primary_elec_tce, tce, "tce"),
        "excluded_feedstock": fig(energy.excluded_feedstock, tce, "tce"),
        "excluded_renewables": fig(energy.excluded_renewables, tce, "tce"),
        "non_fossil_share": pct(energy.non_fossil_share), "elec_conversion": energy.conversion,
        "gdp_constant": fig(gdp_c, 2, f"亿元（{base}年价）"), "co2_intensity": fig(co2_i, i, "tCO2/万元"),
        "energy_intensity": fig(energy_i, i, "tce/万元"),
    }


def balance_years(session: Session, months: int = 12) -> list[int]:
    return sorted(set(session.scalars(select(CarbonCityBalance.year).where(CarbonCityBalance.months == months))))


def set_balance_row(session: Session, year: int, months: int, item: str, use: str, quantity: str, *,
                    ncv: str | None = None, note: str | None = None, demo: bool = False) -> tuple[dict | None, dict]:
    """Enter one balance row by hand (before/after for the audit trail)."""
    try:
        BalanceRow(item, use, exact(quantity), exact(ncv) if ncv else None)
    except ValueError as exc:
        raise CityDataError(str(exc)) from None
    if months not in (3, 6, 9, 12):
        raise CityDataError("期间应为 3、6、9 或 12（1—N月累计）")
    row = session.scalar(select(CarbonCityBalance).where(CarbonCityBalance.year == year, CarbonCityBalance.months == months,
                                                      CarbonCityBalance.item == item, CarbonCityBalance.use == use))
    keys = ("year", "months", "item", "use", "quantity", "ncv", "note", "demo")
    before = {k: getattr(row, k) for k in keys} if row else None
    if row is None:
        row = CarbonCityBalance(year=year, months=months, item=item, use=use)
        session.add(row)
    row.quantity, row.ncv, row.note, row.demo = quantity, ncv, note, demo
    session.flush()
    return before, {k: getattr(row, k) for k in keys}


def set_gdp(session: Session, year: int, months: int, *, nominal: str | None = None, index: str | None = None,
            source: str | None = None, demo: bool = False) -> tuple[dict | None, dict]:
    """Enter GDP of a year or 1—N月 by hand: current-price 亿元 and/or the constant-price index
    (same period of last year = 100). Returns before/after for the audit trail."""
    if months not in (3, 6, 9, 12):
        raise CityDataError("期间应为 3、6、9 或 12（1—N月累计）")
    if nominal is None and index is None:
        raise CityDataError("地区生产总值与指数至少填一项")
    try:
        n = exact(nominal) if nominal is not None else None
        i = exact(index) if index is not None else None
    except ValueError as exc:
        raise CityDataError(str(exc)) from None
    if n is not None and n <= 0:
        raise CityDataError("地区生产总值应为正数")
    if i is not None and not 50 <= i <= 200:
        raise CityDataError(f"指数 {index} 不合理（上年同期=100）")
    row = session.scalar(select(CarbonCityGdp).where(CarbonCityGdp.year == year, CarbonCityGdp.months == months))
    keys = ("year", "months", "gdp_nominal", "gdp_index", "source", "demo")
    before = {k: getattr(row, k) for k in keys} if row else None
    if row is None:
        row = CarbonCityGdp(year=year, months=months)
        session.add(row)
    if nominal is not None:
        row.gdp_nominal = nominal.strip()
    if index is not None:
        row.gdp_index = index.strip()
    row.source, row.demo = source, demo
    session.flush()
    return before, {k: getattr(row, k) for k in keys}
