"""Optional demo steps that call other domains' modules when they are installed.

* HJ 212: register a few Datong enterprises (real names from FACTS.md §6; their credit codes,
  outlets and devices are invented and say so), start the gateway
  (``qingshan hj212 serve``) as a child process on a free loopback port, feed it with the
  simulator (``qingshan hj212 simulate --register``) for a few seconds, stop it.
* Web: seed the workspace (``qingshan.web.seed.seed_demo``) and serve it
  (``qingshan.web.cli.serve``).

Each step imports the module that owns it directly: a broken import is an error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

from rich.table import Table


# --- HJ 212 ---------------------------------------------------------------------------------

#: Datong enterprises for the demo. Names, counties and plant facts are from FACTS.md §6 ([S66]–[S70]);
#: the 统一社会信用代码 (built with a valid GB 32100 check character), outlets and devices are
#: INVENTED for the demo, which the industry field says.
DEMO_ENTERPRISES = (
    # (name, county code, industry, invented USCC body of 17 characters)
    ("国电电力大同湖东发电有限公司", "140215", "火力发电（2×1000MW 超超临界）", "91140200MA0DT0001"),
    ("国电电力大同发电有限责任公司", None, "火力发电", "91140200MA0DT0002"),
    ("国电电力大同第二发电厂", None, "火力发电（一期 6×200MW，拟关停替代）", "91140200MA0DT0003"),
)
DEMO_LABEL = "（演示：信用代码、排放口与监测设备为虚构）"


def register_enterprises(url: str) -> str:
    """Register :data:`DEMO_ENTERPRISES` with one flue-gas outlet each under the ultra-low-emission limits."""
    from qingshan.sources import registry as src
    from qingshan.sources.uscc import check_char
    from qingshan.store.db import session_factory

    n = 0
    Session = session_factory(url)
    with Session() as session, session.begin():
        for name, county, industry, body in DEMO_ENTERPRISES:
            ent = src.add_enterprise(session, name, body + check_char(body), industry + DEMO_LABEL, county)
            outlet = src.add_outlet(session, ent, "DA001", "gas", "1号机组烟囱（演示）")
            try:
                src.apply_limit_set(session, outlet, "ultra_low_2015")
            except KeyError:  # a limit set not shipped: the demo outlet goes without limits
                pass
            n += 1
    return f"已登记大同市 {n} 家重点排污企业（企业名称真实；信用代码、排放口、设备为演示虚构）。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def run_gateway_with_simulator(url: str, seconds: float = 5.0, devices: int = 20) -> str:
    """Gateway as a child process on a free port, simulator for ``seconds``, then stop the gateway."""
    from qingshan.hj212.simulator import make_devices, register_devices

    # The gateway reads the device registry when it starts: register the simulator's devices first
    # (the same devices `simulate` builds: its default seed, hourly split packets).
    register_devices(url, make_devices(devices, seed=1, hourly_split=True))
    port = _free_port()
    env = dict(os.environ, QINGSHAN_DATABASE_URL=url)
    cli = [sys.executable, "-m", "qingshan.cli", "hj212"]
    gw = subprocess.Popen(
        cli + ["serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if not _wait_port(port, 20):
            raise RuntimeError(f"HJ 212 网关未能在端口 {port} 启动：{(gw.stderr.read() if gw.poll() is not None else '')[-300:]}")
        sim = subprocess.run(
            cli
            + [
                "simulate",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--devices",
                str(devices),
                "--duration",
                str(seconds),
                "--register",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
        lines = [ln for ln in sim.stdout.strip().splitlines() if ln.strip()]
        try:
            counts = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            raise RuntimeError(f"模拟器输出无法解析：{(sim.stderr or sim.stdout)[-300:]}") from None
        return (
            f"HJ 212 网关（127.0.0.1:{port}）+ 模拟器 {devices} 台设备 {seconds:g} 秒："
            f"发送 {counts.get('sent')}，确认 {counts.get('acked')}，拒收 {counts.get('rejected')}。"
        )
    finally:
        if gw.poll() is None:
            gw.send_signal(signal.SIGINT)
            try:
                gw.wait(10)
            except subprocess.TimeoutExpired:
                gw.kill()
                gw.wait(5)


# --- Web workspace ---------------------------------------------------------------------------


def seed_web(url: str) -> list[dict]:
    """Seed the workspace; returns the demo accounts (username, password and, when known, who they are)."""
    from qingshan.web.seed import DEMO_ACCOUNTS, seed_demo

    accounts = seed_demo(url)
    who = {a[0]: a[1] for a in DEMO_ACCOUNTS}  # username → display name
    return [{"username": u, "password": p, "role": who.get(u, "")} for u, p in accounts.items()]


def accounts_table(accounts: list[dict]) -> Table:
    """Demo accounts (``username, password, role``) as a table."""
    table = Table(title="演示账号（仅用于本机演示）")
    for col in ("用户名", "密码", "身份"):
        table.add_column(col)
    for a in accounts:
        table.add_row(a["username"], a["password"], a.get("role") or "")
    return table


def serve_web(host: str, port: int) -> None:
    from qingshan.web.cli import serve

    serve(host=host, port=port)
