"""Worked examples C1, C1b, C2, C3 of carbon.md §9 (values typed in from the spec, computed exactly)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction as F

import pytest

from qingshan.standards.carbon_cement import CementMonth, CementSettings, account_cement_month, account_cement_year, oxide_clinker_factor
from qingshan.standards.carbon_checks import CheckStatus, coal_rate_band, default_use, k04_carbon_per_heat, k06_coal_vs_generation
from qingshan.standards.carbon_city import BalanceRow, CitySettings, city_co2, city_energy, constant_price_gdp, intensity_per_10k_yuan
from qingshan.standards.carbon_common import publish
from qingshan.standards.carbon_power import PowerMonth, PowerSettings, PowerUnit, account_power_month, heat_weighted_cc
from qingshan.standards.carbon_tracking import SeriesRow, allowed_co2_end_year, json_rows, track

# --- C1: coal unit, one year, measured carbon -------------------------------------------------------

UNIT_600 = PowerUnit("1", capacity_mw=F(600))
C1 = PowerMonth(2023, 1, coal_t=F("1500000"), ncv=F("19.500"), c=F("0.5200"), other_fuels={"diesel": F(300)},
                purchased_elec_mwh=F(2000), generation_mwh=F(3300000), supply_mwh=F(3135000))


@pytest.fixture(scope="module")
def c1():
    return account_power_month(UNIT_600, C1)


def test_c1_emissions(c1):
    assert c1.cc == F(2, 75)
    assert publish(c1.cc, 8) == "0.02666667"
    assert c1.of == F("0.99")
    assert c1.e_coal == 2831400
    assert c1.e_other["diesel"] == F(580483057, 625000)
    assert publish(c1.e_other["diesel"], 4) == "928.7729"
    assert c1.e_elec == F("1140.6")
    assert publish(c1.e_total, 4) == "2833469.3729"
    assert publish(c1.e_total, 0) == "2833469"
    assert not c1.default_applied["cc"]


def test_c1_production_quantities(c1):
    d = c1.derived
    assert d.aux_rate == F("0.05")
    assert publish(d.aux_rate * 100, 2) == "5.00"
    assert publish(d.supply_coal_rate, 4) == "318.3524"
    assert publish(d.generation_coal_rate, 4) == "302.4347"
    assert publish(d.supply_intensity, 6) == "0.903818"
    assert publish(d.supply_intensity, 4) == "0.9038"


def test_c1_kj_per_kgce_29307_alternative():
    res = account_power_month(UNIT_600, C1, settings=PowerSettings(kj_per_kgce=F(29307)))
    assert publish(res.derived.supply_coal_rate, 4) == "318.3589"


def test_c1_checks_k04_k06_pass(c1):
    assert k04_carbon_per_heat(UNIT_600, C1, F("0.03085")).status is CheckStatus.PASS
    assert k06_coal_vs_generation(UNIT_600, c1, C1).status is CheckStatus.PASS
    assert coal_rate_band(UNIT_600, False) == (280, 325)


def test_c1_carbon_not_measured():
    rec = PowerMonth(2023, 1, coal_t=F("1500000"), ncv=F("19.500"))
    res = account_power_month(UNIT_600, rec)
    assert res.e_coal == F("3275575.875")
    assert res.default_applied["cc"] and res.cc_used == F("0.03085")
    assert res.e_coal - 2831400 == F("444175.875")
    assert res.e_coal / 2831400 == F("1.156875")


def test_c1_k10_extra_against_measured_months():
    measured = PowerMonth(2023, 1, coal_t=F("1500000"), ncv=F("19.500"), c=F("0.5200"))
    defaulted = PowerMonth(2023, 2, coal_t=F("1500000"), ncv=F("19.500"))
    recs = [measured, defaulted]
    results = [account_power_month(UNIT_600, r) for r in recs]
    use = default_use(recs, results, heat_weighted_cc(recs))
    assert use.months == (2,)
    assert use.extra_t == F("444175.875")
    assert publish(use.extra_ratio * 100, 2) == "15.69"


def test_chp_design_coal_rate_of_facts_passes_relaxed_band():
    # FACTS.md §6: 同热三期 2×1000 MW CHP, design 242.328 g/kWh; carbon.md §4.2: 225–300 for CHP
    unit = PowerUnit("TR3-1", capacity_mw=F(1000), chp=True)
    assert coal_rate_band(unit, True) == (225, 300)
    assert coal_rate_band(unit, False) == (265, 300)


# --- C1b: monthly versus averaged --------------------------------------------------------------------

C1B = [(1, "130000", "19.80", "0.5300"), (2, "120000", "18.90", "0.5000"), (3, "125000", "20.10", "0.5450")]


def test_c1b_monthly_sum_and_heat_weighted_cc():
    unit = PowerUnit("1", capacity_mw=F(600))
    recs = [PowerMonth(2023, m, coal_t=F(fc), ncv=F(ncv), c=F(c)) for m, fc, ncv, c in C1B]
    total = sum(account_power_month(unit, r).e_coal for r in recs)
    assert total == F("715200.75")
    cc = heat_weighted_cc(recs)
    assert publish(cc, 8) == "0.02678972"
    heat = sum(r.coal_t * r.ncv for r in recs)
    assert heat * cc * F("0.99") * F(11, 3) == F("715200.75")  # reproduces the monthly sum exactly
    # the wrong aggregate: unweighted mean of monthly CC × consumption-weighted NCV
    mean_cc = sum(r.c / r.ncv for r in recs) / 3
    fc = sum(r.coal_t for r in recs)
    ncv_w = heat / fc
    wrong = fc * ncv_w * mean_cc * F("0.99") * F(11, 3)
    assert publish(wrong, 4) == "714915.7110"
    assert publish(wrong - total, 4) == "-285.0390"


# --- C2: cement line, one year ----------------------------------------------------------------------

C2 = CementMonth(2025, 1, clinker_t=F(1550000), clinker_type="portland", coal_t=F(190000), ncv=F("22.500"),
                 c_ar=F("0.5850"), substitutes={"电石渣": F(20000), "粉煤灰": F(60000)}, cao=F("0.6550"),
                 cao_nc=F("0.0080"), mgo=F("0.0200"), mgo_nc=F("0.0030"), kiln_dust_t=F(8000), elec_mwh=F(93000))


def test_c2_default_factor_method():
    res = account_cement_month("L1", C2)
    assert C2.c_ar / C2.ncv == F("0.026")
    assert res.e_fuel == 399399
    assert res.e_process == 816350
    assert res.e_line == 1215749
    assert res.e_elec == F("53037.9")
    year = account_cement_year([res])
    assert publish(year.intensity, 4) == "0.7844"
    assert publish(year.intensity_with_elec, 4) == "0.8186"
    assert publish(year.coal_use_kgce_per_t, 4) == "94.1075"
    year_elec = account_cement_year([res], settings=CementSettings(cement_include_elec=True))
    assert publish(year_elec.intensity, 4) == "0.8186"


def test_c2_oxide_method():
    ef = oxide_clinker_factor(F("0.6550"), F("0.0080"), F("0.0200"), F("0.0030"))
    assert ef == F(18447, 35000)
    assert publish(ef, 6) == "0.527057"
    no_dust = account_cement_month("L1", C2, settings=CementSettings(clinker_process_method="oxide", include_kiln_dust=False))
    assert publish(no_dust.e_process, 4) == "816938.5714"
    with_dust = account_cement_month("L1", C2, settings=CementSettings(clinker_process_method="oxide"))
    assert publish(with_dust.e_process, 4) == "821155.0286"


def test_c2_fly_ash_is_not_fei_hui():
    # 粉煤灰 D 0.055, 飞灰 D 0.305 (carbon.md §6.2, C2)
    fei = CementMonth(2025, 1, clinker_t=F(1550000), coal_t=F(0), ncv=F("22.5"), c_ar=F("0.585"),
                      substitutes={"电石渣": F(20000), "飞灰": F(60000)})
    assert account_cement_month("L1", fei).e_process == 1550000 * F("0.535") - 20000 * F("0.480") - 60000 * F("0.305")


def test_cement_process_floored_at_zero_per_month():
    m = CementMonth(2025, 1, clinker_t=F(100), coal_t=F(0), ncv=F("22.5"), c_ar=F("0.585"), substitutes={"电石渣": F(1000)})
    assert account_cement_month("L1", m).e_process == 0


# --- C3: Datong-like city (synthetic, illustrative) --------------------------------------------------

C3_ROWS = [
    BalanceRow("raw_coal", "power_heat", F(26000000)),
    BalanceRow("raw_coal", "final", F(3000000)),
    BalanceRow("coke", "final", F(800000)),
    BalanceRow("diesel", "final", F(400000)),
    BalanceRow("gasoline", "final", F(300000)),
    BalanceRow("natural_gas", "final", F(80000)),
    BalanceRow("electricity", "net_import", F(-30000000)),
]
C3_SETTINGS = CitySettings(use_enterprise_data_for_power=False)


def test_c3_fuel_lines():
    co2 = city_co2(2025, C3_ROWS, settings=C3_SETTINGS)
    got = {(ln.item, ln.use): (publish(ln.ef, 6), publish(ln.co2, 3)) for ln in co2.fuel_lines}
    assert got == {
        ("raw_coal", "power_heat"): ("1.866537", "48529951.870"),
        ("raw_coal", "final"): ("1.866537", "5599609.831"),
        ("coke", "final"): ("2.852662", "2282129.406"),
        ("diesel", "final"): ("3.095910", "1238363.855"),
        ("gasoline", "final"): ("2.925056", "877516.794"),
        ("natural_gas", "final"): ("21.650152", "1732012.160"),
    }
    assert publish(co2.fuels_co2, 3) == "60259583.916"


def test_c3_city_co2_and_treatments():
    co2 = city_co2(2025, C3_ROWS, settings=C3_SETTINGS)
    assert co2.grid_factor == F("0.7096")  # Shanxi 2022: 2023 not loaded
    assert any("2023" in w for w in co2.warnings)
    assert co2.elec_co2 == -21288000
    assert publish(co2.total, 3) == "38971583.916"
    terr = city_co2(2025, C3_ROWS, settings=CitySettings(use_enterprise_data_for_power=False,
                                                         electricity_trade_treatment="territorial"))
    assert publish(terr.total / 10**6, 2) == "60.26"


def test_c3_energy_equal_and_equivalent_value():
    e = city_energy(2025, C3_ROWS, settings=C3_SETTINGS)
    assert e.fuels_tce == 23487520
    assert e.net_import_elec_tce == -9072000  # 2025 at 2024's 0.3024
    assert e.total_before == 14415520
    eq = city_energy(2025, C3_ROWS, settings=CitySettings(elec_trade_energy_conversion="equivalent_value"))
    assert eq.net_import_elec_tce == -3687000
    assert eq.total_before == 19800520


def test_c3_intensity_and_tracking():
    co2_2025 = F("38971583.916")
    gdp_2025 = F(1950)
    i_2025 = intensity_per_10k_yuan(co2_2025, gdp_2025)
    assert publish(i_2025, 6) == "1.998543"
    co2_2026 = co2_2025 * F("1.012")
    co2_2027 = co2_2026 * F("0.992")
    assert publish(intensity_per_10k_yuan(co2_2026, constant_price_gdp(gdp_2025, [F("105.3")])), 6) == "1.920727"
    i_2027 = intensity_per_10k_yuan(co2_2027, constant_price_gdp(gdp_2025, [F("105.3"), F("105.0")]))
    assert publish(i_2027, 6) == "1.814629"
    t = track([SeriesRow(2025, co2_2025, None), SeriesRow(2026, co2_2026, F("105.3")), SeriesRow(2027, co2_2027, F("105.0"))],
              2025, F("0.17"))
    r2026, r2027 = t.after_base
    assert r2026.r == 1 - F("1.012") / F("1.053")
    assert r2027.R == F(50873, 552825)
    assert publish(r2027.R * 100, 4) == "9.2024"
    assert publish(r2027.P * 100, 4) == "54.1316"
    assert publish(r2027.r_req * 100, 4) == "2.9487"
    assert json_rows(t) == [
        {"year": 2026, "r": "3.89", "R": "3.89", "P": "22.90", "tau": "20.00", "r_req": "3.60", "status": "green"},
        {"year": 2027, "r": "5.52", "R": "9.20", "P": "54.13", "tau": "40.00", "r_req": "2.95", "status": "green"},
    ]
    assert r2027.published()["r_avg"] == "4.71"
    assert publish(t.whole_period_rate[1] * 100, 2) == "3.66"
    # check: I_2027 × (1 − r_req)³ = I_2025 × 0.83 (to the 50 digits of the root)
    with localcontext() as ctx:
        ctx.prec = 80
        lhs = Decimal(i_2027.numerator) / Decimal(i_2027.denominator) * (1 - r2027.r_req) ** 3
        rhs = Decimal(i_2025.numerator) / Decimal(i_2025.denominator) * Decimal("0.83")
        assert abs(lhs - rhs) < Decimal("1e-45")
    assert publish(Decimal(lhs), 6) == "1.658790"
    allowed, projected = allowed_co2_end_year(co2_2025, F("0.17"), {2026: F("105.3"), 2027: F("105.0")}, 2025,
                                              projected_index=F(105))
    assert projected == [2028, 2029, 2030]
    assert publish(allowed / 10**6, 4) == "41.4011"
    assert publish((allowed / co2_2027 - 1) * 100, 4) == "5.8209"
    assert publish(co2_2027 / 10**6, 4) == "39.1237"


def test_c3_never_add_annual_rates():
    t = track([SeriesRow(2025, F(100), None), SeriesRow(2026, F("101.2"), F("105.3")),
               SeriesRow(2027, F("101.2") * F("0.992"), F("105.0"))], 2025, F("0.17"))
    r2026, r2027 = t.after_base
    assert r2026.published()["r"] == "3.89" and r2027.published()["r"] == "5.52"
    assert r2027.published()["R"] == "9.20"  # not 9.42


def test_c3_row_order_does_not_matter():
    assert city_co2(2025, C3_ROWS, settings=C3_SETTINGS).total == city_co2(2025, C3_ROWS[::-1], settings=C3_SETTINGS).total


def test_publication_half_even_once_zero_unsigned():
    # carbon.md §2: half-even (GB/T 8170), rounded once from the exact value, a zero printed unsigned
    assert publish(F("2.345"), 2) == "2.34" and publish(F("2.355"), 2) == "2.36"
    assert publish(F("-0.004"), 2) == "0.00" and publish(F("-0.005"), 2) == "0.00"
    assert publish(F("-0.0051"), 2) == "-0.01"
    assert publish(F("2833469.5"), 0) == "2833470" and publish(F("2833468.5"), 0) == "2833468"


def test_c2_sector_grid_factor_statistical_y_minus_2():
    # carbon.md §5.2: the press reading of the 2024 sector guides — 2023 emissions at 2021's 0.5568
    m = CementMonth(2023, 1, clinker_t=F(1), coal_t=F(0), ncv=F("22.5"), c_ar=F("0.585"), elec_mwh=F(93000))
    res = account_cement_month("L1", m, settings=CementSettings(sector_grid_factor="statistical_y_minus_2"))
    assert res.e_elec == 93000 * F("0.5568")
    assert account_cement_month("L1", m).e_elec == 93000 * F("0.5703")
