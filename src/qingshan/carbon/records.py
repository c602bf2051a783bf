"""Stored rows → the standards' exact records (and back to plain dicts for payloads)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon.models import CarbonAnnualReport, CarbonCementMonth, CarbonCityBalance, CarbonCityGdp, CarbonPowerMonth, CarbonUnit
from qingshan.carbon.sheets import fraction_of
from qingshan.standards.carbon_cement import AltFuel, CementMonth
from qingshan.standards.carbon_checks import AnnualReport
from qingshan.standards.carbon_city import BalanceRow
from qingshan.standards.carbon_power import PowerMonth

_NUM = ("coal_t", "ncv", "c", "m_t", "m_ad", "h", "s_t", "purchased_elec_mwh", "generation_mwh", "supply_mwh", "heat_gj",
        "heat_ratio", "running_hours")


def power_month(r: CarbonPowerMonth) -> PowerMonth:
    return PowerMonth(
        year=r.year, month=r.month, c_basis=r.c_basis, lab_report_id=r.lab_report_id, sample_id=r.sample_id,
        ncv_sample_id=r.ncv_sample_id, sample_from=r.sample_from, sample_to=r.sample_to,
        coal_source_changed=bool(r.coal_source_changed),
        other_fuels={k: Fraction(v) for k, v in (r.other_fuels or {}).items() if v is not None},
        lodged_on=r.lodged_on, **{k: fraction_of(getattr(r, k)) for k in _NUM},
    )


def power_months(session: Session, unit: CarbonUnit, years: Sequence[int], kind: str = "monthly") -> list[PowerMonth]:
    rows = session.scalars(select(CarbonPowerMonth).where(
        CarbonPowerMonth.unit_id == unit.id, CarbonPowerMonth.year.in_(list(years)), CarbonPowerMonth.kind == kind)
        .order_by(CarbonPowerMonth.year, CarbonPowerMonth.month)).all()
    return [power_month(r) for r in rows]


def power_month_payload(r: CarbonPowerMonth) -> dict:
    """A lodged record as plain values (text numbers as lodged), for pages and evidence."""
    out = {k: getattr(r, k) for k in ("year", "month", "kind", "c_basis", "lab_report_id", "sample_id", "ncv_sample_id",
                                      "coal_data_source", "coal_data_reason", *_NUM)}
    out.update(sample_from=r.sample_from.isoformat() if r.sample_from else None,
               sample_to=r.sample_to.isoformat() if r.sample_to else None,
               lodged_on=r.lodged_on.isoformat() if r.lodged_on else None,
               coal_source_changed=bool(r.coal_source_changed), other_fuels=dict(r.other_fuels or {}),
               batch_id=r.batch_id, source_row=r.source_row)
    return out


def annual_report(session: Session, unit: CarbonUnit, year: int) -> AnnualReport | None:
    ar = session.scalar(select(CarbonAnnualReport).where(CarbonAnnualReport.unit_id == unit.id, CarbonAnnualReport.year == year))
    months = power_months(session, unit, [year], kind="annual")
    if ar is None and not months:
        return None
    return AnnualReport(year, {m.month: m for m in months}, fraction_of(ar.emission_t) if ar is not None else None)


def cement_month(r: CarbonCementMonth) -> CementMonth:
    alt = tuple(AltFuel(a.get("name", "替代燃料"), Fraction(a["alt_q"]), Fraction(a["alt_ncv"]), Fraction(a["alt_cc"]),
                        Fraction(a["alt_fossil"])) for a in (r.alt_fuels or []))
    return CementMonth(
        year=r.year, month=r.month, clinker_type=r.clinker_type, alt_fuels=alt,
        substitutes={k: Fraction(v) for k, v in (r.substitutes or {}).items()},
        **{k: fraction_of(getattr(r, k)) for k in ("clinker_t", "coal_t", "ncv", "c_ar", "cao", "cao_nc", "mgo", "mgo_nc",
                                                   "kiln_dust_t", "bypass_dust_t", "elec_mwh")},
    )


def cement_months(session: Session, unit: CarbonUnit, year: int) -> list[CementMonth]:
    rows = session.scalars(select(CarbonCementMonth).where(CarbonCementMonth.unit_id == unit.id, CarbonCementMonth.year == year)
                           .order_by(CarbonCementMonth.month)).all()
    return [cement_month(r) for r in rows]


def balance(session: Session, year: int, months: int = 12) -> list[BalanceRow]:
    rows = session.scalars(select(CarbonCityBalance).where(CarbonCityBalance.year == year, CarbonCityBalance.months == months)
                           .order_by(CarbonCityBalance.id)).all()
    return [BalanceRow(r.item, r.use, Fraction(r.quantity), fraction_of(r.ncv), r.note or "") for r in rows]


def balance_payload(session: Session, year: int, months: int = 12) -> list[dict]:
    rows = session.scalars(select(CarbonCityBalance).where(CarbonCityBalance.year == year, CarbonCityBalance.months == months)
                           .order_by(CarbonCityBalance.id)).all()
    return [{"item": r.item, "use": r.use, "quantity": r.quantity, "ncv": r.ncv, "demo": r.demo, "batch_id": r.batch_id}
            for r in rows]


def gdp(session: Session) -> dict[tuple[int, int], CarbonCityGdp]:
    return {(r.year, r.months): r for r in session.scalars(select(CarbonCityGdp))}
