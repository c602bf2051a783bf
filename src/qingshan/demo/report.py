"""The demo's evaluation: read the stored synthetic series, evaluate through :mod:`qingshan.air.evaluation`,
print Rich tables in Chinese, draw the chart.

No evaluation logic lives here: every figure comes from the evaluation engineer's report frames
(GB 3095 / HJ 663 / the 2018 ranking rule, exact arithmetic); this module only chooses the periods
and lays the figures out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from qingshan.demo import build
from qingshan.demo.calendar import DemoPeriod
from qingshan.demo.stations import CITY_NAME, SYNTHETIC_MARK

SYNTHETIC_BANNER = "⚠ 以下数值由合成演示数据计算（source = synthetic-demo），不是大同市的真实空气质量。"
CHART_NOTE = "注：浓度为合成演示数据，非真实监测结果；六县站点为虚构的演示站点（名称以“（演示站点）”结尾）。"


@dataclass
class DemoResult:
    """What the demo prints. Text cells are already formatted as published (rounded per air-evaluation.md §5)."""

    city_rows: list[tuple[str, str, str, str]]  # 指标, 本期, 上年同期, 变化
    ranking: pl.DataFrame  # rank, county_name, stations, composite, pm25, good_ratio, change (text) + composite_value (float, chart)
    monthly: pl.DataFrame  # month, pm25, pm25_last, good_ratio (floats for the chart only)
    notes: list[str] = field(default_factory=list)


def evaluate(url: str, period: DemoPeriod) -> DemoResult:
    """Evaluate 1—N月 (and the same period of last year) from the store."""
    from qingshan.demo import evaluation_adapter

    registry = build.registry_frame(url)
    codes = registry["code"].to_list()
    hourly = build.read_hourly(url, codes, period.eval_start, period.eval_end)
    if period.has_last_year:  # only the same months of last year: reading is the slow part
        last = build.read_hourly(url, codes, period.last_year_start, period.last_year_end)
        hourly = pl.concat([last, hourly])
    return evaluation_adapter.demo_result(hourly, registry, period)


def print_report(console: Console, result: DemoResult, period: DemoPeriod) -> None:
    console.print()
    console.print(f"[bold red]{SYNTHETIC_BANNER}[/bold red]")

    city = Table(title=f"全市评价 — {CITY_NAME} {period.label}（演示数据）", title_style="bold")
    last_label = f"{period.year - 1}年同期"
    for col, justify in (("指标", "left"), (f"{period.label}", "right"), (last_label, "right"), ("变化", "right")):
        city.add_column(col, justify=justify)
    for row in result.city_rows:
        city.add_row(*row)
    console.print(city)

    rank = Table(title=f"区县排名 — {period.label}（演示数据）", caption="按环境空气质量综合指数排名，越小越好", title_style="bold")
    for col, justify in (
        ("排名", "right"),
        ("区县", "left"),
        ("站点数", "left"),
        ("综合指数", "right"),
        ("PM2.5", "right"),
        ("优良率", "right"),
        ("综合指数同比", "right"),
    ):
        rank.add_column(col, justify=justify)
    for r in result.ranking.iter_rows(named=True):
        rank.add_row(
            str(r["rank"]), r["county_name"], r["stations"], r["composite"], r["pm25"], r["good_ratio"], r["change"]
        )
    console.print(rank)
    console.print(
        f"[dim]“演示站点”为虚构的县级站点（名称以“{SYNTHETIC_MARK}”结尾）；“国控”为国控站点数，"
        "对照点不参与全市与区县评价。PM2.5 单位 µg/m³。[/dim]"
    )
    for note in result.notes:
        console.print(f"[dim]{note}[/dim]")


def chart_path(home: Path, period: DemoPeriod) -> Path:
    return home / "demo" / f"datong-{period.year}-1-{period.month}.png"


def write_chart(result: DemoResult, period: DemoPeriod, home: Path) -> tuple[Path, str | None]:
    from qingshan.demo.charts import render

    ranking = result.ranking.select(
        "rank",
        pl.col("county_name").alias("name"),
        pl.col("composite_value").alias("composite"),
        pl.col("stations").str.contains(SYNTHETIC_MARK, literal=True).alias("synthetic"),
    )
    return render(
        result.monthly,
        ranking,
        chart_path(home, period),
        title=f"{CITY_NAME}环境空气质量 {period.label}（演示数据）",
        synthetic_note=CHART_NOTE,
    )
