"""Gateway end to end over loopback: hundreds of concurrent connections, every ACK durable,
duplicates stored once, split parts kept, rejects archived with their reason; and kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from qingshan.hj212.gateway.server import Gateway
from qingshan.hj212.packet import parse
from qingshan.hj212.simulator import SimDevice, make_devices, register_devices, run_devices
from qingshan.hj212.values import value_rows
from qingshan.store.db import make_engine

from hj212.gateway._hostile import beijing_now


def _stored_keys(url: str) -> Counter:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mn, cn, datatime, pnum, pno FROM hj212_data")).all()
    engine.dispose()
    def stamp(dt) -> str:  # SQLite returns the stored text, PostgreSQL a datetime
        return dt[:19].translate(str.maketrans("", "", "-: ")) if isinstance(dt, str) else dt.strftime("%Y%m%d%H%M%S")

    return Counter((mn, cn, stamp(dt), pnum, pno) for mn, cn, dt, pnum, pno in rows)


def _values_match_index(url: str) -> int:
    """The values table holds exactly the factors of the stored statistics packets, as the codec
    reads them from the raw archive, each value once, committed with its packet (no index row of
    CN 2061 without its values, no value row without its index row). Returns the value rows."""
    engine = make_engine(url)
    with engine.connect() as conn:
        packets = conn.execute(text("SELECT d.raw_id, r.raw FROM hj212_data d JOIN hj212_raw_packet r ON r.id = d.raw_id "
                                    "WHERE d.cn = '2061'")).all()
        stored = conn.execute(text("SELECT raw_id, factor, avg, zs_avg, flag FROM hj212_value WHERE cn = '2061'")).all()
    engine.dispose()
    expected = {(rid, r[0], r[3], r[6], r[8]) for rid, raw in packets
                for r in value_rows(parse(bytes(raw), lenient=True).values_2017)}
    assert Counter((rid, f, a, z, fl) for rid, f, a, z, fl in stored) == Counter(expected)
    return len(stored)


def _scalar(url: str, sql: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        v = conn.execute(text(sql)).scalar()
    engine.dispose()
    return v


@pytest.mark.slow
def test_concurrent_devices_every_ack_stored_once(db_url):
    # first packet at 01:05: every device's first upload also crosses an hour → a split 2061 upload;
    # 30 days back: inside the gateway's DataTime window (366 days) on any date the suite runs
    start = (beijing_now() - timedelta(days=30)).replace(hour=0, minute=55, second=0, microsecond=0)
    devices = make_devices(300, seed=11, hourly_split=True, interval=timedelta(minutes=10), start=start)
    register_devices(db_url, devices)
    intruder = SimDevice(mn="FFFF00000000000000000001", seed=5)  # not registered
    liar = SimDevice(mn=devices[0].mn, pw="999999", seed=6, start=devices[0].start + timedelta(days=20))

    async def main():
        gw = Gateway(db_url, "127.0.0.1", 0, alarm_interval=None)
        port = await gw.start()
        try:
            res = await run_devices(devices, "127.0.0.1", port, duration=2.5, window=2, dup_p=0.05)
            bad = await run_devices([intruder, liar], "127.0.0.1", port, max_packets=2, duration=0.5, timeout=0.3,
                                    retries=0)
            await gw.drain()
        finally:
            await gw.stop()
        return res, bad, gw.stats

    res, bad, stats = asyncio.run(main())
    assert res.acked == res.sent > 300 and res.rejected == 0
    stored = _stored_keys(db_url)
    assert max(stored.values()) == 1
    assert set(res.acked_keys) <= set(stored)  # every acknowledged packet is in the store
    assert len(stored) == len(set(res.acked_keys))
    # duplicates (resends of acknowledged packets) were answered and archived, not stored twice
    assert stats["duplicates"] > 0
    assert _scalar(db_url, "SELECT COUNT(*) FROM hj212_raw_packet WHERE verdict = 'accepted'") == (
        len(stored) + stats["duplicates"])
    # split hourly uploads: both parts of one (MN, CN, DataTime) are kept (hj212.md §10.4/§10.5)
    parts = Counter((k[0], k[2]) for k in stored if k[1] == "2061")
    assert len(parts) >= 300 and set(parts.values()) == {2}
    # ... and their factors are in the values table, once each, as the codec reads them
    assert _values_match_index(db_url) >= 2 * 300
    # rejects: never acknowledged, archived with the reason
    assert bad.acked == 0 and bad.rejected == bad.sent == 4
    reasons = _scalar(db_url, "SELECT COUNT(*) FROM hj212_raw_packet WHERE verdict = 'rejected' AND "
                              "(reason LIKE 'unknown_mn%' OR reason LIKE 'bad_pw%')")
    assert reasons == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gateway(url: str, port: int, home, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "QINGSHAN_DATABASE_URL": url, "QINGSHAN_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "qingshan.hj212.gateway_cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--alarm-interval", "0", "--workers", str(workers)], env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    assert "监听" in line, line + (proc.stdout.read() if proc.poll() is not None else "")
    return proc


@pytest.mark.slow
def test_acknowledged_packets_survive_kill_9(db_url, tmp_path):
    """First run: two worker processes on one port (SO_REUSEPORT, disjoint raw ids); kill -9 of
    the gateway takes its worker down too (PR_SET_PDEATHSIG); the restart is one process."""
    # Ten days back: a fast machine sends a few hundred packets per device in the 4 s, each 10 minutes
    # of data ahead; from one day back that reached the future and the gateway quarantined it
    # (acknowledged, not in the data index), which this test counted as lost.
    start = (beijing_now() - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    devices = make_devices(150, seed=21, hourly_split=True, interval=timedelta(minutes=10), start=start)
    register_devices(db_url, devices)
    port = _free_port()
    proc = _start_gateway(db_url, port, tmp_path, workers=2)
    procs = [proc]
    try:
        async def main():
            load = asyncio.create_task(run_devices(devices, "127.0.0.1", port, duration=4.0, window=4, timeout=2.0,
                                                   retries=10))
            await asyncio.sleep(1.5)
            os.kill(proc.pid, signal.SIGKILL)  # mid-load, no chance to flush anything
            await asyncio.to_thread(proc.wait)
            await asyncio.sleep(0.3)
            procs.append(await asyncio.to_thread(_start_gateway, db_url, port, tmp_path))
            return await load

        res = asyncio.run(main())
    finally:
        logs = []
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                logs.append(p.communicate(timeout=15)[0])
            except subprocess.TimeoutExpired:
                p.kill()
                logs.append(p.communicate()[0])
    assert proc.returncode == -signal.SIGKILL
    assert res.reconnects > 0 and res.acked > 0, "\n".join(logs)[-3000:]
    stored = _stored_keys(db_url)
    assert max(stored.values()) == 1  # exactly once, despite the resends after the crash
    missing = set(res.acked_keys) - set(stored)
    assert not missing, f"{len(missing)} acknowledged packets lost, e.g. {sorted(missing)[:3]}"
    assert _values_match_index(db_url) > 0  # values committed with their packets, crash or not


def test_device_registered_while_running_is_accepted_and_idle_connection_closed(db_url):
    devices = make_devices(3, seed=31)

    async def main():
        gw = Gateway(db_url, "127.0.0.1", 0, alarm_interval=None, idle_timeout=0.6)
        port = await gw.start()
        try:
            gw.auth._last_reload -= 10  # the start-up load is not recent any more
            await asyncio.to_thread(register_devices, db_url, devices)
            res = await run_devices(devices, "127.0.0.1", port, max_packets=2, duration=1.0, timeout=3.0, retries=0)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            t0 = time.monotonic()
            eof = await asyncio.wait_for(reader.read(), timeout=10)  # the sweeper closes it
            idle = time.monotonic() - t0
            writer.close()
        finally:
            await gw.stop()
        return res, eof, idle

    res, eof, idle = asyncio.run(main())
    assert res.acked == res.sent == 6 and res.rejected == 0
    assert eof == b"" and 0.5 < idle < 5
