"""The city's and the units' air series for one reporting date, loaded once and evaluated per
period through :mod:`qingshan.targets.air_link` (assessment-bulletin.md §0, §3.4, §4.2).

:class:`AirContext` holds the units and station lists in force at the reporting date, the
station-day layout of every station involved over [1 January of last year, end] plus the
history windows of §3.4, and evaluates any period for the city and the units, with the same
period of last year (同期).

Cost (measured in docs/performance.md): reading the hours from the store dominates, so they are
read **once** per context; a period evaluation then runs the air engine on the station-days of
that period and of its base period only (a station-day's statistics depend on its own 24 hours
alone — GB 3095 Table 4, the in-day MDA8 windows of air-evaluation.md §4 —, so the result is the
same as on the whole layout), and the full daily series that target tracking reads (§3.4
history windows) is computed once per grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from qingshan.air import evaluation as ev
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.standards import city_series, gb3095
from qingshan.targets import air_link
from qingshan.targets.store import TargetStore, UnitRow

_EPOCH = date(1970, 1, 1)


class NoUnitsError(ValueError):
    """The store has no units (import or build the demo first)."""


def back_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


@dataclass
class PeriodAir:
    """One period's evaluation: city and units, with the same period of last year."""

    start: date
    end: date
    city: pl.DataFrame  # period table row(s) of the city (air engine columns)
    city_base: pl.DataFrame
    city_ranking: pl.DataFrame
    units: pl.DataFrame
    units_base: pl.DataFrame
    units_ranking: pl.DataFrame  # air engine ranking: isum_pub, rank, change_pub, pm25_rank, good_ratio_rank …
    good_valid: dict[str, bool]  # unit → days with an AQI meet the period's day counts (§1.2 rule 1)
    good_valid_base: dict[str, bool]
    city_daily: pl.DataFrame
    units_daily: pl.DataFrame


@dataclass
class AirContext:
    url: str | None
    end: date
    city: UnitRow
    units: list[UnitRow]
    unit_stations: dict[str, list[str]]
    registry: pl.DataFrame
    unit_frame: pl.DataFrame
    days: city_series.StationDays
    settings: EvaluationSettings
    history_years: int
    _cache: dict = field(default_factory=dict)

    @classmethod
    def load(cls, url: str | None, end: date, *, settings: EvaluationSettings = DEFAULT,
             history_years: int = 5, store: TargetStore | None = None) -> AirContext:
        own = store is None
        store = store or TargetStore(url, auto_migrate=False)
        try:
            all_units = store.units(end)
            stations = store.unit_stations(end)
        finally:
            if own:
                store.close()
        cities = [u for u in all_units if u.is_city]
        units = [u for u in all_units if not u.is_city]
        if not cities or not units:
            raise NoUnitsError(f"{end} 没有登记的市级单位或县（区）单位：请先导入单位与站点名单（qingshan targets import）")
        city = cities[0]
        reg = air_link.registry(url, city.code)
        unit_frame = air_link.unit_stations_frame(reg, {u.code: stations.get(u.code, []) for u in units},
                                                  {u.code: u.name for u in units})
        # the city value never uses a 对照点 (air-evaluation.md §7): read only the stations some
        # series uses (a unit's explicit list may name one)
        city_codes = reg.filter(~pl.col("is_control"))["code"] if "is_control" in reg.columns else reg["code"]
        codes = sorted(set(city_codes) | set(unit_frame["code"]))
        windows = [(date(end.year - 1, 1, 1), end)]
        for k in range(2, history_years + 1):
            a = back_years(end, k) + timedelta(days=1)
            windows.append((a, date(a.year, 12, 31)) if a.year == end.year - k else (a, a))
        days = air_link.load_days(url, codes, windows)
        return cls(url, end, city, units, stations, reg, unit_frame, days, settings, history_years)

    # --- station-days ---------------------------------------------------------------------
    def days_in(self, *windows: tuple[date, date]) -> city_series.StationDays:
        """The loaded station-days whose natural day falls in one of ``windows`` (inclusive)."""
        sd: city_series.StationDays = self.days
        keep = np.zeros(len(sd.day), dtype=bool)
        for a, b in windows:
            keep |= (sd.day >= (a - _EPOCH).days) & (sd.day <= (b - _EPOCH).days)
        return city_series.StationDays(sd.codes, sd.station_idx[keep], sd.day[keep],
                                       {p: v[keep] for p, v in sd.values.items()})

    def city_daily(self) -> pl.DataFrame:
        """The city's daily series over every loaded day (air-evaluation.md §7, national stations)."""
        key = ("daily", air_link.CITY_BY)
        if key not in self._cache:
            d = ev.daily_series(self.days, self.registry, self.settings, by=air_link.CITY_BY)
            self._cache[key] = d.filter(pl.col(air_link.CITY_BY) == self.city.code)
        return self._cache[key]

    def units_daily(self) -> pl.DataFrame:
        """Each unit's daily series over every loaded day (its own station list, §0)."""
        key = ("daily", air_link.UNIT_BY)
        if key not in self._cache:
            s = self.settings.with_(station_list=self.unit_frame["code"].to_list())
            self._cache[key] = ev.daily_series(self.days, self.unit_frame, s, by=air_link.UNIT_BY)
        return self._cache[key]

    # --- periods -----------------------------------------------------------------------------
    def period(self, start: date, end: date) -> PeriodAir:
        """City and units, with the same period of last year."""
        key = ("all", start, end)
        if key not in self._cache:
            s = self.settings
            u = self.unit_period(start, end)
            b0, b1 = air_link.same_period_last_year(start, end)
            c = air_link.run(self.days_in((b0, b1), (start, end)), self.registry, start, end, by=air_link.CITY_BY,
                             areas=[self.city.code], settings=s)
            cb = c.base if c.base is not None else air_link.period_table(c.daily, b0, b1, by=air_link.CITY_BY,
                                                                         settings=s)
            self._cache[key] = PeriodAir(start, end, c.period, cb, c.ranking, u.units, u.units_base, u.units_ranking,
                                         u.good_valid, u.good_valid_base, c.daily, u.units_daily)
        return self._cache[key]

    def unit_period(self, start: date, end: date) -> PeriodAir:
        """The units only (the city frames empty): what the §1.3 monthly money needs."""
        key = ("units", start, end)
        if key not in self._cache:
            s = self.settings
            codes = self.unit_frame["code"].to_list()
            b0, b1 = air_link.same_period_last_year(start, end)
            u = air_link.run(self.days_in((b0, b1), (start, end)), self.unit_frame, start, end, by=air_link.UNIT_BY,
                             station_list=codes, settings=s)
            # the engine evaluated the base period already (compare_last_year); without its
            # data there is no base: the same empty table as evaluating it
            ub = u.base if u.base is not None else air_link.period_table(u.daily, b0, b1, by=air_link.UNIT_BY,
                                                                         settings=s)
            empty = pl.DataFrame()
            self._cache[key] = PeriodAir(start, end, empty, empty, empty, u.period, ub, u.ranking,
                                         self._aqi_valid(u.daily, start, end), self._aqi_valid(u.daily, b0, b1),
                                         empty, u.daily)
        return self._cache[key]

    def month_pm25(self, year: int, months: Sequence[int]) -> list[str | None]:
        """The city's published PM2.5 of each month of ``year`` (None when not loaded or invalid)."""
        periods = [air_link.month_period(year, m) for m in months]
        vals = air_link.period_means(self.city_daily(), periods, by=air_link.CITY_BY, settings=self.settings)
        first = date(self.end.year - 1, 1, 1)
        return [v.get(self.city.code) if a >= first and b <= self.end else None for (a, b), v in zip(periods, vals)]

    def _aqi_valid(self, daily: pl.DataFrame, start: date, end: date) -> dict[str, bool]:
        d = daily.filter(pl.col("date").is_between(start, end))
        if d.is_empty():
            return {}
        v = gb3095.period_validity(d, by=[air_link.UNIT_BY], date_col="date", value_cols=["aqi"], start=start,
                                   end=end, period_validity=self.settings.period_validity)
        return dict(zip(v[air_link.UNIT_BY], v["valid_aqi"]))


__all__ = ["AirContext", "NoUnitsError", "PeriodAir", "back_years"]
