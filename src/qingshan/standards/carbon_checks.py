"""Monthly records (月度信息化存证) of power units and the bureau's checks K-01 … K-10.

Each check returns ``pass``, ``warn``, ``fail`` or ``n/a`` (no band, nothing measured, zero
denominator, not yet due) with the offending values (carbon.md §4.2). Thresholds are **project
defaults, not regulatory limits** (``checks.*``, carbon.md §10; UNCONFIRMED): :class:`CheckSettings`.
A range "a–b" passes when a ≤ x ≤ b on the unrounded (exact) value; ">" is strict.

========  ===================  ==================================================================
K-01      completeness         FC, NCV, generation missing → fail; carbon missing → warn (default
                               applied); other item missing → warn; late → warn; before the
                               deadline (month end + 40 days, inclusive) with items missing → n/a
K-02      same-sample report   C, NCV, H, S_t, moisture of one sample ID and one sampling period
                               inside the month; else fail (the carbon is then defaulted)
K-03      ranges               NCV_ar 12–27 GJ/t (CFB/gangue 7–16); C_ar .30–.75; H_ar .015–.050;
                               S_t,ar .002–.030; M_t .02–.20 → warn outside
K-04      carbon per heat      CC in .0240–.0300 tC/GJ else warn; above ``coal_cc_unmeasured`` → fail
K-05      month-on-month       |ΔCC| > 5 % or |ΔNCV| > 10 % without a coal-source change → warn
K-06      coal vs generation   b_s in the band of the unit class; below → fail, above → warn;
                               CHP lower bound − 40 gce/kWh
K-07      load factor          .30–1.05
K-08      aux power            .03–.10 (air-cooled and CFB up to .12)
K-09      sum                  annual report = Σ monthly records, exactly → else fail
K-10      default use          months with a default and the extra tCO2 against the heat-weighted
                               CC of the measured months (C1: +15.69 %)
========  ===================  ==================================================================

K-01 to K-08 run per unit-month (K-06 to K-08 also per unit-year), K-09 and K-10 per unit-year.
:func:`evaluate_unit_year` runs them all in order: K-02 decides whether the month's carbon is
valid before the month is accounted (carbon.md §3.2).

Choices where the spec leaves room (recorded in docs/carbon-notes.md):

* K-01 before the deadline: ``n/a`` only when something is missing (a complete early record
  passes); a month with no record at all after the deadline fails.
* K-03's 7–16 GJ/t band and K-08's 0.12 apply to ``cfb``, ``gangue`` and ``low_calorific``
  units (low-calorific units burn slime and gangue in CFB boilers, FACTS.md §6 同煤阳高).

References
----------
.. [1] carbon.md §4.1 (what is lodged, 40-day deadline), §4.2 (checks K-01…K-10), §3.2–§3.3.
.. [2] 关于做好2022年企业温室气体排放报告管理相关重点工作的通知, 环办气候函〔2022〕111号 (monthly lodging).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction

from qingshan.standards.carbon_common import PUBLISH, publish, round_half_even
from qingshan.standards.carbon_factors import Factor, FactorLog, FactorTable
from qingshan.standards.carbon_power import (
    OTHER_FUELS,
    PowerMonth,
    PowerMonthResult,
    PowerSettings,
    PowerUnit,
    PowerYearResult,
    account_power_month,
    account_power_year,
    coal_parameters,
    fuel_emission,
)

F = Fraction


class CheckStatus(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NA = "n/a"


STATUS_ZH = {CheckStatus.PASS: "通过", CheckStatus.WARN: "预警", CheckStatus.FAIL: "不通过", CheckStatus.NA: "不适用"}
_SEVERITY = {CheckStatus.NA: 0, CheckStatus.PASS: 1, CheckStatus.WARN: 2, CheckStatus.FAIL: 3}

CHECK_NAMES: dict[str, str] = {
    "K-01": "完整性",
    "K-02": "同一样品化验报告",
    "K-03": "参数范围",
    "K-04": "单位热值含碳量",
    "K-05": "环比变化",
    "K-06": "供电煤耗与发电量",
    "K-07": "负荷系数",
    "K-08": "厂用电率",
    "K-09": "年报与月度存证一致",
    "K-10": "缺省值使用",
}


def worst(statuses: Sequence[CheckStatus]) -> CheckStatus:
    return max(statuses, key=_SEVERITY.__getitem__, default=CheckStatus.NA)


@dataclass(frozen=True)
class CheckSettings:
    """``checks.*`` (carbon.md §4.2, §10): project defaults, not regulatory limits (UNCONFIRMED)."""

    deadline_days: int = 40
    ncv_range: tuple[F, F] = (F("12.0"), F("27.0"))
    ncv_range_cfb: tuple[F, F] = (F("7.0"), F("16.0"))
    c_range: tuple[F, F] = (F("0.30"), F("0.75"))
    h_range: tuple[F, F] = (F("0.015"), F("0.050"))
    s_range: tuple[F, F] = (F("0.002"), F("0.030"))
    m_range: tuple[F, F] = (F("0.02"), F("0.20"))
    cc_range: tuple[F, F] = (F("0.0240"), F("0.0300"))
    mom_cc: F = F("0.05")
    mom_ncv: F = F("0.10")
    #: K-06 bands [gce/kWh]: CFB / gangue / low-calorific at any capacity; conventional by capacity
    band_cfb: tuple[F, F] = (F(305), F(390))
    band_1000: tuple[F, F] = (F(265), F(300))
    band_600: tuple[F, F] = (F(280), F(325))
    band_300: tuple[F, F] = (F(295), F(345))
    chp_lower_relax: F = F(40)
    load_range: tuple[F, F] = (F("0.30"), F("1.05"))
    aux_range: tuple[F, F] = (F("0.03"), F("0.10"))
    aux_max_air_cfb: F = F("0.12")
    #: K-10 reference CC: the heat-weighted CC of the unit's measured months that year
    k10_reference: str = "unit_year_measured_cc"


CFB_LIKE = ("cfb", "gangue", "low_calorific")


@dataclass(frozen=True)
class CheckResult:
    """One check of one unit-month (``month`` set) or unit-year (``month`` None)."""

    check: str
    status: CheckStatus
    message: str
    values: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    year: int = 0
    month: int | None = None

    @property
    def name(self) -> str:
        return CHECK_NAMES[self.check]


def deadline(year: int, month: int, days: int = 40) -> date:
    """Lodging deadline: the month's last day + ``days`` natural days, inclusive (carbon.md §4.1, §4.2)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last + timedelta(days=days)


def _in(x: F, rng: tuple[F, F]) -> bool:
    return rng[0] <= x <= rng[1]


def _v(x: F | None, nd: int = 4) -> str:
    return publish(x, nd)


def _pct(x: F) -> str:
    return publish(x * 100, 2) + "%"


# --- K-01 … K-08 per unit-month --------------------------------------------------------------------


def k01_completeness(unit: PowerUnit, rec: PowerMonth | None, year: int, month: int, as_of: date,
                     s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-01: all §4.1 items present by the deadline (carbon.md §4.2)."""
    due = deadline(year, month, s.deadline_days)
    base = dict(unit=unit.code, year=year, month=month)
    if rec is None:
        if as_of <= due:
            return CheckResult("K-01", CheckStatus.NA, f"未到存证期限（{due.isoformat()}）", {"期限": due.isoformat()}, **base)
        return CheckResult("K-01", CheckStatus.FAIL, f"逾期未存证（期限 {due.isoformat()}）", {"期限": due.isoformat()}, **base)
    gas = unit.unit_class == "gas"
    fail_missing: list[str] = []
    if unit.kind == "unit":  # a plant line (公用) carries only what is metered for the whole plant
        if gas:
            if rec.other_fuels.get("natural_gas") is None:
                fail_missing.append("天然气消耗量")
        else:
            if rec.coal_t is None:
                fail_missing.append("入炉煤量")
            if rec.ncv is None:
                fail_missing.append("低位发热量")
        if rec.generation_mwh is None:
            fail_missing.append("发电量")
    elif rec.coal_t and rec.ncv is None:
        fail_missing.append("低位发热量")
    warn_missing: list[str] = []
    if not gas and rec.c is None and rec.coal_t:
        warn_missing.append("元素碳含量（已按缺省值计算）")
    if unit.kind == "unit":
        for label, v in (("供电量", rec.supply_mwh), ("运行小时", rec.running_hours)):
            if v is None:
                warn_missing.append(label)
    if rec.purchased_elec_mwh is None:
        warn_missing.append("购入电量")
    if unit.chp and rec.heat_gj is None:
        warn_missing.append("供热量")
    if rec.is_chp_month and rec.heat_ratio is None:
        warn_missing.append("供热比")
    if rec.c is not None:
        lab = [("氢", rec.h), ("全硫", rec.s_t), ("全水分", rec.m_t), ("化验报告编号", rec.lab_report_id),
               ("样品编号", rec.sample_id)]
        if rec.c_basis == "ad":
            lab.append(("空干基水分", rec.m_ad))
        warn_missing += [label for label, v in lab if v in (None, "")]
    if rec.lodged_on is None:
        warn_missing.append("存证日期")
    values = {"期限": due.isoformat()}
    if rec.lodged_on is not None:
        values["存证日期"] = rec.lodged_on.isoformat()
    if fail_missing or warn_missing:
        values["缺项"] = "、".join(fail_missing + warn_missing)
    if (fail_missing or warn_missing) and as_of <= due:
        return CheckResult("K-01", CheckStatus.NA, f"未到存证期限（{due.isoformat()}），尚缺：{values['缺项']}", values, **base)
    if fail_missing:
        return CheckResult("K-01", CheckStatus.FAIL, f"缺少必报项：{'、'.join(fail_missing)}", values, **base)
    late = rec.lodged_on is not None and rec.lodged_on > due
    msgs = []
    if warn_missing:
        msgs.append(f"缺少：{'、'.join(warn_missing)}")
    if late:
        msgs.append(f"逾期存证（{rec.lodged_on.isoformat()}，期限 {due.isoformat()}），数值照用")
        values["late"] = "true"
    if msgs:
        return CheckResult("K-01", CheckStatus.WARN, "；".join(msgs), values, **base)
    return CheckResult("K-01", CheckStatus.PASS, "存证完整且按期", values, **base)


def k02_same_sample(unit: PowerUnit, rec: PowerMonth) -> CheckResult:
    """K-02: the lab report has C, NCV, H, S_t and moisture with one sample ID and one sampling
    period inside the accounting month; otherwise ``fail`` (carbon.md §4.2)."""
    base = dict(unit=unit.code, year=rec.year, month=rec.month)
    if not rec.carbon_measured:
        return CheckResult("K-02", CheckStatus.NA, "未实测元素碳", {}, **base)
    problems: list[str] = []
    values: dict[str, str] = {}
    missing = [label for label, v in (("低位发热量", rec.ncv), ("氢", rec.h), ("全硫", rec.s_t), ("全水分", rec.m_t))
               if v is None]
    if rec.c_basis == "ad" and rec.m_ad is None:
        missing.append("空干基水分")
    if missing:
        problems.append(f"化验报告缺少：{'、'.join(missing)}")
    if not rec.lab_report_id:
        problems.append("缺少化验报告编号")
    if not rec.sample_id:
        problems.append("缺少样品编号")
    if rec.ncv_sample_id and rec.sample_id and rec.ncv_sample_id != rec.sample_id:
        problems.append(f"发热量样品编号“{rec.ncv_sample_id}”与元素碳样品编号“{rec.sample_id}”不同")
        values["样品编号"] = f"{rec.sample_id} / {rec.ncv_sample_id}"
    first = date(rec.year, rec.month, 1)
    last = date(rec.year, rec.month, calendar.monthrange(rec.year, rec.month)[1])
    if rec.sample_from is None or rec.sample_to is None:
        problems.append("缺少采样期")
    else:
        values["采样期"] = f"{rec.sample_from.isoformat()}—{rec.sample_to.isoformat()}"
        if rec.sample_from > rec.sample_to:
            problems.append("采样期起止颠倒")
        elif rec.sample_from < first or rec.sample_to > last:
            problems.append(f"采样期不在核算月份（{first.isoformat()}—{last.isoformat()}）内")
    if problems:
        return CheckResult("K-02", CheckStatus.FAIL, "；".join(problems) + "，元素碳按无效处理并适用缺省值", values, **base)
    return CheckResult("K-02", CheckStatus.PASS, "同一样品、采样期在核算月内", values, **base)


def k03_ranges(unit: PowerUnit, rec: PowerMonth, s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-03: as-received NCV, C, H, S_t and M_t within the plausibility ranges (carbon.md §4.2)."""
    base = dict(unit=unit.code, year=rec.year, month=rec.month)
    ncv_rng = s.ncv_range_cfb if unit.unit_class in CFB_LIKE else s.ncv_range
    items = [("低位发热量 NCV_ar（GJ/t）", rec.ncv, ncv_rng, 3), ("收到基碳 C_ar", rec.c_ar, s.c_range, 4),
             ("收到基氢 H_ar", rec.h_ar, s.h_range, 4), ("收到基全硫 S_t,ar", rec.s_ar, s.s_range, 4),
             ("全水分 M_t", rec.m_t, s.m_range, 4)]
    measured = [(label, v, rng, nd) for label, v, rng, nd in items if v is not None]
    if not measured:
        return CheckResult("K-03", CheckStatus.NA, "无实测参数", {}, **base)
    out = {label: f"{_v(v, nd + 2)}（范围 {_v(rng[0], nd)}—{_v(rng[1], nd)}）" for label, v, rng, nd in measured
           if not _in(v, rng)}
    if out:
        return CheckResult("K-03", CheckStatus.WARN, "超出范围：" + "、".join(out), out, **base)
    return CheckResult("K-03", CheckStatus.PASS, "各参数在范围内", {}, **base)


def k04_carbon_per_heat(unit: PowerUnit, rec: PowerMonth, cc_default: F, s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-04: ``CC = C_ar/NCV_ar`` in 0.0240–0.0300 tC/GJ (warn); above the edition's
    ``coal_cc_unmeasured`` → fail, usually a basis mix-up (carbon.md §4.2)."""
    base = dict(unit=unit.code, year=rec.year, month=rec.month)
    c_ar = rec.c_ar
    if c_ar is None or rec.ncv is None or rec.ncv == 0:
        return CheckResult("K-04", CheckStatus.NA, "未实测元素碳", {}, **base)
    cc = c_ar / rec.ncv
    values = {"CC（tC/GJ）": _v(cc, 6), "范围": f"{_v(s.cc_range[0])}—{_v(s.cc_range[1])}", "缺省值": _v(cc_default, 5)}
    if cc > cc_default:
        return CheckResult("K-04", CheckStatus.FAIL,
                           f"单位热值含碳量 {_v(cc, 6)} 高于缺省值 {_v(cc_default, 5)}，多为基准混用（空干基碳/收到基发热量），退回更正",
                           values, **base)
    if not _in(cc, s.cc_range):
        return CheckResult("K-04", CheckStatus.WARN, f"单位热值含碳量 {_v(cc, 6)} 超出范围", values, **base)
    return CheckResult("K-04", CheckStatus.PASS, f"单位热值含碳量 {_v(cc, 6)}", values, **base)


def k05_month_on_month(unit: PowerUnit, rec: PowerMonth, history: Sequence[PowerMonth],
                       s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-05: |CC(m)/CC(m−1) − 1| > 5 % or |NCV(m)/NCV(m−1) − 1| > 10 % with no coal-source change
    flagged → warn. m−1 = the latest earlier month (across year ends) with that parameter measured."""
    base = dict(unit=unit.code, year=rec.year, month=rec.month)
    earlier = sorted((r for r in history if (r.year, r.month) < (rec.year, rec.month)), key=lambda r: (r.year, r.month))

    def cc_of(r: PowerMonth) -> F | None:
        return r.c_ar / r.ncv if r.c_ar is not None and r.ncv else None

    prev_cc = next((r for r in reversed(earlier) if cc_of(r) is not None), None)
    prev_ncv = next((r for r in reversed(earlier) if r.ncv), None)
    values: dict[str, str] = {}
    flags: list[str] = []
    tested = False
    cc_now = cc_of(rec)
    if cc_now is not None and prev_cc is not None:
        tested = True
        d = cc_now / cc_of(prev_cc) - 1
        values["CC环比"] = f"{_pct(d)}（{prev_cc.year}-{prev_cc.month:02d} {_v(cc_of(prev_cc), 6)} → {_v(cc_now, 6)}）"
        if abs(d) > s.mom_cc:
            flags.append(f"单位热值含碳量环比 {_pct(d)}")
    if rec.ncv is not None and prev_ncv is not None:
        tested = True
        d = rec.ncv / prev_ncv.ncv - 1
        values["NCV环比"] = f"{_pct(d)}（{prev_ncv.year}-{prev_ncv.month:02d} {_v(prev_ncv.ncv, 3)} → {_v(rec.ncv, 3)}）"
        if abs(d) > s.mom_ncv:
            flags.append(f"低位发热量环比 {_pct(d)}")
    if not tested:
        return CheckResult("K-05", CheckStatus.NA, "无可比的上一实测月份", values, **base)
    if flags and not rec.coal_source_changed:
        return CheckResult("K-05", CheckStatus.WARN, "、".join(flags) + "，且未申报煤源变化", values, **base)
    if flags:
        return CheckResult("K-05", CheckStatus.PASS, "、".join(flags) + "，已申报煤源变化", values, **base)
    return CheckResult("K-05", CheckStatus.PASS, "环比变化在范围内", values, **base)


def coal_rate_band(unit: PowerUnit, chp_period: bool, s: CheckSettings = CheckSettings()) -> tuple[F, F] | None:
    """K-06 band [gce/kWh] for the unit's class and capacity; None = n/a (< 300 MW, gas, unknown)."""
    if unit.kind != "unit" or unit.unit_class == "gas":
        return None
    if unit.unit_class in CFB_LIKE:
        lo, hi = s.band_cfb
    elif unit.capacity_mw is None:
        return None
    elif unit.capacity_mw >= 1000:
        lo, hi = s.band_1000
    elif unit.capacity_mw >= 600:
        lo, hi = s.band_600
    elif unit.capacity_mw >= 300:
        lo, hi = s.band_300
    else:
        return None
    if chp_period:
        lo -= s.chp_lower_relax
    return lo, hi


def _k06(unit: PowerUnit, b_s: F | None, chp_period: bool, s: CheckSettings, base: dict) -> CheckResult:
    band = coal_rate_band(unit, chp_period, s)
    if band is None:
        return CheckResult("K-06", CheckStatus.NA, "该机组类型/容量无煤耗区间", {}, **base)
    if b_s is None:
        return CheckResult("K-06", CheckStatus.NA, "供电煤耗无法计算（缺数或分母为零）", {}, **base)
    values = {"供电煤耗（gce/kWh）": _v(b_s), "区间": f"{_v(band[0], 0)}—{_v(band[1], 0)}" + ("（热电联产下限放宽）" if chp_period else "")}
    if b_s < band[0]:
        return CheckResult("K-06", CheckStatus.FAIL,
                           f"供电煤耗 {_v(b_s)} gce/kWh 低于区间下限 {_v(band[0], 0)}：燃煤量少报或发电量多报", values, **base)
    if b_s > band[1]:
        return CheckResult("K-06", CheckStatus.WARN, f"供电煤耗 {_v(b_s)} gce/kWh 高于区间上限 {_v(band[1], 0)}", values, **base)
    return CheckResult("K-06", CheckStatus.PASS, f"供电煤耗 {_v(b_s)} gce/kWh", values, **base)


def _k07(lf: F | None, s: CheckSettings, base: dict) -> CheckResult:
    if lf is None:
        return CheckResult("K-07", CheckStatus.NA, "负荷系数无法计算", {}, **base)
    values = {"负荷系数": _v(lf), "范围": f"{_v(s.load_range[0], 2)}—{_v(s.load_range[1], 2)}"}
    if not _in(lf, s.load_range):
        return CheckResult("K-07", CheckStatus.WARN, f"负荷系数 {_v(lf)} 超出范围", values, **base)
    return CheckResult("K-07", CheckStatus.PASS, f"负荷系数 {_v(lf)}", values, **base)


def _k08(unit: PowerUnit, aux: F | None, s: CheckSettings, base: dict) -> CheckResult:
    if aux is None:
        return CheckResult("K-08", CheckStatus.NA, "厂用电率无法计算", {}, **base)
    hi = s.aux_max_air_cfb if unit.cooling == "air" or unit.unit_class in CFB_LIKE else s.aux_range[1]
    values = {"厂用电率": _pct(aux), "范围": f"{_pct(s.aux_range[0])}—{_pct(hi)}"}
    if not s.aux_range[0] <= aux <= hi:
        return CheckResult("K-08", CheckStatus.WARN, f"厂用电率 {_pct(aux)} 超出范围", values, **base)
    return CheckResult("K-08", CheckStatus.PASS, f"厂用电率 {_pct(aux)}", values, **base)


def k06_coal_vs_generation(unit: PowerUnit, result: PowerMonthResult, rec: PowerMonth,
                           s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-06 per unit-month: supply coal rate b_s in the band of the unit class (carbon.md §4.2)."""
    return _k06(unit, result.derived.supply_coal_rate, rec.is_chp_month, s,
                dict(unit=unit.code, year=rec.year, month=rec.month))


def k07_load_factor(unit: PowerUnit, result: PowerMonthResult, s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-07 per unit-month: load factor in 0.30–1.05 (carbon.md §4.2)."""
    return _k07(result.derived.load_factor, s, dict(unit=unit.code, year=result.year, month=result.month))


def k08_aux_power(unit: PowerUnit, result: PowerMonthResult, s: CheckSettings = CheckSettings()) -> CheckResult:
    """K-08 per unit-month: aux power rate in 0.03–0.10 (air-cooled and CFB up to 0.12) (carbon.md §4.2)."""
    return _k08(unit, result.derived.aux_rate, s, dict(unit=unit.code, year=result.year, month=result.month))


# --- K-09, K-10 per unit-year ----------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReport:
    """The enterprise's annual report of a unit: its monthly parameters and the annual emission."""

    year: int
    months: Mapping[int, PowerMonth]
    emission_t: F | None


_K09_FIELDS = (("coal_t", "入炉煤量"), ("ncv", "低位发热量"), ("c_ar", "收到基碳含量"), ("purchased_elec_mwh", "购入电量"),
               ("generation_mwh", "发电量"), ("supply_mwh", "供电量"), ("heat_gj", "供热量"), ("heat_ratio", "供热比"))


def k09_sum(unit: PowerUnit, year: int, lodged: Mapping[int, PowerMonth], results: Sequence[PowerMonthResult],
            report: AnnualReport | None) -> CheckResult:
    """K-09: each monthly parameter of the annual report equals the lodged one (exact), and the
    annual emission equals the exact monthly sum rounded once (not the sum of published months)."""
    base = dict(unit=unit.code, year=year, month=None)
    if report is None:
        return CheckResult("K-09", CheckStatus.NA, "未导入年度报告", {}, **base)
    diffs: dict[str, str] = {}
    for m in sorted(set(lodged) | set(report.months)):
        a, b = lodged.get(m), report.months.get(m)
        if a is None or b is None:
            diffs[f"{m}月"] = "月度存证缺失" if a is None else "年报缺少该月"
            continue
        for attr, label in _K09_FIELDS:
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                diffs[f"{m}月{label}"] = f"存证 {publish(x, 6) if x is not None else '—'} / 年报 {publish(y, 6) if y is not None else '—'}"
        for fuel in sorted(set(a.other_fuels) | set(b.other_fuels)):
            if a.other_fuels.get(fuel) != b.other_fuels.get(fuel):
                diffs[f"{m}月{OTHER_FUELS[fuel][0]}"] = f"存证 {a.other_fuels.get(fuel)} / 年报 {b.other_fuels.get(fuel)}"
    total = None
    if results and all(r.e_total is not None for r in results):
        total = sum((r.e_total for r in results), F(0))
    if report.emission_t is not None:
        expect = round_half_even(total, PUBLISH.tco2) if total is not None else None
        if expect is None or report.emission_t != expect:
            diffs["年度排放量"] = f"年报 {publish(report.emission_t, 0)} / 月度精确合计修约 {publish(expect, 0)}"
    if diffs:
        return CheckResult("K-09", CheckStatus.FAIL, f"年报与月度存证不一致 {len(diffs)} 处", diffs, **base)
    return CheckResult("K-09", CheckStatus.PASS, "年报与月度存证一致", {}, **base)


@dataclass(frozen=True)
class DefaultUse:
    """K-10 figures (exact): the extra tCO2 of defaulted months against the reference CC."""

    months: tuple[int, ...]
    reference_cc: F | None
    extra_t: F | None
    extra_ratio: F | None  # extra / E at the reference CC


def default_use(recs: Sequence[PowerMonth], results: Sequence[PowerMonthResult], reference_cc: F | None) -> DefaultUse:
    """K-10 arithmetic: Σ over defaulted months of ``E(default) − E(at reference CC)`` (coal part)
    and its ratio to the latter (C1: +444 175.875 t, +15.69 %)."""
    by_month = {r.month: r for r in recs}
    months = tuple(r.month for r in results if r.default_applied.get("cc"))
    if not months or reference_cc is None:
        return DefaultUse(months, reference_cc, None, None)
    extra = ref = F(0)
    for res in results:
        if not res.default_applied.get("cc"):
            continue
        rec = by_month[res.month]
        e_ref = fuel_emission(rec.coal_t, rec.ncv, reference_cc, res.of)
        extra += res.e_coal - e_ref
        ref += e_ref
    return DefaultUse(months, reference_cc, extra, extra / ref if ref else None)


def k10_default_use(unit: PowerUnit, year: int, use: DefaultUse) -> CheckResult:
    """K-10: months computed with a default, with the extra tCO2 (carbon.md §4.2)."""
    base = dict(unit=unit.code, year=year, month=None)
    if not use.months:
        return CheckResult("K-10", CheckStatus.PASS, "未使用元素碳缺省值", {}, **base)
    values = {"月份": "、".join(f"{m}月" for m in use.months)}
    if use.extra_t is None:
        return CheckResult("K-10", CheckStatus.WARN, f"{values['月份']}使用缺省值；当年无实测月份，无法计算多计排放",
                           values, **base)
    values["参比CC（tC/GJ）"] = publish(use.reference_cc, 8)
    values["多计排放（tCO2）"] = publish(use.extra_t, 3)
    values["多计比例"] = _pct(use.extra_ratio) if use.extra_ratio is not None else "—"
    return CheckResult("K-10", CheckStatus.WARN,
                       f"{values['月份']}使用缺省值，比按当年实测月份热值加权CC多计 {values['多计排放（tCO2）']} tCO2（{values['多计比例']}）",
                       values, **base)


# --- orchestration -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthEvaluation:
    month: int
    record: PowerMonth | None
    result: PowerMonthResult | None
    checks: tuple[CheckResult, ...]

    @property
    def status(self) -> CheckStatus:
        return worst([c.status for c in self.checks])


@dataclass(frozen=True)
class UnitYearEvaluation:
    """Everything the bureau sees for one unit and year: months, year figures, checks, factors."""

    unit: PowerUnit
    year: int
    through_month: int
    months: tuple[MonthEvaluation, ...]
    year_result: PowerYearResult | None
    year_checks: tuple[CheckResult, ...]
    default_use: DefaultUse | None
    factors: tuple[Factor, ...]

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for m in self.months for c in m.checks) + self.year_checks

    @property
    def status(self) -> CheckStatus:
        return worst([c.status for c in self.checks])


def evaluate_unit_year(
    unit: PowerUnit,
    records: Sequence[PowerMonth],
    year: int,
    *,
    as_of: date,
    factors: FactorTable | None = None,
    settings: PowerSettings = PowerSettings(),
    checks: CheckSettings = CheckSettings(),
    through_month: int = 12,
    annual_report: AnnualReport | None = None,
) -> UnitYearEvaluation:
    """Account and check one unit for months 1…``through_month`` of ``year``.

    ``records`` may include earlier years (K-05 looks back across year ends). Unit-year checks
    (K-06 to K-10) use the months present; K-09 needs the annual report.
    """
    factors = factors or FactorTable.packaged()
    if not 1 <= through_month <= 12:
        raise ValueError("through_month 应在 1—12 之间")
    log = FactorLog()
    _ed, _of, cc_default = coal_parameters(factors, year, settings, log)
    by_month = {r.month: r for r in records if r.year == year}
    months: list[MonthEvaluation] = []
    recs_used: list[PowerMonth] = []
    results: list[PowerMonthResult] = []
    valid: dict[int, bool] = {}
    for m in range(1, through_month + 1):
        rec = by_month.get(m)
        k01 = k01_completeness(unit, rec, year, m, as_of, checks)
        if rec is None:
            months.append(MonthEvaluation(m, None, None, (k01,)))
            continue
        k02 = k02_same_sample(unit, rec)
        valid[m] = k02.status != CheckStatus.FAIL
        res = account_power_month(unit, rec, factors, settings=settings, carbon_valid=valid[m])
        log.extend(res.factors)
        month_checks = (
            k01, k02, k03_ranges(unit, rec, checks), k04_carbon_per_heat(unit, rec, cc_default, checks),
            k05_month_on_month(unit, rec, records, checks), k06_coal_vs_generation(unit, res, rec, checks),
            k07_load_factor(unit, res, checks), k08_aux_power(unit, res, checks),
        )
        months.append(MonthEvaluation(m, rec, res, month_checks))
        recs_used.append(rec)
        results.append(res)
    year_result = None
    year_checks: list[CheckResult] = []
    use = None
    if results:
        year_result = account_power_year(unit, recs_used, results, settings=settings, carbon_valid=valid)
        base = dict(unit=unit.code, year=year, month=None)
        year_checks += [
            _k06(unit, year_result.derived.supply_coal_rate, year_result.heat_gj > 0, checks, base),
            _k07(year_result.derived.load_factor, checks, base),
            _k08(unit, year_result.derived.aux_rate, checks, base),
            k09_sum(unit, year, {r.month: r for r in recs_used}, results, annual_report),
        ]
        use = default_use(recs_used, results, year_result.cc_weighted)
        year_checks.append(k10_default_use(unit, year, use))
    return UnitYearEvaluation(unit, year, through_month, tuple(months), year_result, tuple(year_checks), use, log.factors)
