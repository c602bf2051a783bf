"""Bureau tables (long/wide, CSV/Excel, Chinese headers and pollutant names) → the store."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.ingest.pollutants import normalise_pollutant
from qingshan.ingest.result import ImportFailed
from qingshan.ingest.table import import_table
from qingshan.ingest.times import TimeParseError, parse_hour
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry

T9 = datetime(2022, 1, 2, 9)
T10 = datetime(2022, 1, 2, 10)


@pytest.fixture
def store(migrated_sqlite_url):
    s = ObservationStore(migrated_sqlite_url)
    StationRegistry(s.url, auto_migrate=False, engine=s.engine).register(
        pl.DataFrame({"code": ["1721A", "1723A"], "name": ["果树场(对照点)", "云冈宾馆"], "city_name": ["大同市"] * 2}),
        source="cnemc",
    )
    yield s
    s.close()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("PM2.5", "pm25"), ("PM₂.₅", "pm25"), ("细颗粒物", "pm25"), ("ＰＭ２．５", "pm25"), ("PM2.5(μg/m³)", "pm25"),
        ("PM10", "pm10"), ("可吸入颗粒物(PM10)", "pm10"), ("CO 一氧化碳", "co"), ("一氧化碳", "co"), ("co", "co"),
        ("SO₂", "so2"), ("二氧化硫", "so2"), ("NO2", "no2"), ("O₃", "o3"), ("臭氧", "o3"),
        ("O3_8h", None), ("臭氧8小时", None), ("NOx", None), ("", None),
    ],
)
def test_pollutant_names(name, code):
    assert normalise_pollutant(name) == code


@pytest.mark.parametrize(
    ("text", "label", "t"),
    [
        ("2022-01-02 09:00", "end", T9),
        ("2022/1/2 9:00:00", "end", T9),
        ("2022年1月2日9时", "end", T9),
        ("20220102090000", "end", T9),
        ("2022-01-02T08:00:00", "start", T9),
        ("2022-01-01 24:00", "end", datetime(2022, 1, 2, 0)),
    ],
)
def test_hour_stamps(text, label, t):
    assert parse_hour(text, label) == t


@pytest.mark.parametrize("text", ["2022-01-02 09:30", "2022-02-30 09:00", "昨天", "2022-01-02"])
def test_bad_hour_stamps(text):
    with pytest.raises(TimeParseError):
        parse_hour(text)


LONG_CSV = """站点,时间,污染物,浓度,标记
1721A,2022-01-02 09:00,PM2.5,36,N
果树场(对照点),2022-01-02 09:00,一氧化碳,1.1,N
1721A,2022/1/2 9:00,SO₂,11,n
1721A,2022-01-02 09:00,O3,abc,N
1721A,2022-01-02 09:00,NOx,5,N
1721A,2022-01-02 09:00,PM₂.₅,36,N
1721A,2022-01-02 10:00,PM10,-1,N
某某站,2022-01-02 10:00,PM10,5,N
1721A,2022-01-02 10:30,PM10,5,N
1721A,2022-01-02 10:00,PM10
1723A,2022-01-02 10:00,NO2,45,N
1723A,2022-01-02 10:00,二氧化氮,44,N
1723A,2022-01-02 10:00,PM10,—,N
"""
LONG_ERRORS = [
    (5, "浓度", "数值「abc」不是数字"),
    (6, "污染物", "未知污染物「NOx」"),
    (7, "浓度", "与第 2 行重复（站点 1721A 2022-01-02 09:00 PM₂.₅，数值相同），已跳过"),
    (8, "浓度", "浓度为负数（-1），不是有效值"),
    (9, "站点", "站点「某某站」未登记"),
    (10, "时间", "时间不是整点：「2022-01-02 10:30」"),
    (11, None, "列数不符：表头 5 列，此行 3 列"),
    (12, "浓度", "站点 1723A 2022-01-02 10:00 NO₂ 有多个不同数值（第 12、13 行），均未导入"),
    (13, "浓度", "站点 1723A 2022-01-02 10:00 NO₂ 有多个不同数值（第 12、13 行），均未导入"),
]


# subscript digits (SO₂) exist in GB18030 but not in GBK; the CNEMC test covers plain GBK
@pytest.mark.parametrize(("codec", "label"), [("gb18030", "GB18030"), ("utf-8-sig", "UTF-8 (BOM)"), ("utf-8", "UTF-8")])
def test_long_csv_with_chinese_headers(store, tmp_path, codec, label):
    p = tmp_path / "导出.csv"
    p.write_bytes(LONG_CSV.encode(codec))
    res = import_table(p, store)
    assert res.encoding == label
    assert [(e.row, e.field, e.reason) for e in res.errors] == LONG_ERRORS
    assert (res.rows_read, res.rows_rejected, res.rows_kept) == (13, 9, 4)  # row 14 ("—") is kept with no value
    out = store.hourly_frame()
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["station_code"], row["time"]) == ("1721A", T9)
    assert exact.to_fraction(row["co"]) == Fraction(11, 10)
    assert exact.to_fraction(row["so2"]) == 11
    assert store.long_frame()["flag"].unique().to_list() == ["N"]
    import_table(p, store)
    assert store.count() == 3


def test_hour_label_start(store, tmp_path):
    p = tmp_path / "start.csv"
    p.write_text("station,time,pollutant,value\n1723A,2022-01-02 08:00,PM10,62\n", encoding="utf-8")
    import_table(p, store, hour_label="start")
    assert store.hourly_frame()["time"].to_list() == [T9]


def test_excel_long_and_wide(store, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["站点编码", "监测时间", "监测项目", "数值"])
    ws.append(["1721A", datetime(2022, 1, 2, 9), "PM₂.₅", 36])
    ws.append(["1721A", datetime(2022, 1, 2, 9), "CO", 0.8])
    ws.append(["1721A", datetime(2022, 1, 2, 9, 30), "CO", 0.8])
    ws.append([None, None, None, None])
    ws.append(["1721A", "2022-01-02 10:00", "细颗粒物", "x"])
    p = tmp_path / "long.xlsx"
    wb.save(p)
    res = import_table(p, store)
    assert res.encoding == "xlsx"
    assert [(e.row, e.field, e.reason) for e in res.errors] == [
        (4, "监测时间", "时间不是整点：2022-01-02 09:30:00"),
        (6, "数值", "数值「x」不是数字"),
    ]
    row = store.hourly_frame().row(0, named=True)
    assert exact.to_fraction(row["co"]) == Fraction(4, 5)
    assert exact.to_fraction(row["pm25"]) == 36

    wb = Workbook()
    ws = wb.active
    ws.append(["点位名称", "时间", "SO2", "NO2", "CO", "O3", "PM10", "PM2.5"])
    ws.append(["云冈宾馆", "2022-01-02 09:00", 19, 45, 1.9, 3, 62, "-"])
    ws.append(["云冈宾馆", "2022-01-02 10:00", 18, -2, 1.8, 4, 60, 25])
    p2 = tmp_path / "wide.xlsx"
    wb.save(p2)
    res = import_table(p2, store)
    assert [(e.row, e.field, e.reason) for e in res.errors] == [(3, "NO2", "浓度为负数（-2），不是有效值")]
    assert (res.rows_kept, res.values_written) == (2, 5 + 5)
    wide = store.hourly_frame(["1723A"])
    assert wide["pm25"][0] is None
    assert exact.to_fraction(wide["co"][1]) == Fraction(9, 5)


def test_table_missing_columns_fails_whole_file(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("站点,数值\n1721A,3\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="表头缺少必需的列：时间"):
        import_table(p, store)
    assert store.count() == 0


def test_title_rows_above_header_and_code_column_preferred(store, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["大同市环境空气质量小时数据"])
    ws.append(["单位：μg/m³（CO 为 mg/m³）"])
    ws.append(["站点名称", "站点编码", "时间", "PM2.5(μg/m³)", "CO(mg/m³)"])
    ws.append(["果树场", "1721A", "2022-01-02 09:00", 36, 1.1])
    ws.append(["果树场", "1721A", "2022-01-02 10:00", "abc", 1.2])
    p = tmp_path / "titled.xlsx"
    wb.save(p)
    res = import_table(p, store)
    assert [(e.row, e.field, e.reason) for e in res.errors] == [(5, "PM2.5(μg/m³)", "数值「abc」不是数字")]
    assert (res.rows_read, res.rows_kept, res.values_written) == (2, 2, 3)
    out = store.hourly_frame(["1721A"])
    assert exact.to_fraction(out["co"][1]) == Fraction(6, 5)


def test_units_are_converted_exactly(store, tmp_path):
    p = tmp_path / "units.csv"
    p.write_text(
        "站点,时间,污染物,浓度,单位\n"
        "1721A,2022-01-02 09:00,PM2.5,0.036,mg/m³\n"
        "1721A,2022-01-02 09:00,CO,1100,μg/m3\n"
        "1721A,2022-01-02 09:00,SO2,11,微克/立方米\n"
        "1721A,2022-01-02 09:00,NO2,41,ppb\n"
        "1721A,2022-01-02 10:00,CO,0.0005,μg/m³\n",
        encoding="utf-8",
    )
    res = import_table(p, store)
    assert [(e.row, e.field, e.reason) for e in res.errors] == [
        (5, "单位", "无法识别的单位「ppb」（应为 μg/m³ 或 mg/m³）"),
        (6, "浓度", "CO 以 μg/m³ 给出，换算为 mg/m³ 后超过 6 位小数"),
    ]
    row = store.hourly_frame().row(0, named=True)
    assert exact.to_fraction(row["pm25"]) == 36
    assert exact.to_fraction(row["co"]) == Fraction(11, 10)
    assert exact.to_fraction(row["so2"]) == 11

    p2 = tmp_path / "wide_units.csv"
    p2.write_text("站点,时间,CO(μg/m³),PM10(mg/m³)\n1723A,2022-01-02 09:00,1900,0.062\n", encoding="utf-8")
    import_table(p2, store)
    r = store.hourly_frame(["1723A"]).row(0, named=True)
    assert (exact.to_fraction(r["co"]), exact.to_fraction(r["pm10"])) == (Fraction(19, 10), 62)


def test_refused_file_is_recorded_as_failed_batch(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"a,b\n\x80\x80\x80\n")
    with pytest.raises(ImportFailed) as info:
        import_table(p, store)
    reason = "无法识别文件编码：既不是 UTF-8（第 5 字节出错），也不是 GBK/GB18030（第 5 字节出错）"
    assert str(info.value) == reason
    assert store.batches()["status"].to_list() == ["failed"]
    assert store.errors()["reason"].to_list() == [reason]


def test_utf16_is_refused_with_advice():
    from qingshan.textcodec import EncodingError, decode_bytes

    with pytest.raises(EncodingError, match="UTF-16"):
        decode_bytes("站点".encode("utf-16"))
