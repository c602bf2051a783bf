"""Importing monthly records, annual reports, cement months, the city balance and GDP (SQLite and PostgreSQL).

Bad input: per-row Chinese errors (file, row, field, reason) and nothing half-imported.
"""

from __future__ import annotations

import io

from carbon_testdata import CEMENT_USCC, PLANT_USCC
from sqlalchemy import func, select

from qingshan.carbon.imports import import_cement_months, import_city_balance, import_city_gdp, import_power_months
from qingshan.carbon.models import CarbonAnnualReport, CarbonCementMonth, CarbonCityBalance, CarbonImportBatch, CarbonPowerMonth

HEADER = ("统一社会信用代码,机组编号,年份,月份,入炉煤量(t),低位发热量(GJ/t),发热量基准,元素碳含量(%),碳含量基准,全水分(%),"
          "空干基水分(%),氢含量(%),全硫(%),化验报告编号,样品编号,采样开始日期,采样结束日期,购入电量(MWh),发电量(MWh),"
          "供电量(MWh),运行小时数(h),存证日期")


def line(unit="1", month=3, coal="125000", ncv="19.500", basis_ncv="收到基", c="52.00", basis="收到基", mt="10.0",
         mad="", h="3.50", s="0.80", report="R-3", sample="S-3", gen="275000", supply="261250", uscc=PLANT_USCC) -> str:
    return (f"{uscc},{unit},2026,{month},{coal},{ncv},{basis_ncv},{c},{basis},{mt},{mad},{h},{s},{report},{sample},"
            f"2026-{month:02d}-01,2026-{month:02d}-28,100,{gen},{supply},620,2026-{month + 1:02d}-15")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join((HEADER, *lines)) + "\n").encode("utf-8")


def count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


def test_good_file_then_reimport_duplicates_nothing(plant):
    _url, s = plant
    data = csv_bytes(line(month=1), line(month=2), line(unit="2", month=1))
    res = import_power_months(s, "月报.csv", data)
    assert res.ok and (res.inserted, res.updated, res.unchanged) == (3, 0, 0)
    row = s.scalar(select(CarbonPowerMonth).where(CarbonPowerMonth.month == 2))
    assert (row.c, row.ncv, row.m_t, row.coal_t) == ("0.52", "19.5", "0.1", "125000")  # % → fraction, exact text
    again = import_power_months(s, "月报.csv", data)
    assert again.ok and (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.previous_batch == res.batch_id
    assert count(s, CarbonPowerMonth) == 3
    changed = import_power_months(s, "月报-更正.csv", csv_bytes(line(month=1, coal="125001")))
    assert (changed.inserted, changed.updated) == (0, 1)
    assert changed.changes[0]["before"] == {"coal_t": "125000"} and changed.changes[0]["after"] == {"coal_t": "125001"}


def test_bad_rows_are_reported_and_nothing_is_imported(plant):
    _url, s = plant
    data = csv_bytes(
        line(month=1),                                   # row 2: good
        line(month=2, basis="干燥基"),                   # row 3: wrong basis
        line(month=3, h="", s=""),                       # row 4: missing lab values
        line(unit="9", month=4),                         # row 5: unit that does not exist
        line(month=5, coal="十二万"),                    # row 6: text in a number
        line(month=6, basis_ncv="空干基"),               # row 7: NCV not as received
        line(month=7, basis="空气干燥基", mt="10.0", mad=""),  # row 8: air-dried C without M_ad
        line(month=8, c="52.00%"),                       # row 9: percent sign in the cell
        line(month=9, supply="280000"),                  # row 10: supply above generation
        line(month=1),                                   # row 11: duplicate of row 2
    )
    res = import_power_months(s, "坏表.csv", data)
    assert res.status == "failed"
    got = {(e.row, e.field) for e in res.errors}
    assert (3, "碳含量基准") in got
    assert (4, "化验报告") in got and "氢含量、全硫" in next(e.reason for e in res.errors if e.row == 4)
    assert (5, "机组编号") in got and "没有编号为“9”的机组" in next(e.reason for e in res.errors if e.row == 5)
    assert (6, "入炉煤量(t)") in got and "不是数字" in next(e.reason for e in res.errors if e.row == 6)
    assert (7, "发热量基准") in got
    assert (8, "碳含量基准") in got
    assert (9, "元素碳含量(%)") in got
    assert (10, "供电量") in got
    assert (11, "月份") in got and "第 2 行" in next(e.reason for e in res.errors if e.row == 11)
    assert all(e.file == "坏表.csv" for e in res.errors)
    assert "第 6 行" in str(next(e for e in res.errors if e.row == 6))
    assert count(s, CarbonPowerMonth) == 0  # nothing half-imported
    batch = s.scalar(select(CarbonImportBatch).where(CarbonImportBatch.id == res.batch_id))
    assert batch.status == "failed" and len(batch.errors) == len(res.errors)


def test_keep_valid_writes_only_the_good_rows(plant):
    _url, s = plant
    res = import_power_months(s, "部分.csv", csv_bytes(line(month=1), line(month=2, coal="abc")), keep_valid=True)
    assert res.status == "partial" and res.inserted == 1 and len(res.errors) == 1
    assert count(s, CarbonPowerMonth) == 1


def test_incomplete_lab_lodged_when_allowed(plant):
    _url, s = plant
    res = import_power_months(s, "不全.csv", csv_bytes(line(month=1, h="", s="")), strict_lab=False)
    assert res.ok and count(s, CarbonPowerMonth) == 1


def test_air_dried_carbon_is_kept_with_its_basis(plant):
    _url, s = plant
    res = import_power_months(s, "空干基.csv", csv_bytes(line(month=1, c="56.00", basis="空气干燥基", mad="3.08")))
    assert res.ok
    row = s.scalar(select(CarbonPowerMonth))
    assert (row.c_basis, row.c, row.m_ad) == ("ad", "0.56", "0.0308")


def test_missing_required_column_and_unsupported_unit(plant):
    _url, s = plant
    no_month = HEADER.replace(",月份", "").encode() + b"\n"
    res = import_power_months(s, "缺列.csv", no_month + f"{PLANT_USCC},1,2026,125000\n".encode())
    assert res.status == "failed" and "月份" in res.errors[0].reason
    bad_unit = csv_bytes(line()).replace("低位发热量(GJ/t)".encode(), "低位发热量(Btu/lb)".encode())
    res = import_power_months(s, "单位.csv", bad_unit)
    assert res.status == "failed" and "Btu/lb" in res.errors[0].reason


def test_xlsx_with_title_row_units_and_sheet(plant):
    from openpyxl import Workbook

    _url, s = plant
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年3月 发电机组月度存证"])
    ws.append(["机组编号", "年份", "月份", "入炉煤量(万t)", "低位发热量(kcal/kg)", "元素碳含量", "全水分", "氢含量", "全硫",
               "化验报告编号", "样品编号", "发电量(万kWh)", "供电量(万kWh)", "备注"])
    ws.append(["1", 2026, 3, 12.5, 4660, 0.52, 0.1, 0.035, 0.008, "R", "S", 27500, 26125, "演示"])
    buf = io.BytesIO()
    wb.save(buf)
    res = import_power_months(s, "月报.xlsx", buf.getvalue(), uscc=PLANT_USCC)
    assert res.ok, res.errors
    assert any("备注" in w for w in res.warnings)
    row = s.scalar(select(CarbonPowerMonth))
    assert row.coal_t == "125000" and row.generation_mwh == "275000"
    assert row.ncv == "19.510488"  # 4660 kcal/kg × 4.1868 kJ/kcal, exact


def test_annual_report_import(plant):
    _url, s = plant
    text = HEADER + ",年度排放量(tCO2)\n" + line(month=1) + ",200000\n" + line(month=2) + ",\n"
    res = import_power_months(s, "年报.csv", text.encode(), kind="annual")
    assert res.ok
    assert s.scalar(select(CarbonAnnualReport.emission_t)) == "200000"
    assert count(s, CarbonPowerMonth) == 2
    bad = HEADER + ",年度排放量(tCO2)\n" + line(month=1) + ",200000\n" + line(month=2) + ",200001\n"
    assert import_power_months(s, "年报2.csv", bad.encode(), kind="annual").status == "failed"


def test_cement_import_with_substitute_material_columns(plant):
    _url, s = plant
    text = ("统一社会信用代码,生产线编号,年份,月份,熟料产量(t),熟料品种,燃煤量(t),低位发热量(GJ/t),元素碳含量(%),电石渣(t),粉煤灰(t),用电量(MWh)\n"
            f"{CEMENT_USCC},L1,2025,1,1550000,硅酸盐水泥熟料,190000,22.500,58.50,20000,60000,93000\n")
    res = import_cement_months(s, "水泥.csv", text.encode())
    assert res.ok, res.errors
    row = s.scalar(select(CarbonCementMonth))
    assert row.substitutes == {"电石渣": "20000", "粉煤灰": "60000"} and row.c_ar == "0.585"
    bad = text.replace("硅酸盐水泥熟料", "普通熟料").replace(",1,", ",13,")
    res = import_cement_months(s, "水泥坏.csv", bad.encode())
    assert res.status == "failed" and {e.field for e in res.errors} >= {"熟料品种", "月份"}
    wrong_unit = text.replace(",L1,", ",1,")
    res = import_cement_months(s, "水泥3.csv", wrong_unit.encode())
    assert res.status == "failed" and "没有编号为“1”的熟料生产线" in res.errors[0].reason
    power_unit_in_cement_file = text.replace(f"{CEMENT_USCC},L1,", f"{PLANT_USCC},1,")
    res = import_cement_months(s, "水泥4.csv", power_unit_in_cement_file.encode())
    assert res.status == "failed" and "不是熟料生产线" in res.errors[0].reason


def test_city_balance_and_gdp_import(plant):
    _url, s = plant
    text = ("年份,期间,能源品种,用途,数量,单位\n"
            "2025,全年,原煤,火力发电及供热,2600,万t\n"
            "2025,全年,天然气,终端消费,8,亿m³\n"
            "2025,全年,电力,净调入,-300,亿kWh\n"
            "2025,1-9月,原煤,火力发电及供热,1800,万t\n")
    res = import_city_balance(s, "平衡表.csv", text.encode(), demo=True)
    assert res.ok, res.errors
    q = {(r.months, r.item): r.quantity for r in s.scalars(select(CarbonCityBalance))}
    assert q == {(12, "raw_coal"): "26000000", (12, "natural_gas"): "80000", (12, "electricity"): "-30000000",
                 (9, "raw_coal"): "18000000"}
    bad = ("年份,期间,能源品种,用途,数量,单位\n2025,全年,木柴,终端消费,1,t\n2025,全年,原煤,净调入,1,t\n"
           "2025,二季度,原煤,终端消费,1,t\n2025,全年,原煤,终端消费,-1,t\n2025,全年,汽油,终端消费,abc,t\n")
    res = import_city_balance(s, "坏平衡表.csv", bad.encode())
    assert res.status == "failed"
    assert [e.field for e in res.errors] == ["能源品种", "用途", "期间", "数量", "数量"]
    gdp = "年份,期间,地区生产总值(亿元),地区生产总值指数(上年=100),来源\n2025,全年,1950,,合成\n2026,全年,,105.3,合成\n2026,全年,,105.0,重复\n"
    res = import_city_gdp(s, "gdp.csv", gdp.encode())
    assert res.status == "failed" and res.errors[0].row == 4
    res = import_city_gdp(s, "gdp.csv", gdp.rsplit("2026,全年,,105.0", 1)[0].encode())
    assert res.ok and res.inserted == 2
