"""Checks K-01 … K-10 of carbon.md §4.2 (rules and thresholds typed in from the spec)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction as F

import pytest

from qingshan.standards.carbon_checks import (
    AnnualReport,
    CheckStatus,
    deadline,
    evaluate_unit_year,
    k01_completeness,
    k02_same_sample,
    k03_ranges,
    k04_carbon_per_heat,
    k05_month_on_month,
    k06_coal_vs_generation,
    k07_load_factor,
    k08_aux_power,
    k09_sum,
)
from qingshan.standards.carbon_power import PowerMonth, PowerUnit, account_power_month

P, W, X, NA = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.NA
U600 = PowerUnit("2", capacity_mw=F(600))
U1000_AIR_CHP = PowerUnit("1", capacity_mw=F(1000), chp=True, cooling="air")
CFB = PowerUnit("Y1", capacity_mw=F(350), unit_class="cfb")


def good(month: int = 3, **kw) -> PowerMonth:
    """A complete, plausible month of a 600 MW unit (b_s ≈ 318 gce/kWh)."""
    base = dict(coal_t=F(125000), ncv=F("19.500"), c=F("0.5200"), h=F("0.035"), s_t=F("0.008"), m_t=F("0.10"),
                lab_report_id="R-1", sample_id="S-1", sample_from=date(2026, month, 1),
                sample_to=date(2026, month, 28), purchased_elec_mwh=F(100), generation_mwh=F(275000),
                supply_mwh=F(261250), heat_gj=F(0), running_hours=F(620), lodged_on=date(2026, month, 28) + timedelta(days=20))
    base.update(kw)
    return PowerMonth(2026, month, **base)


def test_deadline_is_month_end_plus_40_days():
    assert deadline(2026, 10, 40) == date(2026, 12, 10)
    assert deadline(2026, 2, 40) == date(2026, 4, 9)
    assert deadline(2026, 12, 40) == date(2027, 2, 9)


def test_k01():
    assert k01_completeness(U600, good(), 2026, 3, date(2026, 6, 1)).status is P
    assert k01_completeness(U600, None, 2026, 3, date(2026, 5, 10)).status is NA  # deadline 2026-05-10, inclusive
    assert k01_completeness(U600, None, 2026, 3, date(2026, 5, 11)).status is X
    r = k01_completeness(U600, good(ncv=None), 2026, 3, date(2026, 6, 1))
    assert r.status is X and "低位发热量" in r.values["缺项"]
    assert k01_completeness(U600, good(generation_mwh=None), 2026, 3, date(2026, 6, 1)).status is X
    assert k01_completeness(U600, good(ncv=None), 2026, 3, date(2026, 4, 20)).status is NA  # not yet due
    r = k01_completeness(U600, good(c=None), 2026, 3, date(2026, 6, 1))
    assert r.status is W and "元素碳" in r.message
    assert k01_completeness(U600, good(running_hours=None), 2026, 3, date(2026, 6, 1)).status is W
    late = k01_completeness(U600, good(lodged_on=date(2026, 5, 11)), 2026, 3, date(2026, 6, 1))
    assert late.status is W and late.values["late"] == "true"
    chp = k01_completeness(U1000_AIR_CHP, good(heat_gj=F(1000)), 2026, 3, date(2026, 6, 1))
    assert chp.status is W and "供热比" in chp.message


def test_k02():
    assert k02_same_sample(U600, good()).status is P
    assert k02_same_sample(U600, good(c=None)).status is NA
    assert k02_same_sample(U600, good(h=None)).status is X
    assert k02_same_sample(U600, good(ncv_sample_id="S-2")).status is X
    assert k02_same_sample(U600, good(sample_to=date(2026, 4, 2))).status is X  # outside the month
    assert k02_same_sample(U600, good(sample_from=None)).status is X
    assert k02_same_sample(U600, good(c_basis="ad", m_ad=None)).status is X


def test_k02_fail_defaults_the_carbon():
    rec = good(ncv_sample_id="S-2")
    ev = evaluate_unit_year(U600, [rec], 2026, as_of=date(2026, 12, 1), through_month=3)
    m3 = ev.months[2]
    assert m3.result.default_applied["cc"] and m3.result.cc_used == F("0.03085")
    assert account_power_month(U600, rec).default_applied["cc"] is False  # valid carbon by default


def test_k03_bands():
    assert k03_ranges(U600, good()).status is P
    assert k03_ranges(U600, good(ncv=F("11.99"))).status is W
    assert k03_ranges(U600, good(ncv=F("12.0"), c=F("0.30"))).status is P  # inclusive ends
    assert k03_ranges(CFB, good(ncv=F("12.0"), c=F("0.30"))).status is P
    assert k03_ranges(CFB, good(ncv=F("16.01"), c=F("0.40"))).status is W
    assert k03_ranges(CFB, good(ncv=F("7.0"), c=F("0.30"))).status is P
    assert k03_ranges(U600, good(m_t=F("0.21"))).status is W
    assert k03_ranges(U600, good(s_t=F("0.0019"))).status is W
    assert k03_ranges(U600, PowerMonth(2026, 3)).status is NA


def test_k04_basis_mixup_fails():
    assert k04_carbon_per_heat(U600, good(), F("0.03085")).status is P
    # air-dried carbon (0.62) put over as-received NCV (19.5): CC 0.0318 > 0.03085
    assert k04_carbon_per_heat(U600, good(c=F("0.62")), F("0.03085")).status is X
    # 0.0305 > 0.0300 but ≤ default: warn
    assert k04_carbon_per_heat(U600, good(c=F("0.59475")), F("0.03085")).status is W
    assert k04_carbon_per_heat(U600, good(c=None), F("0.03085")).status is NA
    # the air-dried value converted: C_ar = C_ad × (1 − M_ar)/(1 − M_ad)
    ad = good(c=F("0.5600"), c_basis="ad", m_t=F("0.10"), m_ad=F("0.0308"))
    assert ad.c_ar == F("0.56") * F("0.90") / F("0.9692")
    assert k04_carbon_per_heat(U600, ad, F("0.03085")).status is P


def test_k05_month_on_month():
    feb = good(2)
    assert k05_month_on_month(U600, good(3), [feb]).status is P
    assert k05_month_on_month(U600, good(3, ncv=F("21.46"), c=F("0.5723")), [feb]).status is W  # NCV +10.05 %
    assert k05_month_on_month(U600, good(3, ncv=F("21.45"), c=F("0.5720")), [feb]).status is P  # +10.00 %: not >
    assert k05_month_on_month(U600, good(3, c=F("0.5470")), [feb]).status is W  # CC +5.19 %
    assert k05_month_on_month(U600, good(3, c=F("0.5470"), coal_source_changed=True), [feb]).status is P
    assert k05_month_on_month(U600, good(3), []).status is NA
    # across year ends, and skipping a month without carbon for the CC test
    dec = replace(good(12), year=2025, sample_from=date(2025, 12, 1), sample_to=date(2025, 12, 28))
    jan_no_c = good(1, c=None)
    r = k05_month_on_month(U600, good(2, c=F("0.5470")), [dec, jan_no_c])
    assert r.status is W and "2025-12" in r.values["CC环比"]


def _k06(unit, rec):
    return k06_coal_vs_generation(unit, account_power_month(unit, rec), rec)


def test_k06_bands_and_underreporting():
    assert _k06(U600, good()).status is P
    under = _k06(U600, good(coal_t=F(105000)))  # 15 % less coal: b_s ≈ 267 < 280
    assert under.status is X and "少报" in under.message
    assert _k06(U600, good(coal_t=F(150000))).status is W  # ≈ 382 > 325
    assert _k06(PowerUnit("s", capacity_mw=F(200)), good()).status is NA  # < 300 MW
    assert _k06(PowerUnit("g", capacity_mw=F(400), unit_class="gas"), good()).status is NA
    # 1000 MW CHP in a heating month: lower bound 265 − 40 = 225; reported heat ratio 0.2
    rec = good(coal_t=F(170000), heat_gj=F(900000), heat_ratio=F("0.2"), generation_mwh=F(400000), supply_mwh=F(380000))
    res = account_power_month(U1000_AIR_CHP, rec)
    b_s = F(170000) * F("0.8") * F("19.5") / F("29.3076") * 10**6 / (F(380000) * 1000)
    assert res.derived.supply_coal_rate == b_s
    assert 225 <= b_s < 265
    assert k06_coal_vs_generation(U1000_AIR_CHP, res, rec).status is P
    assert k06_coal_vs_generation(U1000_AIR_CHP, res, replace(rec, heat_gj=F(0))).status is X


def test_k07_k08():
    res = account_power_month(U600, good())
    assert k07_load_factor(U600, res).status is P  # 275000 / (600 × 620) = 0.739
    lo = account_power_month(U600, good(running_hours=F(2000)))
    assert k07_load_factor(U600, lo).status is W  # 0.229
    assert k08_aux_power(U600, res).status is P  # 5 %
    hi = account_power_month(U600, good(supply_mwh=F(244750)))  # 11 %
    assert k08_aux_power(U600, hi).status is W
    assert k08_aux_power(U1000_AIR_CHP, account_power_month(U1000_AIR_CHP, good(supply_mwh=F(244750)))).status is P
    assert k08_aux_power(CFB, account_power_month(CFB, good(supply_mwh=F(242000)))).status is P  # 12 % inclusive


def test_k09_annual_report_must_equal_monthly_records():
    recs = {m: good(m) for m in (1, 2, 3)}
    results = [account_power_month(U600, r) for r in recs.values()]
    exact_total = sum(r.e_total for r in results)
    ok = AnnualReport(2026, dict(recs), F(round(exact_total)))
    assert k09_sum(U600, 2026, recs, results, ok).status is P
    bad = AnnualReport(2026, {**recs, 2: good(2, coal_t=F(125001))}, F(round(exact_total)))
    r = k09_sum(U600, 2026, recs, results, bad)
    assert r.status is X and "2月入炉煤量" in r.values
    published_sum = sum(F(round(x.e_total)) for x in results)
    if published_sum != round(exact_total):  # summing published months is not the rule
        assert k09_sum(U600, 2026, recs, results, AnnualReport(2026, dict(recs), published_sum)).status is X
    assert k09_sum(U600, 2026, recs, results, AnnualReport(2026, dict(recs), F(round(exact_total)) + 1)).status is X
    assert k09_sum(U600, 2026, recs, results, None).status is NA


def test_evaluate_unit_year_lists_defaults_k10():
    recs = [good(1), good(2, c=None), good(3)]
    ev = evaluate_unit_year(U600, recs, 2026, as_of=date(2026, 12, 1), through_month=3)
    k10 = [c for c in ev.year_checks if c.check == "K-10"][0]
    assert k10.status is W and k10.values["月份"] == "2月"
    assert ev.default_use.extra_t > 0
    assert ev.status is W
    assert [c.check for c in ev.months[0].checks] == [f"K-0{i}" for i in range(1, 9)]
    assert {c.check for c in ev.year_checks} == {"K-06", "K-07", "K-08", "K-09", "K-10"}
    labels = {f.label for f in ev.factors}
    assert any(lbl.startswith("power_coal_default/g485/cc_unmeasured") for lbl in labels)
    assert any(lbl.startswith("market_grid_factor/national/ef@2022") for lbl in labels)


def test_evaluate_missing_month_after_deadline_fails():
    ev = evaluate_unit_year(U600, [good(1), good(3)], 2026, as_of=date(2026, 12, 1), through_month=3)
    assert ev.months[1].checks[0].status is X and ev.months[1].result is None
    assert ev.status is X


@pytest.mark.parametrize("capacity,band", [(1000, (265, 300)), (999, (280, 325)), (600, (280, 325)),
                                           (599, (295, 345)), (300, (295, 345))])
def test_k06_capacity_classes(capacity, band):
    from qingshan.standards.carbon_checks import coal_rate_band

    assert coal_rate_band(PowerUnit("u", capacity_mw=F(capacity)), False) == band
    assert coal_rate_band(PowerUnit("u", capacity_mw=F(capacity), unit_class="gangue"), False) == (305, 390)
