"""Evaluation periods of surface water (water.md §3): week, 旬, month, quarter, year and 1—N月.

* week — the natural week, Monday to Sunday (ISO week; labelled with its ISO year and number);
* 旬 (``xun``) — days 1–10 (上旬), 11–20 (中旬), 21 to the month's end (下旬);
* month, quarter, year — calendar periods;
* 1—N月 (``ytd``) — from 1 January to the end of month N of the same year (累计).

A period is ``[period_start, period_end)`` on dates; a value belongs to the period holding its
time. Labels are Chinese, e.g. ``2026年3月中旬``, ``2026年第2季度``, ``2026年1—4月``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

KINDS: tuple[str, ...] = ("week", "xun", "month", "quarter", "year", "ytd")
KIND_LABELS = {"week": "周", "xun": "旬", "month": "月", "quarter": "季度", "year": "年", "ytd": "1—N月累计"}
_XUN = {1: "上旬", 2: "中旬", 3: "下旬"}


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def period_of(kind: str, t: date | datetime, through_month: int | None = None) -> tuple[date, date, str]:
    """(start, end exclusive, label) of the period of ``kind`` holding ``t``."""
    d = t.date() if isinstance(t, datetime) else t
    if kind == "week":
        start = d - timedelta(days=d.weekday())
        iso = start.isocalendar()
        return start, start + timedelta(days=7), f"{iso[0]}年第{iso[1]}周"
    if kind == "xun":
        k = 1 if d.day <= 10 else (2 if d.day <= 20 else 3)
        start = date(d.year, d.month, (k - 1) * 10 + 1)
        end = date(d.year, d.month, k * 10 + 1) if k < 3 else _next_month(start)
        return start, end, f"{d.year}年{d.month}月{_XUN[k]}"
    if kind == "month":
        start = date(d.year, d.month, 1)
        return start, _next_month(start), f"{d.year}年{d.month}月"
    if kind == "quarter":
        q = (d.month - 1) // 3 + 1
        start = date(d.year, 3 * q - 2, 1)
        end = date(d.year + (q == 4), (3 * q) % 12 + 1, 1)
        return start, end, f"{d.year}年第{q}季度"
    if kind == "year":
        return date(d.year, 1, 1), date(d.year + 1, 1, 1), f"{d.year}年"
    if kind == "ytd":
        n = through_month or d.month
        if not 1 <= n <= 12:
            raise ValueError("1—N月 的 N 应在 1–12 之间")
        end = date(d.year + (n == 12), n % 12 + 1, 1)
        return date(d.year, 1, 1), end, (f"{d.year}年1月" if n == 1 else f"{d.year}年1—{n}月")
    raise ValueError(f"评价时段只能是 {'、'.join(KINDS)}，而不是「{kind}」")


def assign_periods(frame: pl.DataFrame, kind: str, *, through_month: int | None = None,
                   time_col: str = "time") -> pl.DataFrame:
    """Add ``period_start``, ``period_end`` (dates) and ``period`` (label) to every row; for
    ``ytd`` rows after month N are dropped."""
    if kind not in KINDS:
        raise ValueError(f"评价时段只能是 {'、'.join(KINDS)}，而不是「{kind}」")
    if kind == "ytd" and through_month is not None:
        frame = frame.filter(pl.col(time_col).dt.month() <= through_month)
    days = frame.select(pl.col(time_col).dt.date().unique()).to_series().to_list()
    table = {d: period_of(kind, d, through_month) for d in days if d is not None}
    keys = pl.DataFrame(
        {"__d": list(table), "period_start": [v[0] for v in table.values()], "period_end": [v[1] for v in table.values()],
         "period": [v[2] for v in table.values()]},
        schema={"__d": pl.Date, "period_start": pl.Date, "period_end": pl.Date, "period": pl.Utf8},
    )
    return frame.with_columns(__d=pl.col(time_col).dt.date()).join(keys, on="__d", how="left").drop("__d")


def kind_of_range(start: date, end: date) -> tuple[str, int | None]:
    """Which period a report range ``[start, end)`` is (water.md §3 periods): an ISO week
    (Monday to Sunday), a 旬 (1–10, 11–20, 21 to the month's end), a calendar month, quarter,
    year, 1—N月 (from 1 January to a month's end) — else ``range`` (a free interval)."""
    # a week and a 旬 are recognised only when the range is exactly the period :func:`period_of`
    # gives for its first day, so both functions share one definition of them
    if start.weekday() == 0 and end - start == timedelta(days=7):
        return "week", None
    if start.day in (1, 11, 21) and period_of("xun", start)[:2] == (start, end):
        return "xun", None
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return "month", None
        if months == 3 and start.month in (1, 4, 7, 10):
            return "quarter", None
        if months == 12 and start.month == 1:
            return "year", None
        if start.month == 1 and 1 < months < 12 and end.year == start.year:
            return "ytd", months
    return "range", None


def range_label(start: date, end: date) -> str:
    kind, n = kind_of_range(start, end)
    if kind == "range":
        last = end - timedelta(days=1)
        return f"{start:%Y-%m-%d}至{last:%Y-%m-%d}"
    return period_of(kind, start, n)[2]
