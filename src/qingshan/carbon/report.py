"""The one report builder of the carbon domain (CLI, web pages, bulletin, leader view and demo).

Every figure is a :class:`Figure`: the published text (rounded once, half-even), the exact value,
the unit, the run that produced it and the factor rows behind it with their source and status —
so a page or the bulletin can show "UNCONFIRMED" and the source next to each number.

Functions (all read the store through a ``Session`` and take the date the report is made for;
they store the runs they compute in that session — identical results reuse the stored run — and
leave the commit to the caller):

* :func:`city_report` — a year's (or 1—N月) city CO2, energy, intensities, settings and warnings;
* :func:`city_trend` — the intensity trend against the target path, with the §8.4 tracking rows;
* :func:`enterprise_list` — facilities with their units' check status and CO2 so far;
* :func:`unit_detail` — one unit's months: lodged record, figures, checks K-01…K-10;
* :func:`co2_intensity_status` — the bulletin's 目标任务 line: status, required rate (year or 1—N月);
* :func:`leader_summary` — the leader view's carbon tile.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.accounting import evaluate_cement_line, evaluate_power_unit
from qingshan.carbon.city import CityAccount, CityDataError, account_city, get_plan
from qingshan.carbon.factors import library
from qingshan.carbon.imports import PERIOD_NAMES
from qingshan.carbon.models import CarbonFacility, CarbonPowerMonth, CarbonRun, CarbonUnit
from qingshan.carbon.progress import track_stored
from qingshan.carbon.runs import check_payload
from qingshan.sources.models import Enterprise
from qingshan.standards.carbon_checks import STATUS_ZH as CHECK_ZH
from qingshan.standards.carbon_checks import CheckStatus, worst
from qingshan.standards.carbon_city import CitySettings
from qingshan.standards.carbon_common import PUBLISH, nth_root, percent, publish
from qingshan.standards.carbon_factors import Factor
from qingshan.standards.carbon_power import PowerSettings, allocate_by_generation, market_covered
from qingshan.standards.carbon_tracking import (
    STATUS_ZH,
    TrackingSettings,
    allowed_co2_end_year,
    progress_row,
    ytd_reduction,
)

DEMO_NOTE = "演示/合成数据：非大同市真实统计或企业报送数据"
#: How a figure's or a factor row's status reads (pages, documents).
FACTOR_STATUS_ZH = {"confirmed": "已确认", "UNCONFIRMED": "待确认", "setting": "设置值", "input": "输入值"}


class FactorRef(BaseModel):
    table: str
    key: str
    param: str
    value: str
    unit: str
    valid_from: int | None
    valid_to: int | None
    version: str
    status: str
    source: str
    origin: str
    label: str
    row_id: int | None = None  # a bureau row's database id


class Figure(BaseModel):
    """A published number with everything needed to trace it."""

    key: str
    label: str
    value: str
    exact: str | None = None
    unit: str = ""
    status: Literal["confirmed", "UNCONFIRMED", "setting", "input"] = "input"
    factors: list[FactorRef] = Field(default_factory=list)
    run_id: int | None = None
    demo: bool = False


def _refs(factors) -> list[FactorRef]:
    out = []
    for f in factors:
        d = f.ref() | {"label": f.label} if isinstance(f, Factor) else dict(f)
        out.append(FactorRef(**{k: d.get(k) for k in FactorRef.model_fields}))
    return out


def _status(refs: list[FactorRef]) -> str:
    if not refs:
        return "input"
    if any(r.status == "UNCONFIRMED" for r in refs):
        return "UNCONFIRMED"
    if any(r.status == "setting" for r in refs):
        return "setting"
    return "confirmed"


def figure(key: str, label: str, stored: dict | None, refs: list[FactorRef], run_id: int | None, demo: bool = False) -> Figure:
    stored = stored or {"exact": None, "published": "—", "unit": ""}
    return Figure(key=key, label=label, value=stored["published"], exact=stored["exact"], unit=stored["unit"],
                  status=_status(refs), factors=refs, run_id=run_id, demo=demo)


def _pub_figure(key: str, label: str, x: Fraction | Decimal | None, decimals: int, unit: str, refs: list[FactorRef],
                run_id: int | None, demo: bool, *, as_percent: bool = False) -> Figure:
    if x is None:
        return Figure(key=key, label=label, value="—", unit=unit, status=_status(refs), factors=refs, run_id=run_id, demo=demo)
    shown = percent(x, decimals) if as_percent else publish(x, decimals)
    exact = str(x) if isinstance(x, Decimal) else (str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}")
    return Figure(key=key, label=label, value=shown, exact=exact, unit=unit, status=_status(refs), factors=refs,
                  run_id=run_id, demo=demo)


# --- city ---------------------------------------------------------------------------------------------

CITY_LABELS = {
    "co2_total": "二氧化碳排放总量", "co2_territorial": "二氧化碳排放量（属地口径）", "co2_fuels": "化石燃料燃烧排放",
    "co2_enterprise": "采用企业核算数据的电厂排放", "co2_elec": "净调入电力排放", "co2_heat": "净调入热力排放",
    "co2_transform": "加工转换碳损失", "co2_process": "工业过程排放（单列）", "grid_factor": "电力排放因子",
    "energy_total_before": "能源消费总量（扣除前）", "energy_total_assessed": "能源消费总量（考核口径）",
    "energy_net_import_elec": "净调入电力折标", "non_fossil_share": "非化石能源占比", "gdp_constant": "地区生产总值（不变价）",
    "co2_intensity": "单位地区生产总值二氧化碳排放", "energy_intensity": "单位地区生产总值能耗",
}
_ENERGY_KEYS = ("energy_total_before", "energy_total_assessed", "energy_net_import_elec", "non_fossil_share", "energy_intensity")


class CityReport(BaseModel):
    year: int
    months: int
    period: str
    demo: bool
    demo_note: str | None
    treatment: str
    figures: dict[str, Figure]
    fuel_lines: list[dict]
    enterprise_plants: list[str]
    warnings: list[str]
    settings: dict
    run_id: int | None


def _city_refs(acc: CityAccount) -> tuple[list[FactorRef], list[FactorRef]]:
    return _refs(acc.co2.factors), _refs(acc.energy.factors)


def city_report(session: Session, year: int, *, as_of: date, months: int = 12,
                settings: CitySettings = CitySettings()) -> CityReport:
    """A year's (or 1—N月's) city account with every figure traceable (carbon.md §8.1–§8.3)."""
    acc = account_city(session, year, as_of=as_of, months=months, settings=settings)
    run = session.get(CarbonRun, acc.run_id)
    co2_refs, energy_refs = _city_refs(acc)
    figs = {}
    for key, label in CITY_LABELS.items():
        if key not in run.results:
            continue
        refs = [] if key == "gdp_constant" else energy_refs if key in _ENERGY_KEYS else co2_refs
        figs[key] = figure(key, label, run.results[key], refs, run.id, acc.demo)
    return CityReport(year=year, months=months, period=f"{year}年{PERIOD_NAMES[months]}", demo=acc.demo,
                      demo_note=DEMO_NOTE if acc.demo else None, treatment=acc.co2.treatment, figures=figs,
                      fuel_lines=run.results["fuel_lines"], enterprise_plants=list(acc.co2.enterprise_plants),
                      warnings=list(acc.warnings), settings=run.settings, run_id=run.id)


class TrendRow(BaseModel):
    year: int
    co2: Figure | None
    co2_intensity: Figure | None
    intensity_index: str | None  # I(t)/I(b) × 100, 2 dp
    target_path_index: str  # uniform-rate path to (1 − R*) × 100 at T, 2 dp
    r: str | None
    R: str | None
    P: str | None
    tau: str
    r_req: str | None
    r_avg: str | None
    status: str | None
    status_zh: str | None


class PathPoint(BaseModel):
    year: int
    index: str  # target path, I(b) = 100, 2 dp


class TrendReport(BaseModel):
    plan: str | None
    base_year: int
    end_year: int
    target: str | None  # R* in %
    target_status: str | None
    target_source: str | None
    rows: list[TrendRow]
    whole_period_rate: str | None
    allowed_intensity_end: Figure | None
    allowed_co2_end: Figure | None
    projected_years: list[int]
    #: the uniform-rate path from 100 at b to (1 − R*) × 100 at T, every year of the plan (empty without R*)
    target_path: list[PathPoint] = Field(default_factory=list)
    demo: bool
    warnings: list[str]


def target_path_index(target: Fraction, base_year: int, end_year: int, year: int) -> str:
    """I(t)/I(b) × 100 on the uniform-rate path to 1 − R* at T (carbon.md §8.4: the path along
    which r(t) = 1 − (1 − R*)^(1/(T − b)) every year), 2 dp, from the exact 50-digit root."""
    k = year - base_year
    if k == 0:
        return "100.00"
    return publish(nth_root((1 - target) ** k, end_year - base_year).midpoint() * 100, 2)


def city_trend(session: Session, *, as_of: date, base_year: int | None = None, target: Fraction | None = None,
               plan_name: str | None = None, settings: CitySettings = CitySettings(),
               tracking: TrackingSettings = TrackingSettings(), projected_gdp_index: Fraction | None = None) -> TrendReport:
    """City CO2 intensity against the target path with the §8.4 rows; target and base from the plan
    unless given. ``projected_gdp_index`` (e.g. 105) projects GDP for the allowed CO2 at T."""
    plan = get_plan(session, plan_name)
    if base_year is None:
        if plan is None:
            raise CityDataError("未设置五年规划目标（qingshan carbon plan），须给出基年与目标")
        base_year = plan.base_year
    if target is None and plan is not None and plan.base_year == base_year:
        target = Fraction(plan.target)
    if projected_gdp_index is None and plan is not None and plan.projected_gdp_index:
        projected_gdp_index = Fraction(plan.projected_gdp_index)
    st = track_stored(session, base_year=base_year, target=target, as_of=as_of, settings=settings, tracking=tracking)
    t = st.tracking
    T = t.end_year
    rows: list[TrendRow] = []
    demo = any(a.demo for a in st.accounts.values())
    for row in t.rows:
        acc = st.accounts.get(row.year)
        co2_f = ci_f = None
        if acc is not None:
            run = session.get(CarbonRun, acc.run_id)
            co2_refs, _ = _city_refs(acc)
            co2_f = figure("co2_total", CITY_LABELS["co2_total"], run.results["co2_total"], co2_refs, run.id, acc.demo)
            ci_f = figure("co2_intensity", CITY_LABELS["co2_intensity"], run.results["co2_intensity"], co2_refs, run.id, acc.demo)
        pub = row.published()
        path = "—" if target is None else target_path_index(target, base_year, T, row.year)
        rows.append(TrendRow(year=row.year, co2=co2_f, co2_intensity=ci_f,
                             intensity_index=None if row.intensity_ratio is None else publish(row.intensity_ratio * 100, 2),
                             target_path_index=path, r=pub["r"], R=pub["R"], P=pub["P"], tau=pub["tau"], r_req=pub["r_req"],
                             r_avg=pub["r_avg"], status=row.status, status_zh=STATUS_ZH.get(row.status) if row.status else None))
    allowed_i = allowed_x = None
    projected: list[int] = []
    warnings = list(t.warnings)
    base_acc = st.accounts.get(base_year)
    if target is not None and base_acc is not None:
        co2_refs, _ = _city_refs(base_acc)
        if base_acc.co2_intensity is not None:
            allowed_i = _pub_figure("allowed_intensity_end", f"{T}年允许的单位GDP二氧化碳排放", base_acc.co2_intensity * (1 - target),
                                    PUBLISH.intensity, "tCO2/万元", co2_refs, base_acc.run_id, base_acc.demo)
        try:
            x, projected = allowed_co2_end_year(base_acc.co2.total, target, st.gdp_index, base_year,
                                                plan_years=tracking.plan_years, projected_index=projected_gdp_index)
            label = f"{T}年允许二氧化碳排放量" + (f"（{'、'.join(map(str, projected))}年按指数 {publish(projected_gdp_index, 1)} 预测）" if projected else "")
            allowed_x = _pub_figure("allowed_co2_end", label, x, PUBLISH.tco2, "tCO2", co2_refs, base_acc.run_id, base_acc.demo)
        except ValueError as exc:
            warnings.append(str(exc))
    wp = t.whole_period_rate
    return TrendReport(plan=plan.name if plan else None, base_year=base_year, end_year=T,
                       target=percent(target) if target is not None else None,
                       target_status=plan.target_status if plan else None, target_source=plan.target_source if plan else None,
                       rows=rows, whole_period_rate=percent(wp[1]) if wp else None, allowed_intensity_end=allowed_i,
                       allowed_co2_end=allowed_x, projected_years=projected, demo=demo, warnings=warnings,
                       target_path=[] if target is None else [PathPoint(year=y, index=target_path_index(target, base_year, T, y))
                                                              for y in range(base_year, T + 1)])


# --- bulletin and leader view ---------------------------------------------------------------------------


class IntensityStatus(BaseModel):
    """The bulletin's 目标任务 line for CO2 intensity (carbon.md §8.4)."""

    year: int
    months: int
    period: str
    basis: Literal["annual", "ytd_estimate", "no_data"]
    status: str | None
    status_zh: str | None
    r: str | None  # annual (or 1—N月 year-on-year) intensity reduction, %
    R: str | None  # cumulative reduction since the base year, %
    P: str | None
    tau: str | None
    r_req: str | None  # required annual rate for the rest of the plan, %
    target: str | None
    plan: str | None
    target_status: str | None
    co2: Figure | None
    note: str
    demo: bool
    warnings: list[str]


def co2_intensity_status(session: Session, year: int, *, as_of: date, months: int = 12,
                         settings: CitySettings = CitySettings(), tracking: TrackingSettings = TrackingSettings()) -> IntensityStatus:
    """CO2-intensity status for ``year`` (full year) or 1—``months``月.

    Full year: the §8.4 row of the year. 1—N月 (project rule, UNCONFIRMED; carbon.md has no YTD
    method): the latest complete quarter's cumulative balance against the same period of last
    year with the cumulative GDP index, ``r_ytd = 1 − (X_ytd(t)/X_ytd(t−1))/(index/100)``, chained
    onto last year's R: ``R_est = 1 − (1 − R(t−1))(1 − r_ytd)``, then P, τ, r_req and the status rule
    of §8.4 as for a year.
    """
    plan = get_plan(session)
    period = f"{year}年" + ("" if months == 12 else f"1—{months}月")
    empty = dict(year=year, months=months, period=period, status=None, status_zh=None, r=None, R=None, P=None, tau=None,
                 r_req=None, target=percent(Fraction(plan.target)) if plan else None, plan=plan.name if plan else None,
                 target_status=plan.target_status if plan else None, co2=None, demo=False)
    if plan is None:
        return IntensityStatus(**empty, basis="no_data", note="未设置五年规划二氧化碳强度目标", warnings=[])
    target = Fraction(plan.target)
    b = plan.base_year
    if months >= 12:
        st = track_stored(session, base_year=b, target=target, as_of=as_of, settings=settings, tracking=tracking)
        row = next((r for r in st.tracking.rows if r.year == year), None)
        acc = st.accounts.get(year)
        if row is None or row.status in (None, "no_data"):
            return IntensityStatus(**empty, basis="no_data", note=f"{year}年城市核算或GDP指数缺失", warnings=list(st.tracking.warnings))
        pub = row.published()
        run = session.get(CarbonRun, acc.run_id)
        co2 = figure("co2_total", CITY_LABELS["co2_total"], run.results["co2_total"], _city_refs(acc)[0], run.id, acc.demo)
        return IntensityStatus(**{**empty, "status": row.status, "status_zh": STATUS_ZH[row.status], "r": pub["r"],
                                  "R": pub["R"], "P": pub["P"], "tau": pub["tau"], "r_req": pub["r_req"], "co2": co2,
                                  "demo": acc.demo}, basis="annual", note="按全年城市核算与GDP指数（carbon.md §8.4）",
                               warnings=list(st.tracking.warnings))
    q = (months // 3) * 3
    if q == 0:
        return IntensityStatus(**empty, basis="no_data", note="尚无一季度累计数据", warnings=[])
    try:
        now = account_city(session, year, as_of=as_of, months=q, settings=settings)
        prev = account_city(session, year - 1, as_of=as_of, months=q, settings=settings)
    except CityDataError as exc:
        return IntensityStatus(**empty, basis="no_data", note=str(exc), warnings=[])
    g = records.gdp(session).get((year, q))
    if g is None or g.gdp_index is None:
        return IntensityStatus(**empty, basis="no_data", note=f"缺少{year}年1—{q}月地区生产总值累计指数", warnings=[])
    r_ytd = ytd_reduction(now.co2.total, prev.co2.total, Fraction(g.gdp_index))
    R_prev = Fraction(0)
    warnings: list[str] = []
    if year - 1 > b:
        st = track_stored(session, base_year=b, target=target, as_of=as_of, settings=settings, tracking=tracking)
        row_prev = next((r for r in st.tracking.rows if r.year == year - 1), None)
        if row_prev is None or row_prev.R is None:
            return IntensityStatus(**empty, basis="no_data", note=f"{year - 1}年全年城市核算缺失，无法推算累计进度", warnings=[])
        R_prev = row_prev.R
    R_est = 1 - (1 - R_prev) * (1 - r_ytd)
    if not b < year <= b + tracking.plan_years:
        return IntensityStatus(**empty, basis="no_data", note=f"{year}年不在规划期内", warnings=[])
    row = progress_row(year, b, R_est, r_ytd, target, settings=tracking)
    pub = row.published()
    status = row.status
    co2 = figure("co2_total", f"{period}二氧化碳排放量", session.get(CarbonRun, now.run_id).results["co2_total"],
                 _city_refs(now)[0], now.run_id, now.demo)
    return IntensityStatus(**{**empty, "status": status, "status_zh": STATUS_ZH[status], "r": percent(r_ytd),
                              "R": pub["R"], "P": pub["P"], "tau": pub["tau"], "r_req": pub["r_req"], "co2": co2,
                              "demo": now.demo or prev.demo},
                           basis="ytd_estimate",
                           note=f"按{year}年1—{q}月累计与上年同期比较推算（项目规则，UNCONFIRMED）", warnings=warnings)


# --- enterprises --------------------------------------------------------------------------------------


class CheckOut(BaseModel):
    check: str
    name: str
    status: str
    status_zh: str
    message: str
    values: dict[str, str]
    month: int | None


class UnitStatus(BaseModel):
    unit_id: int
    code: str
    name: str
    kind: str
    capacity_mw: str | None
    chp: bool
    status: str
    status_zh: str
    fails: int
    warns: int
    months_lodged: int
    co2: Figure
    failed_checks: list[CheckOut]


class EnterpriseRow(BaseModel):
    facility_id: int
    facility_code: str
    name: str
    enterprise: str
    uscc: str
    sector: str
    county_code: str | None
    demo: bool
    status: str
    status_zh: str
    fails: int
    warns: int
    co2: Figure
    #: full year only: the plant-year reaches 26 000 tCO2 (carbon.md §3.1); None for 1—N月
    market_covered: bool | None
    units: list[UnitStatus]


def _check_out(c) -> CheckOut:
    d = check_payload(c)
    return CheckOut(**d, status_zh=CHECK_ZH[c.status])


def enterprise_list(session: Session, year: int, *, as_of: date, through_month: int = 12,
                    power_settings: PowerSettings = PowerSettings()) -> list[EnterpriseRow]:
    """Every facility with its units' check status and CO2 of 1—``through_month``月 (runs stored).

    With ``shared_item_allocation = "by_generation"`` (carbon.md §3.1) a plant line's CO2 is shared
    among the units by generation in the unit rows (the plant total is the same either way; the
    checks always use each unit's own data).
    """
    factors = library(session)
    out: list[EnterpriseRow] = []
    facs = session.execute(select(CarbonFacility, Enterprise).join(Enterprise, Enterprise.id == CarbonFacility.enterprise_id)
                           .order_by(CarbonFacility.sector.desc(), CarbonFacility.code)).all()
    label = f"1—{through_month}月二氧化碳排放"
    for fac, ent in facs:
        units = session.scalars(select(CarbonUnit).where(CarbonUnit.facility_id == fac.id, CarbonUnit.active.is_(True))
                                .order_by(CarbonUnit.code)).all()
        parts = []  # (unit, e, refs, status, fails, warns, lodged, failed, run_id, generation)
        for u in units:
            if u.kind == "clinker_line":
                ce = evaluate_cement_line(session, u, year, as_of=as_of, through_month=through_month, factors=factors)
                parts.append((u, ce.year.e_line if ce.year else None, _refs(ce.year.factors) if ce.year else [],
                              CheckStatus.NA, 0, 0, len(ce.months), [], ce.year_run_id, None))
                continue
            ue = evaluate_power_unit(session, u, year, as_of=as_of, through_month=through_month, factors=factors,
                                     settings=power_settings)
            ev = ue.evaluation
            checks = ev.checks
            parts.append((u, ev.year_result.e_total if ev.year_result else None, _refs(ev.factors), ev.status,
                          sum(1 for c in checks if c.status is CheckStatus.FAIL),
                          sum(1 for c in checks if c.status is CheckStatus.WARN),
                          sum(1 for m in ev.months if m.record is not None),
                          [_check_out(c) for c in checks if c.status is CheckStatus.FAIL], ue.year_run_id,
                          ev.year_result.generation_mwh if ev.year_result else None))
        known = [p[1] for p in parts]
        total = sum(known, Fraction(0)) if parts and all(e is not None for e in known) else None
        shown = {p[0].id: p[1] for p in parts}
        line_e = sum((p[1] for p in parts if p[0].kind == "plant_line" and p[1] is not None), Fraction(0))
        gens = {p[0].id: p[9] for p in parts if p[0].kind == "unit" and p[9]}
        if power_settings.shared_item_allocation == "by_generation" and line_e and gens:
            for uid, share in allocate_by_generation(line_e, gens).items():
                shown[uid] = None if shown[uid] is None else shown[uid] + share
            for p in parts:
                if p[0].kind == "plant_line":
                    shown[p[0].id] = Fraction(0)
        refs: dict[str, FactorRef] = {}
        rows: list[UnitStatus] = []
        for u, _e, fr, status, fails, warns, lodged, failed, run_id, _g in parts:
            for r in fr:
                refs.setdefault(r.label, r)
            rows.append(UnitStatus(unit_id=u.id, code=u.code, name=u.name, kind=u.kind, capacity_mw=u.capacity_mw,
                                   chp=bool(u.chp), status=status.value, status_zh=CHECK_ZH[status], fails=fails,
                                   warns=warns, months_lodged=lodged,
                                   co2=_pub_figure("co2", label, shown[u.id], PUBLISH.tco2, "tCO2", fr, run_id, fac.demo),
                                   failed_checks=failed))
        st = worst([CheckStatus(r.status) for r in rows]) if rows else CheckStatus.NA
        out.append(EnterpriseRow(
            facility_id=fac.id, facility_code=fac.code, name=fac.name, enterprise=ent.name, uscc=ent.uscc, sector=fac.sector,
            county_code=fac.county_code, demo=fac.demo, status=st.value, status_zh=CHECK_ZH[st],
            fails=sum(r.fails for r in rows), warns=sum(r.warns for r in rows),
            co2=_pub_figure("co2", label, total, PUBLISH.tco2, "tCO2", list(refs.values()), None, fac.demo),
            market_covered=market_covered(total) if through_month == 12 and total is not None else None,
            units=rows))
    return out


class MonthDetail(BaseModel):
    month: int
    status: str
    status_zh: str
    record: dict | None
    figures: dict[str, Figure]
    checks: list[CheckOut]
    run_id: int | None


class UnitDetail(BaseModel):
    unit_id: int
    code: str
    name: str
    facility: str
    enterprise: str
    kind: str
    capacity_mw: str | None
    unit_class: str | None
    chp: bool
    cooling: str | None
    year: int
    through_month: int
    demo: bool
    status: str
    months: list[MonthDetail]
    year_figures: dict[str, Figure]
    year_checks: list[CheckOut]
    factors: list[FactorRef]
    run_id: int | None


MONTH_LABELS = {
    "e_total": "二氧化碳排放量", "e_coal": "燃煤排放", "e_elec": "购入电力排放", "cc": "单位热值含碳量（实测）",
    "cc_used": "单位热值含碳量（采用）", "aux_rate": "厂用电率", "supply_coal_rate": "供电标准煤耗",
    "generation_coal_rate": "发电标准煤耗", "supply_intensity": "供电碳排放强度", "load_factor": "负荷系数",
}
YEAR_LABELS = {**MONTH_LABELS, "coal_t": "入炉煤量", "generation_mwh": "发电量", "supply_mwh": "供电量", "heat_gj": "供热量",
               "cc_weighted": "热值加权单位热值含碳量", "k10_extra_t": "使用缺省值多计排放", "k10_extra_ratio": "多计比例"}


def unit_detail(session: Session, unit_id: int, year: int, *, as_of: date, through_month: int = 12) -> UnitDetail:
    """One power unit's months and year (the unit page), runs stored."""
    u = session.get(CarbonUnit, unit_id)
    if u is None or u.kind == "clinker_line":
        raise CityDataError(f"没有编号为 {unit_id} 的发电机组")
    fac = session.get(CarbonFacility, u.facility_id)
    ent = session.get(Enterprise, fac.enterprise_id)
    ue = evaluate_power_unit(session, u, year, as_of=as_of, through_month=through_month)
    ev = ue.evaluation
    lodged = {r.month: r for r in session.scalars(select(CarbonPowerMonth).where(
        CarbonPowerMonth.unit_id == u.id, CarbonPowerMonth.year == year, CarbonPowerMonth.kind == "monthly"))}
    months = []
    for m in ev.months:
        run = session.get(CarbonRun, ue.month_run_ids[m.month])
        refs = _refs(m.result.factors) if m.result else []
        figs = {k: figure(k, label, run.results.get(k), refs, run.id, fac.demo) for k, label in MONTH_LABELS.items()
                if k in run.results}
        months.append(MonthDetail(month=m.month, status=m.status.value, status_zh=CHECK_ZH[m.status],
                                  record=records.power_month_payload(lodged[m.month]) if m.month in lodged else None,
                                  figures=figs, checks=[_check_out(c) for c in m.checks], run_id=run.id))
    yrun = session.get(CarbonRun, ue.year_run_id)
    refs = _refs(ev.factors)
    year_figs = {k: figure(k, label, yrun.results.get(k), refs, yrun.id, fac.demo) for k, label in YEAR_LABELS.items()
                 if k in yrun.results}
    return UnitDetail(unit_id=u.id, code=u.code, name=u.name, facility=fac.name, enterprise=ent.name, kind=u.kind,
                      capacity_mw=u.capacity_mw, unit_class=u.unit_class, chp=bool(u.chp), cooling=u.cooling, year=year,
                      through_month=through_month, demo=fac.demo, status=ev.status.value, months=months,
                      year_figures=year_figs, year_checks=[_check_out(c) for c in ev.year_checks], factors=refs,
                      run_id=yrun.id)


class LeaderCarbon(BaseModel):
    """The leader view's carbon tile. The enterprise counts are None when the enterprises were not
    evaluated (no monthly record lodged for the year)."""

    period: str
    intensity: IntensityStatus
    enterprises: int | None
    enterprises_failing: int | None
    enterprises_warning: int | None
    demo: bool


def leader_summary(session: Session, year: int, *, as_of: date, months: int = 12,
                   with_enterprises: bool = True) -> LeaderCarbon:
    intensity = co2_intensity_status(session, year, as_of=as_of, months=months)
    if not with_enterprises:
        return LeaderCarbon(period=intensity.period, intensity=intensity, enterprises=None, enterprises_failing=None,
                            enterprises_warning=None, demo=intensity.demo)
    ents = enterprise_list(session, year, as_of=as_of, through_month=months)
    return LeaderCarbon(period=intensity.period, intensity=intensity, enterprises=len(ents),
                        enterprises_failing=sum(1 for e in ents if e.status == "fail"),
                        enterprises_warning=sum(1 for e in ents if e.status == "warn"),
                        demo=intensity.demo or any(e.demo for e in ents))


def factor_table(session: Session) -> list[FactorRef]:
    """The factor library (packaged + bureau rows) for the factor page and ``carbon factors``."""
    return _refs(library(session).rows)

