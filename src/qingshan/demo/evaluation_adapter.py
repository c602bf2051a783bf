"""Lay out the evaluation engineer's results (:mod:`qingshan.air.evaluation`) for the demo.

Every statistic, rounding, validity rule, composite index, rank and change rate comes from
:func:`qingshan.air.evaluation.evaluate` / :func:`~qingshan.air.evaluation.evaluate_daily`. The
only arithmetic here is the "变化" column of the city table for the plain concentrations and day
counts: the difference between two *published* figures (percent for concentrations, percentage
points for the good-day ratio, days for day counts), formatted with :mod:`qingshan.exact`; the
composite index change is the ranking rule's own change rate (air-evaluation.md §9).
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from qingshan import exact
from qingshan.demo.calendar import DemoPeriod
from qingshan.demo.report import DemoResult
from qingshan.demo.stations import CITY_CODE, SYNTHETIC_MARK

STAGE_LABEL = {
    "2012": "GB 3095—2012",
    "2026-1": "GB 3095—2026 一阶段",
    "2026-2": "GB 3095—2026 二阶段",
}

# (label, column of the period table, kind of change)
# Labels as the bureau's bulletins write them (CO-95per = 日均值第95百分位, O3-8h-90per =
# 日最大8小时平均第90百分位); short enough for an 80-column terminal.
CITY_ITEMS = (
    ("PM2.5 (µg/m³)", "pm25_pub", "pct"),
    ("PM10 (µg/m³)", "pm10_pub", "pct"),
    ("SO2 (µg/m³)", "so2_pub", "pct"),
    ("NO2 (µg/m³)", "no2_pub", "pct"),
    ("CO-95per (mg/m³)", "co_pub", "pct"),
    ("O3-8h-90per (µg/m³)", "o3_pub", "pct"),
)


def _frac(text) -> Fraction | None:
    if text is None or text == "":
        return None
    return Fraction(str(text))


def _pct_change(cur, last) -> str:
    c, b = _frac(cur), _frac(last)
    if c is None or b is None or b == 0:
        return "—"
    s = exact.fraction_to_str((c - b) * 100 / b, 1)
    return (s if s.startswith("-") else "+" + s) + "%"


def _diff(cur, last, unit: str, decimals: int = 0) -> str:
    c, b = _frac(cur), _frac(last)
    if c is None or b is None:
        return "—"
    s = exact.fraction_to_str(c - b, decimals)
    return (s if s.startswith("-") else "+" + s) + unit


def _signed(pub) -> str:
    """A published change rate (text, %) with its sign."""
    if pub is None or pub == "":
        return "—"
    s = str(pub)
    return (s if s.startswith("-") or Fraction(s) == 0 else "+" + s) + "%"


def _txt(v) -> str:
    return "—" if v is None or v == "" else str(v)


def _one(frame: pl.DataFrame, by: str, code: str) -> dict | None:
    rows = frame.filter(pl.col(by) == code).to_dicts()
    return rows[0] if rows else None


def demo_result(hourly: pl.DataFrame, registry: pl.DataFrame, period: DemoPeriod) -> DemoResult:
    """Evaluate the city (1—N月, with last year's same period) and rank its districts/counties."""
    from qingshan.air import evaluation as ev
    from qingshan.standards import city_series

    days = city_series.StationDays.from_hourly(hourly)  # station daily statistics once, for both groupings
    start, end = period.eval_start, period.eval_end
    city = ev.evaluate(days, registry, start, end, by="city_code", areas=[CITY_CODE])
    county = ev.evaluate(days, registry, start, end, by="county_code")

    cur = _one(city.period, "city_code", CITY_CODE) or {}
    last = None
    if period.has_last_year:
        b0, b1 = ev.same_period_last_year(start, end)
        base = ev.evaluate_daily(city.daily, b0, b1, by="city_code")
        last = _one(base, "city_code", CITY_CODE)
    last = last or {}
    city_rank = _one(city.ranking, "city_code", CITY_CODE) or {}

    rows: list[tuple[str, str, str, str]] = []
    for label, col, _kind in CITY_ITEMS:
        rows.append((label, _txt(cur.get(col)), _txt(last.get(col)), _pct_change(cur.get(col), last.get(col))))
    rows.append(
        (
            "综合指数",
            _txt(cur.get("isum_pub")),
            _txt(last.get("isum_pub")),
            _signed(city_rank.get("change_pub")),
        )
    )
    rows.append(("有效天数", _txt(cur.get("n_valid")), _txt(last.get("n_valid")), _diff(cur.get("n_valid"), last.get("n_valid"), " 天")))
    rows.append(("优良天数", _txt(cur.get("n_good")), _txt(last.get("n_good")), _diff(cur.get("n_good"), last.get("n_good"), " 天")))
    rows.append(
        (
            "优良天数比例 %",
            _txt(cur.get("good_ratio_pub")),
            _txt(last.get("good_ratio_pub")),
            _diff(cur.get("good_ratio_pub"), last.get("good_ratio_pub"), " 百分点", 1),
        )
    )
    rows.append(("重污染天数", _txt(cur.get("n_heavy")), _txt(last.get("n_heavy")), _diff(cur.get("n_heavy"), last.get("n_heavy"), " 天")))
    exceeding = cur.get("exceeding") or []
    rows.append(("超标污染物", "、".join(exceeding) if exceeding else "无", "、".join(last.get("exceeding") or []) or ("无" if last else "—"), ""))
    rows.append(("评价标准", STAGE_LABEL.get(str(cur.get("stage")), str(cur.get("stage"))), STAGE_LABEL.get(str(last.get("stage")), "—") if last else "—", ""))

    ranking = _ranking_table(county.ranking, registry)
    monthly = _monthly(city.daily, period)
    notes = [
        "城市与区县的日均值、O3 日最大8小时、AQI、期间统计、综合指数与排名均按 qingshan.air.evaluation 计算"
        "（GB 3095、HJ 663、HJ 633、环办监测〔2018〕19号）；对照点不参与。",
    ]
    if not period.has_last_year:
        notes.append("演示数据不含上年同期，变化一栏留空。")
    elif last and str(cur.get("stage")) != str(last.get("stage")):
        notes.append(
            f"本期按 {STAGE_LABEL.get(str(cur.get('stage')))}、上年同期按 {STAGE_LABEL.get(str(last.get('stage')))} 评价"
            "（按各期末适用的标准），综合指数的分母不同，同比变化含标准更替的影响。"
        )
    return DemoResult(city_rows=rows, ranking=ranking, monthly=monthly, notes=notes)


def _station_label(registry: pl.DataFrame) -> pl.DataFrame:
    st = registry.filter(~pl.col("is_control"))
    return st.group_by("county_code").agg(
        n=pl.len(),
        n_syn=pl.col("name").str.ends_with(SYNTHETIC_MARK).sum(),
        names=pl.col("name").sort(),
    )


def _ranking_table(ranking: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    labels = {r["county_code"]: r for r in _station_label(registry).iter_rows(named=True)}
    out = []
    for r in ranking.iter_rows(named=True):
        lab = labels.get(r["county_code"], {"n": 0, "n_syn": 0, "names": []})
        stations = f"演示站点 {lab['n_syn']}" if lab["n_syn"] else f"国控 {lab['n']}"
        out.append(
            {
                "rank": r.get("rank"),
                "county_name": r.get("name") or r["county_code"],
                "stations": stations,
                "composite": _txt(r.get("isum_pub")),
                "pm25": _txt(r.get("pm25_pub")),
                "good_ratio": (_txt(r.get("good_ratio_pub")) + "%") if r.get("good_ratio_pub") is not None else "—",
                "change": _signed(r.get("change_pub")),
                # display only (chart bar and its label): the published 2-decimal index, so the
                # chart's label always equals the table's
                "composite_value": float(r["isum_pub"]) if r.get("isum_pub") is not None else None,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "rank": pl.Int64,
            "county_name": pl.Utf8,
            "stations": pl.Utf8,
            "composite": pl.Utf8,
            "pm25": pl.Utf8,
            "good_ratio": pl.Utf8,
            "change": pl.Utf8,
            "composite_value": pl.Float64,
        },
    )


def _monthly(daily: pl.DataFrame, period: DemoPeriod) -> pl.DataFrame:
    """Monthly PM2.5 (this year and last) and good-day ratio of the city, for the chart."""
    from qingshan.air import evaluation as ev

    def month_row(year: int, month: int) -> dict:
        m0, m1 = ev.month_period(year, month)
        if m0 < period.data_start:
            return {}
        row = _one(ev.evaluate_daily(daily, m0, m1, by="city_code"), "city_code", CITY_CODE) or {}
        return row

    rows = []
    for m in range(1, period.month + 1):
        cur = month_row(period.year, m)
        last = month_row(period.year - 1, m)
        rows.append(
            {
                "month": m,
                "pm25": _float(cur.get("pm25_pub")),
                "pm25_last": _float(last.get("pm25_pub")),
                "good_ratio": _float(cur.get("good_ratio_pub")),
            }
        )
    return pl.DataFrame(
        rows, schema={"month": pl.Int64, "pm25": pl.Float64, "pm25_last": pl.Float64, "good_ratio": pl.Float64}
    )


def _float(text) -> float | None:
    # display only (chart): the published text as a float
    return float(text) if text not in (None, "") else None


__all__ = ["demo_result"]
