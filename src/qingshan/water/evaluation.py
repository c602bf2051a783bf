"""Section evaluation per period: evaluation values, class, target attainment, CWQI.

:func:`evaluate_periods` runs the whole chain of water.md §8 on stored observations — period
assignment (:mod:`qingshan.water.periods`), exact period means with the flag policy and
non-detects, one rounding (:func:`qingshan.standards.water_statistics.period_means`), the
single-factor class and CWQI (:func:`qingshan.standards.water_evaluation.classify`) — and joins
each section's target class of the period's year (attained = class no worse than the target,
water.md §3).

CWQI with missing items (water.md §9, ``cwqi_missing_items``): ``exclude_section`` leaves the
section's index empty and lists its missing items; ``carry_forward`` fills each missing item with
the section's most recent monthly evaluation value no older than ``cwqi_carry_forward_months``
before the period (``history`` observations are needed for that) and lists the carried items.
The class is never filled: it is always the class of what was measured in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

import polars as pl

from qingshan import exact
from qingshan.standards import gb3838
from qingshan.standards import water_statistics as ws
from qingshan.standards.cwqi import section_index
from qingshan.standards.water_evaluation import classify
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_values import NANO
from qingshan.water.periods import assign_periods, range_label

KEYS = ["section", "period_start", "period_end", "period"]


@dataclass
class PeriodEvaluation:
    """``means``: one row per (section, period, item) from :func:`period_means`; ``sections``:
    one row per (section, period) with the class, target and CWQI columns."""

    means: pl.DataFrame
    sections: pl.DataFrame
    rules_version: str
    rules_status: str


def _with_periods(obs: pl.DataFrame, kind: str, through_month: int | None, start: date | None, end: date | None) -> pl.DataFrame:
    if kind == "range":
        if start is None or end is None:
            raise ValueError("自定义时段需要起止日期")
        return obs.with_columns(
            period_start=pl.lit(start, pl.Date), period_end=pl.lit(end, pl.Date), period=pl.lit(range_label(start, end))
        )
    return assign_periods(obs, kind, through_month=through_month)


def evaluate_periods(
    obs: pl.DataFrame,
    sections: pl.DataFrame,
    *,
    kind: str,
    through_month: int | None = None,
    start: date | None = None,
    end: date | None = None,
    targets: pl.DataFrame | None = None,
    settings: WaterSettings = DEFAULT_SETTINGS,
    history: pl.DataFrame | None = None,
) -> PeriodEvaluation:
    """Evaluate every section and period of ``obs``.

    Parameters
    ----------
    obs : long observations (:data:`qingshan.water.store.LONG_SCHEMA`: ``section, time, item,
        value_nano, nd, dl_nano, flag, source``)
    sections : the registry frame (``code, name, water_body, county_code, control_level …``)
    kind : ``week``, ``xun``, ``month``, ``quarter``, ``year``, ``ytd`` (with ``through_month``)
        or ``range`` (one period ``[start, end)``)
    targets : ``code, year, target_class`` (default: none)
    history : observations before the period, for ``cwqi_missing_items="carry_forward"``
    """
    obs = obs.filter(pl.col("section").is_in(sections["code"].to_list()))
    obs = _with_periods(obs, kind, through_month, start, end)
    min_results = settings.min_results.get(kind, 1)
    means = ws.period_means(obs, KEYS, settings=settings, min_results=min_results,
                            count_months=kind in ("year", "ytd"))
    wide = ws.to_wide(means, KEYS)
    meta = sections.select(
        pl.col("code").alias("section"), "name", "water_body", "county_code", "control_level", "river",
        *[c for c in ("basin", "demo") if c in sections.columns],
    )
    wide = wide.join(meta, on="section", how="left")
    counts = means.group_by(KEYS).agg(
        n_values=pl.col("n_valid").sum(),
        insufficient=pl.col("item").filter(~pl.col("sufficient") & (pl.col("n_total") > 0)),
    )
    out = classify(wide, water_body="water_body", settings=settings, cwqi=True, keep_item_classes=True)
    out = out.join(counts, on=KEYS, how="left")
    out = _targets(out, targets)
    out = _cwqi_policy(out, means, history, sections, settings)
    version, status = settings.provenance("decimals", "status", "priority_set")
    return PeriodEvaluation(means, out.sort("section", "period_start"), version, status)


def _targets(out: pl.DataFrame, targets: pl.DataFrame | None) -> pl.DataFrame:
    out = out.with_columns(year=pl.col("period_start").dt.year().cast(pl.Int64))
    if targets is None or targets.is_empty():
        out = out.with_columns(target_class=pl.lit(None, pl.Int64))
    else:
        t = targets.select(pl.col("code").alias("section"), pl.col("year").cast(pl.Int64), pl.col("target_class").cast(pl.Int64))
        out = out.join(t, on=["section", "year"], how="left")
    return out.with_columns(
        attained=pl.when(pl.col("class").is_not_null() & pl.col("target_class").is_not_null()).then(
            pl.col("class").cast(pl.Int64) <= pl.col("target_class")
        )
    ).drop("year")


def _values_of(row: dict) -> dict[str, Fraction]:
    return {c: exact.to_fraction(row[c]) for c in gb3838.EVALUATED_ITEMS if row.get(c) is not None}


def _cwqi_policy(out: pl.DataFrame, means: pl.DataFrame, history: pl.DataFrame | None, sections: pl.DataFrame,
                 settings: WaterSettings) -> pl.DataFrame:
    """``cwqi`` (exact rational), ``cwqi_missing`` (list of codes), ``cwqi_carried`` (codes)."""
    rows = out.to_dicts()
    carried_all: list[list[str]] = []
    missing_all: list[list[str]] = []
    cwqi_all: list[dict | None] = []
    hist_values: dict[str, list[tuple[date, dict[str, int]]]] = {}
    if settings.cwqi_missing_items == "carry_forward" and history is not None and not history.is_empty():
        h = assign_periods(history.filter(pl.col("section").is_in(sections["code"].to_list())), "month")
        hm = ws.period_means(h, KEYS, settings=settings)
        for sec, ps, item, v in hm.filter(pl.col("value_nano").is_not_null()).select(
                "section", "period_start", "item", "value_nano").iter_rows():
            hist_values.setdefault(sec, []).append((ps, {item: v}))
    for r in rows:
        values = _values_of(r)
        if settings.cwqi_input == "exact_means":
            values = _exact_means_of(means, r, values)
        missing = [c for c in gb3838.EVALUATED_ITEMS if c not in values]
        carried: list[str] = []
        if missing and settings.cwqi_missing_items == "carry_forward":
            oldest = months_back(r["period_start"], settings.cwqi_carry_forward_months)
            for c in missing:
                cands = [(ps, d[c]) for ps, d in hist_values.get(r["section"], []) if c in d and oldest <= ps < r["period_start"]]
                if cands:
                    values[c] = Fraction(max(cands)[1], NANO)
                    carried.append(c)
            missing = [c for c in missing if c not in carried]
        if missing or values.get("do", 1) <= 0:
            cwqi_all.append(None)
        else:
            v = section_index(values, r["water_body"])
            cwqi_all.append({"num": v.numerator, "den": v.denominator})
        missing_all.append(missing)
        carried_all.append(carried)
    return out.drop("cwqi", "cwqi_missing").with_columns(
        pl.Series("cwqi", cwqi_all, dtype=exact.RATIONAL),
        pl.Series("cwqi_missing", missing_all, dtype=pl.List(pl.Utf8)),
        pl.Series("cwqi_carried", carried_all, dtype=pl.List(pl.Utf8)),
    )


def _exact_means_of(means: pl.DataFrame, row: dict, values: dict[str, Fraction]) -> dict[str, Fraction]:
    """``cwqi_input="exact_means"``: the unrounded means instead of the evaluation values (pH
    is unrounded under both settings)."""
    m = means.filter(
        (pl.col("section") == row["section"]) & (pl.col("period_start") == row["period_start"]) & pl.col("sufficient")
    )
    out = dict(values)
    for item, mean in m.select("item", "mean").iter_rows():
        if item in gb3838.EVALUATED_ITEMS and item != "ph" and mean is not None:
            out[item] = exact.to_fraction(mean)
    return out


def months_back(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, 1)


def worse_than_v(evaluation: PeriodEvaluation) -> pl.DataFrame:
    """The 劣Ⅴ list: sections and periods of class 劣Ⅴ with their main pollutants."""
    return evaluation.sections.filter(pl.col("class") == gb3838.WORSE_THAN_V).select(
        *KEYS, "name", "river", "county_code", "main_pollutants", "main_pollutants_label", "target_class"
    )


def as_datetime(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)
