"""Stored path: imported records → runs with factor versions → report figures (C1, C2, C3 end to end)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as F

from carbon_testdata import C3_BALANCE_CSV, C3_GDP_CSV, CEMENT_USCC, PLANT_USCC
from sqlalchemy import select

from qingshan.carbon.accounting import evaluate_cement_line, evaluate_month, evaluate_power_unit
from qingshan.carbon.city import account_city, set_plan
from qingshan.carbon.evidence import check_evidence, failed_checks
from qingshan.carbon.factors import add_factor
from qingshan.carbon.imports import import_cement_months, import_city_balance, import_city_gdp, import_power_months
from qingshan.carbon.models import CarbonCheck, CarbonRun, CarbonUnit
from qingshan.carbon.report import city_report, city_trend, co2_intensity_status, enterprise_list, unit_detail
from qingshan.standards.carbon_city import CitySettings

AS_OF = date(2026, 12, 1)
C1_CSV = ("统一社会信用代码,机组编号,年份,月份,入炉煤量(t),低位发热量(GJ/t),元素碳含量,全水分,氢含量,全硫,化验报告编号,样品编号,"
          "采样开始日期,采样结束日期,柴油(t),购入电量(MWh),发电量(MWh),供电量(MWh),运行小时数(h),存证日期\n"
          f"{PLANT_USCC},1,2023,1,1500000,19.500,0.5200,0.10,0.035,0.008,R1,S1,2023-01-01,2023-01-31,300,2000,3300000,3135000,744,2023-02-20\n")


def unit(s, code="1"):
    return s.scalar(select(CarbonUnit).where(CarbonUnit.code == code))


def test_c1_through_the_store_with_factor_versions(plant):
    _url, s = plant
    assert import_power_months(s, "c1.csv", C1_CSV.encode()).ok
    ue = evaluate_power_unit(s, unit(s), 2023, as_of=AS_OF, through_month=1)
    s.commit()
    run = s.get(CarbonRun, ue.month_run_ids[1])
    assert run.results["e_total"]["published"] == "2833469"
    assert run.results["e_total"]["exact"] == "1770918358057/625000"
    assert run.results["supply_coal_rate"]["published"] == "318.3524"
    assert run.results["supply_intensity"]["published"] == "0.9038"
    labels = {f["label"]: f for f in run.factors}
    grid = labels["market_grid_factor/national/ef@2022:pkg-2026.12"]
    assert grid["value"] == "0.5703" and grid["status"] == "UNCONFIRMED" and "§5.2" in grid["source"]
    assert run.inputs["record"]["coal_t"] == "1500000" and run.inputs["record"]["batch_id"] is not None
    # an identical re-run reuses the stored run
    again = evaluate_power_unit(s, unit(s), 2023, as_of=AS_OF, through_month=1)
    assert again.month_run_ids[1] == run.id
    # the unit page
    d = unit_detail(s, unit(s).id, 2023, as_of=AS_OF, through_month=1)
    fig = d.months[0].figures["e_total"]
    assert (fig.value, fig.unit, fig.status) == ("2833469", "tCO2", "UNCONFIRMED")
    assert any(f.table == "market_grid_factor" for f in fig.factors)


def test_bureau_factor_changes_the_next_run(plant):
    _url, s = plant
    import_power_months(s, "c1.csv", C1_CSV.encode())
    add_factor(s, {"table": "market_grid_factor", "key": "national", "param": "ef", "value": "0.5810", "unit": "tCO2/MWh",
                   "valid_from": "2023", "valid_to": "2023", "version": "局-2026-1", "status": "confirmed",
                   "source": "测试：局录入"})
    s.commit()
    ue = evaluate_power_unit(s, unit(s), 2023, as_of=AS_OF, through_month=1)
    run = s.get(CarbonRun, ue.month_run_ids[1])
    assert run.results["e_elec"]["exact"] == "1162"  # 2 000 MWh × 0.5810
    assert any(f["version"] == "局-2026-1" and f["origin"] == "bureau" for f in run.factors)


def test_k06_failure_gives_a_ledger_evidence_payload(plant):
    _url, s = plant
    under = C1_CSV.replace("1500000,19.500", "1250000,19.500")  # b_s 265 < 280: under-reported coal
    import_power_months(s, "c1.csv", under.encode())
    evs = evaluate_month(s, 2023, 1, as_of=AS_OF)  # every power unit of the store, as `carbon check`
    assert [e.unit_code for e in evs] == ["1", "2"] and evs[1].evaluation.months[0].record is None
    s.commit()
    ids = failed_checks(s, 2023, 1)
    by_check = {s.get(CarbonCheck, i).check_id: i for i in ids}
    assert sorted(by_check) == ["K-01", "K-06"]  # unit 2 lodged nothing (K-01), unit 1 under-reported coal (K-06)
    ev = check_evidence(s, by_check["K-06"])
    assert ev["evidence"]["check"]["id"] == "K-06" and ev["kind"] == "key_task"
    assert ev["data"]["area"] == "碳达峰碳中和" and "K-06" in ev["title"]
    assert ev["evidence"]["record"]["coal_t"] == "1250000"
    assert ev["evidence"]["factors"] and ev["evidence"]["subject"]["uscc"] == PLANT_USCC
    assert s.get(CarbonCheck, by_check["K-06"]).values["区间"] == "280—325"


def test_c2_cement_line_through_the_store(plant):
    _url, s = plant
    text = ("统一社会信用代码,生产线编号,年份,月份,熟料产量(t),熟料品种,燃煤量(t),低位发热量(GJ/t),元素碳含量(%),电石渣(t),粉煤灰(t),用电量(MWh)\n"
            f"{CEMENT_USCC},L1,2025,1,1550000,硅酸盐水泥熟料,190000,22.500,58.50,20000,60000,93000\n")
    assert import_cement_months(s, "c2.csv", text.encode()).ok
    ce = evaluate_cement_line(s, unit(s, "L1"), 2025, as_of=AS_OF)
    assert ce.year.e_line == 1215749 and ce.year.e_fuel == 399399 and ce.year.e_process == 816350
    run = s.get(CarbonRun, ce.year_run_id)
    assert run.results["intensity"]["published"] == "0.7844"
    assert run.results["coal_use"]["published"] == "94.1075"
    ents = enterprise_list(s, 2025, as_of=AS_OF, through_month=12)
    cem = next(e for e in ents if e.sector == "cement")
    assert cem.co2.value == "1215749" and cem.status == "n/a" and cem.market_covered is True


def _c3_store(s) -> None:
    assert import_city_balance(s, "c3.csv", C3_BALANCE_CSV.encode(), demo=True).ok
    assert import_city_gdp(s, "gdp.csv", C3_GDP_CSV.encode(), demo=True).ok


def test_c3_city_account_and_tracking_from_stored_data(plant):
    _url, s = plant
    _c3_store(s)
    settings = CitySettings(use_enterprise_data_for_power=False)
    acc = account_city(s, 2025, as_of=AS_OF, settings=settings)
    assert acc.co2.total == F("1461434396843") / 37500  # 38 971 583.9158…
    assert acc.energy.total_before == 14415520
    rep = city_report(s, 2025, as_of=AS_OF, settings=settings)
    f = rep.figures
    assert f["co2_total"].value == "38971584" and f["co2_intensity"].value == "1.9985"
    assert f["energy_total_before"].value == "14415520" and f["grid_factor"].value == "0.7096"
    assert f["co2_total"].status == "UNCONFIRMED" and f["co2_total"].demo and rep.demo_note
    assert any("2023" in w for w in rep.warnings)  # Shanxi 2023 factor published but not loaded
    terr = city_report(s, 2025, as_of=AS_OF, settings=CitySettings(use_enterprise_data_for_power=False,
                                                                    electricity_trade_treatment="territorial"))
    assert terr.figures["co2_total"].value == "60259584"
    set_plan(s, "十五五（测试）", 2025, "0.17", source="carbon.md C3 示例", projected_gdp_index="105")
    trend = city_trend(s, as_of=AS_OF, settings=settings)
    rows = {r.year: r for r in trend.rows}
    assert (rows[2026].r, rows[2026].R, rows[2026].P, rows[2026].tau, rows[2026].r_req, rows[2026].status) == (
        "3.89", "3.89", "22.90", "20.00", "3.60", "green")
    assert (rows[2027].r, rows[2027].R, rows[2027].P, rows[2027].tau, rows[2027].r_req, rows[2027].status) == (
        "5.52", "9.20", "54.13", "40.00", "2.95", "green")
    assert rows[2027].co2_intensity.value == "1.8146"
    assert trend.whole_period_rate == "3.66"
    assert trend.allowed_co2_end.value == "41401084" and trend.projected_years == [2028, 2029, 2030]
    st = co2_intensity_status(s, 2027, as_of=AS_OF, settings=settings)
    assert (st.basis, st.status, st.r_req, st.R) == ("annual", "green", "2.95", "9.20")


def test_ytd_status_for_the_bulletin(plant):
    _url, s = plant
    _c3_store(s)
    rows = "年份,期间,能源品种,用途,数量,单位\n2025,1-9月,原煤,终端消费,1000,t\n2026,1-9月,原煤,终端消费,1012,t\n"
    assert import_city_balance(s, "ytd.csv", rows.encode()).ok
    assert import_city_gdp(s, "gdpq.csv", "年份,期间,地区生产总值指数\n2026,1-9月,105.3\n".encode()).ok
    set_plan(s, "十五五（测试）", 2025, "0.17", source="测试")
    st = co2_intensity_status(s, 2026, as_of=AS_OF, months=10)  # 1—10月 → the 1—9月 cumulative
    assert st.basis == "ytd_estimate" and st.months == 10
    assert st.r == "3.89" and st.R == "3.89" and st.status == "green"  # first plan year: R_est = r_ytd
    assert "UNCONFIRMED" in st.note
    none = co2_intensity_status(s, 2026, as_of=AS_OF, months=2)
    assert none.basis == "no_data"


def test_plant_line_shared_by_generation(plant):
    from qingshan.carbon import registry
    from qingshan.carbon.models import CarbonFacility
    from qingshan.standards.carbon_power import PowerSettings

    _url, s = plant
    fac = s.scalar(select(CarbonFacility).where(CarbonFacility.code == "TP"))
    registry.add_unit(s, fac, registry.UnitSpec("公用", "全厂公用", "plant_line"))
    s.commit()
    two = C1_CSV + C1_CSV.splitlines()[1].replace(f"{PLANT_USCC},1,", f"{PLANT_USCC},2,").replace("1500000,19.500", "500000,19.500").replace("3300000,3135000", "1100000,1045000") + "\n"
    two += ",".join([PLANT_USCC, "公用", "2023", "1"] + [""] * 11 + ["1000", "", "", "", "2023-02-20"]) + "\n"
    assert import_power_months(s, "plant.csv", two.encode()).ok
    own = enterprise_list(s, 2023, as_of=AS_OF, through_month=1)[0]
    shared = enterprise_list(s, 2023, as_of=AS_OF, through_month=1, power_settings=PowerSettings(shared_item_allocation="by_generation"))[0]
    assert own.co2.exact == shared.co2.exact  # the plant total does not depend on the allocation
    by_code = {u.code: u for u in shared.units}
    assert by_code["公用"].co2.value == "0"
    line_e = F("570.3")  # 1 000 MWh × 0.5703
    own_codes = {u.code: u for u in own.units}
    assert F(by_code["1"].co2.exact) - F(own_codes["1"].co2.exact) == line_e * 3 / 4  # 3 300 000 of 4 400 000 MWh
    assert F(by_code["2"].co2.exact) - F(own_codes["2"].co2.exact) == line_e / 4
    assert own_codes["公用"].co2.exact == "5703/10" and own_codes["公用"].status == "pass"
