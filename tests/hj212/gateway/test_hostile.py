"""Issue 7: hostile and broken input against a running gateway. Each test failed on the code
before the fix (see docs/hj212-gateway.md "Hostile input"); after every poison a normal
simulator run on the same gateway (no restart) is acknowledged and stored once, in full."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import pytest
from sqlalchemy import text

from qingshan.hj212.alarms import evaluate_store, list_alarms
from qingshan.hj212.gateway.guard import LogLimiter, RejectQuota
from qingshan.hj212.gateway.server import Gateway
from qingshan.hj212.simulator import make_devices, register_devices, run_devices
from qingshan.store.db import make_engine

from hj212.gateway._hostile import LineCounter, beijing_now, data_packet, random_bytes, scalar, send, stored_keys


async def _normal_run(gw: Gateway, devices, url: str) -> None:
    res = await run_devices(devices, "127.0.0.1", gw.port, max_packets=4, duration=3.0, timeout=3.0, retries=2)
    await gw.drain()
    assert res.acked == res.sent > 0 and res.rejected == 0, res.summary()
    stored = stored_keys(url)
    assert all(stored[k] == 1 for k in res.acked_keys), "every acknowledged packet stored exactly once"


def _reason_count(url: str, like: str, verdict: str = "rejected") -> int:
    return scalar(url, f"SELECT COUNT(*) FROM hj212_raw_packet WHERE verdict = '{verdict}' AND reason LIKE '{like}'")


def test_each_poison_then_a_normal_run_is_fully_acknowledged(db_url):
    runs = [make_devices(3, prefix=f"5B{k:02X}", seed=k) for k in range(8)]
    register_devices(db_url, [d for r in runs for d in r])
    mn = runs[0][0].mn  # a registered device, correct CRC on every poison below
    now = beijing_now()
    ago = (now - timedelta(hours=1)).strftime("%Y%m%d%H%M%S")

    async def main():
        gw = Gateway(db_url, "127.0.0.1", 0, alarm_interval=0.3)
        await gw.start()
        out = {}
        try:
            with LineCounter() as lines:
                # item 1: year 0000 (datetime(0, …) killed the writer task)
                out["year0"] = await send(gw.port, data_packet(mn, "00000101000000"), wait=0.5)
                await _normal_run(gw, runs[1], db_url)
                # item 2: no PW (verify(None) re-queued forever, ~9,500 WARNING lines/s)
                out["no_pw"] = await send(gw.port, data_packet(mn, ago, pw=None), wait=0.5)
                await asyncio.sleep(1.0)  # a loop would show here, after the client left
                out["no_pw_lines"] = sum(lines.count.values())
                await _normal_run(gw, runs[2], db_url)
                # item 3: year 0026 (stored as '26-06-01 …', then every alarm tick failed)
                out["year26"] = await send(gw.port, data_packet(mn, "00260601001030"), wait=0.5)
                # item 3: two hours ahead of the receiving time: flagged, kept out of the index
                future = (now + timedelta(hours=2)).strftime("%Y%m%d%H%M%S")
                out["future"] = await send(gw.port, data_packet(mn, future, qn="20261206120000002"), wait=0.5)
                await _normal_run(gw, runs[3], db_url)
                # item 4: random bytes
                out["garbage"] = await send(gw.port, random_bytes(300_000), wait=1.0)
                await _normal_run(gw, runs[4], db_url)
                # item 12: a partial frame left at disconnect
                await send(gw.port, data_packet(mn, ago)[:120], wait=0.2)
                await asyncio.sleep(0.3)
                await _normal_run(gw, runs[5], db_url)
                await asyncio.sleep(0.7)  # at least one more alarm tick with everything above stored
            out["health"] = gw.health()
            out["lines"] = lines.count
        finally:
            await gw.stop()
        return out

    out = asyncio.run(main())
    health = out["health"]
    assert health["writer"] == "running" and health["writer_restarts"] == 0 and health["dead_letters"] == 0
    assert health["alarm_errors"] == 0
    # item 1: rejected, not answered, archived with its reason
    assert out["year0"] == b"" and _reason_count(db_url, "bad_datatime%") == 1
    # item 2: rejected with a 9011 QnRtn=3 reply, once, and nothing more after the client left
    assert b"CN=9011" in out["no_pw"] and b"QnRtn=3" in out["no_pw"] and b"MN=" + mn.encode() in out["no_pw"]
    assert _reason_count(db_url, "missing_pw%") == 1
    assert out["no_pw_lines"] < 20, out["no_pw_lines"]
    # item 3: year 26 outside the window; the future packet acknowledged, quarantined, not indexed
    assert out["year26"] == b"" and _reason_count(db_url, "datatime_window%") == 1
    assert b"CN=9014" in out["future"]
    assert _reason_count(db_url, "future_datatime%", verdict="quarantine") == 1
    assert scalar(db_url, "SELECT COUNT(*) FROM hj212_data WHERE qn = '20261206120000002'") == 0
    # item 4: the garbage connection was closed; what was archived of it is bounded
    assert out["garbage"] == b""
    assert scalar(db_url, "SELECT SUM(LENGTH(raw)) FROM hj212_raw_packet WHERE reason LIKE 'garbage%'") <= 16 * 1024
    # item 12: the partial frame is in the archive
    assert scalar(db_url, "SELECT COUNT(*) FROM hj212_raw_packet WHERE reason LIKE '%未完成的帧%'") == 1
    assert out["lines"]["ERROR"] == 0


def test_an_unreadable_stored_datatime_never_aborts_an_alarm_tick(sqlite_db):
    """Item 3: a row stored before the fix as '26-06-01 00:10:30' (SQLite text) is skipped;
    the other devices' alarms are still evaluated."""
    start = (beijing_now() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    devs = make_devices(2, prefix="5C00", seed=3, exceed_p=1.0, start=start)  # every value an exceedance
    register_devices(sqlite_db, devs)

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None)
        await gw.start()
        try:
            await _normal_run(gw, devs, sqlite_db)
        finally:
            await gw.stop()

    asyncio.run(main())
    engine = make_engine(sqlite_db)
    with engine.begin() as c:
        c.execute(text("INSERT INTO hj212_raw_packet (id, received_at, peer, verdict, raw) "
                       "VALUES (999999, '2026-12-06 00:00:00.000000', 'x', 'accepted', x'00')"))
        c.execute(text("INSERT INTO hj212_data (raw_id, mn, st, cn, datatime, pnum, pno, flag, received_at) VALUES "
                       f"(999999, '{devs[0].mn}', '31', '2011', '26-06-01 00:10:30', 1, 1, 5, "
                       "'2026-12-06 00:00:00.000000')"))
        c.execute(text("INSERT INTO hj212_raw_packet (id, received_at, peer, verdict, raw) "
                       "VALUES (999998, '2026-12-06 00:00:00.000000', 'x', 'accepted', x'00')"))
        c.execute(text("INSERT INTO hj212_data (raw_id, mn, st, cn, datatime, pnum, pno, flag, received_at) VALUES "
                       f"(999998, '{devs[0].mn}', '31', '2061', '26-06-01 00:00:00', 1, 1, 5, "
                       "'2026-12-06 00:00:00.000000')"))
    now = beijing_now()
    evaluate_store(engine, now - timedelta(days=2), now, [d.mn for d in devs])
    kinds = {(a["kind"], a["mn"]) for a in list_alarms(engine)}
    engine.dispose()
    assert ("exceedance", devs[1].mn) in kinds and ("exceedance", devs[0].mn) in kinds, kinds


def test_random_bytes_bounded_archive_and_log(sqlite_db):
    """Item 4: 20 MB of random bytes over four connections at a time: the archive grows by at
    most the per-peer quota (256 KiB of raw bytes, ≤ 1,024 rows), the log by a few lines."""
    devs = make_devices(4, prefix="5D00", seed=4)
    register_devices(sqlite_db, devs)
    total = 20 * 1024 * 1024

    async def flood(k: int, share: int):
        data = random_bytes(share, seed=k)
        sent = 0
        while sent < share:  # the gateway closes after repeated garbage: reconnect and go on
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
                while sent < share:
                    writer.write(data[sent:sent + 65536])
                    sent += 65536
                    await writer.drain()
                writer.close()
            except (ConnectionError, OSError):
                continue

    async def main():
        nonlocal gw
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None, log_limit=LogLimiter(window=10.0))
        await gw.start()
        try:
            with LineCounter() as lines:
                await asyncio.gather(*(flood(k, total // 4) for k in range(4)))
                await gw.drain()
                gw.sweep()  # the summary line of suppressed log lines
                await _normal_run(gw, devs, sqlite_db)  # same peer address (NAT): not cut off
            return lines.count, gw.health(), dict(gw.stats["closed"]), gw.reject_quota.stats
        finally:
            await gw.stop()

    gw = None
    lines, health, closed, qs = asyncio.run(main())
    raw_bytes = scalar(sqlite_db, "SELECT COALESCE(SUM(LENGTH(raw)), 0) FROM hj212_raw_packet WHERE verdict = 'rejected'")
    rows = scalar(sqlite_db, "SELECT COUNT(*) FROM hj212_raw_packet WHERE verdict = 'rejected'")
    assert raw_bytes <= 256 * 1024 and rows <= 1024, (raw_bytes, rows)
    assert qs.dropped_events > 0  # over the quota: counted, not stored
    print(f"random bytes: offered {total}, read by the gateway {health['bytes_received']}, archived "
          f"{raw_bytes} bytes in {rows} rows, counted only {qs.dropped_bytes} bytes, log {dict(lines)}, "
          f"closed {closed}")
    assert sum(lines.values()) <= 300, lines
    assert closed.get("repeated_rejects", 0) > 0
    assert health["writer"] == "running" and health["dead_letters"] == 0


def test_client_that_never_reads_is_paused_then_closed(sqlite_db):
    """Item 5: replies not drained → reading stops, the write buffer stays bounded, and the
    connection is closed after ``write_timeout``."""
    devs = make_devices(3, prefix="5E00", seed=5)
    register_devices(sqlite_db, devs)
    dev = devs[0]
    dev.interval = timedelta(seconds=1)  # 6000 packets stay in the past
    burst = b"".join(p for _ in range(6000) for p, _k, _q in dev.next_packets())  # ~2 MB, all A=1

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None, write_timeout=1.0, sweep_every=0.2)
        await gw.start()
        peak = 0
        try:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gw.port))
            reader, writer = await asyncio.open_connection(sock=sock)
            writer.transport.set_write_buffer_limits(high=1 << 30)
            await asyncio.sleep(0.05)
            for c in gw.connections:  # small kernel buffers, so the backlog shows within seconds
                c.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            writer.write(burst)  # and never read
            for _ in range(40):
                await asyncio.sleep(0.1)
                for c in list(gw.connections):
                    peak = max(peak, c.transport.get_write_buffer_size())
            closed = dict(gw.stats["closed"])
            writer.transport.abort()
            await _normal_run(gw, devs[1:], sqlite_db)  # the same gateway serves everyone else
        finally:
            await gw.stop()
        return peak, closed

    peak, closed = asyncio.run(main())
    assert closed.get("write_timeout") == 1
    assert peak <= 64 * 1024 + 256 * 120, peak  # high-water mark + at most max_inflight replies


def test_slowloris_and_connection_caps(sqlite_db):
    """Item 6: a frame dribbled one byte at a time is closed at the frame deadline (and
    archived); bytes that never make a packet do not keep a connection open; at the
    per-peer cap a connection that never sent a valid packet makes room for a device."""
    devs = make_devices(2, prefix="5F00", seed=6)
    register_devices(sqlite_db, devs)

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None, frame_timeout=0.6, idle_timeout=1.0,
                     max_connections_per_peer=3, evict_grace=0.0, sweep_every=0.1)
        await gw.start()
        try:
            pkt = data_packet(devs[0].mn, (beijing_now() - timedelta(hours=1)).strftime("%Y%m%d%H%M%S"))
            t0 = asyncio.get_running_loop().time()
            await send(gw.port, pkt, wait=3.0, chunk=1, pause=0.05)  # 0.05 s a byte: 10 s for the frame
            slow = asyncio.get_running_loop().time() - t0
            t0 = asyncio.get_running_loop().time()
            await send(gw.port, b"\r\n" * 200, wait=3.0, chunk=2, pause=0.05)  # blanks: never a packet
            blank = asyncio.get_running_loop().time() - t0
            idle = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(3)]
            await asyncio.sleep(0.05)
            res = await run_devices(devs, "127.0.0.1", gw.port, max_packets=3, duration=2.0, timeout=2.0)
            await gw.drain()
            for _r, w in idle:
                w.close()
            return slow, blank, res, dict(gw.stats["closed"]), gw.stats["connections_evicted"]
        finally:
            await gw.stop()

    slow, blank, res, closed, evicted = asyncio.run(main())
    assert slow < 3.0 and closed.get("frame_timeout") == 1
    assert blank < 3.0 and closed.get("idle", 0) >= 1
    assert res.acked == res.sent > 0 and evicted >= 2
    assert scalar(sqlite_db, "SELECT COUNT(*) FROM hj212_raw_packet WHERE reason LIKE 'frame%' OR "
                             "reason LIKE '%0.6 秒内未完成的帧%'") >= 1


def test_at_the_cap_a_valid_device_is_never_evicted(sqlite_db):
    """Item 6 / NAT: with two devices of one address delivering valid packets at a cap of two,
    a third connection from that address is refused, and the two go on undisturbed."""
    devs = make_devices(2, prefix="5F20", seed=8)
    register_devices(sqlite_db, devs)

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None, max_connections_per_peer=2, evict_grace=0.0)
        await gw.start()
        try:
            run = asyncio.create_task(run_devices(devs, "127.0.0.1", gw.port, duration=1.5, timeout=2.0))
            await asyncio.sleep(0.7)
            third = await send(gw.port, random_bytes(100), wait=0.3)
            res = await run
            await gw.drain()
            return res, third, gw.stats["connections_refused"], gw.stats["connections_evicted"]
        finally:
            await gw.stop()

    res, third, refused, evicted = asyncio.run(main())
    assert third == b"" and refused == 1 and evicted == 0
    assert res.acked == res.sent > 0 and res.reconnects == 0


def test_first_connection_after_restart_with_a_backlog_is_not_reset(sqlite_db):
    """Item 12: a device reconnecting with ~200 KiB of backlog in one burst while its first
    packet is being verified (Argon2id) was reset by the 64 KiB auth-pending limit."""
    devs = make_devices(1, prefix="5F10", seed=7)
    register_devices(sqlite_db, devs)
    packets = [pk for _ in range(600) for pk in devs[0].next_packets()]
    burst = b"".join(p for p, _k, _q in packets)
    assert len(burst) > 150 * 1024

    async def main():
        gw = Gateway(sqlite_db, "127.0.0.1", 0, alarm_interval=None)
        await gw.start()
        try:
            got = await send(gw.port, burst, wait=5.0)
            await gw.drain()
        finally:
            await gw.stop()
        return got

    got = asyncio.run(main())
    assert got.count(b"CN=9014") == len(packets)
    assert len(stored_keys(sqlite_db)) == len(packets)


@pytest.mark.parametrize("quota", [RejectQuota(per_connection=1000, per_peer=3000, total=10_000, min_cost=100,
                                               min_keep=10, clock=lambda: 0.0)])
def test_reject_quota_bounds(quota):
    assert quota.admit("a", 0, 600) == 600  # within every budget
    assert quota.admit("a", 600, 600) == 400  # truncated to the connection's rest
    assert quota.admit("a", 1000, 600) == 0  # connection exhausted: counted only
    assert quota.admit("a", 0, 5000) == 1000  # a new connection of the same peer: its own budget
    assert quota.admit("a", 0, 5000) == 1000  # and another: the peer's rest (3000 - 2000)
    assert quota.admit("a", 0, 10) == 0 and quota.stats.dropped_events == 2  # the peer's budget is spent
    assert quota.admit("b", 0, 50) == 50  # another peer is not affected


def test_an_item_the_writer_fails_on_is_dead_lettered_and_the_writer_goes_on(db_url, monkeypatch):
    """Item 1, whatever the cause: an exception while one item is prepared for the store is
    logged, the item goes to ``hj212_dead_letter`` (not acknowledged), the writer carries on."""
    from qingshan.hj212.gateway.events import PacketEvent

    devs = make_devices(3, prefix="5F30", seed=9)
    register_devices(db_url, devs)
    poison_qn = "20261206120000999"
    original = PacketEvent.archive_item

    def archive_item(self, peer):
        if self.packet is not None and self.packet.qn == poison_qn:
            raise RuntimeError("simulated bug in our own code")
        return original(self, peer)

    monkeypatch.setattr(PacketEvent, "archive_item", archive_item)
    ago = (beijing_now() - timedelta(hours=1)).strftime("%Y%m%d%H%M%S")

    async def main():
        gw = Gateway(db_url, "127.0.0.1", 0, alarm_interval=None)
        await gw.start()
        try:
            with LineCounter() as lines:
                got = await send(gw.port, data_packet(devs[0].mn, ago, qn=poison_qn), wait=0.5)
                await _normal_run(gw, devs, db_url)
            return got, gw.health(), lines.count
        finally:
            await gw.stop()

    got, health, lines = asyncio.run(main())
    assert got == b""  # never acknowledged
    assert health["dead_letters"] == 1 and health["writer"] == "running" and "simulated bug" in health["last_error"]
    assert lines["ERROR"] == 1
    assert scalar(db_url, "SELECT COUNT(*) FROM hj212_dead_letter WHERE stage = 'archive_item' AND "
                          "error LIKE 'RuntimeError: simulated bug%'") == 1
