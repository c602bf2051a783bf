"""Enterprise accounting: a power unit's months and year (carbon.md §3, checks §4.2), a clinker line's (§6.2).

The arithmetic and the checks are :mod:`qingshan.standards.carbon_power`,
:mod:`qingshan.standards.carbon_checks` and :mod:`qingshan.standards.carbon_cement`; this module
reads the lodged records, runs them with the factor library (packaged + the bureau's rows) and
stores each unit-month and unit-year as a run with the factor rows it used (:mod:`.runs`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.factors import library
from qingshan.carbon.models import CarbonFacility, CarbonPowerMonth, CarbonUnit
from qingshan.carbon.registry import power_unit
from qingshan.carbon.runs import fig, pct, store_run
from qingshan.standards.carbon_cement import (
    CementMonthResult,
    CementSettings,
    CementYearResult,
    account_cement_month,
    account_cement_year,
)
from qingshan.standards.carbon_checks import CheckSettings, UnitYearEvaluation, evaluate_unit_year
from qingshan.standards.carbon_common import PUBLISH
from qingshan.standards.carbon_factors import FactorTable
from qingshan.standards.carbon_power import Derived, PowerMonthResult, PowerSettings, PowerYearResult


def settings_dict(*objs) -> dict:
    out: dict = {}
    for o in objs:
        for f in dataclasses.fields(o):
            v = getattr(o, f.name)
            out[f.name] = [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple) else (
                None if v is None else str(v) if isinstance(v, Fraction) else v)
    return json_safe(out)


def json_safe(v):
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, Fraction):
        return str(v)
    return v


def _derived(d: Derived) -> dict:
    return {"aux_rate": pct(d.aux_rate), "supply_coal_rate": fig(d.supply_coal_rate, PUBLISH.coal_rate, "gce/kWh"),
            "generation_coal_rate": fig(d.generation_coal_rate, PUBLISH.coal_rate, "gce/kWh"),
            "supply_intensity": fig(d.supply_intensity, PUBLISH.intensity, "tCO2/MWh"),
            "load_factor": fig(d.load_factor, PUBLISH.rate, "—")}


def month_results(r: PowerMonthResult) -> dict:
    return {
        "edition": r.edition, "e_total": fig(r.e_total, PUBLISH.tco2, "tCO2"), "e_coal": fig(r.e_coal, PUBLISH.tco2, "tCO2"),
        "e_other": {k: fig(v, PUBLISH.tco2, "tCO2") for k, v in r.e_other.items()},
        "e_elec": fig(r.e_elec, PUBLISH.tco2, "tCO2"), "c_ar": fig(r.c_ar, 4, "—"), "cc": fig(r.cc, PUBLISH.cc, "tC/GJ"),
        "cc_used": fig(r.cc_used, PUBLISH.cc, "tC/GJ"), "of": fig(r.of, 2, "—"), "default_applied": dict(r.default_applied),
        "coal_heat_gj": fig(r.coal_heat_gj, 0, "GJ"), **_derived(r.derived), "notes": list(r.notes),
    }


def year_results(y: PowerYearResult, ev: UnitYearEvaluation) -> dict:
    use = ev.default_use
    return {
        "months": list(y.months), "e_total": fig(y.e_total, PUBLISH.tco2, "tCO2"), "e_coal": fig(y.e_coal, PUBLISH.tco2, "tCO2"),
        "e_elec": fig(y.e_elec, PUBLISH.tco2, "tCO2"), "coal_t": fig(y.coal_t, 0, "t"),
        "generation_mwh": fig(y.generation_mwh, 0, "MWh"), "supply_mwh": fig(y.supply_mwh, 0, "MWh"),
        "heat_gj": fig(y.heat_gj, 0, "GJ"), "cc_weighted": fig(y.cc_weighted, PUBLISH.cc, "tC/GJ"),
        "default_months": list(y.default_months), **_derived(y.derived),
        "k10_extra_t": fig(use.extra_t if use else None, PUBLISH.tco2, "tCO2"),
        "k10_extra_ratio": pct(use.extra_ratio if use else None),
    }


@dataclass(frozen=True)
class UnitEvaluation:
    """A power unit's evaluation and the runs that record it."""

    unit_id: int
    unit_code: str
    unit_name: str
    facility_id: int
    facility_name: str
    evaluation: UnitYearEvaluation
    year_run_id: int | None
    month_run_ids: dict[int, int]


def evaluate_power_unit(
    session: Session,
    unit: CarbonUnit,
    year: int,
    *,
    as_of: date,
    through_month: int = 12,
    factors: FactorTable | None = None,
    settings: PowerSettings = PowerSettings(),
    checks: CheckSettings = CheckSettings(),
    store: bool = True,
) -> UnitEvaluation:
    """Account and check one unit for 1—``through_month`` of ``year``; store the runs."""
    factors = factors or library(session)
    recs = records.power_months(session, unit, [year - 1, year])
    report = records.annual_report(session, unit, year) if through_month == 12 else None
    pu = power_unit(unit)
    ev = evaluate_unit_year(pu, recs, year, as_of=as_of, factors=factors, settings=settings, checks=checks,
                            through_month=through_month, annual_report=report)
    fac = session.get(CarbonFacility, unit.facility_id)
    month_runs: dict[int, int] = {}
    year_run = None
    if store:
        sd = settings_dict(settings, checks)
        rows = {r.month: r for r in session.scalars(select(CarbonPowerMonth).where(
            CarbonPowerMonth.unit_id == unit.id, CarbonPowerMonth.year == year, CarbonPowerMonth.kind == "monthly"))}
        for m in ev.months:
            inputs = {"record": records.power_month_payload(rows[m.month]) if m.month in rows else None}
            run = store_run(session, scope="unit_month", year=year, month=m.month, unit_id=unit.id, as_of=as_of,
                            settings=sd, factors=m.result.factors if m.result else (), inputs=inputs,
                            results=month_results(m.result) if m.result else {}, status=m.status.value, checks=m.checks)
            month_runs[m.month] = run.id
        yr = store_run(session, scope="unit_year", year=year, month=through_month, unit_id=unit.id, as_of=as_of,
                       settings=sd, factors=ev.factors, inputs={"month_runs": month_runs},
                       results=year_results(ev.year_result, ev) if ev.year_result else {}, status=ev.status.value,
                       checks=ev.year_checks)
        year_run = yr.id
    return UnitEvaluation(unit.id, unit.code, unit.name, fac.id, fac.name, ev, year_run, month_runs)


def power_units(session: Session, facility_code: str | None = None) -> list[CarbonUnit]:
    q = (select(CarbonUnit).join(CarbonFacility, CarbonFacility.id == CarbonUnit.facility_id)
         .where(CarbonFacility.sector == "power", CarbonUnit.active.is_(True), CarbonUnit.kind.in_(("unit", "plant_line")))
         .order_by(CarbonFacility.code, CarbonUnit.code))
    if facility_code is not None:
        q = q.where(CarbonFacility.code == facility_code)
    return list(session.scalars(q))


def evaluate_month(session: Session, year: int, month: int, *, as_of: date, facility_code: str | None = None,
                   factors: FactorTable | None = None, settings: PowerSettings = PowerSettings(),
                   checks: CheckSettings = CheckSettings(), store: bool = True) -> list[UnitEvaluation]:
    """``carbon check --month``: every active power unit, months 1…``month`` of ``year``."""
    factors = factors or library(session)
    return [evaluate_power_unit(session, u, year, as_of=as_of, through_month=month, factors=factors,
                                settings=settings, checks=checks, store=store)
            for u in power_units(session, facility_code)]


# --- cement ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CementEvaluation:
    unit_id: int
    unit_code: str
    months: tuple[CementMonthResult, ...]
    year: CementYearResult | None
    year_run_id: int | None


def cement_year_results(y: CementYearResult) -> dict:
    return {"months": list(y.months), "e_fuel": fig(y.e_fuel, 0, "tCO2"), "e_altfuel": fig(y.e_altfuel, 0, "tCO2"),
            "e_process": fig(y.e_process, 0, "tCO2"), "e_line": fig(y.e_line, 0, "tCO2"), "e_elec": fig(y.e_elec, 0, "tCO2"),
            "clinker_t": fig(y.clinker_t, 0, "t"), "intensity": fig(y.intensity, PUBLISH.intensity, "tCO2/t"),
            "intensity_with_elec": fig(y.intensity_with_elec, PUBLISH.intensity, "tCO2/t"),
            "coal_use": fig(y.coal_use_kgce_per_t, PUBLISH.coal_rate, "kgce/t")}


def evaluate_cement_line(session: Session, unit: CarbonUnit, year: int, *, as_of: date, through_month: int = 12,
                         factors: FactorTable | None = None, settings: CementSettings = CementSettings(),
                         store: bool = True) -> CementEvaluation:
    """Account a clinker line month by month and for the year (carbon.md §6.2); store the runs."""
    factors = factors or library(session)
    recs = [r for r in records.cement_months(session, unit, year) if r.month <= through_month]
    results = tuple(account_cement_month(unit.code, r, factors, settings=settings) for r in recs)
    year_res = account_cement_year(results, settings=settings) if results else None
    run_id = None
    if store:
        sd = settings_dict(settings)
        for r in results:
            store_run(session, scope="unit_month", year=year, month=r.month, unit_id=unit.id, as_of=as_of, settings=sd,
                      factors=r.factors, inputs={}, status=None,
                      results={"e_fuel": fig(r.e_fuel, 0, "tCO2"), "e_process": fig(r.e_process, 0, "tCO2"),
                               "e_altfuel": fig(r.e_altfuel, 0, "tCO2"), "e_line": fig(r.e_line, 0, "tCO2"),
                               "e_elec": fig(r.e_elec, 0, "tCO2"), "method": r.method,
                               "default_applied": dict(r.default_applied)})
        if year_res is not None:
            run_id = store_run(session, scope="unit_year", year=year, month=through_month, unit_id=unit.id, as_of=as_of,
                               settings=sd, factors=year_res.factors, inputs={}, status=None,
                               results=cement_year_results(year_res)).id
    return CementEvaluation(unit.id, unit.code, results, year_res, run_id)
