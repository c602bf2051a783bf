"""Alarms from stored packets: registry limits → gateway writer → evaluate_store → records."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from qingshan.hj212.alarms import evaluate_store, list_alarms
from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.protocol import AuthNeeded, GatewayProtocol
from qingshan.hj212.gateway.writer import BatchWriter
from qingshan.hj212.gateway_cli import alarms as alarms_cmd
from qingshan.hj212.packet import build
from qingshan.sources import registry
from qingshan.store.db import make_engine

MN = "320100000000000000001A01"
T0 = datetime(2026, 11, 2, 0, 0)


def _hour(t: datetime, zs_so2: str, flag: str = "N") -> bytes:
    dt = t.strftime("%Y%m%d%H%M%S")
    o2 = f"9.{t.hour}"
    return build(qn=(t + timedelta(hours=1)).strftime("%Y%m%d%H%M%S") + "001", st="31", cn="2061", pw="123456",
                 mn=MN, flag=5, cp={"DataTime": dt, "a21026": {"Avg": f"2{t.hour}.0", "ZsAvg": zs_so2, "Flag": flag},
                                    "a19001": {"Avg": o2, "Flag": "N"}})


def test_exceedance_and_flag_alarms_from_the_store(db_url, monkeypatch):
    engine = make_engine(db_url)
    with Session(engine) as s:
        ent = registry.add_enterprise(s, "（测试）燃煤电厂", "91350100M000100Y43", "火电", "140215")
        out = registry.add_outlet(s, ent, "DA001", "gas", "1号烟囱")
        registry.add_device(s, MN, "123456", "31", out)
        registry.apply_limit_set(s, out, "ultra_low_2015")  # SO2 35 mg/m³ at 6 % O2
        s.commit()
    series = ["30.1", "36.2", "41.0", "20.0", "20.0", "33.3"]
    flags = ["N", "N", "N", "M", "M", "N"]
    data = b"".join(_hour(T0 + timedelta(hours=i), z, f) for i, (z, f) in enumerate(zip(series, flags)))
    data += _hour(T0 + timedelta(hours=1), "99.9")  # a resend with other values: duplicate, not stored

    proto = GatewayProtocol(Authenticator(registry.load_devices(engine), registry.verify_password))
    proto.receive_data(data)
    events = []
    while evs := proto.events_received():
        for ev in evs:
            if isinstance(ev, AuthNeeded):
                proto.auth.verify(ev.mn, ev.pw)
                proto.auth_done()
            else:
                events.append(ev)
    assert len(events) == 7 and all(e.verdict == "accepted" for e in events)
    writer = BatchWriter(db_url, engine)
    dups = writer.commit([e.archive_item("127.0.0.1:9") for e in events])
    writer.close()
    assert dups == 1 and writer.stored == 6

    n = evaluate_store(engine, T0 - timedelta(days=1), T0 + timedelta(hours=7))
    assert n == 2  # one exceedance episode, one abnormal-flag episode
    rows = list_alarms(engine)
    ex = [r for r in rows if r["kind"] == "exceedance"]
    assert len(ex) == 1
    assert ex[0]["start"] == (T0 + timedelta(hours=1)).isoformat() and ex[0]["end"] == (T0 + timedelta(hours=3)).isoformat()
    assert ex[0]["evidence"]["text"] == ["36.2", "41.0"]  # first stored wins: 99.9 was a duplicate
    assert ex[0]["evidence"]["limit"] == "35" and ex[0]["status"] == "closed" and ex[0]["outlet_id"] is not None
    fl = [r for r in rows if r["kind"] == "abnormal_flag"]
    assert len(fl) == 1 and fl[0]["evidence"]["flag"] == ["M", "M"] and fl[0]["evidence"]["meaning"] == "维护"
    missing = [r for r in rows if r["kind"] == "missing"]
    assert missing == []
    # evaluating again later: the hourly series stopped → an open missing-data alarm
    evaluate_store(engine, T0 - timedelta(days=1), T0 + timedelta(hours=12))
    assert [r["kind"] for r in list_alarms(engine, open_only=True)] == ["missing"]
    # the CLI lists the same records
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", db_url)
    assert [r["kind"] for r in alarms_cmd(open_only=True)] == ["missing"]
    engine.dispose()


def test_writer_isolates_an_item_the_database_refuses(db_url):
    from qingshan.hj212.gateway.writer import ArchiveItem

    engine = make_engine(db_url)
    writer = BatchWriter(db_url, engine)
    good = ArchiveItem(datetime(2026, 11, 29), "127.0.0.1:1", b"##good", "accepted", mn=MN, st="31", cn="2011",
                       qn="1" * 17, flag=5, store=True, datatime=T0, pnum=1, pno=1)
    bad = ArchiveItem(datetime(2026, 11, 29), "127.0.0.1:2", b"##bad", "accepted", mn=MN, st="31", cn=None,
                      qn="2" * 17, flag=5, store=True, datatime=T0, pnum=1, pno=2)  # CN NOT NULL
    assert writer.commit([good, bad]) == 0
    assert not good.failed and bad.failed and bad.verdict == "rejected" and bad.reason.startswith("store_error")
    with engine.connect() as conn:
        from sqlalchemy import text
        rows = conn.execute(text("SELECT verdict, raw FROM hj212_raw_packet ORDER BY id")).all()
        assert [(v, bytes(r)) for v, r in rows] == [("accepted", b"##good"), ("rejected", b"##bad")]
        assert conn.execute(text("SELECT COUNT(*) FROM hj212_data")).scalar() == 1
    writer.close()
    engine.dispose()


def test_process_writer_keeps_the_writer_contract(sqlite_db):
    from qingshan.hj212.gateway.writer import ArchiveItem, ProcessWriter

    def item(pno, cn="2011"):
        return ArchiveItem(datetime(2026, 11, 29), "127.0.0.1:1", b"##%d" % pno, "accepted", mn=MN, st="31", cn=cn,
                           qn="1" * 17, flag=5, store=True, datatime=T0, pnum=1, pno=pno)

    w = ProcessWriter(sqlite_db, id_step=2, id_offset=1)
    w.open()
    try:
        first = [item(1), item(2)]
        assert w.commit(first) == 0 and [it.raw_id for it in first] == [3, 5]  # residue class 1 mod 2
        again = [item(1), item(3, cn=None)]  # a duplicate, and a row the database refuses
        assert w.commit(again) == 1
        assert not again[0].failed and again[1].failed and again[1].reason.startswith("store_error")
        hourly = item(4, cn="2061")  # a statistics packet's values cross the pipe to the values table
        hourly.values = {"a21026": {"Avg": "20.6", "ZsAvg": "24.9", "Flag": "N"}}
        assert w.commit([hourly]) == 0
    finally:
        w.close()
        w.engine.dispose()
    engine = make_engine(sqlite_db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT factor, avg, zs_avg, flag, raw_id FROM hj212_value")).all() == [
            ("a21026", 20_600_000, 24_900_000, "N", hourly.raw_id)]
    engine.dispose()


def _store(engine, db_url, packets: list[bytes]) -> None:
    """Packets through the gateway's protocol object and writer (as the server does)."""
    proto = GatewayProtocol(Authenticator(registry.load_devices(engine), registry.verify_password))
    proto.receive_data(b"".join(packets))
    events = []
    while evs := proto.events_received():
        for ev in evs:
            if isinstance(ev, AuthNeeded):
                proto.auth.verify(ev.mn, ev.pw)
                proto.auth_done()
            else:
                events.append(ev)
    assert all(e.verdict == "accepted" for e in events), [e.reason for e in events]
    writer = BatchWriter(db_url, engine)
    writer.commit([e.archive_item("127.0.0.1:9") for e in events])
    writer.close()


def _pkt(mn: str, t: datetime, cn: str = "2061", **factors) -> bytes:
    return build(qn=t.strftime("%Y%m%d%H%M%S") + "001", st="31", cn=cn, pw="123456", mn=mn, flag=5,
                 cp={"DataTime": t.strftime("%Y%m%d%H%M%S"), **factors})


def test_missing_data_for_every_active_device(db_url):
    # A: sent three hours, then silent; B: registered, never sent; C: silent for longer than
    # the evaluated window; D: inactive, never sent (no alarm). Evaluated with no device
    # having sent anything since the last run — as the gateway's alarm tick does.
    from qingshan.sources.models import Device

    a, b, c, d = (f"3201000000000000000{k}1A01" for k in "ABCD")
    engine = make_engine(db_url)
    with Session(engine) as s:
        for mn in (a, b, c, d):
            registry.add_device(s, mn, "123456", "31")
        s.flush()
        reg_b = datetime(2026, 11, 1, 16, 0)  # UTC = 2026-11-02 00:00 station time
        s.query(Device).filter(Device.mn == b).update({"registered_at": reg_b})
        s.query(Device).filter(Device.mn == d).update({"active": False, "registered_at": reg_b})
        s.commit()
    so2 = {"a21026": {"Avg": "20", "ZsAvg": "25", "Flag": "N"}}
    old = T0 - timedelta(days=10)
    _store(engine, db_url, [_pkt(a, T0 + timedelta(hours=h), **so2) for h in range(3)] + [_pkt(c, old, **so2)])
    now = T0 + timedelta(hours=12)
    evaluate_store(engine, now - timedelta(days=2), now, mns=set())
    rows = [r for r in list_alarms(engine) if r["kind"] == "missing"]
    assert sorted((r["mn"], r["factor"]) for r in rows) == [(a, "2061"), (b, "2061"), (c, "2061")]
    got = {r["mn"]: r for r in rows}
    assert got[a]["start"] == (T0 + timedelta(hours=3)).isoformat() and got[a]["status"] == "open"
    assert got[b]["start"] == T0.isoformat() and got[b]["evidence"]["never_received"] is True
    assert got[c]["start"] == (old + timedelta(hours=1)).isoformat() and got[c]["status"] == "open"
    # C comes back: the same record is closed (its gap is anchored on the packet before the window)
    _store(engine, db_url, [_pkt(c, now - timedelta(hours=1), **so2)])
    evaluate_store(engine, now - timedelta(days=2), now, mns={c})
    rows = [r for r in list_alarms(engine) if r["kind"] == "missing" and r["mn"] == c]
    assert len(rows) == 1 and rows[0]["status"] == "closed"
    assert rows[0]["start"] == (old + timedelta(hours=1)).isoformat()
    assert rows[0]["end"] == (now - timedelta(hours=2)).isoformat()
    engine.dispose()


def test_constant_runs_of_two_series_do_not_collide(sqlite_db):
    # the same factor stuck at one value in hour data (Avg, 2061) and in real-time data (Rtd,
    # 2011) from the same instant: two episodes, two records (key includes field/CN)
    engine = make_engine(sqlite_db)
    with Session(engine) as s:
        registry.add_device(s, MN, "123456", "31")
        s.commit()
    pk = [_pkt(MN, T0 + timedelta(hours=h), a01012={"Avg": "7", "Flag": "N"}) for h in range(6)]
    pk += [_pkt(MN, T0 + timedelta(minutes=m), cn="2011", a01012={"Rtd": "7", "Flag": "N"}) for m in range(6)]
    _store(engine, sqlite_db, pk)
    evaluate_store(engine, T0 - timedelta(days=1), T0 + timedelta(hours=6), realtime_window=timedelta(hours=7))
    const = sorted((r["scope"], r["start"], r["evidence"]["n"]) for r in list_alarms(engine) if r["kind"] == "constant")
    assert const == [("Avg/2061", T0.isoformat(), 6), ("Rtd/2011", T0.isoformat(), 6)]
    engine.dispose()


def test_gateway_tick_raises_missing_for_a_silent_device_and_logs_rejects(sqlite_db, caplog):
    import asyncio
    import logging

    from qingshan.hj212.gateway.server import Gateway
    from qingshan.sources.models import Device

    engine = make_engine(sqlite_db)
    with Session(engine) as s:
        registry.add_device(s, MN, "123456", "31")
        s.flush()
        s.query(Device).update({"registered_at": datetime.utcnow() - timedelta(hours=5)})
        s.commit()
    bad = _pkt(MN, T0)[:-6] + b"0000\r\n"

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=0.2)
        port = await gw.start()
        _r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(bad)
        await w.drain()
        # wait for a few alarm ticks; under load the first may come late (bounded: 15 s)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while loop.time() < deadline and not list_alarms(engine, open_only=True):
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.4)  # and the reject's log line
        w.close()
        await gw.stop()

    with caplog.at_level(logging.WARNING, logger="qingshan.hj212.gateway"):
        asyncio.run(main())
    assert any(r.levelno == logging.WARNING and "crc_mismatch" in r.getMessage() and MN in r.getMessage()
               for r in caplog.records)
    rows = list_alarms(engine, open_only=True)
    assert [(r["kind"], r["mn"], r["factor"]) for r in rows] == [("missing", MN, "2061")]
    engine.dispose()
