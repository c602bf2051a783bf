"""The demo calendar: which days get synthetic data and which 1—N月 period is evaluated.

Decision (documented in docs/user-guide.md): the synthetic series runs from 2025-01-01 to
*yesterday* of the demo's "today" (so the workspace shows recent hours, as a live system would),
capped at 2026-12-31; the evaluation covers 1—N月 of the year of the **last complete month** of
the data. On 2026-11-29 the data end on 2026-11-28 and the evaluation is 2026年1—10月 — which is
also the period the bureau reported to the 2023 conference ("1—10月重点工作情况").
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from qingshan.core import clock

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 12, 31)


@dataclass(frozen=True)
class DemoPeriod:
    data_start: date
    data_end: date
    year: int
    month: int  # N of 1—N月

    @property
    def eval_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def eval_end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def last_year_start(self) -> date:
        return date(self.year - 1, 1, 1)

    @property
    def last_year_end(self) -> date:
        return date(self.year - 1, self.month, calendar.monthrange(self.year - 1, self.month)[1])

    @property
    def label(self) -> str:
        """``2026年1—10月`` (``2026年1月`` for a single month)."""
        return f"{self.year}年1月" if self.month == 1 else f"{self.year}年1—{self.month}月"

    @property
    def has_last_year(self) -> bool:
        return self.data_start <= self.last_year_start


def last_complete_month(day: date) -> tuple[int, int]:
    """(year, month) of the last calendar month that ends on or before ``day``."""
    if day == date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]):
        return day.year, day.month
    first = date(day.year, day.month, 1) - timedelta(days=1)
    return first.year, first.month


def demo_period(
    today: date | None = None,
    data_start: date | None = None,
    data_end: date | None = None,
    months: int | None = None,
) -> DemoPeriod:
    """Resolve the demo's period from the options of ``qingshan demo`` (all optional)."""
    today = today or clock.today()
    start = data_start or FIRST_DAY
    end = data_end or min(today - timedelta(days=1), LAST_DAY)
    if end < start:
        raise ValueError(f"演示数据的结束日期 {end} 早于开始日期 {start}")
    year, month = last_complete_month(end)
    if months is not None:
        if not 1 <= months <= 12:
            raise ValueError(f"--months 应为 1—12，收到 {months}")
        month = months
    if date(year, month, calendar.monthrange(year, month)[1]) > end or date(year, 1, 1) < start:
        raise ValueError(
            f"演示数据 {start}—{end} 不包含完整的 {year}年1—{month}月，请调整 --from/--to/--months"
        )
    return DemoPeriod(start, end, year, month)
