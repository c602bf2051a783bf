"""Issue 7 (items 7–12, importer half): large numbers, plausibility bounds, Excel formulas and
merged cells, damaged and empty files, cut last lines, conflicts inside and across files,
bounded transactions on SQLite, chunked parsing."""

from __future__ import annotations

import sqlite3
import threading
import time
import zipfile
from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.ingest import source_file
from qingshan.ingest.cnemc import import_cnemc
from qingshan.ingest.plausibility import (
    DEFAULT_BOUNDS,
    MOLAR_MASS,
    MOLAR_VOLUME_273K,
    BoundsError,
    PlausibilityBounds,
)
from qingshan.ingest.result import ImportFailed, IssueKind
from qingshan.ingest.table import CORRUPT_WORKBOOK, import_table
from qingshan.ingest.writer import ImportSettings, database_failure
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry
from qingshan.store.staging import AcrossFiles, WithinFile

T9 = datetime(2022, 1, 2, 9)


@pytest.fixture
def store(migrated_sqlite_url):
    s = ObservationStore(migrated_sqlite_url)
    StationRegistry(s.url, auto_migrate=False, engine=s.engine).register(
        pl.DataFrame({"code": ["1721A", "1723A"], "name": ["果树场(对照点)", "云冈宾馆"], "city_name": ["大同市"] * 2}),
        source="cnemc",
    )
    yield s
    s.close()


def _issues(res):
    return [(e.row, e.field, str(e.kind), e.reason) for e in res.errors]


CNEMC_HEADER = (
    "timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,pm10_24h,pm2_5,"
    "pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h"
)


# --- item 7: values too large for Int64 micro-units ---------------------------------------------

def test_huge_values_are_refused_with_their_reason(store, tmp_path):
    """18446744073710 was stored as 0.448384 and 9223372036855 refused as negative (issue 7)."""
    p = tmp_path / "big.csv"
    p.write_text(
        CNEMC_HEADER + "\n"
        "2022-01-02T09:00:00,1721A,113.38,40.11,大同市,果树场(对照点),,56,61,59,18446744073710,29,77,12,31,11,41,22,11,12,1.1,0.7\n"
        "2022-01-02T10:00:00,1721A,113.38,40.11,大同市,果树场(对照点),,56,61,59,36,29,77,12,31,11,9223372036855,22,11,12,1.1,0.7\n",
        encoding="utf-8",
    )
    res = import_cnemc(p, store)
    too_large = "过大，超出可精确保存的范围（最大 9223372036854.775807），不是有效值"
    assert _issues(res) == [
        (2, "pm2_5", "rejected", f"数值「18446744073710」{too_large}"),
        (3, "no2", "rejected", f"数值「9223372036855」{too_large}"),
    ]
    wide = store.hourly_frame()
    assert wide["pm25"][0] is None and wide["no2"][1] is None
    assert exact.to_fraction(wide["pm25"][1]) == 36
    assert (res.values_written, res.values_rejected) == (10, 2)


# --- item 8: plausibility bounds ------------------------------------------------------------------

def test_default_bounds_are_hj653_hj654_ranges():
    """HJ 654 volume ranges at 273.15 K (22.414 L/mol), rounded up; PM from HJ 653; ×10 to refuse."""
    for pol, ppb in (("so2", 500), ("no2", 500), ("o3", 500)):
        mass = Fraction(ppb) * MOLAR_MASS[pol] / MOLAR_VOLUME_273K  # µg/m³
        assert DEFAULT_BOUNDS[pol].flag_above == -(-mass.numerator // mass.denominator)
    co = Fraction(50) * MOLAR_MASS["co"] / MOLAR_VOLUME_273K  # mg/m³
    assert DEFAULT_BOUNDS["co"].flag_above == Fraction(-(-co.numerator * 10 // co.denominator), 10) == Fraction("62.5")
    assert DEFAULT_BOUNDS["pm25"].flag_above == DEFAULT_BOUNDS["pm10"].flag_above == 1000
    assert all(b.reject_above == 10 * b.flag_above for b in DEFAULT_BOUNDS.values())


LONG = """站点,时间,污染物,浓度,标记
1721A,2022-01-02 09:00,PM2.5,1000000000,N
1721A,2022-01-02 09:00,CO,1234.567,N
1721A,2022-01-02 09:00,PM10,1500,N
1721A,2022-01-02 09:00,SO2,1500,M
1721A,2022-01-02 09:00,NO2,41,N
"""


def test_implausible_values_are_refused_or_flagged_and_reported(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(LONG, encoding="utf-8")
    res = import_table(p, store)
    assert _issues(res) == [
        (2, "浓度", "rejected", "PM₂.₅ 1000000000 μg/m³ 超出可信上限 10000 μg/m³，不可能是分析仪读数（多为单位或录入错误），未导入"),
        (3, "浓度", "rejected", "CO 1234.567 mg/m³ 超出可信上限 625 mg/m³，不可能是分析仪读数（多为单位或录入错误），未导入"),
        (4, "浓度", "flagged", "PM₁₀ 1500 μg/m³ 超出分析仪量程上限 1000 μg/m³（HJ 653 颗粒物监测仪量程 0–1000 μg/m³），"
                               "已标记 T（超测上限），不参与统计"),
        (5, "浓度", "flagged", "SO₂ 1500 μg/m³ 超出分析仪量程上限 1430 μg/m³（HJ 654 气态污染物分析仪量程（按 273.15 K 换算）"
                               " 0–500 nmol/mol），保留原标记 M，不参与统计"),
    ]
    assert (res.rows_read, res.rows_rejected, res.values_written, res.values_flagged, res.values_rejected) == (5, 2, 3, 2, 2)
    stored = store.long_frame().sort("pollutant")
    assert stored.select("pollutant", "flag").rows() == [("no2", "N"), ("pm10", "T"), ("so2", "M")]
    row = store.hourly_frame().row(0, named=True)  # hj212.md §9.3: T and M stay out of statistics
    assert row["pm10"] is None and row["so2"] is None and exact.to_fraction(row["no2"]) == 41
    with_t = store.hourly_frame(valid_flags=("N", "T")).row(0, named=True)  # "enters as it stands"
    assert exact.to_fraction(with_t["pm10"]) == 1500
    summary = store.batches().row(0, named=True)
    assert (summary["values_flagged"], summary["values_rejected"]) == (2, 2)
    assert store.errors(res.batch_id)["kind"].to_list() == ["rejected", "rejected", "flagged", "flagged"]


def test_bounds_per_source_from_a_file(store, tmp_path, monkeypatch):
    cfg = tmp_path / "plausibility.toml"
    cfg.write_text('[default.co]\nreject_above = "none"\n\n[source.table.pm10]\nflag_above = "2000"\n', encoding="utf-8")
    bounds = PlausibilityBounds.load(cfg)
    assert bounds.for_source("table")["pm10"].flag_above == 2000
    assert bounds.for_source("cnemc")["pm10"].flag_above == 1000
    assert bounds.for_source("cnemc")["co"].reject_above is None
    monkeypatch.setenv("QINGSHAN_PLAUSIBILITY_FILE", str(cfg))  # the configured file is the default
    p = tmp_path / "x.csv"
    p.write_text(LONG, encoding="utf-8")
    res = import_table(p, store)
    assert [(r, k) for r, _f, k, _w in _issues(res)] == [(2, "rejected"), (3, "flagged"), (5, "flagged")]
    assert "配置文件 plausibility.toml" in res.errors[1].reason
    bad = tmp_path / "bad.toml"
    bad.write_text('[default.pm10]\nflag_above = "-1"\n', encoding="utf-8")
    with pytest.raises(BoundsError, match="pm10.flag_above 应为非负数"):
        PlausibilityBounds.load(bad)


# --- item 9 and 12: Excel formulas, merged cells, damaged workbooks ------------------------------

def _xlsx(path, rows, merge=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


FORMULA = "单元格是公式「{}」，但文件中没有保存计算结果（文件由程序生成、未在 Excel 中重新计算），该值未导入；请在 Excel 中打开并保存后重新导入"


def test_formula_cells_without_cached_value_are_reported(store, tmp_path):
    """openpyxl writes formulas without results: 2 of 3 values were lost silently (issue 7)."""
    wide = _xlsx(tmp_path / "wide.xlsx", [
        ["站点", "时间", "PM10", "PM2.5", "SO2"],
        ["1721A", "2022-01-02 09:00", 61, "=C2*0.6", "=C2/5"],
    ])
    res = import_table(wide, store)
    assert _issues(res) == [
        (2, "PM2.5", "rejected", FORMULA.format("=C2*0.6")),
        (2, "SO2", "rejected", FORMULA.format("=C2/5")),
    ]
    assert (res.rows_kept, res.values_written, res.values_rejected) == (1, 1, 2)
    long = _xlsx(tmp_path / "long.xlsx", [
        ["站点", "时间", "污染物", "浓度"],
        ["1723A", "2022-01-02 09:00", "PM10", 62],
        ["1723A", "2022-01-02 09:00", "PM2.5", "=D2/2"],
        ["=A2", "2022-01-02 09:00", "SO2", 5],
    ])
    res = import_table(long, store)
    assert _issues(res) == [(3, "浓度", "rejected", FORMULA.format("=D2/2")), (4, "站点", "rejected", FORMULA.format("=A2"))]
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (3, 1, 2)


def test_merged_station_cells_say_so(store, tmp_path):
    p = _xlsx(tmp_path / "merged.xlsx", [
        ["站点", "时间", "PM10"],
        ["1721A", "2022-01-02 09:00", 61],
        [None, "2022-01-02 10:00", 62],
        [None, "2022-01-02 11:00", 63],
    ], merge="A2:A4")
    res = import_table(p, store)
    hint = "站点为空：该单元格属于合并单元格 A2:A4，合并后只有首格 A2 有值；请取消合并并在每一行填写后重新导入"
    assert _issues(res) == [(3, "站点", "rejected", hint), (4, "站点", "rejected", hint)]


@pytest.mark.parametrize("damage", ["random", "no-workbook", "truncated"])
def test_damaged_workbook_gets_a_chinese_message(store, tmp_path, damage):
    p = tmp_path / "坏.xlsx"
    if damage == "random":
        p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    elif damage == "no-workbook":
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("hello.txt", "x")
    else:
        good = _xlsx(tmp_path / "good.xlsx", [["站点", "时间", "PM10"], ["1721A", "2022-01-02 09:00", 61]])
        data = good.read_bytes()
        p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed) as info:
        import_table(p, store)
    assert str(info.value) == CORRUPT_WORKBOOK
    assert store.batches()["status"].to_list() == ["failed"]


def test_old_xls_is_refused_with_advice(store, tmp_path):
    p = tmp_path / "旧.xls"
    p.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))  # the OLE2 header of a .xls
    with pytest.raises(ImportFailed, match=r"^不支持旧版 \.xls 文件，请在 Excel 中另存为 \.xlsx 或 CSV$"):
        import_table(p, store)


@pytest.mark.parametrize("importer", [import_table, import_cnemc])
def test_zero_byte_file(store, tmp_path, importer):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(ImportFailed, match=r"^文件为空（0 字节），没有表头也没有数据$"):
        importer(p, store)


# --- item 12: a cut last line ------------------------------------------------------------------------

def test_cut_last_line_is_refused_unless_trusted(store, tmp_path):
    """A long table whose last line was cut mid-value ("123" → "12") was imported silently."""
    p = tmp_path / "cut.csv"
    p.write_bytes("站点,时间,污染物,浓度\n1721A,2022-01-02 09:00,PM10,61\n1721A,2022-01-02 09:00,NO2,12".encode())
    res = import_table(p, store)
    assert _issues(res) == [(3, None, "rejected", source_file.UNTERMINATED_LAST_LINE)]
    assert store.count() == 1
    res = import_table(p, store, settings=ImportSettings(trust_last_line=True))
    assert res.errors == [] and store.count() == 2
    q = tmp_path / "cut_cnemc.csv"
    q.write_text(CNEMC_HEADER + "\n2022-01-02T09:00:00,1721A,113.38,40.11,大同市,果树场(对照点),,56,61,59,36,29,77,12,31,11,41,22,11,12,1.1,0.",
                 encoding="utf-8")
    res = import_cnemc(q, store)
    assert _issues(res) == [(2, None, "rejected", source_file.UNTERMINATED_LAST_LINE)]


# --- item 12: conflicts inside one file and across files ----------------------------------------------

def _table(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("站点,时间,污染物,浓度\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return p


def test_conflict_with_another_files_value_is_reported_and_policy_applies(store, tmp_path):
    a = _table(tmp_path, "a.csv", ["1721A,2022-01-02 09:00,PM2.5,36", "1721A,2022-01-02 09:00,NO2,41"])
    b = _table(tmp_path, "b.csv", ["1721A,2022-01-02 09:00,PM2.5,40", "1721A,2022-01-02 09:00,NO2,41"])
    first = import_table(a, store)
    res = import_table(b, store)  # default: the later file replaces, and says so
    assert _issues(res) == [(2, "浓度", "replaced",
                             f"站点 1721A 2022-01-02 09:00 PM₂.₅ 与已存数值不同：原为 36（批次 {first.batch_id}），已替换为本文件的 40")]
    assert exact.to_fraction(store.hourly_frame()["pm25"][0]) == 40
    res = import_table(a, store, settings=ImportSettings(across_files=AcrossFiles.KEEP, force=True))
    assert _issues(res) == [(2, "浓度", "kept",
                             f"站点 1721A 2022-01-02 09:00 PM₂.₅ 与已存数值不同：已存 40（批次 {res.batch_id - 1}），"
                             "本文件为 36；按设置保留已存数值，本值未导入")]
    assert exact.to_fraction(store.hourly_frame()["pm25"][0]) == 40
    assert res.values_rejected == 1


@pytest.mark.parametrize(("policy", "kept", "stored"), [
    (WithinFile.REJECT, None, None), (WithinFile.FIRST, 2, 36), (WithinFile.LAST, 3, 38)])
def test_conflict_inside_one_file_follows_the_setting(store, tmp_path, policy, kept, stored):
    p = _table(tmp_path, "c.csv", ["1721A,2022-01-02 09:00,PM2.5,36", "1721A,2022-01-02 09:00,PM2.5,38"])
    res = import_table(p, store, settings=ImportSettings(within_file=policy))
    what = "站点 1721A 2022-01-02 09:00 PM₂.₅ 有多个不同数值（第 2、3 行）"
    if kept is None:
        assert _issues(res) == [(r, "浓度", "rejected", what + "，均未导入") for r in (2, 3)]
    else:
        dropped = 5 - kept
        assert _issues(res) == [(dropped, "浓度", "rejected", what + f"，按设置只导入第 {kept} 行，本行未导入")]
    got = store.hourly_frame()
    assert (exact.to_fraction(got["pm25"][0]) if got.height else None) == stored


# --- item 10: bounded transactions on SQLite ----------------------------------------------------------

def _big_table(tmp_path, hours: int):
    rows = [f"{code},2022-01-{1 + h // 24:02d} {h % 24:02d}:00,{pol},{10 + h % 50}"
            for h in range(hours) for code in ("1721A", "1723A") for pol in ("PM10", "PM2.5", "SO2", "NO2", "O3")]
    return _table(tmp_path, "big.csv", rows)


def test_another_writer_waits_briefly_during_an_import(store, tmp_path, monkeypatch):
    """Another connection writes every 20 ms during a 4,800-value import done in 600-value
    transactions: it never waits long for SQLite's write lock (a one-transaction import held it
    throughout)."""
    p = _big_table(tmp_path, 480)
    db = store.url.removeprefix("sqlite:///")
    waits: list[float] = []
    done = threading.Event()
    out = {}

    def run():
        out["res"] = import_table(p, store, settings=ImportSettings(chunk_values=600))
        done.set()

    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY)")
    t = threading.Thread(target=run)
    t.start()
    while not done.is_set():
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO probe DEFAULT VALUES")
        con.execute("COMMIT")
        waits.append(time.perf_counter() - t0)
        time.sleep(0.02)
    t.join()
    con.close()
    assert out["res"].values_written == 4800 and store.count() == 4800
    assert len(waits) >= 8  # the probe kept writing while the import ran
    assert max(waits) < 3.0, sorted(waits)[-5:]


def test_two_imports_at_once_both_succeed(store, tmp_path):
    a = _big_table(tmp_path, 120)
    b = _table(tmp_path, "other.csv", [f"1723A,2022-02-01 {h:02d}:00,CO,1.{h % 10}" for h in range(24)])
    results = {}

    def run(name, path):
        results[name] = import_table(path, store, settings=ImportSettings(chunk_values=200))

    threads = [threading.Thread(target=run, args=x) for x in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"].status == results["b"].status == "ok"
    assert store.count() == 1200 + 24


def test_database_errors_read_in_chinese():
    from sqlalchemy.exc import OperationalError

    locked = OperationalError("INSERT INTO air_import_stage …", {}, sqlite3.OperationalError("database is locked"))
    msg = database_failure(locked)
    assert msg == ("写入数据库失败（数据库正被其他程序写入，等待 30 秒后仍未获得写入权限），本文件未导入任何数据，"
                   "已写入的部分已撤销；请稍后重试，详细错误见日志")
    assert not any("a" <= ch.lower() <= "z" for ch in msg)
    # the SQLite stage's scratch file raises sqlite3 errors directly
    full = database_failure(sqlite3.OperationalError("database or disk is full"))
    assert full.startswith("写入数据库失败（磁盘已满或读写出错）")


# --- item 11: chunked parsing gives the same result as one chunk --------------------------------------

def test_chunk_boundaries_change_nothing(store, tmp_path, monkeypatch):
    rows = ["1721A,2022-01-02 09:00,PM10,61", "1721A,2022-01-02 09:00,PM2.5,36", "1721A,2022-01-02 09:00,PM10,61",
            "1721A,2022-01-02 10:00,PM10,70", "bad,2022-01-02 10:00,PM10,70", "1721A,2022-01-02 10:00,PM10,71",
            "1723A,2022-01-02 10:00,NO2,abc"]
    p = _table(tmp_path, "d.csv", rows)
    whole = import_table(p, store)
    monkeypatch.setattr(source_file, "CHUNK_ROWS", 2)
    chunked = import_table(p, store, settings=ImportSettings(force=True, chunk_values=1))
    assert _issues(chunked) == _issues(whole) and whole.errors
    assert (chunked.rows_read, chunked.rows_kept, chunked.values_written) == (whole.rows_read, whole.rows_kept, whole.values_written)
    assert [str(e.kind) for e in whole.errors].count(str(IssueKind.SKIPPED)) == 1
