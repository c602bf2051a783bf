"""The values table ``hj212_value`` on SQLite and PostgreSQL: written by the gateway's writer in
the batch's transaction (first stored value wins, hj212.md §10.5 rules 5 and 7), backfilled from
the archive after the upgrade (earlier packet wins), read back with periods (hj212.md §11)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from qingshan.hj212.gateway.events import ArchiveItem
from qingshan.hj212.gateway.writer import BatchWriter
from qingshan.hj212.packet import build, parse
from qingshan.hj212.queries import read_values
from qingshan.hj212.value_store import pending
from qingshan.sources import registry
from qingshan.store import migrate
from qingshan.store.db import make_engine

GAS = "320100000000000000001A01"
WATER = "320100000000000000002B01"
T = datetime(2024, 3, 15, 14)
# hj212.md §15: P3 (2061 flue gas), P4 (2031 water), P5 + P8 (one water hour in two parts)
P3 = (b"##0594QN=20240315150000001;ST=31;CN=2061;PW=123456;MN=320100000000000000001A01;Flag=5;CP=&&"
      b"DataTime=20240315140000;a00000-Cou=182400.5,a00000-Min=49.8,a00000-Avg=50.7,a00000-Max=51.9,a00000-Flag=N;"
      b"a21026-Cou=3.76,a21026-Min=18.2,a21026-Avg=20.6,a21026-Max=23.1,a21026-ZsAvg=24.9,a21026-Flag=N;"
      b"a21002-Cou=7.11,a21002-Min=35.0,a21002-Avg=39.0,a21002-Max=44.7,a21002-ZsAvg=47.1,a21002-Flag=N;"
      b"a34013-Cou=0.55,a34013-Min=2.6,a34013-Avg=3.0,a34013-Max=3.4,a34013-ZsAvg=3.6,a34013-Flag=N;"
      b"a19001-Avg=9.8,a19001-Flag=N;a01012-Avg=52.3,a01012-Flag=N;a01011-Avg=11.2,a01011-Flag=N;"
      b"a01014-Avg=6.1,a01014-Flag=N&&21C0\r\n")
P4 = (b"##0559QN=20240316000000001;ST=32;CN=2031;PW=123456;MN=320100000000000000002B01;Flag=5;CP=&&"
      b"DataTime=20240315000000;w00000-Cou=1512.0,w00000-Min=12.1,w00000-Avg=17.5,w00000-Max=24.3,w00000-Flag=N;"
      b"w01001-Min=7.1,w01001-Avg=7.4,w01001-Max=7.8,w01001-Flag=N;w01018-Cou=42.3,w01018-Min=22.0,"
      b"w01018-Avg=28.0,w01018-Max=35.6,w01018-Flag=N;w21003-Cou=1.21,w21003-Min=0.45,w21003-Avg=0.80,"
      b"w21003-Max=1.32,w21003-Flag=N;w21011-Cou=0.30,w21011-Min=0.15,w21011-Avg=0.20,w21011-Max=0.28,"
      b"w21011-Flag=N;w21001-Cou=14.4,w21001-Min=7.9,w21001-Avg=9.5,w21001-Max=11.8,w21001-Flag=N&&6D40\r\n")
P5 = (b"##0201QN=20240315150000002;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=1;"
      b"CP=&&DataTime=20240315140000;w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,"
      b"w00000-Flag=N&&CD41\r\n")
P8 = (b"##0201QN=20240315150000003;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=2;"
      b"CP=&&DataTime=20240315140000;w01018-Cou=1.76,w01018-Min=25.1,w01018-Avg=28.0,w01018-Max=31.2,"
      b"w01018-Flag=N&&A141\r\n")
RESEND = build(qn="20240315160000001", st="32", cn="2061", pw="123456", mn=WATER, flag=5,
               cp={"DataTime": "20240315140000", "w00000": {"Avg": "17.6", "Flag": "N"},
                   "w01018": {"Avg": "28.1", "Flag": "N"}})


def item(raw: bytes, *, values: bool = True) -> ArchiveItem:
    """The archive item the gateway makes of an accepted packet (``values`` as its adapter sets them)."""
    p = parse(raw, lenient=True)
    dt = datetime.strptime(p.datatime, "%Y%m%d%H%M%S") if p.datatime else None
    return ArchiveItem(received_at=datetime(2024, 3, 15, 16), peer="test", raw=raw, verdict="accepted", mn=p.mn,
                       st=p.st, cn=p.cn, qn=p.qn, flag=p.flag, store=True, datatime=dt, pnum=p.pnum or 1,
                       pno=p.pno or 1, values=p.values_2017 if values and p.cn in ("2051", "2061", "2031") else None)


def commit(url: str, *items: ArchiveItem) -> None:
    w = BatchWriter(url)
    try:
        w.commit(list(items))
    finally:
        w.close()
        w.engine.dispose()


def rows(url: str, sql: str) -> list[tuple]:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        eng.dispose()


def register(url: str, label: str = "start") -> None:
    eng = make_engine(url)
    try:
        with Session(eng) as s, s.begin():
            e = registry.add_enterprise(s, "测试企业", "91140200MA0E2T001T", "测试", "140213")
            registry.add_device(s, GAS, "123456", "31", registry.add_outlet(s, e, "DA001", "gas", "排放口"),
                                datatime_label=label)
            registry.add_device(s, WATER, "123456", "32", registry.add_outlet(s, e, "DW001", "water", "废水排放口"))
    finally:
        eng.dispose()


def test_writer_stores_each_value_once_first_wins(db_url):
    register(db_url)
    realtime = build(qn="20240315140000001", st="31", cn="2011", pw="123456", mn=GAS, flag=5,
                     cp={"DataTime": "20240315140000", "a21026": {"Rtd": "20", "Flag": "N"}})
    same_key = build(qn="20240315150000001", st="31", cn="2061", pw="123456", mn=GAS, flag=5,  # same index key
                     cp={"DataTime": "20240315140000", "a21026": {"Avg": "99.9", "Flag": "N"}})
    hostile = build(qn="20240315150000009", st="31", cn="2061", pw="123456", mn=GAS, flag=5, check=False,
                    cp={"DataTime": "20240315150000", "a21026": {"Avg": "99999999999999.9", "Flag": "N"},
                        "a21002": {"Avg": "5", "Flag": "Ñ"}})
    commit(db_url, item(P3), item(same_key), item(realtime), item(P5), item(P8))
    commit(db_url, item(RESEND), item(hostile))
    eng = make_engine(db_url)
    try:
        day = read_values(eng, [GAS, WATER], T - timedelta(hours=1), T + timedelta(hours=3))
    finally:
        eng.dispose()
    gas = day.filter((pl.col("mn") == GAS) & (pl.col("period_start") == T))
    assert gas.height == 8  # P3's eight factors, once: the duplicate packet never entered the index
    so2 = gas.filter(pl.col("factor") == "a21026").row(0, named=True)
    assert (so2["avg"], so2["zs_avg"], so2["cou"], so2["flag"]) == (20_600_000, 24_900_000, 3_760_000, "N")
    assert so2["period_end"] == T + timedelta(hours=1)
    # the water hour: P5 and P8 first, the differently split resend stored but its values not
    water = day.filter(pl.col("mn") == WATER).sort("factor")
    assert water.select("factor", "avg").rows() == [("w00000", 17_500_000), ("w01018", 28_000_000)]
    assert len(set(water["raw_id"])) == 2
    assert rows(db_url, "SELECT COUNT(*) FROM hj212_data WHERE mn = '320100000000000000002B01'") == [(3,)]
    # no value of the real-time packet; the hostile packet stored, its unusable texts as NULL
    assert rows(db_url, "SELECT COUNT(*) FROM hj212_value WHERE cn = '2011'") == [(0,)]
    bad = day.filter((pl.col("mn") == GAS) & (pl.col("period_start") == T + timedelta(hours=1))).sort("factor")
    assert bad.select("factor", "avg", "flag").rows() == [("a21002", 5_000_000, None), ("a21026", None, "N")]


def test_backfill_after_the_upgrade_earlier_packet_wins(db_url):
    migrate.downgrade("hj212_0004", db_url)
    register(db_url)
    # stored by the gateway before the values table existed
    commit(db_url, item(P3, values=False), item(P4, values=False), item(P5, values=False), item(P8, values=False))
    migrate.upgrade(db_url)
    eng = make_engine(db_url)
    try:
        assert pending(eng) == 4
        # after the upgrade, before any read: a resend of the P5/P8 hour, split differently
        commit(db_url, item(RESEND))
        hour = read_values(eng, [WATER], T, T + timedelta(hours=1))  # runs the backfill first
        assert pending(eng) == 0
        assert hour.sort("factor").select("factor", "avg").rows() == [("w00000", 17_500_000), ("w01018", 28_000_000)]
        gas = read_values(eng, [GAS], T, T + timedelta(hours=1), factors=["a21026", "a00000"])
        assert gas.sort("factor").select("factor", "avg", "cou").rows() == [
            ("a00000", 50_700_000, 182_400_500_000), ("a21026", 20_600_000, 3_760_000)]
        daily = read_values(eng, [WATER], datetime(2024, 3, 15), datetime(2024, 3, 16), cn="2031")
        assert daily.height == 6 and daily["period_end"].unique().to_list() == [datetime(2024, 3, 16)]
        assert read_values(eng, [WATER], T, T + timedelta(hours=1), factors=[]).is_empty()
    finally:
        eng.dispose()


def test_period_of_a_device_labelling_the_end(sqlite_db):
    # hj212.md §11: datatime_label "end" — DataTime 14:00 is the hour 13:00–14:00
    register(sqlite_db, label="end")
    commit(sqlite_db, item(P3))
    eng = make_engine(sqlite_db)
    try:
        f = read_values(eng, [GAS], T - timedelta(hours=1), T, factors=["a21026"])
        assert f.select("datatime", "period_start", "period_end").rows() == [(T, T - timedelta(hours=1), T)]
        assert read_values(eng, [GAS], T, T + timedelta(hours=1)).is_empty()
        with pytest.raises(ValueError, match="2011"):
            read_values(eng, [GAS], T, T + timedelta(hours=1), cn="2011")
    finally:
        eng.dispose()
