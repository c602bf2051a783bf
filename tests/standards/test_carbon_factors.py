"""The packaged factor library row by row against carbon.md (§3.2, §5, §6.2, §7, §8.1), and its lookups."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from qingshan.standards.carbon_factors import FactorError, FactorMissing, FactorTable, parse_row
from qingshan.standards.standard_coal import coefficient, electricity_tce, to_tce

T = FactorTable.packaged()


def v(table, key, param, year=None):
    return T.get(table, key, param, year).value


def test_every_row_has_source_status_version():
    for r in T.rows:
        assert r.source and r.version == "pkg-2026.12" and r.status in ("confirmed", "UNCONFIRMED"), r


# carbon.md §3.2 defaults table (value, unit, status)
POWER_FUEL = {
    "fuel_oil": ("41.816", "0.02110", "0.98"),
    "diesel": ("42.652", "0.02020", "0.98"),
    "natural_gas": ("389.31", "0.01532", "0.99"),
    "coke_oven_gas": ("179.81", "0.01358", "0.99"),
    "blast_furnace_gas": ("33.000", "0.07080", "0.99"),
}


@pytest.mark.parametrize("fuel", sorted(POWER_FUEL))
def test_power_fuel_defaults(fuel):
    ncv, cc, of = POWER_FUEL[fuel]
    assert (v("power_fuel_default", fuel, "ncv"), v("power_fuel_default", fuel, "cc"),
            v("power_fuel_default", fuel, "oxidation_rate")) == (F(ncv), F(cc), F(of))
    assert T.get("power_fuel_default", fuel, "ncv").status == "UNCONFIRMED"


def test_power_coal_defaults_by_edition():
    assert v("power_coal_default", "g2021", "cc_unmeasured") == F("0.03356")
    assert v("power_coal_default", "g2022", "cc_unmeasured") == F("0.03085")
    assert v("power_coal_default", "g485", "cc_unmeasured") == F("0.03085")
    for ed in ("g2021", "g2022", "g485"):
        assert v("power_coal_default", ed, "oxidation_rate") == F("0.99")


@pytest.mark.parametrize("year,value,status", [(2019, "0.6101", "UNCONFIRMED"), (2020, "0.6101", "UNCONFIRMED"),
                                               (2021, "0.5810", "confirmed"), (2022, "0.5703", "UNCONFIRMED"),
                                               (2023, "0.5703", "UNCONFIRMED"), (2026, "0.5703", "UNCONFIRMED")])
def test_market_grid_factor(year, value, status):
    f = T.get("market_grid_factor", "national", "ef", year)
    assert (f.value, f.status) == (F(value), status)


# carbon.md §5.1 table and "Other regions" line
STATISTICAL = {
    "national_average": {2021: "0.5568", 2022: "0.5366", 2023: "0.5306"},
    "national_residual": {2021: "0.5942", 2022: "0.5856", 2023: "0.6096"},
    "national_fossil": {2021: "0.8426", 2022: "0.8325", 2023: "0.8273"},
    "north_china": {2021: "0.7120", 2022: "0.6776", 2023: "0.6361"},
    "shanxi": {2021: "0.7222", 2022: "0.7096"},
    "northeast": {2022: "0.5564", 2023: "0.5122"},
    "east_china": {2022: "0.5617", 2023: "0.5500"},
    "central_china": {2022: "0.5395", 2023: "0.5271"},
    "northwest": {2022: "0.5857", 2023: "0.5543"},
    "south": {2022: "0.3869", 2023: "0.4042"},
    "southwest": {2022: "0.2268", 2023: "0.2472"},
}


@pytest.mark.parametrize("region", sorted(STATISTICAL))
def test_statistical_grid_factors(region):
    for year, value in STATISTICAL[region].items():
        assert v("grid_statistical", region, "ef", year) == F(value), (region, year)
    assert T.find("grid_statistical", region, "ef", 2024) is None  # 2024 not published by the corpus date


def test_shanxi_2023_published_but_not_loaded():
    with pytest.raises(FactorMissing, match="未载入"):
        T.get("grid_statistical", "shanxi", "ef", 2023)
    f, warnings = T.latest("grid_statistical", "shanxi", "ef", 2025)
    assert f.valid_from == 2022 and f.value == F("0.7096")
    assert len(warnings) == 1 and "2023" in warnings[0]


# carbon.md §7 table: coefficient k (and the bold ones confirmed)
GBT2589 = {
    "raw_coal": ("0.7143", "confirmed"), "washed_coal": ("0.9000", "UNCONFIRMED"), "middlings": ("0.2857", "UNCONFIRMED"),
    "coke": ("0.9714", "UNCONFIRMED"), "crude_oil": ("1.4286", "UNCONFIRMED"), "fuel_oil": ("1.4286", "UNCONFIRMED"),
    "gasoline": ("1.4714", "confirmed"), "kerosene": ("1.4714", "confirmed"), "diesel": ("1.4571", "confirmed"),
    "coal_tar": ("1.1429", "UNCONFIRMED"), "lpg": ("1.7143", "UNCONFIRMED"), "refinery_gas": ("1.5714", "UNCONFIRMED"),
    "blast_furnace_gas": ("0.1286", "UNCONFIRMED"), "heat": ("0.03412", "confirmed"),
    "electricity": ("0.1229", "confirmed"), "steam": ("0.1286", "UNCONFIRMED"),
}


@pytest.mark.parametrize("energy", sorted(GBT2589))
def test_gbt2589_coefficients(energy):
    k, status = GBT2589[energy]
    f = T.get("gbt2589", energy, "k")
    assert (f.value, f.status) == (F(k), status)


def test_gbt2589_average_ncv_and_ranges():
    assert v("gbt2589", "raw_coal", "ncv_kj") == 20908
    assert v("gbt2589", "diesel", "ncv_kj") == 42652
    assert v("gbt2589", "gasoline", "ncv_kj") == 43070
    assert v("gbt2589", "coke", "ncv_kj") == 28435
    assert (v("gbt2589", "natural_gas", "k_low"), v("gbt2589", "natural_gas", "k_high")) == (F("1.1000"), F("1.3300"))
    assert (v("gbt2589", "slime", "k_low"), v("gbt2589", "slime", "k_high")) == (F("0.2857"), F("0.4286"))
    assert (v("gbt2589", "coke_oven_gas", "k_low"), v("gbt2589", "coke_oven_gas", "k_high")) == (F("0.5714"), F("0.6143"))
    # the printed coefficient, not the kJ column ÷ 29 307.6 (20 908 was converted at 4.1816 kJ/kcal)
    assert round(F(20908) / F("29307.6"), 4) == F("0.7134") != v("gbt2589", "raw_coal", "k")


def test_standard_coal_range_rows():
    assert coefficient("natural_gas").k == F("1.2143")
    assert coefficient("natural_gas", default_gas_kgce_per_m3=F("1.33")).k == F("1.33")
    with pytest.raises(FactorMissing, match="范围"):
        coefficient("slime")
    assert coefficient("slime", range_default="low").k == F("0.2857")
    measured = coefficient("slime", ncv_kj=F(10000))
    assert measured.k == F(10000) / F("29307.6") and measured.measured
    assert to_tce(F(80000), "natural_gas", coefficient("natural_gas")) == 971440  # C3: 10⁴ m³ × 10 × k
    assert to_tce(F(1000), "heat", coefficient("heat")) == F("34.12")  # GJ × kgce/MJ = tce


def test_equal_value_electricity():
    tce, fs, w = electricity_tce(F(-30000000), 2025)
    assert tce == -9072000 and fs[0].valid_from == 2024 and not w
    tce, fs, _ = electricity_tce(F(1000), 2022)
    assert tce == F("305.5") and fs[0].valid_from == 2020
    assert electricity_tce(F(1000), 2025, conversion="equivalent_value")[0] == F("122.9")


def test_city_fuel_defaults():
    expect = {"raw_coal": ("0.02618", "0.93"), "coke": ("0.02942", "0.93"), "diesel": ("0.02020", "0.98"),
              "gasoline": ("0.01890", "0.98"), "natural_gas": ("0.01532", "0.99")}
    for fuel, (cc, of) in expect.items():
        assert (v("city_fuel", fuel, "cc"), v("city_fuel", fuel, "oxidation_rate")) == (F(cc), F(of))
    assert v("city_fuel", "natural_gas", "ncv") == F("389.31")
    assert v("city_heat", "heat", "ef") == F("0.11")


CLINKER = {"portland": "0.535", "white": "0.550", "sulfoaluminate": "0.413", "aluminate": "0.292"}
DEDUCTIONS = {
    "0.600": "脱硫粉剂 熟石灰", "0.480": "电石渣 镁渣", "0.375": "造纸白泥 氟化钙污泥 磷渣", "0.305": "钒钛渣 氮渣 飞灰 铁合金炉渣",
    "0.245": "脱硫石膏 磷石膏 钛石膏 氟石膏 硼石膏 模型石膏 柠檬酸渣", "0.215": "钢渣 镍渣", "0.135": "锰渣 锌渣 锡渣",
    "0.055": "市政污泥 铝渣 硫酸渣 铜渣 铅锌渣 粉煤灰 赤泥",
}


def test_clinker_tables():
    for key, ef in CLINKER.items():
        assert v("clinker_ef", key, "ef") == F(ef)
    expected = {m: F(d) for d, ms in DEDUCTIONS.items() for m in ms.split()}
    assert {k: v("clinker_deduction", k, "d") for k in T.keys("clinker_deduction")} == expected
    assert v("cement_coal", "coal", "oxidation_rate") == F("0.98")


def test_bureau_row_overrides_and_adds_a_year():
    shanxi_2023 = parse_row({"table": "grid_statistical", "key": "shanxi", "param": "ef", "value": "0.6900",
                             "unit": "tCO2/MWh", "valid_from": "2023", "valid_to": "2023", "version": "bureau-1",
                             "status": "UNCONFIRMED", "source": "演示：局录入"}, origin="bureau", row_id=7)
    t = T.with_rows([shanxi_2023])
    f, warnings = t.latest("grid_statistical", "shanxi", "ef", 2025)
    assert (f.value, f.origin, f.row_id, warnings) == (F("0.6900"), "bureau", 7, [])
    of = parse_row({"table": "power_coal_default", "key": "g485", "param": "oxidation_rate", "value": "0.98",
                    "unit": "—", "version": "bureau-2", "status": "confirmed", "source": "2026修订"}, origin="bureau")
    assert t.with_rows([of]).get("power_coal_default", "g485", "oxidation_rate").value == F("0.98")
    assert T.get("power_coal_default", "g485", "oxidation_rate").value == F("0.99")  # packaged table unchanged


@pytest.mark.parametrize("patch,message", [({"status": "maybe"}, "状态"), ({"value": "abc"}, "不是数字"),
                                           ({"valid_from": "2025", "valid_to": "2024"}, "颠倒"), ({"table": "x"}, "未知"),
                                           ({"value": "-1"}, "负"), ({"valid_from": "25"}, "四位年份"), ({"source": ""}, "缺少")])
def test_bad_factor_rows_refused(patch, message):
    row = {"table": "grid_statistical", "key": "shanxi", "param": "ef", "value": "0.7", "unit": "tCO2/MWh",
           "valid_from": "2024", "valid_to": "2024", "version": "v", "status": "confirmed", "source": "s"}
    with pytest.raises(FactorError, match=message):
        parse_row({**row, **patch})
