"""Five-year target tracking of the city's CO2 intensity (carbon.md §8.4) on stored accounts or a series file.

``carbon track --series FILE.csv`` needs no database: the file has the columns
``year,co2_t,gdp_index`` (gdp_index: constant-price GDP index, previous year = 100; the base year's
index is not used; an empty cell means no data). Without a file the stored city accounts are
tracked: the CO2 of each year's account (computed from the stored balance, stored as a run) and
the stored annual GDP index.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.city import CityAccount, account_city, balance_years
from qingshan.carbon.sheets import RowError, SheetError, decode, parse_number
from qingshan.standards.carbon_city import CitySettings
from qingshan.standards.carbon_tracking import SeriesRow, Tracking, TrackingSettings, track

SERIES_COLUMNS = ("year", "co2_t", "gdp_index")


class SeriesFileError(ValueError):
    """A series file refused; ``errors`` are per row (Chinese)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("；".join(str(e) for e in errors[:5]) + (f" 等 {len(errors)} 处" if len(errors) > 5 else ""))
        self.errors = errors


def read_series(path: str | Path, data: bytes) -> list[SeriesRow]:
    """Parse ``year,co2_t,gdp_index`` exactly; every bad cell is reported, nothing is computed."""
    name = Path(path).name
    try:
        text = decode(data)
    except SheetError as exc:
        raise SeriesFileError([RowError(name, None, None, str(exc))]) from None
    reader = list(csv.reader(io.StringIO(text, newline="")))
    rows = [(i, r) for i, r in enumerate(reader, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise SeriesFileError([RowError(name, None, None, "文件为空")])
    header = [c.strip().lower() for c in rows[0][1]]
    if header[:3] != list(SERIES_COLUMNS) or len([h for h in header if h]) != 3:
        raise SeriesFileError([RowError(name, rows[0][0], None, f"表头应为 year,co2_t,gdp_index，实际为 {','.join(rows[0][1])}")])
    out: list[SeriesRow] = []
    errors: list[RowError] = []
    first_row: dict[int, int] = {}  # year → file row that gave it
    for i, r in rows[1:]:
        cells = (r + ["", "", ""])[:3]
        if len([c for c in r[3:] if c.strip()]):
            errors.append(RowError(name, i, None, "列数多于 3"))
            continue
        y, c, g = (x.strip() for x in cells)
        if not y.isdigit() or not 1900 <= int(y) <= 2100:
            errors.append(RowError(name, i, "year", f"“{y}”不是年份"))
            continue
        # §8.4 needs one I(t) per year: a second row for a year is ambiguous, so it is reported
        # where it is (the file's rows), not only as 「重复年份」 by the tracking itself
        if int(y) in first_row:
            errors.append(RowError(name, i, "year", f"年份 {int(y)} 与第 {first_row[int(y)]} 行重复"))
            continue
        first_row[int(y)] = i
        vals: list[Fraction | None] = []
        for field, text_ in (("co2_t", c), ("gdp_index", g)):
            if text_ == "":
                vals.append(None)
                continue
            try:
                v = parse_number(text_)
            except ValueError as exc:
                errors.append(RowError(name, i, field, str(exc)))
                vals.append(None)
                continue
            if v <= 0:
                errors.append(RowError(name, i, field, f"“{text_}”应为正数"))
            vals.append(v)
        out.append(SeriesRow(int(y), vals[0], vals[1]))
    if errors:
        raise SeriesFileError(errors)
    return out


@dataclass(frozen=True)
class StoredTracking:
    tracking: Tracking
    accounts: dict[int, CityAccount]
    gdp_index: dict[int, Fraction]


def stored_series(session: Session, base_year: int, *, as_of: date, settings: CitySettings = CitySettings(),
                  end_year: int | None = None) -> tuple[list[SeriesRow], dict[int, CityAccount]]:
    """One row per year from the base to the last year with a stored balance (accounts stored as runs)."""
    years = [y for y in balance_years(session) if y >= base_year and (end_year is None or y <= end_year)]
    if base_year not in years:
        return [SeriesRow(base_year, None, None)], {}
    gdp = records.gdp(session)
    accounts = {y: account_city(session, y, as_of=as_of, settings=settings, gdp_base_year=base_year) for y in years}
    rows = []
    for y in range(base_year, max(years) + 1):
        acc = accounts.get(y)
        g = gdp.get((y, 12))
        rows.append(SeriesRow(y, acc.co2.total if acc else None,
                              Fraction(g.gdp_index) if g is not None and g.gdp_index else None))
    return rows, accounts


def track_stored(session: Session, *, base_year: int, target: Fraction | None, as_of: date,
                 settings: CitySettings = CitySettings(), tracking: TrackingSettings = TrackingSettings()) -> StoredTracking:
    rows, accounts = stored_series(session, base_year, as_of=as_of, settings=settings,
                                   end_year=base_year + tracking.plan_years)
    t = track(rows, base_year, target, settings=tracking)
    return StoredTracking(t, accounts, {r.year: r.gdp_index for r in rows if r.gdp_index is not None})


def json_text(rows: list[dict[str, object]]) -> str:
    """The ``--format json`` text: rates as JSON numbers with exactly two decimals (``20.00``),
    ``null`` where undefined (``r_req`` at the end year)."""
    def val(v: object) -> str:
        if v is None:
            return "null"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str) and v.lstrip("-").replace(".", "", 1).isdigit():
            return str(Decimal(v))
        return json.dumps(v, ensure_ascii=False)

    items = ["  {" + ", ".join(f'"{k}": {val(v)}' for k, v in row.items()) + "}" for row in rows]
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"
