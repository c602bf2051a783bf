"""CNEMC importer on the real fixtures and on a deliberately broken file (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.ingest.cnemc import HOURLY_COLUMNS, import_cnemc
from qingshan.ingest.result import ImportFailed
from qingshan.ingest.writer import ImportSettings
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry

FILES = ("2022-01-02T09.csv", "2022-07-15T16.csv")
HOURLY = ("so2", "no2", "co", "o3_24h", "pm10", "pm2_5")


def _raw_rows(cnemc_dir):
    rows = []
    for name in FILES:
        with open(cnemc_dir / name, encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


@pytest.fixture
def store(db_url):
    s = ObservationStore(db_url)
    yield s
    s.close()


@pytest.mark.slow
def test_fixtures_import(store, cnemc_dir):
    raw = _raw_rows(cnemc_dir)
    assert len(raw) == 3397  # SOURCE.md: 1712 + 1685 rows
    results = [import_cnemc(cnemc_dir / f, store, register_stations=True) for f in FILES]
    assert [r.rows_read for r in results] == [1712, 1685]
    assert [r.rows_kept for r in results] == [1712, 1685]
    assert all(r.errors == [] and r.encoding == "UTF-8" for r in results)
    # every station of the files is registered, with the 对照点 flag read from its name
    reg = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    codes = {r["stationcode"] for r in raw}
    assert reg.codes() == codes
    st = reg.stations_frame()
    assert st.filter(pl.col("code") == "1002A").row(0, named=True)["is_control"] is True
    assert st.filter(pl.col("code") == "1721A").row(0, named=True)["city_name"] == "大同市"
    # every station-hour with a value is stored; the published AQI of all 3397
    with_value = sum(1 for r in raw if any(r[c].strip() for c in HOURLY))
    assert store.station_hours() == with_value
    assert store.count() == sum(1 for r in raw for c in HOURLY if r[c].strip())
    assert store.published_aqi_frame().height == 3397
    # importing the same files again is recognised (SHA-256 and options) and skipped
    n = store.count()
    again = [import_cnemc(cnemc_dir / f, store, register_stations=True) for f in FILES]
    assert [(r.status, r.previous_batch, r.values_written) for r in again] == [("skipped", 1, 0), ("skipped", 2, 0)]
    # forced, it is written again and duplicates nothing
    forced = [import_cnemc(cnemc_dir / f, store, register_stations=True, settings=ImportSettings(force=True))
              for f in FILES]
    assert store.count() == n == sum(r.values_written for r in forced)
    assert sum(r.stations_registered for r in forced) == 0
    assert all(r.errors == [] for r in forced)  # same values: nothing replaced
    assert store.published_aqi_frame().height == 3397
    assert store.batches()["status"].to_list() == ["ok", "ok", "skipped", "skipped", "ok", "ok"]


def test_o3_is_taken_from_o3_24h(store, cnemc_dir):
    """air-aqi.md §8.2a: in the archive format the current 1-h O3 is the column o3_24h."""
    assert HOURLY_COLUMNS == {"so2": "so2", "no2": "no2", "co": "co", "pm10": "pm10", "pm2_5": "pm25", "o3_24h": "o3"}
    import_cnemc(cnemc_dir / "2022-01-02T09.csv", store, register_stations=True, city="北京市")
    # 1001A 万寿西宫 2022-01-02T09: o3 = 69 (running max), o3_24h = 20 (current); co 0.5
    row = store.hourly_frame(["1001A"]).row(0, named=True)
    assert exact.to_fraction(row["o3"]) == 20
    assert exact.to_fraction(row["co"]) == Fraction(1, 2)
    assert row["time"] == datetime(2022, 1, 2, 9)
    import_cnemc(cnemc_dir / "2022-01-02T09.csv", store, register_stations=True, city="大同市")
    aqi = store.published_aqi_frame(["1721A"]).row(0, named=True)
    assert (aqi["aqi"], aqi["primary_pollutant"]) == (56, "颗粒物(PM10)")


HEADER = (
    "timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,pm10_24h,pm2_5,"
    "pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h"
)
GOOD_1721 = "2022-01-02T09:00:00,1721A,113.3819,40.1097,大同市,果树场(对照点),颗粒物(PM10),56,61,59,36,29,77,12,31,11,41,22,11,12,1.1,0.7"
BAD_LINES = [
    GOOD_1721,  # row 2
    "2022-01-02T09:00:00,1723A,113.2994,40.0758,大同市,云冈宾馆,颗粒物(PM10),56,62,48,26,17,70,3,20,4,45,33,19,17,1.9",  # 3: 21 cols
    "2022-01-02T09:00:00,9999A,113.3,40.0,大同市,不存在,,50,50,50,20,20,60,10,20,10,30,20,10,10,0.5,0.5",  # 4: unknown
    "2022-01-02T09:00:00,1723A,113.2994,40.0758,大同市,云冈宾馆,颗粒物(PM10),56,62,48,-5,17,70,3,20,4,45,33,19,17,1.9,1.4",  # 5
    "2022-01-02T09:00:00,1724A,113.3444,40.0917,大同市,大同大学,,48,48,58,21,19,67,15,36,28,31,22,abc,23,0.8,0.6",  # 6
    GOOD_1721,  # 7: identical duplicate of row 2
    "2022-01-02T09:00:00,1725A,113.2661,40.1269,大同市,安家小村,颗粒物(PM10),69,87,75,35,21,80,11,9,8,28,26,32,17,1.9,1.1",  # 8
    "2022-01-02T09:00:00,1725A,113.2661,40.1269,大同市,安家小村,颗粒物(PM10),69,88,75,35,21,80,11,9,8,28,26,32,17,1.9,1.1",  # 9
    "2022-13-01T09:00:00,1726A,113.2711,40.0844,大同市,教育学院,颗粒物(PM10),82,113,85,36,26,67,4,2,2,42,33,31,19,2.5,1.2",  # 10
]
EXPECTED_ERRORS = [
    (3, None, "列数不符：表头 22 列，此行 21 列"),
    (4, "stationcode", "站点编码 9999A 未登记（可先登记站点，或导入时加 --register-stations）"),
    (5, "pm2_5", "浓度为负数（-5），不是有效值"),
    (6, "so2", "数值「abc」不是数字"),
    (7, None, "与第 2 行重复（同一站点同一小时，内容相同），已跳过"),
    (8, None, "站点 1725A 在 2022-01-02 09:00 有多行且内容不同（第 8、9 行），均未导入"),
    (9, None, "站点 1725A 在 2022-01-02 09:00 有多行且内容不同（第 8、9 行），均未导入"),
    (10, "timepoint", "日期不存在：「2022-13-01T09:00:00」"),
]


def _register_datong(store):
    reg = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    reg.register(
        pl.DataFrame(
            {
                "code": ["1721A", "1723A", "1724A", "1725A", "1726A"],
                "name": ["果树场(对照点)", "云冈宾馆", "大同大学", "安家小村", "教育学院"],
                "city_name": ["大同市"] * 5,
            }
        ),
        source="cnemc",
    )


@pytest.mark.parametrize(
    ("codec", "label"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GB18030")]
)
def test_bad_file_exact_errors_good_rows_once(store, tmp_path, codec, label):
    _register_datong(store)
    path = tmp_path / "bad.csv"
    path.write_bytes(("\n".join([HEADER, *BAD_LINES]) + "\n").encode(codec))
    res = import_cnemc(path, store)
    assert res.encoding == label
    assert [(e.row, e.field, e.reason) for e in res.errors] == EXPECTED_ERRORS
    assert all(e.file == "bad.csv" for e in res.errors)
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (9, 3, 6)
    assert res.values_written == 6 + 5 + 5
    wide = store.hourly_frame()
    assert wide["station_code"].to_list() == ["1721A", "1723A", "1724A"]
    r1723 = wide.row(1, named=True)
    assert r1723["pm25"] is None and exact.to_fraction(r1723["pm10"]) == 62
    assert wide.row(2, named=True)["so2"] is None
    # errors are recorded with the batch
    stored = store.errors(res.batch_id)
    assert stored.select("row", "field", "reason").rows() == EXPECTED_ERRORS
    # importing the same file again (forced) duplicates nothing
    again = import_cnemc(path, store, settings=ImportSettings(force=True))
    assert store.count() == 16
    assert [(e.row, e.field, e.reason) for e in again.errors] == EXPECTED_ERRORS


def _datong_lines(cnemc_dir, name="2022-01-02T09.csv"):
    lines = (cnemc_dir / name).read_text(encoding="utf-8").splitlines()
    return lines[0], [x for x in lines[1:] if ",大同市," in x]


def test_rollback_on_failure_mid_publish(store, cnemc_dir, tmp_path, monkeypatch):
    """A database error while the file is being published (after two chunks went in on SQLite):
    every value it replaced is restored, every value and station it added is removed, and the
    user reads a Chinese message without the driver's English."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from qingshan.store.staging import StagedImport

    import_cnemc(cnemc_dir / "2022-01-02T09.csv", store, register_stations=True, city="大同市")
    before = store.long_frame().sort("station_code", "pollutant")
    header, datong = _datong_lines(cnemc_dir)
    # the same Datong hour with every PM2.5 raised by 1, plus 20 Beijing stations never seen
    i = header.split(",").index("pm2_5")
    changed = [",".join(str(int(c) + 1) if k == i and c else c for k, c in enumerate(x.split(","))) for x in datong]
    beijing = (cnemc_dir / "2022-01-02T09.csv").read_text(encoding="utf-8").splitlines()[1:21]
    p = tmp_path / "changed.csv"
    p.write_text("\n".join([header, *changed, *beijing]) + "\n", encoding="utf-8")

    real = StagedImport._publish_chunk
    calls = []

    def failing(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("disk I/O error"))
        return real(self, *a, **k)

    monkeypatch.setattr(StagedImport, "_publish_chunk", failing)
    with pytest.raises(ImportFailed) as info:
        import_cnemc(p, store, register_stations=True, settings=ImportSettings(chunk_values=10))
    assert len(calls) == 3
    message = str(info.value)
    assert message == "写入数据库失败（磁盘已满或读写出错），本文件未导入任何数据，已写入的部分已撤销；请稍后重试，详细错误见日志"
    after = store.long_frame().sort("station_code", "pollutant")
    assert after.drop("batch_id").equals(before.drop("batch_id"))
    assert after["batch_id"].to_list() == before["batch_id"].to_list()
    assert StationRegistry(store.url, auto_migrate=False, engine=store.engine).codes() == {
        x.split(",")[1] for x in datong}
    assert store.batches()["status"].to_list() == ["ok", "failed"]
    assert message in store.errors(info.value.result.batch_id)["reason"].to_list()


def test_interrupted_import_is_rolled_back_by_the_next(migrated_sqlite_url, cnemc_dir, tmp_path, monkeypatch):
    """A process that dies while publishing (SQLite: chunks already committed) leaves its batch
    'publishing'; the next import rolls it back once the heartbeat is stale."""
    from datetime import timedelta

    from qingshan.store.staging import StagedImport, recover_abandoned

    store = ObservationStore(migrated_sqlite_url)
    import_cnemc(cnemc_dir / "2022-01-02T09.csv", store, register_stations=True, city="大同市")
    before = store.long_frame().sort("station_code", "pollutant")
    header, datong = _datong_lines(cnemc_dir)
    i = header.split(",").index("so2")
    p = tmp_path / "changed.csv"
    p.write_text("\n".join([header, *(",".join(str(int(c) + 7) if k == i and c else c for k, c in
                                                 enumerate(x.split(","))) for x in datong)]) + "\n", encoding="utf-8")
    real = StagedImport._publish_chunk
    calls = []

    class Killed(BaseException):
        pass

    def dying(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise Killed  # the process is gone: nothing runs after this
        return real(self, *a, **k)

    monkeypatch.setattr(StagedImport, "_publish_chunk", dying)
    monkeypatch.setattr(StagedImport, "fail", lambda self, *a, **k: None)
    with pytest.raises(Killed):
        import_cnemc(p, store, settings=ImportSettings(chunk_values=10))
    half = store.long_frame().sort("station_code", "pollutant")
    assert not half["value"].equals(before["value"])  # the first chunk is visible
    assert store.batches()["status"].to_list() == ["ok", "publishing"]
    assert recover_abandoned(store) == []  # heartbeat still fresh: maybe alive
    assert recover_abandoned(store, stale_after=timedelta(0)) == [2]
    after = store.long_frame().sort("station_code", "pollutant")
    assert after.drop("batch_id").equals(before.drop("batch_id"))
    assert store.batches()["status"].to_list() == ["ok", "failed"]
    assert "导入进程中断" in store.errors(2)["reason"][0]
    store.close()


def test_not_a_cnemc_file(store, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="表头缺少列"):
        import_cnemc(p, store)
    assert store.count() == 0


def test_city_filter_and_reimport(store, cnemc_dir):
    """Datong subset of both fixtures (FACTS.md §2: 10 stations in winter, 8 in summer)."""
    raw = [r for r in _raw_rows(cnemc_dir) if r["area"] == "大同市"]
    for force in (False, True):  # a forced second round must change nothing
        res = [import_cnemc(cnemc_dir / f, store, register_stations=True, city="大同市",
                            settings=ImportSettings(force=force)) for f in FILES]
        assert [r.rows_read for r in res] == [10, 8]
        assert [r.rows_kept for r in res] == [10, 8]
        assert store.count() == sum(1 for r in raw for c in HOURLY if r[c].strip())
        assert store.published_aqi_frame().height == 18
    reg = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    assert reg.stations_frame("大同市")["code"].to_list() == sorted({r["stationcode"] for r in raw})
    assert store.batches()["status"].to_list() == ["ok"] * 4
    # unforced: recognised by SHA-256 and options, skipped; another city filter is another import
    again = import_cnemc(cnemc_dir / FILES[0], store, register_stations=True, city="大同市")
    assert (again.status, again.previous_batch, again.values_written, again.rows_read) == ("skipped", 3, 0, 10)
    other = import_cnemc(cnemc_dir / FILES[0], store, register_stations=True, city="北京市")
    assert other.status == "ok" and other.rows_read > 0
