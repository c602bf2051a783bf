"""Importing water files: per-row errors in Chinese, good rows once, re-import duplicates nothing,
GBK, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest
from sqlalchemy.orm import Session

from qingshan.standards.water_values import NANO
from qingshan.water.importer import WaterImportFailed, import_cnemc, import_lab
from qingshan.water.registry import add_section

HEADER = "抓取年份,省份,流域,断面名称,监测时间,水质类别,水温(℃),pH(无量纲),溶解氧(mg/L),电导率(μS/cm),浊度(NTU),高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L),总氮(mg/L),叶绿素α(mg/L),藻密度(cells/L)"
CNEMC_ROWS = [
    "2026,山西省,海河流域,固定桥,08-26 13:00,3,25.2,7.20,5.70,389.3,21.0,4.10,0.694,0.071,3.51,--,--",
    "2026,山西省,海河流域,利仁皂,08-26 13:00,4,25.6,7.56,abc,366.4,9.6,--,1.358,0.044,2.95,0.0021,--",  # DO not a number
    "2026,山西省,海河流域,利仁皂,08-26 12:00,4,25.6,7.56,6.49,366.4,9.6,--,-0.2,0.044,2.95,--,--",  # negative NH3-N
    "2026,山西省,海河流域,未登记断面,08-26 13:00,2,25.0,7.5,7.0,300,5,2.0,0.1,0.02,1,--,--",  # unknown section
    "2026,山西省,海河流域,固定桥,08-26 13:00,3,25.2,7.20,5.70,389.3,21.0,4.10,0.694,0.071,3.51,--,--",  # identical copy
    "2026,山西省,海河流域,大白登,08-26 13:00,2,25.0,7.5,7.0,300,5,2.0,0.1,0.02,1,--,--",
    "2026,山西省,海河流域,大白登,08-26 13:00,3,25.0,7.5,7.0,300,5,2.0,0.6,0.02,1,--,--",  # conflicting copy
    "2026,山西省,海河流域,固定桥,08-32 13:00,3,25.2,7.20,5.70,389.3,21.0,4.10,0.694,0.071,3.51,--,--",  # bad date
    "2026,山西省,海河流域,固定桥,08-26 14:00,3,25.2",  # wrong column count
    "2026,山西省,海河流域,固定桥,08-26 15:00,--,--,--,--,--,--,--,--,--,--,--,--",  # no data: kept, nothing to write
]


@pytest.fixture
def registered(store):
    with Session(store.engine) as s:
        for code, name in (("DT-GDQ", "固定桥"), ("DT-LRZ", "利仁皂"), ("DT-DBD", "大白登"), ("S1", "一号断面"),
                           ("S2", "二号断面")):
            add_section(s, code=code, name=name, basin="海河流域" if code.startswith("DT") else None)
        s.commit()
    return store


def _write(tmp_path, name, lines, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_cnemc_bad_rows_reported_good_rows_once(registered, tmp_path, encoding):
    store = registered
    path = _write(tmp_path, f"cnemc-{encoding}.csv", [HEADER, *CNEMC_ROWS], encoding)
    r = import_cnemc(path, store)
    assert r.ok and r.rows_read == 10
    by_row = {}
    for e in r.errors:
        by_row.setdefault(e.row, []).append(e)
    assert by_row[3][0].field == "溶解氧(mg/L)" and "不是数字" in by_row[3][0].reason
    assert by_row[4][0].field == "氨氮(mg/L)" and "负数" in by_row[4][0].reason
    assert "未登记" in by_row[5][0].reason and by_row[5][0].field == "断面名称"
    assert "重复" in by_row[6][0].reason and "已跳过" in by_row[6][0].reason
    assert all("均未导入" in e.reason for e in by_row[7] + by_row[8])
    assert "监测时间" in by_row[9][0].field
    assert "列数不符" in by_row[10][0].reason
    assert 11 not in by_row
    assert str(by_row[3][0]).startswith(f"cnemc-{encoding}.csv，第 3 行，字段「溶解氧(mg/L)」：")
    assert r.rows_rejected == 6 and r.rows_kept == 4
    obs = store.observations()
    # 固定桥 13:00 (9 values), 利仁皂 13:00 without DO (chla converted), 利仁皂 12:00 without NH3-N
    assert obs.filter(pl.col("section") == "DT-GDQ").height == 9
    lrz = obs.filter(pl.col("section") == "DT-LRZ")
    assert "do" not in lrz.filter(pl.col("time") == datetime(2026, 8, 26, 13))["item"].to_list()
    assert lrz.filter(pl.col("item") == "chla")["value_nano"].item() == Fraction("2.1") * NANO  # mg/L → mg/m³
    assert "nh3n" not in lrz.filter(pl.col("time") == datetime(2026, 8, 26, 12))["item"].to_list()
    assert obs.filter(pl.col("section") == "DT-DBD").is_empty()
    n = store.count()
    pub = store.published()
    assert pub.filter(pl.col("section") == "DT-GDQ")["class"].to_list() == [3, None]
    # re-import: nothing new, and it says which batch had the file
    again = import_cnemc(path, store)
    assert store.count() == n and again.previous_batch == r.batch_id
    assert store.errors(r.batch_id).height == len(r.errors)


def test_cnemc_register_sections(store, water_dir):
    r = import_cnemc(water_dir / "cnemc_realtime_2026-08-26_1300.csv", store, register_sections=True)
    assert r.ok and r.sections_registered == 367 and r.rows_kept == 367 and r.errors == []
    assert store.count() == r.values_written
    assert store.published().height == 367


def test_cnemc_refused_file_recorded_as_failed(store, tmp_path):
    path = _write(tmp_path, "not-cnemc.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(WaterImportFailed) as ei:
        import_cnemc(path, store)
    res = ei.value.result
    assert res.status == "failed" and "表头缺少" in res.errors[0].reason
    b = store.batches()
    assert b["status"].to_list() == ["failed"] and store.count() == 0


LAB = [
    "大同市地表水监测结果（2026年3月）",  # a title row above the header
    "断面,采样时间,项目,数值,检出限,单位,标记",
    "S1,2026-03-05 10:00,高锰酸盐指数,3.7,,mg/L,",
    "S1,2026-03-05 10:00,氨氮,0.52,,,",
    "S1,2026-03-05 10:00,汞,ND,0.00004,,",
    "S1,2026-03-05 10:00,镉,<0.0005,,,",
    "S1,2026-03-05 10:00,铅,0.01L,,,",
    "S1,2026-03-05 10:00,总磷,abc,,,",
    "S1,2026-03-05 10:00,化学需氧量,-3,,,",
    "未知断面,2026-03-05,氨氮,0.3,,,",
    "S1,2026-03-05 10:00,氨氮,0.52,,,",
    "S2,2026-03-05,总磷,0.1,,,",
    "S2,2026-03-05,总磷,0.2,,,",
    "S1,2026-13-05,氨氮,0.3,,,",
    "S1,2026-03-05 10:00,透明度x,1,,,",
    "S1,2026-03-05 10:00,砷,2.5,,μg/L,",
    "S1,2026-03-05 10:00,铜,ND,,,",
    "S1,2026-03-05 10:00,溶解氧,8.1,,,X!",
    "二号断面,2026-03-06,pH,7.45,,,无效",
    "S1,2026-03-05 10:00,粪大肠菌群,2.4E+03,,个/L,",
    "S1,2026-03-05 10:00,总氮,1.2,,kg,",
]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_lab_table_bad_input(registered, tmp_path, encoding):
    store = registered
    path = _write(tmp_path, f"lab-{encoding}.csv", LAB, encoding)
    r = import_lab(path, store)
    assert r.ok and r.rows_read == 19
    msgs = {e.row: e for e in r.errors}
    assert "不是数字" in msgs[8].reason and msgs[8].field == "数值"
    assert "负数" in msgs[9].reason
    assert "未登记" in msgs[10].reason
    assert "已跳过" in msgs[11].reason
    assert "均未导入" in msgs[12].reason and "均未导入" in msgs[13].reason
    assert "采样时间" in msgs[14].reason or "日期" in msgs[14].reason
    assert "未知的监测项目" in msgs[15].reason
    assert "检出限" in msgs[17].reason
    assert "数据标记" in msgs[18].reason
    assert "单位" in msgs[21].reason
    assert set(msgs) == {8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 21}
    assert r.rows_kept == 19 - 11
    obs = {(o["section"], o["item"]): o for o in store.observations().to_dicts()}
    assert obs[("S1", "hg")]["nd"] and obs[("S1", "hg")]["dl_nano"] == 40_000 and obs[("S1", "hg")]["value_nano"] is None
    assert obs[("S1", "cd")]["nd"] and obs[("S1", "cd")]["dl_nano"] == 500_000
    assert obs[("S1", "pb")]["nd"] and obs[("S1", "pb")]["dl_nano"] == 10_000_000
    assert obs[("S1", "as")]["value_nano"] == 2_500_000  # 2.5 μg/L = 0.0025 mg/L, exactly
    assert obs[("S1", "fc")]["value_nano"] == 2400 * NANO
    assert obs[("S2", "ph")]["flag"] == "I"  # 无效: kept, never enters a mean
    assert obs[("S1", "codmn")]["time"] == datetime(2026, 3, 5, 10)
    n = store.count()
    again = import_lab(path, store)
    assert store.count() == n and again.previous_batch == r.batch_id
    # the re-import rewrote nothing: every value it holds is already stored unchanged
    assert (again.values_written, again.values_new, again.values_replaced, again.values_unchanged) == (0, 0, 0,
                                                                                                     r.values_written)


def test_reimport_counts_new_replaced_and_unchanged_values(registered, tmp_path):
    # LAB keeps 8 rows (19 read, 11 rejected; row 11 repeats row 4 identically), one value each
    store = registered
    r = import_lab(_write(tmp_path, "lab.csv", LAB), store)
    assert (r.values_written, r.values_new, r.values_replaced, r.values_unchanged) == (8, 8, 0, 0)
    again = import_lab(_write(tmp_path, "lab-again.csv", LAB), store)
    assert (again.values_written, again.values_new, again.values_replaced, again.values_unchanged) == (0, 0, 0, 8)
    # a corrected file: S1 氨氮 0.52 → 0.60 (rows 4 and 11) and S1 总磷 now readable (row 8):
    # 1 replaced, 1 new, the other 7 unchanged
    fixed = [line.replace("氨氮,0.52", "氨氮,0.60").replace("总磷,abc", "总磷,0.05") for line in LAB]
    third = import_lab(_write(tmp_path, "lab-fixed.csv", fixed), store)
    assert (third.values_written, third.values_new, third.values_replaced, third.values_unchanged) == (2, 1, 1, 7)
    assert store.count() == 9
    nh3n = store.observations(items=["nh3n"]).filter(pl.col("section") == "S1")["value_nano"].to_list()
    assert nh3n == [600_000_000]  # 0.60 mg/L in nano-units
    assert third.as_dict()["values_unchanged"] == 7


def test_lab_xlsx(registered, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["断面编码", "采样日期", "监测项目", "监测结果"])
    ws.append(["S1", datetime(2026, 4, 2), "氨氮", 0.35])
    ws.append(["S1", datetime(2026, 4, 2), "总磷", "0.08"])
    ws.append(["S1", datetime(2026, 4, 2), "溶解氧", "n.d."])
    path = tmp_path / "lab.xlsx"
    wb.save(path)
    r = import_lab(path, registered)
    assert r.rows_kept == 2 and len(r.errors) == 1 and r.errors[0].row == 4
    got = registered.observations().sort("item")
    assert got["item"].to_list() == ["nh3n", "tp"] and got["value_nano"].to_list() == [350_000_000, 80_000_000]


def test_lab_header_missing_refused(registered, tmp_path):
    path = _write(tmp_path, "bad.csv", ["名称,数值", "S1,1"])
    with pytest.raises(WaterImportFailed, match="表头缺少"):
        import_lab(path, registered)
    path2 = tmp_path / "binary.csv"
    path2.write_bytes(b"\xff\xfe\x00\x00garbage")
    with pytest.raises(WaterImportFailed):
        import_lab(path2, registered)
    assert registered.count() == 0


def test_cnemc_time_without_year():
    from datetime import datetime as dt

    from qingshan.water.cnemc import parse_time

    now = dt(2027, 1, 1, 8)
    assert parse_time("12-31 23:00", None, now) == dt(2026, 12, 31, 23)  # read on New Year's Day
    assert parse_time("01-01 07:00", None, now) == dt(2027, 1, 1, 7)
    assert parse_time("02-29 13:00", None, now) == dt(2024, 2, 29, 13)  # the latest leap year
    assert parse_time("2026-08-26 13:00", None, now) == dt(2026, 8, 26, 13)
    assert parse_time("08-26 13:00", 2025, now) == dt(2025, 8, 26, 13)
    with pytest.raises(ValueError, match="不是有效的日期时间"):
        parse_time("02-30 13:00", None, now)


def test_classify_keeps_rows_with_a_bad_time(tmp_path):
    from qingshan.water.classify_file import classify_cnemc

    path = _write(tmp_path, "t.csv", [HEADER, CNEMC_ROWS[7], CNEMC_ROWS[8], CNEMC_ROWS[9]])
    r = classify_cnemc(path, water_bodies={})
    assert [x["class"] for x in r.rows] == ["Ⅲ", "", ""]  # bad date: still classified; short row; no data
    assert [x["time"] for x in r.rows] == ["08-32 13:00", "08-26 14:00", "08-26 15:00"]
