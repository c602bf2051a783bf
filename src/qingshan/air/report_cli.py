"""``qingshan air report``: a city's period evaluation and the ranking of its counties.

The report itself is :func:`qingshan.air.report.build_report` (the one builder the pages and the
demo call too); this module reads the store (:func:`qingshan.air.queries.load_inputs`) and prints
the report as a Rich table, CSV or JSON.

Edition: ``--edition`` 2012 | 2026 | 2026-1 | 2026-2 is the user's explicit choice to evaluate
the period **fully** under that edition (:func:`qingshan.air.settings.fully_under`): limits and
S_i of that stage **and** every daily AQI under the matching HJ 633 edition. The command's help
and its output header say so. Without ``--edition`` the spec defaults apply (air-evaluation.md
§0, UNCONFIRMED settings): limits of the stage in force at the period end, each daily AQI under
its own day's edition.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import typer

from qingshan.air.queries import load_inputs
from qingshan.air.report import Report, build_report
from qingshan.air.settings import PRESETS, fully_under
from qingshan.core.clock import parse_date
from qingshan.core.labels import STAGES


def render_table(rep: Report, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"{rep.city_name} 环境空气质量评价 {rep.start} 至 {rep.end}（{STAGES.get(rep.stage, rep.stage)}，二级）")
    for c in ("指标", "数值", "单位", "标准限值", "达标", "超标倍数"):
        t.add_column(c)
    for r in rep.city.iter_rows(named=True):
        att = "" if r["attained"] is None else ("是" if r["attained"] else "否")
        t.add_row(r["label"], r["value"] or "—", r["unit"], r["limit"], att, r["multiple"] or "")
    if rep.summary.get("edition_note"):  # header: which edition decided what
        console.print(rep.summary["edition_note"])
    console.print(t)
    ex = "、".join(rep.summary.get("exceeding") or []) or "无"
    att = rep.summary.get("attained")
    console.print(f"综合达标：{'—' if att is None else ('达标' if att else '未达标')}；超标污染物：{ex}")
    k = Table(title=f"{rep.city_name} 区县环境空气质量综合指数排名")
    heads = {"rank": "排名", "county_code": "代码", "name": "区县", "isum_pub": "综合指数", "pm25_pub": "PM2.5",
             "good_ratio_pub": "优良天数比例%", "max_pollutants": "最大指数污染物", "change_pub": "同比变化率%",
             "improvement_rank": "改善排名", "deterioration_rank": "恶化排名"}
    for c in rep.counties.columns:
        k.add_column(heads.get(c, c))
    for r in rep.counties.iter_rows():
        k.add_row(*["—" if v is None else str(v) for v in r])
    console.print(k)


def to_json(rep: Report) -> str:
    return json.dumps(
        {**rep.summary, "city": rep.city.to_dicts(), "counties": rep.counties.to_dicts()},
        ensure_ascii=False, indent=2, default=str,
    )


def to_csv(rep: Report) -> str:
    city = rep.city.with_columns(pl.lit("city").alias("section"))
    return city.write_csv() + "\n" + rep.counties.with_columns(pl.lit("county").alias("section")).write_csv()


def _parse_day(text: str, what: str) -> date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{what}：{exc}，收到 {text!r}") from None


def report_command(
    city: str = typer.Option(..., "--city", help="城市名称或代码，如 大同市 / 140200"),
    date_from: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD"),
    date_to: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD（含）"),
    edition: str = typer.Option(
        None, "--edition",
        help="标准版本：2012、2026、2026-1、2026-2。指定后全部按该版本评价（限值、综合指数分母和每日AQI）；"
             "默认按日期（限值取期末阶段，每日AQI按当日版本）"),
    format: str = typer.Option("table", "--format", help="输出格式：table、csv、json"),  # noqa: A002
    preset: str = typer.Option(
        "default", "--preset",
        help="评价设置预设：default（标准默认设置）、stage2-today（按 GB 3095—2026 第二阶段限值和 HJ 633—2026 评价）"),
) -> None:
    """城市环境空气质量评价（HJ 663）及其区县综合指数排名。"""
    start, end = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter(f"--format 只能是 table、csv 或 json，收到 {format!r}")
    if preset not in PRESETS:
        raise typer.BadParameter(f"--preset 只能是 {'、'.join(PRESETS)}，收到 {preset!r}")
    try:
        settings = fully_under(edition, end, PRESETS[preset])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    hourly, stations = load_inputs(start, end, city=city)
    if stations.is_empty():
        typer.echo(f"错误：站点登记中没有城市 {city}（请先用 qingshan stations 登记站点）", err=True)
        raise typer.Exit(1)
    if hourly.is_empty() or hourly.filter(pl.col("time") > datetime.combine(start, datetime.min.time())).is_empty():
        typer.echo(f"错误：{city} 在 {start} 至 {end} 没有小时监测数据", err=True)
        raise typer.Exit(1)
    try:
        rep = build_report(hourly, stations, city, start, end, settings)
    except ValueError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    if format == "json":
        typer.echo(to_json(rep))
    elif format == "csv":
        typer.echo(to_csv(rep))
    else:
        render_table(rep)


__all__ = ["render_table", "report_command", "to_csv", "to_json"]
