"""The one air-quality report: a city's period evaluation (with the same period last year) and
the ranking of its counties, as data. The CLI (``qingshan air report``), the pages, the API and
the demo all call :func:`build_report` and only lay its rows out.

What each figure is (air-evaluation.md): the statistics, attainment, multiples, day counts and
the composite index come from :func:`qingshan.air.evaluation.evaluate` (GB 3095, HJ 663, HJ 633,
环办监测〔2018〕19号), published half-even once. The only arithmetic here is the comparison with
the same period last year, between two *published* figures, done in one place
(:func:`change_rate`, :func:`difference`), except the composite index whose change is the
ranking rule's own change rate (§9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal

import polars as pl

from qingshan import exact
from qingshan.air import evaluation as ev
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.core.labels import STAGES
from qingshan.standards import city_series, gb3095, hj663
from qingshan.standards.editions import edition_of_stage

ChangeKind = Literal["percent", "points", "days", "rule"]


@dataclass(frozen=True)
class Indicator:
    """One row of the report: a statistic (judged against a limit) or a day count/ratio/index."""

    key: str
    label: str
    unit: str
    change: ChangeKind
    pollutant: str | None = None  # statistics only: the pollutant and the limit's averaging time
    averaging: str | None = None


#: The report's rows, in order. The P98/P95 of SO2, NO2, PM10, PM2.5 are judged against the
#: 24-h limits (air-evaluation.md §6.4, ``annual_requires_percentile``) with their own multiple.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("pm25", "PM2.5 年(期)均值", "µg/m³", "percent", "pm25", "annual"),
    Indicator("pm25_p95", "PM2.5 日均值第95百分位数", "µg/m³", "percent", "pm25", "daily"),
    Indicator("pm10", "PM10 年(期)均值", "µg/m³", "percent", "pm10", "annual"),
    Indicator("pm10_p95", "PM10 日均值第95百分位数", "µg/m³", "percent", "pm10", "daily"),
    Indicator("so2", "SO2 年(期)均值", "µg/m³", "percent", "so2", "annual"),
    Indicator("so2_p98", "SO2 日均值第98百分位数", "µg/m³", "percent", "so2", "daily"),
    Indicator("no2", "NO2 年(期)均值", "µg/m³", "percent", "no2", "annual"),
    Indicator("no2_p98", "NO2 日均值第98百分位数", "µg/m³", "percent", "no2", "daily"),
    Indicator("co", "CO 日均值第95百分位数", "mg/m³", "percent", "co", "daily"),
    Indicator("o3", "O3 日最大8小时第90百分位数", "µg/m³", "percent", "o3", "8h"),
    Indicator("good_ratio", "优良天数比例", "%", "points"),
    Indicator("n_good", "优良天数", "天", "days"),
    Indicator("n_valid", "有效天数", "天", "days"),
    Indicator("n_heavy", "重污染天数", "天", "days"),
    Indicator("n_polluted", "超标天数", "天", "days"),
    Indicator("isum", "综合指数", "", "rule"),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
#: Column of the period table holding each day-count/ratio/index indicator's published value.
_DAY_COLUMNS = {"good_ratio": "good_ratio_pub", "n_good": "n_good", "n_valid": "n_valid", "n_heavy": "n_heavy",
                "n_polluted": "n_polluted", "isum": "isum_pub"}
#: Unit of each kind of change.
CHANGE_UNITS: dict[str, str] = {"percent": "%", "points": "百分点", "days": "天", "rule": "%"}


def _frac(text: Any) -> Fraction | None:
    return None if text is None or text == "" else Fraction(str(text))


def change_rate(current: Any, base: Any, decimals: int = 1) -> str | None:
    """(current − base) / base × 100 of two published figures, half-even to ``decimals``
    (GB/T 8170); None when either is missing or the base is 0."""
    c, b = _frac(current), _frac(base)
    if c is None or b is None or b == 0:
        return None
    return exact.fraction_to_str((c - b) * 100 / b, decimals)


def difference(current: Any, base: Any, decimals: int = 0) -> str | None:
    """current − base of two published figures (days, percentage points)."""
    c, b = _frac(current), _frac(base)
    if c is None or b is None:
        return None
    return exact.fraction_to_str(c - b, decimals)


def _stat_text(v: Any, dec: int) -> str:
    f = exact.to_fraction(v)
    return "" if f is None else exact.fraction_to_str(f, dec)


def indicator_rows(period_row: dict, base_row: dict | None, ranking_row: dict | None, stage: str,
                   settings: EvaluationSettings = DEFAULT) -> list[dict[str, Any]]:
    """The report rows of one area: ``indicator, label, unit, value, limit, attained, multiple,
    base, change, change_unit`` (``base`` = the same period last year; all published text)."""
    p, b, r = period_row or {}, base_row or {}, ranking_row or {}
    lim = gb3095.limits_for(stage, settings.grade)
    rows = []
    for ind in INDICATORS:
        if ind.pollutant is not None:
            dec = hj663.decimals_of(ind.key, settings.precision)
            S = lim[(ind.pollutant, ind.averaging)]
            # each row judges its own statistic (the mean against the annual limit, the P98/P95
            # against the 24-h limit); the pollutant's verdict is in the summary (超标污染物)
            own = p.get(f"{ind.key}_stat_attained", p.get(f"{ind.key}_attained"))
            value, base = _stat_text(p.get(ind.key), dec), _stat_text(b.get(ind.key), dec) if b else ""
            limit = exact.fraction_to_str(S, dec) if S.denominator == 1 or dec else str(S)
            # 超标倍数 only for an exceeded statistic (HJ 663 §6.4: 0 when not exceeded)
            multiple = p.get(f"{ind.key}_multiple_pub") if own is False else None
        else:
            col = _DAY_COLUMNS[ind.key]
            value = "" if p.get(col) is None else str(p.get(col))
            base = "" if b.get(col) is None else str(b.get(col))
            own, limit, multiple = None, "", None
        if ind.change == "rule":
            change = r.get("change_pub")
        elif ind.change == "percent":
            change = change_rate(value, base)
        else:
            change = difference(value, base, 1 if ind.change == "points" else 0)
        rows.append({"indicator": ind.key, "label": ind.label, "unit": ind.unit, "value": value, "limit": limit,
                     "attained": own, "multiple": multiple, "base": base or None,
                     "change": None if change is None else str(change), "change_unit": CHANGE_UNITS[ind.change]})
    return rows


CITY_COLUMNS = {"indicator": pl.Utf8, "label": pl.Utf8, "unit": pl.Utf8, "value": pl.Utf8, "limit": pl.Utf8,
                "attained": pl.Boolean, "multiple": pl.Utf8}
COUNTY_COLUMNS = ["rank", "county_code", "name", "isum_pub", "pm25_pub", "good_ratio_pub", "max_pollutants",
                  "change_pub", "improvement_rank", "deterioration_rank"]


def edition_note(settings: EvaluationSettings) -> str:
    """One line for a report header: which edition decided the limits and the daily AQIs."""
    if settings.stage is None:
        return "版本按日期：限值和综合指数分母取期末所处阶段，每日AQI按当日所处版本（HJ 633—2012/2026）计算"
    return (f"按指定版本全部评价：限值和综合指数分母取 {STAGES.get(settings.stage, settings.stage)}，"
            f"每日AQI全部按 HJ 633—{settings.aqi_edition or edition_of_stage(settings.stage)} 计算")


@dataclass
class Report:
    """One report. ``city`` has one row per indicator (the CLI's table), ``counties`` one row
    per county (ranking); :meth:`indicators` gives any area's rows with last year's values."""

    city_code: str
    city_name: str
    start: date
    end: date
    stage: str
    city: pl.DataFrame
    counties: pl.DataFrame
    evaluation: ev.Evaluation
    county_evaluation: ev.Evaluation | None
    settings: EvaluationSettings = DEFAULT
    summary: dict = field(default_factory=dict)

    def indicators(self, county: str | None = None) -> list[dict[str, Any]]:
        """Rows of the city (default) or of one county (GB/T 2260 code); empty when the area
        has no valid data."""
        e, by, code = ((self.county_evaluation, "county_code", county) if county is not None
                       else (self.evaluation, "city_code", self.city_code))
        if e is None:
            return []
        row = _row(e.period, by, code)
        if row is None:
            return []
        return indicator_rows(row, _row(e.base, by, code), _row(e.ranking, by, code), e.stage, self.settings)

    def area_name(self, county: str | None = None) -> str | None:
        e = self.county_evaluation if county is not None else self.evaluation
        row = _row(e.period, "county_code" if county is not None else "city_code",
                   county if county is not None else self.city_code) if e is not None else None
        return (row or {}).get("name")

    def base_row(self) -> dict | None:
        """The city's period table row of the same period last year (None without its data)."""
        return _row(self.evaluation.base, "city_code", self.city_code)


def _row(frame: pl.DataFrame | None, by: str, code: str | None) -> dict | None:
    if frame is None or code is None or by not in frame.columns:
        return None
    rows = frame.filter(pl.col(by) == code).to_dicts()
    return rows[0] if rows else None


def build_report(
    hourly: pl.DataFrame,
    stations: pl.DataFrame,
    city: str,
    start: date,
    end: date,
    settings: EvaluationSettings = DEFAULT,
    *,
    counties: bool = True,
) -> Report:
    """Report of ``city`` (name or code) for [start, end], from a frame of hours (no database).

    ``hourly`` should also hold the same period of last year for the comparison. ``settings``:
    :data:`~qingshan.air.settings.DEFAULT` (by date), a preset, or
    :func:`~qingshan.air.settings.fully_under` for the edition switch. ``counties=False`` skips
    the county evaluation.
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
    codes = reg["code"].cast(pl.Utf8).to_list()
    # one station-day layout serves the city and the county evaluation
    sd = city_series.StationDays.from_hourly(hourly.filter(pl.col("station_code").cast(pl.Utf8).is_in(codes)))
    e = ev.evaluate(sd, reg, start, end, settings, by="city_code", areas=[city_code])
    p = _row(e.period, "city_code", city_code) or {}
    rows = indicator_rows(p, None, None, e.stage, settings)
    city_frame = pl.DataFrame([{k: r[k] for k in CITY_COLUMNS} for r in rows], schema=CITY_COLUMNS)
    county_reg = reg.filter(pl.col("county_code").is_not_null())
    ce = None
    if counties and not county_reg.is_empty():
        ce = ev.evaluate(sd, county_reg, start, end, settings, by="county_code")
        county_frame = ce.ranking.select([c for c in COUNTY_COLUMNS if c in ce.ranking.columns])
        if "max_pollutants" in county_frame.columns:
            county_frame = county_frame.with_columns(pl.col("max_pollutants").list.join("、"))
    else:
        county_frame = pl.DataFrame(schema={"rank": pl.Int64, "county_code": pl.Utf8, "name": pl.Utf8,
                                            "isum_pub": pl.Utf8, "pm25_pub": pl.Utf8, "good_ratio_pub": pl.Utf8,
                                            "change_pub": pl.Utf8, "improvement_rank": pl.Int64})
    summary = {
        "city_code": city_code, "city_name": city_name, "from": start.isoformat(), "to": end.isoformat(),
        "stage": e.stage, "attained": p.get("attained"), "exceeding": p.get("exceeding") or [],
        "edition_mode": "fixed" if settings.stage is not None else "by_date",
        "aqi_edition": settings.aqi_edition or settings.straddle_daily_aqi,
        "edition_note": edition_note(settings),
    }
    return Report(city_code=city_code, city_name=city_name, start=start, end=end, stage=e.stage, city=city_frame,
                  counties=county_frame, evaluation=e, county_evaluation=ce, settings=settings, summary=summary)


__all__ = ["BY_KEY", "INDICATORS", "Indicator", "Report", "build_report", "change_rate", "difference",
           "edition_note", "indicator_rows"]
