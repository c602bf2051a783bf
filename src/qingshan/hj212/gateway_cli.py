"""Gateway commands, registered by :mod:`qingshan.hj212.cli` as ``qingshan hj212 serve|simulate|alarms|backfill``.

Plain functions with Typer-friendly defaults. Registry and store come from ``QINGSHAN_HOME`` /
``QINGSHAN_DATABASE_URL`` (:mod:`qingshan.config`); the schema is brought up to date first.
"""

from __future__ import annotations

import asyncio
import json
import logging

import typer

from qingshan.config import database_url


def _ready_url() -> str:
    from qingshan.store.migrate import upgrade

    url = database_url()
    upgrade(url)
    return url


def serve(
    host: str = typer.Option("0.0.0.0", help="监听地址"),
    port: int = typer.Option(9212, help="监听端口（HJ 212 不规定端口）"),
    idle_timeout: float = typer.Option(300.0, help="连接空闲多少秒后关闭"),
    alarm_interval: float = typer.Option(60.0, help="报警规则评估间隔（秒），0 表示不评估"),
    workers: int = typer.Option(1, help="工作进程数（>1 时各进程以 SO_REUSEPORT 共用端口）"),
    writer: str = typer.Option("thread", help="写库方式：thread（本进程的写库线程）或 process（独立写入进程）"),
    strict: bool = typer.Option(False, "--strict",
                                help="所有设备按严格模式校验（任何不符合标准之处即拒收）；默认按设备登记的设置，宽松解析并记录偏差"),
    frame_timeout: float = typer.Option(30.0, help="一帧开始后须在多少秒内收完，否则存档并断开（防慢速攻击）"),
    write_timeout: float = typer.Option(30.0, help="客户端不读取应答超过多少秒即断开"),
    max_connections: int = typer.Option(10_000, help="连接总数上限"),
    max_connections_per_peer: int = typer.Option(1024, help="同一地址的连接数上限（同一站点的数采仪常共用一个 NAT 地址）"),
    max_age_days: float = typer.Option(366.0, help="DataTime 早于接收时间超过多少天即拒收"),
    max_future_hours: float = typer.Option(24.0, help="DataTime 晚于接收时间超过多少小时即拒收"),
    future_tolerance_minutes: float = typer.Option(
        10.0, help="DataTime 晚于接收时间超过多少分钟即隔离（确认但不入库、不参与统计）"),
) -> None:
    """启动 HJ 212 数据接收网关（上位机）：应答仅在数据落库提交之后发出。"""
    from datetime import timedelta

    from qingshan.hj212.gateway.protocol import TimeWindow
    from qingshan.hj212.gateway.server import serve_workers

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    url = _ready_url()
    try:
        window = TimeWindow(max_age=timedelta(days=max_age_days), max_future=timedelta(hours=max_future_hours),
                            future_tolerance=timedelta(minutes=future_tolerance_minutes))
        serve_workers(url, host, port, workers, idle_timeout=idle_timeout, alarm_interval=alarm_interval or None,
                      strict=strict, frame_timeout=frame_timeout, write_timeout=write_timeout,
                      max_connections=max_connections, max_connections_per_peer=max_connections_per_peer,
                      time_window=window,
                      writer_process={"process": True, "thread": False}.get(writer))
    except KeyboardInterrupt:
        pass


def simulate(
    host: str = typer.Option("127.0.0.1", help="网关地址"),
    port: int = typer.Option(9212, help="网关端口"),
    devices: int = typer.Option(10, help="模拟设备数（每台一个 TCP 连接）"),
    rate: float = typer.Option(0.0, help="全部设备合计每秒发送包数；0 表示按应答速度尽快发送"),
    duration: float = typer.Option(10.0, help="持续秒数"),
    register: bool = typer.Option(False, "--register", help="先把模拟设备登记到设备库"),
    window: int = typer.Option(1, help="每台设备未应答包的上限（1 = 数采仪的停等方式）"),
    seed: int = typer.Option(1, help="随机种子"),
) -> dict:
    """运行模拟数采仪（合成数据），最后一行输出 JSON 计数。"""
    from qingshan.hj212.simulator import make_devices, register_devices, run_devices

    devs = make_devices(devices, seed=seed, hourly_split=True)
    if register:
        register_devices(_ready_url(), devs)
    res = asyncio.run(run_devices(devs, host, port, rate=rate, duration=duration, window=window))
    summary = res.summary()
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return summary


def alarms(open_only: bool = typer.Option(False, "--open", help="只列出未关闭的报警")) -> list[dict]:
    """列出报警记录（超标、缺数、异常标记、恒值/零值），JSON 每行一条。"""
    from qingshan.hj212.alarms import list_alarms
    from qingshan.store.db import make_engine

    engine = make_engine(_ready_url())
    try:
        rows = list_alarms(engine, open_only=open_only)
    finally:
        engine.dispose()
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    return rows


def backfill() -> int:
    """把数值表建立之前已入库的分钟、小时、日数据从原始报文存档补入数值表（升级后只需一次；读取数值时也会自动补入）。"""
    from rich.progress import Progress

    from qingshan.hj212.value_store import backfill as run_backfill
    from qingshan.hj212.value_store import pending
    from qingshan.store.db import make_engine

    engine = make_engine(_ready_url())
    try:
        n = pending(engine)
        with Progress() as bar:
            task = bar.add_task("补入数值表（报文）", total=n)
            written = run_backfill(engine, progress=lambda k: bar.advance(task, k))
    finally:
        engine.dispose()
    print(json.dumps({"packets": n, "values": written}, ensure_ascii=False), flush=True)
    return written


def main() -> None:  # python -m qingshan.hj212.gateway_cli serve|simulate|alarms|backfill
    app = typer.Typer(add_completion=False)
    app.command("serve")(serve)
    app.command("simulate")(simulate)
    app.command("alarms")(alarms)
    app.command("backfill")(backfill)
    app()


if __name__ == "__main__":
    main()
