"""The demo's evaluation: read the stored synthetic series, build the one air report
(:func:`qingshan.air.report.build_report`), print Rich tables in Chinese, draw the chart.

No evaluation logic lives here: every figure — statistics, rounding, validity, composite index,
ranks and the changes against last year — comes from the report's rows (GB 3095 / HJ 663 /
the 2018 ranking rule, exact arithmetic); this module only chooses the period and lays the
figures out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from fractions import Fraction

from qingshan.air import evaluation as ev
from qingshan.air.report import Report, build_report
from qingshan.core.labels import STAGES
from qingshan.demo import build
from qingshan.demo.calendar import DemoPeriod
from qingshan.demo.stations import CITY_CODE, CITY_NAME, SYNTHETIC_MARK

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
    registry = build.registry_frame(url)
    codes = registry["code"].to_list()
    hourly = build.read_hourly(url, codes, period.eval_start, period.eval_end)
    if period.has_last_year:  # only the same months of last year: reading is the slow part
        last = build.read_hourly(url, codes, period.last_year_start, period.last_year_end)
        hourly = pl.concat([last, hourly])
    return demo_result(hourly, registry, period)


# (label, indicator of the report). Labels as the bureau's bulletins write them (CO-95per =
# 日均值第95百分位, O3-8h-90per = 日最大8小时平均第90百分位); short for an 80-column terminal.
CITY_ITEMS = (
    ("PM2.5 (µg/m³)", "pm25"),
    ("PM10 (µg/m³)", "pm10"),
    ("SO2 (µg/m³)", "so2"),
    ("NO2 (µg/m³)", "no2"),
    ("CO-95per (mg/m³)", "co"),
    ("O3-8h-90per (µg/m³)", "o3"),
    ("综合指数", "isum"),
    ("有效天数", "n_valid"),
    ("优良天数", "n_good"),
    ("优良天数比例 %", "good_ratio"),
    ("重污染天数", "n_heavy"),
)


def _txt(v) -> str:
    return "—" if v is None or v == "" else str(v)


def _change(row: dict) -> str:
    """The report's change with its sign and unit: ``+1.2%``, ``-3 天``, ``+0.5 百分点``; the
    composite index's rule change rate carries no sign when it is 0."""
    c = row["change"]
    if c is None:
        return "—"
    unit = "%" if row["change_unit"] == "%" else f" {row['change_unit']}"
    zero = row["indicator"] == "isum" and Fraction(c) == 0
    return ("" if c.startswith("-") or zero else "+") + c + unit


def demo_result(hourly: pl.DataFrame, registry: pl.DataFrame, period: DemoPeriod) -> DemoResult:
    """Evaluate the city (1—N月, with last year's same period) and rank its districts/counties."""
    rep = build_report(hourly, registry, CITY_CODE, period.eval_start, period.eval_end)
    by_key = {r["indicator"]: r for r in rep.indicators()}
    cur = rep.evaluation.period.filter(pl.col("city_code") == CITY_CODE).to_dicts()
    cur = cur[0] if cur else {}
    last = rep.base_row() if period.has_last_year else None
    rows: list[tuple[str, str, str, str]] = []
    for label, key in CITY_ITEMS:
        r = by_key.get(key)
        if r is None:
            rows.append((label, "—", "—", "—"))
            continue
        rows.append((label, _txt(r["value"]), _txt(r["base"]) if last else "—", _change(r) if last else "—"))
    exceeding = cur.get("exceeding") or []
    rows.append(("超标污染物", "、".join(exceeding) if exceeding else "无",
                 ("、".join(last.get("exceeding") or []) or "无") if last else "—", ""))
    rows.append(("评价标准", STAGES.get(str(cur.get("stage")), str(cur.get("stage"))),
                 STAGES.get(str(last.get("stage")), "—") if last else "—", ""))
    notes = [
        "城市与区县的日均值、O3 日最大8小时、AQI、期间统计、综合指数与排名均按 qingshan.air.report 计算"
        "（GB 3095、HJ 663、HJ 633、环办监测〔2018〕19号）；对照点不参与。",
    ]
    if not period.has_last_year:
        notes.append("演示数据不含上年同期，变化一栏留空。")
    elif last and str(cur.get("stage")) != str(last.get("stage")):
        notes.append(
            f"本期按 {STAGES.get(str(cur.get('stage')))}、上年同期按 {STAGES.get(str(last.get('stage')))} 评价"
            "（按各期末适用的标准），综合指数的分母不同，同比变化含标准更替的影响。"
        )
    ranking = _ranking_table(rep, registry)
    return DemoResult(city_rows=rows, ranking=ranking, monthly=_monthly(rep, period), notes=notes)


def _signed(pub) -> str:
    """A published change rate (text, %) with its sign."""
    if pub is None or pub == "":
        return "—"
    s = str(pub)
    return (s if s.startswith("-") or Fraction(s) == 0 else "+" + s) + "%"


def _ranking_table(rep: Report, registry: pl.DataFrame) -> pl.DataFrame:
    st = registry.filter(~pl.col("is_control"))
    labels = {r["county_code"]: r for r in st.group_by("county_code").agg(
        n=pl.len(), n_syn=pl.col("name").str.ends_with(SYNTHETIC_MARK).sum()).iter_rows(named=True)}
    ranking = rep.county_evaluation.ranking if rep.county_evaluation is not None else pl.DataFrame()
    out = []
    for r in ranking.iter_rows(named=True):
        lab = labels.get(r["county_code"], {"n": 0, "n_syn": 0})
        out.append({
            "rank": r.get("rank"),
            "county_name": r.get("name") or r["county_code"],
            "stations": f"演示站点 {lab['n_syn']}" if lab["n_syn"] else f"国控 {lab['n']}",
            "composite": _txt(r.get("isum_pub")),
            "pm25": _txt(r.get("pm25_pub")),
            "good_ratio": (_txt(r.get("good_ratio_pub")) + "%") if r.get("good_ratio_pub") is not None else "—",
            "change": _signed(r.get("change_pub")),
            # display only (chart bar and its label): the published 2-decimal index, so the
            # chart's label always equals the table's
            "composite_value": float(r["isum_pub"]) if r.get("isum_pub") is not None else None,
        })
    return pl.DataFrame(out, schema={"rank": pl.Int64, "county_name": pl.Utf8, "stations": pl.Utf8,
                                     "composite": pl.Utf8, "pm25": pl.Utf8, "good_ratio": pl.Utf8,
                                     "change": pl.Utf8, "composite_value": pl.Float64})


def _monthly(rep: Report, period: DemoPeriod) -> pl.DataFrame:
    """Monthly PM2.5 (this year and last) and good-day ratio of the city, for the chart."""
    daily = rep.evaluation.daily

    def month_row(year: int, month: int) -> dict:
        m0, m1 = ev.month_period(year, month)
        if m0 < period.data_start:
            return {}
        rows = ev.evaluate_daily(daily, m0, m1).filter(pl.col("city_code") == CITY_CODE).to_dicts()
        return rows[0] if rows else {}

    def num(text) -> float | None:  # display only (chart): the published text as a float
        return float(text) if text not in (None, "") else None

    rows = []
    for m in range(1, period.month + 1):
        cur, last = month_row(period.year, m), month_row(period.year - 1, m)
        rows.append({"month": m, "pm25": num(cur.get("pm25_pub")), "pm25_last": num(last.get("pm25_pub")),
                     "good_ratio": num(cur.get("good_ratio_pub"))})
    return pl.DataFrame(rows, schema={"month": pl.Int64, "pm25": pl.Float64, "pm25_last": pl.Float64,
                                      "good_ratio": pl.Float64})


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
