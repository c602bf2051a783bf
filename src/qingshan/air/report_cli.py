"""``qingshan air report``: a city's period evaluation and the ranking of its counties.

Two layers:

* :func:`build_report` — pure: hourly frame + station registry → the report frames (city
  evaluation, county ranking). Testable without a database.
* :func:`report_command` — the Typer command: reads the observation store and the registry,
  calls :func:`build_report`, prints a Rich table, CSV or JSON. Mounted by the lead as
  ``app.command("report")(report_command)`` in :mod:`qingshan.air.cli`.

Edition: ``--edition`` 2012 | 2026 | 2026-1 | 2026-2 is the user's explicit choice to evaluate
the period **fully** under that edition: limits and S_i of that stage **and** every daily AQI
under the matching HJ 633 edition (``evaluate(stage=X, aqi_edition=edition of X)``). The
command's help and its output header say so. Without ``--edition`` the spec defaults apply
(air-evaluation.md §0, UNCONFIRMED settings): limits of the stage in force at the period end,
each daily AQI under its own day's edition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
import typer

from qingshan import exact
from qingshan.air import evaluation as ev
from qingshan.standards import city_series, gb3095, hj663
from qingshan.standards.editions import LimitStage, edition_of_stage, parse_stage, stage_for_day

ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    # (statistic, label, unit, pollutant, limit averaging). The P98/P95 of SO2, NO2, PM10,
    # PM2.5 are judged against the 24-h limits (air-evaluation.md §6.4,
    # annual_requires_percentile) and shown with their own exceedance multiple.
    ("pm25", "PM2.5 年(期)均值", "µg/m³", "pm25", "annual"),
    ("pm25_p95", "PM2.5 日均值第95百分位数", "µg/m³", "pm25", "daily"),
    ("pm10", "PM10 年(期)均值", "µg/m³", "pm10", "annual"),
    ("pm10_p95", "PM10 日均值第95百分位数", "µg/m³", "pm10", "daily"),
    ("so2", "SO2 年(期)均值", "µg/m³", "so2", "annual"),
    ("so2_p98", "SO2 日均值第98百分位数", "µg/m³", "so2", "daily"),
    ("no2", "NO2 年(期)均值", "µg/m³", "no2", "annual"),
    ("no2_p98", "NO2 日均值第98百分位数", "µg/m³", "no2", "daily"),
    ("co", "CO 日均值第95百分位数", "mg/m³", "co", "daily"),
    ("o3", "O3 日最大8小时第90百分位数", "µg/m³", "o3", "8h"),
)


@dataclass
class Report:
    """The frames of one report; ``city`` has one row per indicator, ``counties`` one per county."""

    city_code: str
    city_name: str
    start: date
    end: date
    stage: str
    city: pl.DataFrame
    counties: pl.DataFrame
    summary: dict = field(default_factory=dict)


def resolve_stage(edition: str | None, end: date) -> LimitStage | None:
    """``--edition``: None → by date; ``2026`` → the GB 3095—2026 stage in force at ``end``."""
    if edition is None or str(edition).strip() == "":
        return None
    e = str(edition).strip()
    if e == "2026":
        s = stage_for_day(end)
        return "2026-1" if s == "2012" else s
    return parse_stage(e)


def _stat_text(v, dec: int) -> str:
    f = exact.to_fraction(v)
    return "" if f is None else exact.fraction_to_str(f, dec)


def build_report(
    hourly: pl.DataFrame,
    stations: pl.DataFrame,
    city: str,
    start: date,
    end: date,
    *,
    edition: str | None = None,
    **settings,
) -> Report:
    """Report frames of ``city`` (name or code) for [start, end], without any database.

    ``hourly`` should also hold the same period of last year for the change rates. ``settings``
    are passed to :func:`qingshan.air.evaluation.evaluate` (all air-evaluation.md §12 settings).
    """
    if end < start:
        raise ValueError(f"结束日期 {end} 早于开始日期 {start}")
    reg = stations.filter((pl.col("city_code") == city) | (pl.col("city_name") == city)) \
        if "city_name" in stations.columns else stations.filter(pl.col("city_code") == city)
    if reg.is_empty():
        raise ValueError(f"站点登记中没有城市 {city}")
    city_code = reg["city_code"].drop_nulls()[0]
    city_name = (reg["city_name"].drop_nulls()[0] if "city_name" in reg.columns and reg["city_name"].drop_nulls().len()
                 else city_code)
    stage = resolve_stage(edition, end)
    # --edition fixes everything, the daily AQIs included; None → the spec defaults (§0)
    aqi_edition = None if stage is None else edition_of_stage(stage)
    settings = {"aqi_edition": aqi_edition} | settings
    codes = reg["code"].cast(pl.Utf8).to_list()
    # one station-day layout serves the city and the county evaluation
    sd = city_series.StationDays.from_hourly(hourly.filter(pl.col("station_code").cast(pl.Utf8).is_in(codes)))
    e = ev.evaluate(sd, reg, start, end, by="city_code", areas=[city_code], stage=stage, **settings)
    lim = gb3095.limits_for(e.stage, 2)
    rows = []
    p = e.period.row(0, named=True) if e.period.height else {}
    for stat, label, unit, pol, avg in ITEMS:
        dec = hj663.decimals_of(stat, settings.get("precision"))
        S = lim[(pol, avg)]
        # each row judges its own statistic (the mean against the annual limit, the P98/P95
        # against the 24-h limit); the pollutant's verdict is in the summary (超标污染物)
        own = p.get(f"{stat}_stat_attained", p.get(f"{stat}_attained"))
        rows.append({
            "indicator": stat,
            "label": label,
            "unit": unit,
            "value": _stat_text(p.get(stat), dec),
            "limit": exact.fraction_to_str(S, dec) if S.denominator == 1 or dec else str(S),
            "attained": own,
            # 超标倍数 only for an exceeded statistic (HJ 663 §6.4: 0 when not exceeded)
            "multiple": p.get(f"{stat}_multiple_pub") if own is False else None,
        })
    days = [
        ("good_ratio", "优良天数比例", "%", p.get("good_ratio_pub")),
        ("n_good", "优良天数", "天", p.get("n_good")),
        ("n_valid", "有效天数", "天", p.get("n_valid")),
        ("n_heavy", "重污染天数", "天", p.get("n_heavy")),
        ("n_polluted", "超标天数", "天", p.get("n_polluted")),
        ("isum", "综合指数", "", p.get("isum_pub")),
    ]
    for key, label, unit, val in days:
        rows.append({"indicator": key, "label": label, "unit": unit,
                     "value": "" if val is None else str(val), "limit": "", "attained": None, "multiple": None})
    city_frame = pl.DataFrame(rows, schema={
        "indicator": pl.Utf8, "label": pl.Utf8, "unit": pl.Utf8, "value": pl.Utf8, "limit": pl.Utf8,
        "attained": pl.Boolean, "multiple": pl.Utf8,
    })
    county_reg = reg.filter(pl.col("county_code").is_not_null())
    if county_reg.is_empty():
        counties = pl.DataFrame(schema={"rank": pl.Int64, "county_code": pl.Utf8, "name": pl.Utf8,
                                        "isum_pub": pl.Utf8, "pm25_pub": pl.Utf8, "good_ratio_pub": pl.Utf8,
                                        "change_pub": pl.Utf8, "improvement_rank": pl.Int64})
    else:
        r = ev.evaluate(sd, county_reg, start, end, by="county_code", stage=stage, **settings).ranking
        cols = ["rank", "county_code", "name", "isum_pub", "pm25_pub", "good_ratio_pub",
                "max_pollutants", "change_pub", "improvement_rank", "deterioration_rank"]
        counties = r.select([c for c in cols if c in r.columns])
        if "max_pollutants" in counties.columns:
            counties = counties.with_columns(pl.col("max_pollutants").list.join("、"))
    summary = {
        "city_code": city_code, "city_name": city_name, "from": start.isoformat(), "to": end.isoformat(),
        "stage": e.stage, "attained": p.get("attained"), "exceeding": p.get("exceeding") or [],
        "edition_mode": "fixed" if stage is not None else "by_date",
        "aqi_edition": settings.get("aqi_edition") or settings.get("straddle_daily_aqi", "own_day"),
        "edition_note": edition_note(stage, settings.get("aqi_edition")),
    }
    return Report(city_code=city_code, city_name=city_name, start=start, end=end, stage=e.stage,
                  city=city_frame, counties=counties, summary=summary)


STAGE_LABEL = {"2012": "GB 3095—2012", "2026-1": "GB 3095—2026 第一阶段（过渡）", "2026-2": "GB 3095—2026 第二阶段"}


def edition_note(stage: str | None, aqi_edition: str | None) -> str:
    """One line for the output header: which edition decided the limits and the daily AQIs."""
    if stage is None:
        return "版本按日期：限值和综合指数分母取期末所处阶段，每日AQI按当日所处版本（HJ 633—2012/2026）计算"
    return (f"按指定版本全部评价：限值和综合指数分母取 {STAGE_LABEL.get(stage, stage)}，"
            f"每日AQI全部按 HJ 633—{aqi_edition or edition_of_stage(stage)} 计算")


def render_table(rep: Report, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"{rep.city_name} 环境空气质量评价 {rep.start} 至 {rep.end}（{STAGE_LABEL.get(rep.stage, rep.stage)}，二级）")
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
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise typer.BadParameter(f"{what} 日期格式应为 YYYY-MM-DD，收到 {text!r}") from None


def report_command(
    city: str = typer.Option(..., "--city", help="城市名称或代码，如 大同市 / 140200"),
    date_from: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD"),
    date_to: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD（含）"),
    edition: str = typer.Option(
        None, "--edition",
        help="标准版本：2012、2026、2026-1、2026-2。指定后全部按该版本评价（限值、综合指数分母和每日AQI）；"
             "默认按日期（限值取期末阶段，每日AQI按当日版本）"),
    format: str = typer.Option("table", "--format", help="输出格式：table、csv、json"),  # noqa: A002
) -> None:
    """城市环境空气质量评价（HJ 663）及其区县综合指数排名。"""
    start, end = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter(f"--format 只能是 table、csv 或 json，收到 {format!r}")
    try:
        resolve_stage(edition, end)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    hourly, stations = ev.load_inputs(start, end, city=city)
    if stations.is_empty():
        typer.echo(f"错误：站点登记中没有城市 {city}（请先用 qingshan stations 登记站点）", err=True)
        raise typer.Exit(1)
    if hourly.is_empty() or hourly.filter(pl.col("time") > datetime.combine(start, datetime.min.time())).is_empty():
        typer.echo(f"错误：{city} 在 {start} 至 {end} 没有小时监测数据", err=True)
        raise typer.Exit(1)
    try:
        rep = build_report(hourly, stations, city, start, end, edition=edition)
    except ValueError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    if format == "json":
        typer.echo(to_json(rep))
    elif format == "csv":
        typer.echo(to_csv(rep))
    else:
        render_table(rep)


__all__ = ["Report", "build_report", "render_table", "report_command", "resolve_stage", "to_csv", "to_json"]
