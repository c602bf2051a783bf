"""Web workspace under load: the leadership overview page and an API list endpoint.

Builds a demo site in a temporary folder (the workspace demo ``qingshan.web.seed.seed_demo`` and
``--days`` days of the demo's labelled synthetic air data for Datong's 16 stations, written
through the observation store), serves it with uvicorn in a child process on a loopback
ephemeral port, logs in once, and drives it with ``--clients`` concurrent asyncio clients
(httpx) sharing that session. Each run is bounded by ``--requests`` per endpoint and
``--seconds`` of wall time, whichever comes first.

Two load models:

* ``closed`` (default): every client sends its next request as soon as the previous one is
  answered — the saturation throughput; latency ≈ clients / throughput by Little's law.
* ``open``: every client waits ``--think`` seconds between requests (people reading a page) —
  latency at a realistic offered load of clients / think requests per second.

Run::

    .venv/bin/python bench/web.py [--clients 200] [--requests 2000] [--seconds 60] [--days 60]
                                  [--mode closed|open] [--think 2.0] [--url sqlite:///…]

``--url`` benchmarks an existing database (e.g. the one ``qingshan demo`` built) instead.
Prints requests/s, p50/p95/p99 latency and the error count per endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ENDPOINTS = (
    ("领导总览 GET /overview", "/overview"),
    ("总览评价片段 GET /overview/figures (warm)", "/overview/figures"),
    ("台账列表 API GET /api/ledgers", "/api/ledgers"),
)


def build_site(home: Path, days: int) -> tuple[str, dict[str, str]]:
    from qingshan.demo import build, synthetic
    from qingshan.demo import stations as demo_stations
    from qingshan.store.migrate import upgrade
    from qingshan.web.security import WebSettings
    from qingshan.web.seed import seed_demo

    url = f"sqlite:///{home / 'bench.db'}"
    upgrade(url)
    passwords = seed_demo(url, settings=WebSettings(database_url=url, home=home), migrate=False)
    build.register_stations(url)
    end = date.today() - timedelta(days=1)
    frame = synthetic.generate(demo_stations.demo_stations(), end - timedelta(days=days - 1), end)
    build.write_series(url, frame)
    return url, passwords


def _serve(url: str, home: str, port: int) -> None:
    import logging

    import uvicorn

    from qingshan.web.app import create_app
    from qingshan.web.security import WebSettings

    logging.getLogger("qingshan").setLevel(logging.ERROR)
    # the application's own defaults: its pool and admission limit (qingshan.web.middleware)
    # are sized so that any number of concurrent clients queue instead of deadlocking
    app = create_app(WebSettings(database_url=url, home=Path(home), migrate=False))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, timeout_keep_alive=75)


def _limits() -> str:
    from qingshan.web.security import WebSettings

    s = WebSettings(database_url="sqlite://", home=Path("."))
    return f"default pool {s.db_pool_size}+{s.db_max_overflow}, {s.request_limit} requests admitted at once"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _login(client, username: str, password: str) -> None:
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = await client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                          "next": "/overview"})
    if r.status_code != 303:
        raise RuntimeError(f"login failed: {r.status_code} {r.text[:200]}")


async def _warm(client) -> None:
    """First views start the background evaluation; wait until the figures are cached."""
    for _ in range(600):
        r = await client.get("/overview/figures")
        if "figures-poll" not in r.text:
            return
        await asyncio.sleep(1.0)
    raise RuntimeError("the overview figures were not ready within 10 minutes")


async def _run(base: str, path: str, cookies, clients: int, total: int, seconds: float, mode: str,
               think: float) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=60.0) as client:

        async def worker(i: int) -> None:
            nonlocal errors, sent
            if mode == "open":
                await asyncio.sleep(think * i / clients)  # spread the first requests over one think time
            while sent < total and time.perf_counter() < deadline:
                sent += 1
                t0 = time.perf_counter()
                what = None
                try:
                    r = await client.get(path)
                    if r.status_code != 200:
                        what = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    what = type(exc).__name__
                latencies.append(time.perf_counter() - t0)
                if what:
                    errors += 1
                    kinds[what] = kinds.get(what, 0) + 1
                if mode == "open":
                    await asyncio.sleep(think)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else latencies * 99

    return {"n": len(latencies), "errors": errors, "kinds": kinds, "wall": wall, "rps": len(latencies) / wall,
            "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


async def bench(base: str, passwords: dict[str, str], args) -> list[tuple[str, dict]]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60.0) as c:
        await _login(c, "leader", passwords["leader"])
        await _warm(c)
        cookies = c.cookies
    out = []
    for label, path in ENDPOINTS:
        res = await _run(base, path, cookies, args.clients, args.requests, args.seconds, args.mode, args.think)
        out.append((label, res))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--requests", type=int, default=2000, help="requests per endpoint (upper bound)")
    ap.add_argument("--seconds", type=float, default=60.0, help="wall-time bound per endpoint")
    ap.add_argument("--days", type=int, default=60, help="days of synthetic air data in the built site")
    ap.add_argument("--mode", choices=("closed", "open"), default="closed")
    ap.add_argument("--think", type=float, default=2.0, help="open mode: seconds between a client's requests")
    ap.add_argument("--url", help="benchmark this existing database instead of building one")
    ap.add_argument("--password", default=None, help="with --url: the leader account's password")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="qingshan-bench-web-")
    home = Path(tmp.name)
    t0 = time.perf_counter()
    if args.url:
        from qingshan.web.seed import DEMO_ACCOUNTS

        url = args.url
        passwords = {a[0]: a[4] for a in DEMO_ACCOUNTS}
        if args.password:
            passwords["leader"] = args.password
    else:
        url, passwords = build_site(home, args.days)
    print(f"site: {url} (built in {time.perf_counter() - t0:.1f} s)")
    port = _free_port()
    ctx = mp.get_context("spawn")
    server = ctx.Process(target=_serve, args=(url, str(home), port), daemon=True)
    server.start()
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        base = f"http://127.0.0.1:{port}"
        results = asyncio.run(bench(base, passwords, args))
    finally:
        server.terminate()
        server.join(10)
        tmp.cleanup()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s) visible, one uvicorn worker; "
          f"{_limits()}; {args.clients} clients, mode {args.mode}" + (f", think {args.think} s" if args.mode == "open" else ""))
    print(f"{'endpoint':<44} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, r in results:
        print(f"{label:<44} {r['n']:>8} {r['errors']:>6} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}")
    for label, r in results:
        if r["kinds"]:
            print(f"errors of {label}: " + ", ".join(f"{k} × {n}" for k, n in sorted(r["kinds"].items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
