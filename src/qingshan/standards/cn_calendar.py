"""Working days and legal periods as Chinese rules count them.

* **Working days** follow the official calendar: Monday–Friday, minus the public holidays, plus
  the make-up working weekends (调休上班) that the State Council fixes each year in its
  "关于XXXX年部分节假日安排的通知". The calendar is versioned data
  (``standards/data/cn_workdays.json``): one entry per year with the notice, its source and a
  status. A year that is not loaded is never guessed: :class:`CalendarMissing` is raised and
  the caller reports ``calendar_missing`` (soil-waste.md §5.5: "Monday–Friday is never
  assumed").
* **Counting** (soil-waste.md §5.5): the start day is not counted (民法典 Art. 201); the last
  day counts in full. Periods in months or years end on the corresponding date, or on the last
  day of the month when there is none (民法典 Art. 202: 2028-02-29 + 10 years → 2038-02-28).

References
----------
.. [1] 中华人民共和国民法典 Art. 200–204 (计算期间).
.. [2] 国务院办公厅关于2024/2025/2026年部分节假日安排的通知 (sources in the data file).
.. [3] ../shared/standards/soil-waste.md §5.5 ("Counting days", setting ``working_day_calendar``).
"""

from __future__ import annotations

import calendar as _calendar
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources


class CalendarMissing(LookupError):
    """The working-day calendar of ``year`` is not loaded; no deadline is computed."""

    def __init__(self, year: int):
        super().__init__(f"未载入 {year} 年的工作日历（国务院办公厅节假日安排），期限无法计算（calendar_missing）")
        self.year = year


@dataclass(frozen=True)
class YearCalendar:
    year: int
    status: str
    document: str
    source: str
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]


@dataclass(frozen=True, eq=False)
class WorkdayCalendar:
    """The loaded years of the official calendar. ``version`` names what was loaded."""

    years: Mapping[int, YearCalendar]

    @property
    def version(self) -> str:
        if not self.years:
            return "cn-workdays (empty)"
        ys = sorted(self.years)
        return f"cn-workdays {ys[0]}–{ys[-1]}"

    @property
    def status(self) -> str:
        return "confirmed" if all(y.status == "confirmed" for y in self.years.values()) else "UNCONFIRMED"

    def year(self, y: int) -> YearCalendar:
        if y not in self.years:
            raise CalendarMissing(y)
        return self.years[y]

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri not a holiday, or a make-up working day (raises :class:`CalendarMissing`)."""
        yc = self.year(d.year)
        if d in yc.makeup_workdays:
            return True
        return d.weekday() < 5 and d not in yc.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (start excluded, 民法典 Art. 201)."""
        if n < 1:
            raise ValueError("工作日数应为正整数")
        d, counted = start, 0
        while counted < n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                counted += 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — how many of a limit have been used by ``end``."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            n += self.is_working_day(d)
        return n


def calendar_from_dict(data: Mapping) -> WorkdayCalendar:
    """Build a calendar from the packaged JSON layout (or a bureau-edited copy of it)."""
    years: dict[int, YearCalendar] = {}
    for ytext, y in data["years"].items():
        year = int(ytext)
        holidays: set[date] = set()
        for first, last, _name in y["holidays"]:
            d, end = date.fromisoformat(first), date.fromisoformat(last)
            if d > end or year not in (d.year, end.year):
                raise ValueError(f"{year} 年节假日区间 {first}–{last} 无效")
            while d <= end:
                holidays.add(d)
                d += timedelta(days=1)
        makeup = frozenset(date.fromisoformat(x) for x in y["makeup_workdays"])
        for m in makeup:
            if m.weekday() < 5:
                raise ValueError(f"调休上班日 {m} 不是周末：请核对 {year} 年的通知")
        years[year] = YearCalendar(year, y["status"], y["document"], y["source"], frozenset(holidays), makeup)
    return WorkdayCalendar(years)


@lru_cache(maxsize=1)
def load_calendar() -> WorkdayCalendar:
    """The packaged official calendar (years 2024–2026 as of this edition)."""
    raw = (resources.files("qingshan.standards") / "data" / "cn_workdays.json").read_text(encoding="utf-8")
    return calendar_from_dict(json.loads(raw))


def add_months(d: date, months: int) -> date:
    """``d`` plus whole months; the month's last day when the date does not exist (Art. 202)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _calendar.monthrange(y, m)[1]))


def add_years(d: date, years: int) -> date:
    """``d`` plus whole years (2028-02-29 + 10 → 2038-02-28; 民法典 Art. 202)."""
    return add_months(d, 12 * years)
