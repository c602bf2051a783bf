"""Benchmark of the HJ 212 codec parser and the gateway end to end (prints figures).

    .venv/bin/python bench/hj212_gateway.py [--devices 1000] [--duration 20] [--window 8]
                                            [--sim-procs 1] [--url postgresql+psycopg://…]

1. Parser: ``qingshan.hj212.parse`` on one core over the §15 example packets (P2, P3, P5).
   Components: CPU µs per packet of each gateway stage (stream decoder, protocol object with
   authentication and reply, archive item, SQLite group commit), one thread, no sockets.
2. Gateway: a gateway subprocess (``python -m qingshan.hj212.gateway_cli serve``) on a fresh
   SQLite file (or ``--url``), ``--devices`` simulated devices on as many TCP connections over
   loopback (``qingshan.hj212.simulator``), each with at most ``--window`` unacknowledged
   packets. Reports acknowledged packets/s over the run, ACK latency (send → 9014) p50/p99,
   the gateway's peak RSS (VmHWM, summed over its worker processes with ``--workers``), and **lost** = acknowledged keys missing from the store
   (must be 0). Simulator and gateway share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

P2 = (b"##0279QN=20240315143000123;ST=22;CN=2011;PW=123456;MN=32010000000000000000A001;Flag=5;CP=&&"
      b"DataTime=20240315143000;a21026-Rtd=9,a21026-Flag=N;a21004-Rtd=38,a21004-Flag=N;a21005-Rtd=0.7,"
      b"a21005-Flag=N;a05024-Rtd=112,a05024-Flag=N;a34002-Rtd=66,a34002-Flag=N;a34004-Rtd=41,a34004-Flag=N&&6FC0\r\n")
P3 = (b"##0594QN=20240315150000001;ST=31;CN=2061;PW=123456;MN=320100000000000000001A01;Flag=5;CP=&&"
      b"DataTime=20240315140000;a00000-Cou=182400.5,a00000-Min=49.8,a00000-Avg=50.7,a00000-Max=51.9,a00000-Flag=N;"
      b"a21026-Cou=3.76,a21026-Min=18.2,a21026-Avg=20.6,a21026-Max=23.1,a21026-ZsAvg=24.9,a21026-Flag=N;"
      b"a21002-Cou=7.11,a21002-Min=35.0,a21002-Avg=39.0,a21002-Max=44.7,a21002-ZsAvg=47.1,a21002-Flag=N;"
      b"a34013-Cou=0.55,a34013-Min=2.6,a34013-Avg=3.0,a34013-Max=3.4,a34013-ZsAvg=3.6,a34013-Flag=N;"
      b"a19001-Avg=9.8,a19001-Flag=N;a01012-Avg=52.3,a01012-Flag=N;a01011-Avg=11.2,a01011-Flag=N;"
      b"a01014-Avg=6.1,a01014-Flag=N&&21C0\r\n")
P5 = (b"##0201QN=20240315150000002;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=1;"
      b"CP=&&DataTime=20240315140000;w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,"
      b"w00000-Flag=N&&CD41\r\n")


def bench_parser(seconds: float = 3.0) -> dict:
    from qingshan.hj212 import parse

    packets = [P2, P3, P5]
    for p in packets:
        parse(p)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(200):
            for p in packets:
                parse(p)
        n += 600
    dt = time.perf_counter() - t0
    return {"parser_packets_per_s": round(n / dt), "mean_bytes": round(sum(map(len, packets)) / len(packets))}


def bench_components(home: str, n_devices: int = 50, rounds: int = 100) -> dict:
    """CPU µs per packet of each gateway stage, single thread, no sockets (simulator packets)."""
    from qingshan.hj212 import parse
    from qingshan.hj212.framing import StreamDecoder
    from qingshan.hj212.gateway.auth import Authenticator
    from qingshan.hj212.gateway.protocol import GatewayProtocol, TimeWindow
    from qingshan.hj212.gateway.writer import BatchWriter
    from qingshan.hj212.simulator import make_devices
    from qingshan.sources.devices import DeviceSettings
    from qingshan.sources.registry import hash_password, verify_password
    from qingshan.store.migrate import upgrade

    url = f"sqlite:///{home}/components.db"
    upgrade(url)
    devs = make_devices(n_devices, seed=3)
    h = hash_password("123456")
    auth = Authenticator({d.mn: DeviceSettings(d.mn, h, d.st, 1, "start", None) for d in devs}, verify_password)
    for d in devs:
        auth.verify(d.mn, "123456")
    pk = [p for _ in range(rounds) for d in devs for p, _k, _q in d.next_packets()]
    n = len(pk)
    out = {"packets": n, "mean_bytes": sum(map(len, pk)) // n}

    def stage(name, fn):
        c = time.process_time()
        r = fn()
        out[name] = round((time.process_time() - c) / n * 1e6, 1)
        return r

    stage("parse_us", lambda: [parse(p) for p in pk])
    dec = StreamDecoder()
    stage("stream_decoder_us", lambda: [dec.feed(p) for p in pk])
    proto = GatewayProtocol(auth, time_window=TimeWindow())  # as the server runs it (DataTime window)

    def run_proto():
        evs = []
        for p in pk:
            proto.receive_data(p)
            evs += proto.events_received()
        return evs

    evs = stage("protocol_us", run_proto)
    items = stage("archive_item_us", lambda: [e.archive_item("127.0.0.1:5555") for e in evs])
    w = BatchWriter(url)
    w.open()
    stage("writer_commit_us", lambda: [w.commit(items[i:i + 2000]) for i in range(0, n, 2000)])
    # hourly statistics packets (CN 2061, the §15 P3 layout: 8 factors): their values also go to
    # the typed values table hj212_value in the same transaction; the same items without values
    # (as before issue 12 phase 2) for comparison
    from datetime import datetime, timedelta

    from qingshan.hj212.packet import build

    t0 = datetime(2026, 11, 1)
    cp = {"a00000": {"Cou": "182400.5", "Min": "49.8", "Avg": "50.7", "Max": "51.9", "Flag": "N"},
          **{f: {"Cou": "3.76", "Min": "18.2", "Avg": "20.6", "Max": "23.1", "ZsAvg": "24.9", "Flag": "N"}
             for f in ("a21026", "a21002", "a34013")},
          **{f: {"Avg": "9.8", "Flag": "N"} for f in ("a19001", "a01012", "a01011", "a01014")}}
    hourly = [build(qn=f"{t0 + timedelta(hours=k):%Y%m%d%H%M%S}{i % 1000:03d}", st="31", cn="2061", pw="123456",
                    mn=d.mn, flag=5, cp={"DataTime": f"{t0 + timedelta(hours=k):%Y%m%d%H%M%S}", **cp})
              for k in range(rounds) for i, d in enumerate(devs)]
    out["hourly_packets"] = len(hourly)

    def hstage(name, fn):
        c = time.process_time()
        r = fn()
        out[name] = round((time.process_time() - c) / len(hourly) * 1e6, 1)
        return r

    def run_hourly():
        evs = []
        for p in hourly:
            proto.receive_data(p)
            evs += proto.events_received()
        return evs

    hevs = hstage("protocol_2061_us", run_hourly)
    hitems = hstage("archive_item_2061_us", lambda: [e.archive_item("127.0.0.1:5555") for e in hevs])
    plain = [e.archive_item("127.0.0.1:5555") for e in hevs]
    for it in plain:
        it.values = None
        it.datatime += timedelta(days=400)  # other keys: not duplicates of the first run
    hstage("writer_commit_2061_us", lambda: [w.commit(hitems[i:i + 2000]) for i in range(0, len(hitems), 2000)])
    hstage("writer_commit_2061_without_values_us",
           lambda: [w.commit(plain[i:i + 2000]) for i in range(0, len(plain), 2000)])
    w.close()
    w.engine.dispose()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sim_worker(args):
    from qingshan.hj212.simulator import make_devices, run_devices

    first, count, n_total, port, duration, window, seed = args
    devs = make_devices(n_total, seed=seed, hourly_split=True)[first:first + count]
    c0 = time.process_time()
    res = asyncio.run(run_devices(devs, "127.0.0.1", port, duration=duration, window=window, timeout=10.0))
    return res.summary(), res.latencies, res.acked_keys, res.resent, time.process_time() - c0


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its threads (/proc/<pid>/stat fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Worker processes of the gateway (and the multiprocessing helper), from /proc."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        out += [int(k) for k in kids]
    return out


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def bench_gateway(url: str, home: str, devices: int, duration: float, window: int, sim_procs: int,
                  workers: int = 1, writer: str = "thread") -> dict:
    from qingshan.hj212.simulator import make_devices, register_devices
    from qingshan.store.db import make_engine
    from qingshan.store.migrate import upgrade

    upgrade(url)
    seed = int(time.time()) % 100000  # fresh MNs' values; keys differ per run only by MN set
    register_devices(url, make_devices(devices, seed=seed))
    port = _free_port()
    env = {**os.environ, "QINGSHAN_DATABASE_URL": url, "QINGSHAN_HOME": home}
    gw = subprocess.Popen([sys.executable, "-m", "qingshan.hj212.gateway_cli", "serve", "--host", "127.0.0.1",
                           "--port", str(port), "--alarm-interval", "0", "--workers", str(workers), "--writer", writer], env=env,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert "监听" in gw.stdout.readline()
    engine = make_engine(url)
    with engine.connect() as c:
        before = c.execute(text("SELECT COUNT(*) FROM hj212_data")).scalar()
    gw_cpu0 = _cpu_seconds(gw.pid) + sum(_cpu_seconds(k) for k in _children(gw.pid))
    try:
        per = -(-devices // sim_procs)
        jobs = [(i * per, min(per, devices - i * per), devices, port, duration, window, seed) for i in range(sim_procs)]
        t0 = time.perf_counter()
        with mp.get_context("spawn").Pool(sim_procs) as pool:
            results = pool.map(_sim_worker, jobs)
        wall = time.perf_counter() - t0
        kids = _children(gw.pid)
        rss = _peak_rss_kib(gw.pid) + sum(_peak_rss_kib(k) for k in kids)
        gw_cpu = _cpu_seconds(gw.pid) + sum(_cpu_seconds(k) for k in kids) - gw_cpu0
    finally:
        gw.send_signal(2)
        tail = gw.communicate(timeout=30)[0]
    stats: dict = {}
    for line in tail.splitlines():  # one line per worker process: add them up
        if "gateway_stats" in line:
            for k, v in json.loads(line)["gateway_stats"].items():
                if isinstance(v, dict):  # counts by reason (e.g. closed connections)
                    stats[k] = {r: stats.get(k, {}).get(r, 0) + n for r, n in v.items()}
                else:
                    stats[k] = max(stats.get(k, 0), v) if k == "max_batch" else stats.get(k, 0) + v
    sent = sum(r[0]["sent"] for r in results)
    acked = sum(r[0]["acked"] for r in results)
    rejected = sum(r[0]["rejected"] for r in results)
    seconds = max(r[0]["seconds"] for r in results)
    lat = sorted(x for r in results for x in r[1])
    keys = {k for r in results for k in r[2]}
    with engine.connect() as c:
        stored = c.execute(text("SELECT COUNT(*) FROM hj212_data")).scalar() - before
    engine.dispose()
    return {
        "devices": devices, "window": window, "sim_procs": sim_procs, "gateway_workers": workers, "writer": writer, "sent": sent, "acked": acked,
        "rejected": rejected, "resent": sum(r[3] for r in results), "seconds": round(seconds, 2),
        "wall_seconds": round(wall, 2),
        "acked_per_s": round(acked / seconds), "ack_latency_p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "ack_latency_p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1),
        "gateway_peak_rss_mib": round(rss / 1024, 1), "stored_new_rows": stored,
        "gateway_cpu_us_per_packet": round(gw_cpu / max(acked, 1) * 1e6, 1),
        "gateway_cpu_share": round(gw_cpu / wall, 2),
        "simulator_cpu_us_per_packet": round(sum(r[4] for r in results) / max(acked, 1) * 1e6, 1),
        "lost": len(keys) - stored if stored <= len(keys) else 0,
        "gateway_stats": stats,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--window", type=int, default=8)
    ap.add_argument("--sim-procs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="gateway worker processes (serve --workers)")
    ap.add_argument("--writer", default="thread", choices=["process", "thread"], help="serve --writer")
    ap.add_argument("--skip-components", action="store_true")
    ap.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--skip-parser", action="store_true")
    a = ap.parse_args()
    out = {}
    if not a.skip_parser:
        out["parser"] = bench_parser()
        print("parser:", json.dumps(out["parser"]), flush=True)
    with tempfile.TemporaryDirectory() as home:
        if not a.skip_components:
            out["components"] = bench_components(home)
            print("components (CPU µs/packet):", json.dumps(out["components"]), flush=True)
        url = a.url or f"sqlite:///{home}/bench.db"
        out["gateway"] = bench_gateway(url, home, a.devices, a.duration, a.window, a.sim_procs, a.workers, a.writer)
    print("gateway:", json.dumps(out["gateway"]), flush=True)


if __name__ == "__main__":
    main()
