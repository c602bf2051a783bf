"""Short soak (issue 7): a normal simulator run while hostile clients from the same address
(one NAT, many loggers) send every poison of issue 7 over and over. Every normal packet is
acknowledged and stored exactly once; the gateway's writer never restarts."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import pytest

from qingshan.hj212.gateway.server import Gateway
from qingshan.hj212.simulator import make_devices, register_devices, run_devices

from hj212.gateway._hostile import LineCounter, beijing_now, data_packet, random_bytes, send, stored_keys


@pytest.mark.slow
def test_normal_run_fully_acknowledged_under_hostile_traffic(db_url):
    # three days back: 1-minute packets at a fast machine's pace must not run into the future
    # (quarantined data is acknowledged but not in the data index this test counts)
    start = (beijing_now() - timedelta(days=3)).replace(second=0, microsecond=0)
    devices = make_devices(20, prefix="5A50", seed=50, hourly_split=True, interval=timedelta(minutes=1), start=start)
    victims = make_devices(2, prefix="5A51", seed=51)
    register_devices(db_url, devices + victims)
    mn = victims[0].mn
    duration = 6.0

    async def hostile(gw: Gateway, stop: asyncio.Event) -> int:
        n = 0
        while not stop.is_set():
            now = beijing_now()
            ago = (now - timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
            future = (now + timedelta(hours=3)).strftime("%Y%m%d%H%M%S")
            qn = f"2026120612{n % 10000:04d}000"
            await asyncio.gather(
                send(gw.port, data_packet(mn, "00000101000000", qn=qn), wait=0.2),
                send(gw.port, data_packet(mn, ago, pw=None, qn=qn), wait=0.2),
                send(gw.port, data_packet(mn, "00260601001030", qn=qn), wait=0.2),
                send(gw.port, data_packet(victims[1].mn, future, qn=qn), wait=0.2),
                send(gw.port, random_bytes(200_000, seed=n), wait=0.2),
                send(gw.port, data_packet(mn, ago, qn=qn)[:150], wait=0.1),
                send(gw.port, data_packet(mn, ago, qn=qn), wait=0.5, chunk=1, pause=0.02),  # slowloris
                _never_reads(gw.port, data_packet(mn, ago, qn=qn) * 300),
            )
            n += 1
        return n

    async def main():
        gw = Gateway(db_url, "127.0.0.1", 0, alarm_interval=1.0, frame_timeout=0.3, write_timeout=0.5,
                     sweep_every=0.1)
        await gw.start()
        stop = asyncio.Event()
        try:
            with LineCounter() as lines:
                bad = asyncio.create_task(hostile(gw, stop))
                res = await run_devices(devices, "127.0.0.1", gw.port, duration=duration, window=2, timeout=3.0,
                                        retries=3)
                stop.set()
                rounds = await bad
                await gw.drain()
            return res, rounds, gw.health(), dict(gw.stats), lines.count
        finally:
            await gw.stop()

    res, rounds, health, stats, lines = asyncio.run(main())
    assert rounds >= 2
    assert res.acked == res.sent > 100 and res.rejected == 0, res.summary()
    stored = stored_keys(db_url)
    assert all(stored[k] == 1 for k in res.acked_keys) and len(set(res.acked_keys)) == len(res.acked_keys)
    assert health["writer"] == "running" and health["writer_restarts"] == 0 and health["dead_letters"] == 0
    assert health["alarm_errors"] == 0 and health["commit_errors"] == 0
    assert lines["ERROR"] == 0
    print(f"soak: {res.summary()}, hostile rounds {rounds}, closed {stats['closed']}, log lines {dict(lines)}")


async def _never_reads(port: int, data: bytes) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        _reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(data)
        await asyncio.sleep(0.6)
        writer.transport.abort()
    except (ConnectionError, OSError):
        sock.close()
