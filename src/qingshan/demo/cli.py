"""``qingshan demo``: build the Datong demo, print its 2026年1—N月 evaluation and county ranking.

Steps (each calls the module that owns it):

1. migrate the database (:mod:`qingshan.store.migrate`);
2. register 大同市's divisions, its 10 real CNEMC stations with their districts and 6 labelled
   synthetic county stations (:mod:`qingshan.store.registry`);
3. generate the **synthetic** hourly series (:mod:`qingshan.demo.synthetic`) and write it to the
   observation store (:mod:`qingshan.store.observations`);
4. evaluate 1—N月 of the city and rank its districts/counties (:mod:`qingshan.air.evaluation`),
   print Rich tables and write a chart PNG into ``QINGSHAN_HOME``;
5. every other domain's demo builder (:data:`qingshan.demo.domains.DOMAIN_DEMOS`, the demo hook);
6. register Datong enterprises and run the HJ 212 gateway with the simulator for a few seconds
   (``--with-gateway``), then sync the water demo's automatic station (its device was linked in
   step 5: :func:`qingshan.demo.water.sync_for_demo`), then seed the web workspace and serve it at http://127.0.0.1:8000 until
   Ctrl-C (``--serve``).

The evaluation is always printed before anything long-running starts; ``--no-serve`` makes the
command terminate (CI, tests).
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from qingshan.core.errors import DomainError
from qingshan.demo import build, domains, extras, report
from qingshan.demo import water as water_demo
from qingshan.store.db import make_engine
from qingshan.demo.calendar import demo_period
from qingshan.demo.stations import demo_stations
from qingshan.demo.synthetic import DEFAULT_SEED, SOURCE, generate

_DATE = ["%Y-%m-%d"]


def demo(
    today: Annotated[
        Optional[datetime], typer.Option("--today", formats=_DATE, help="演示日历的“今天”（默认系统日期）")
    ] = None,
    data_from: Annotated[
        Optional[datetime], typer.Option("--from", formats=_DATE, help="合成数据的第一天（默认 2025-01-01）")
    ] = None,
    data_to: Annotated[
        Optional[datetime],
        typer.Option("--to", formats=_DATE, help="合成数据的最后一天（默认“今天”的前一天，最晚 2026-12-31）"),
    ] = None,
    months: Annotated[
        Optional[int], typer.Option("--months", help="评价 1—N 月的 N（默认数据中最后一个完整月）")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="合成数据的随机种子（同一种子，同一数据）")] = DEFAULT_SEED,
    chart: Annotated[bool, typer.Option("--chart/--no-chart", help="在 QINGSHAN_HOME 中生成图表 PNG")] = True,
    with_gateway: Annotated[
        bool,
        typer.Option("--with-gateway/--no-gateway", help="登记大同企业并用模拟器向 HJ 212 网关发送数据几秒钟"),
    ] = True,
    gateway_seconds: Annotated[float, typer.Option("--gateway-seconds", help="模拟器运行秒数")] = 5.0,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="最后启动 Web 工作台（http://127.0.0.1:8000），Ctrl-C 结束")
    ] = True,
    host: Annotated[str, typer.Option("--host", help="Web 工作台监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Web 工作台端口")] = 8000,
    force: Annotated[
        bool, typer.Option("--force", help="数据库中已有非演示的监测数据时仍写入演示数据（不建议）")
    ] = False,
) -> None:
    """构建大同市演示：真实国控站点登记 + 合成的 2025—2026 年逐时数据，打印 1—N 月评价与区县排名。"""
    from qingshan.config import database_url, home_dir

    console = Console()
    try:
        period = demo_period(
            today.date() if today else None,
            data_from.date() if data_from else None,
            data_to.date() if data_to else None,
            months,
        )
    except ValueError as exc:
        console.print(f"[red]错误：{exc}[/red]")
        raise typer.Exit(2) from None

    home = home_dir()
    url = database_url(home)
    console.print(
        Panel.fit(
            f"[bold]大同市（140200）演示[/bold]\n"
            f"数据库：{_safe_url(url)}\n"
            f"站点：10 个国控站点（真实登记信息，来自 CNEMC 发布数据）+ 6 个县级[red]演示站点[/red]（虚构）\n"
            f"浓度：[red]合成演示数据[/red]（source = {SOURCE}），{period.data_start} 至 {period.data_end}，种子 {seed}\n"
            f"评价期：{period.label}",
            title="青山 qingshan demo",
        )
    )

    t_start = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        t = progress.add_task("迁移数据库", total=1)
        build.migrate_database(url)
        progress.update(t, completed=1)

        # Demo data next to real data would fill the real record's gaps with invented values
        # (the store picks one source per station-hour): refuse unless asked to.
        other = build.other_observations(url)
        if other and not force:
            progress.stop()
            console.print(
                f"[red]数据库 {_safe_url(url)} 中已有 {other:,} 个非演示的监测值。演示会登记虚构站点并写入合成数据，"
                "可能混入真实数据的评价。请为演示指定新的数据目录，例如：\n"
                "  QINGSHAN_HOME=/tmp/qingshan-demo qingshan demo\n"
                "（确需写入同一数据库时加 --force。）[/red]"
            )
            raise typer.Exit(2)

        t = progress.add_task("登记区县与站点", total=1)
        reg = build.register_stations(url)
        progress.update(t, completed=1, description=f"登记区县与站点（{reg.real} 个国控 + {reg.synthetic} 个演示）")

        t = progress.add_task("生成合成逐时数据", total=1)
        series = generate(demo_stations(), period.data_start, period.data_end, seed=seed)
        progress.update(t, completed=1, description=f"生成合成逐时数据（{series.height:,} 站点·小时）")

        chunks = build.month_chunks(series)
        t = progress.add_task("写入观测库", total=len(chunks))

        def _advance(month: str, n: int) -> None:
            progress.update(t, advance=1, description=f"写入观测库（{month}，{n:,} 个值）")

        written = build.write_series(url, chunks, on_chunk=_advance)
        progress.update(t, description=f"写入观测库（共 {written:,} 个值）")
        stale = build.stored_count(url) - written

        t = progress.add_task(f"计算 {period.label} 评价与排名", total=1)
        result = report.evaluate(url, period)
        progress.update(t, completed=1)

    if stale > 0:
        # Upserts replace values of the same station-hour; values this run did not produce (another
        # seed's extra hours, another period) stay and may enter the evaluation.
        console.print(
            f"[yellow]注意：观测库中还有 {stale:,} 个此前写入的演示值（其他种子或时段）。"
            "如需与本次参数完全一致的演示，请换用新的 QINGSHAN_HOME。[/yellow]"
        )
    report.print_report(console, result, period)
    if chart:
        try:
            png, font = report.write_chart(result, period, Path(home))
            console.print(f"图表：{png}" + ("" if font else "（未找到中文字体，图中文字可能无法显示；请安装 fonts-noto-cjk）"))
        except OSError as exc:  # a chart that cannot be written must not hide the printed evaluation
            console.print(f"[yellow]图表未生成：{exc}[/yellow]")
    console.print(f"用时 {time.perf_counter() - t_start:.1f} 秒。")

    engine = make_engine(url)
    try:
        domains.run(console, engine)
    finally:
        engine.dispose()
    if with_gateway:
        since = water_demo.simulated_since()
        _run_gateway(console, url, gateway_seconds)
        _sync_water_station(console, url, since)
    if serve:
        _serve(console, url, host, port)


def _safe_url(url: str) -> str:
    """The database URL without its password (server mode URLs may carry one)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（无法解析的数据库地址）"


def _run_gateway(console: Console, url: str, seconds: float) -> None:
    try:
        summary = extras.register_enterprises(url)
        console.print(summary)
        console.print(extras.run_gateway_with_simulator(url, seconds))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:  # the gateway did not start or answer
        console.print(f"[yellow]HJ 212 网关演示未完成：{exc}[/yellow]")


def _sync_water_station(console: Console, url: str, since: datetime) -> None:
    """The water demo's automatic station: its values the gateway just stored → water observations."""
    engine = make_engine(url)
    try:
        console.print(water_demo.sync_for_demo(engine, since), soft_wrap=True)
    except DomainError as exc:  # the sync refused or its batch failed: say so, the demo goes on
        console.print(f"[yellow]自动站（演示）同步未完成：{exc.message}[/yellow]")
    finally:
        engine.dispose()


def _serve(console: Console, url: str, host: str, port: int) -> None:
    accounts = extras.seed_web(url)
    console.print(extras.accounts_table(accounts))
    console.print(f"Web 工作台：http://{host}:{port} （Ctrl-C 结束）")
    extras.serve_web(host, port)


__all__ = ["demo"]
