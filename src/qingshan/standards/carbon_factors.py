"""The carbon factor library: versioned tables of defaults and emission factors, with source and status.

Every default, coefficient and factor of carbon.md is one row of a long table::

    table, key, param, value, unit, valid_from, valid_to, version, status, source

* ``table`` — which table (``power_coal_default``, ``power_fuel_default``, ``market_grid_factor``,
  ``grid_statistical``, ``gbt2589``, ``equal_value``, ``city_fuel``, ``city_heat``, ``clinker_ef``,
  ``clinker_deduction``, ``cement_coal``); ``key`` the fuel, region, edition or material;
  ``param`` the quantity (``ncv``, ``cc``, ``oxidation_rate``, ``ef``, ``k`` …).
* ``valid_from`` / ``valid_to`` — years (inclusive; empty = open). For a statistical factor of a
  data year Y both are Y.
* ``status`` — ``confirmed`` or ``UNCONFIRMED`` (carbon.md §11); ``source`` says where the value
  comes from; ``version`` names the edition of the row (packaged rows: ``pkg-2026.12``, the
  carbon.md of 2026-12-01; the bureau's rows: the version it gives).

The packaged table is ``data/carbon_factors.csv``. A bureau adds rows (a new year's grid factor, a
confirmed default) in the database without code; :meth:`FactorTable.with_rows` lays them over
the packaged ones (a bureau row wins over a packaged row with the same table, key, param and
validity start). Every lookup returns a :class:`Factor`; results carry the factors they used
(:meth:`Factor.ref`), so pages and reports can show source and status next to each number.

References
----------
.. [1] carbon.md §3.2 (power defaults), §5 (electricity factors), §6.2 (clinker), §7 (GB/T 2589),
       §8.1 (city fuel defaults, heat factor), §10 (settings), §11 (UNCONFIRMED points).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources

import polars as pl

from qingshan.standards.carbon_common import exact

STATUSES = ("confirmed", "UNCONFIRMED")
PACKAGED_VERSION = "pkg-2026.12"
COLUMNS = ("table", "key", "param", "value", "unit", "valid_from", "valid_to", "version", "status", "source")

#: Chinese names of the tables (for pages, the CLI and errors)
TABLE_NAMES: dict[str, str] = {
    "power_coal_default": "发电设施燃煤缺省值（按指南版本）",
    "power_fuel_default": "发电设施其他燃料缺省值",
    "market_grid_factor": "全国碳市场电网排放因子",
    "grid_statistical": "电力二氧化碳排放因子（统计）",
    "gbt2589": "GB/T 2589—2020 折标准煤系数",
    "equal_value": "电力等价值折标系数",
    "city_fuel": "城市核算燃料缺省值",
    "city_heat": "城市调入热力排放因子",
    "clinker_ef": "熟料排放因子",
    "clinker_deduction": "非碳酸盐替代原料扣减系数",
    "cement_coal": "水泥燃煤参数",
}


class FactorError(ValueError):
    """A factor row refused (Chinese message naming the field)."""


class FactorMissing(LookupError):
    """No factor row for the asked table/key/param/year (Chinese message)."""


@dataclass(frozen=True)
class Factor:
    """One factor row. ``value`` is exact (``None`` for a row that records a published but
    unloaded value, e.g. Shanxi 2023)."""

    table: str
    key: str
    param: str
    value: Fraction | None
    text: str
    unit: str
    valid_from: int | None
    valid_to: int | None
    version: str
    status: str
    source: str
    origin: str = "packaged"  # packaged | bureau | setting
    row_id: int | None = None  # database id of a bureau row

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.valid_from is None or self.valid_from <= year) and (self.valid_to is None or year <= self.valid_to)

    @property
    def label(self) -> str:
        """``table/key/param@valid_from`` — what a run lists among the factors it used."""
        return f"{self.table}/{self.key}/{self.param}@{self.valid_from or '-'}:{self.version}"

    def ref(self) -> dict:
        """Plain, JSON-ready record of the row (stored with every run, shown with every figure)."""
        d = asdict(self)
        d["value"] = self.text
        return d


def setting_factor(table: str, key: str, param: str, value: Fraction | str, unit: str, name: str) -> Factor:
    """A value given as a setting instead of the library (recorded like a factor, status ``setting``)."""
    v = exact(value)
    return Factor(table, key, param, v, str(value), unit, None, None, f"setting:{name}", "setting",
                  f"调用参数 {name}", origin="setting")


def _year(text: str | None, field: str) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    t = str(text).strip()
    if not t.isdigit() or not 1900 <= int(t) <= 2100:
        raise FactorError(f"{field}“{text}”应为四位年份")
    return int(t)


def parse_row(row: Mapping[str, object], *, origin: str = "packaged", row_id: int | None = None) -> Factor:
    """Validate one row (CSV, database or a bureau's entry) into a :class:`Factor`."""
    def s(k: str) -> str:
        v = row.get(k)
        return "" if v is None else str(v).strip()

    for k in ("table", "key", "param", "version", "status", "source", "unit"):
        if not s(k):
            raise FactorError(f"因子表行缺少字段“{k}”")
    if s("table") not in TABLE_NAMES:
        raise FactorError(f"因子表“{s('table')}”未知，应为：{'、'.join(TABLE_NAMES)}")
    if s("status") not in STATUSES:
        raise FactorError(f"状态“{s('status')}”应为 confirmed（已确认）或 UNCONFIRMED（未确认）")
    text = s("value")
    try:
        value = exact(text) if text else None
    except ValueError:
        raise FactorError(f"数值“{text}”不是数字") from None
    if value is not None and value < 0:
        raise FactorError(f"数值“{text}”不能为负")
    vf, vt = _year(s("valid_from"), "起始年份"), _year(s("valid_to"), "终止年份")
    if vf is not None and vt is not None and vt < vf:
        raise FactorError(f"有效期 {vf}—{vt} 起止颠倒")
    return Factor(s("table"), s("key"), s("param"), value, text, s("unit"), vf, vt, s("version"), s("status"),
                  s("source"), origin=origin, row_id=row_id)


@lru_cache(maxsize=1)
def _packaged_rows() -> tuple[Factor, ...]:
    text = resources.files("qingshan.standards").joinpath("data/carbon_factors.csv").read_text(encoding="utf-8")
    return tuple(parse_row(r) for r in csv.DictReader(io.StringIO(text)))


_ORIGIN_RANK = {"packaged": 0, "bureau": 1, "setting": 2}


class FactorTable:
    """An immutable set of factor rows with the lookups of carbon.md.

    Precedence among rows valid for a year: the latest ``valid_from`` (most specific), then a
    bureau row over a packaged one, then the row added last.
    """

    def __init__(self, rows: Iterable[Factor]):
        self._rows: tuple[Factor, ...] = tuple(rows)
        idx: dict[tuple[str, str, str], list[tuple[int, Factor]]] = {}
        for i, r in enumerate(self._rows):
            idx.setdefault((r.table, r.key, r.param), []).append((i, r))
        self._index = idx

    @classmethod
    def packaged(cls) -> FactorTable:
        """The table shipped with qingshan (carbon.md of 2026-12-01)."""
        return cls(_packaged_rows())

    def with_rows(self, rows: Iterable[Factor]) -> FactorTable:
        """This table plus rows (the bureau's), which take precedence as described above."""
        return FactorTable(self._rows + tuple(rows))

    @property
    def rows(self) -> tuple[Factor, ...]:
        return self._rows

    def _candidates(self, table: str, key: str, param: str) -> list[tuple[int, Factor]]:
        return self._index.get((table, key, param), [])

    @staticmethod
    def _rank(item: tuple[int, Factor]) -> tuple:
        i, r = item
        return (r.valid_from if r.valid_from is not None else -1, _ORIGIN_RANK.get(r.origin, 0), i)

    def find(self, table: str, key: str, param: str, year: int | None = None) -> Factor | None:
        """The row in force for ``year`` (any row when year is None), or None."""
        rows = [c for c in self._candidates(table, key, param) if c[1].valid_in(year)]
        if not rows:
            return None
        return max(rows, key=self._rank)[1]

    def get(self, table: str, key: str, param: str, year: int | None = None) -> Factor:
        """Like :meth:`find`, but a missing or unloaded value is an error (Chinese)."""
        f = self.find(table, key, param, year)
        where = f"{TABLE_NAMES.get(table, table)}“{key}”的 {param}" + (f"（{year}年）" if year is not None else "")
        if f is None:
            raise FactorMissing(f"因子库中没有{where}")
        if f.value is None:
            raise FactorMissing(f"{where}未载入数值：{f.source}")
        return f

    def latest(self, table: str, key: str, param: str, year: int) -> tuple[Factor, list[str]]:
        """The row of the latest data year ≤ ``year`` whose value is loaded, and warnings.

        carbon.md §8.1 (``city_grid_factor``) and §8.2 (``equal_value_kgce_per_kwh``): a
        published but unloaded later year is reported as a warning, never guessed.
        """
        rows = [c for c in self._candidates(table, key, param) if c[1].valid_from is not None and c[1].valid_from <= year]
        if not rows:
            raise FactorMissing(f"因子库中没有{TABLE_NAMES.get(table, table)}“{key}”{year}年及以前的 {param}")
        warnings: list[str] = []
        by_year: dict[int, tuple[int, Factor]] = {}
        for c in rows:
            y = c[1].valid_from
            if y not in by_year or self._rank(c) > self._rank(by_year[y]):
                by_year[y] = c
        for y in sorted(by_year, reverse=True):
            f = by_year[y][1]
            if f.value is None:
                warnings.append(f"{TABLE_NAMES.get(table, table)}“{key}”{y}年未载入数值（{f.source}），改用更早年份")
                continue
            return f, warnings
        raise FactorMissing(f"因子库中{TABLE_NAMES.get(table, table)}“{key}”{year}年及以前均未载入数值")

    def keys(self, table: str) -> list[str]:
        return sorted({k for (t, k, _p) in self._index if t == table})

    def frame(self) -> pl.DataFrame:
        """All rows as a frame (text values; for listing and export)."""
        return pl.DataFrame(
            [{**{c: getattr(r, c) if c != "value" else r.text for c in COLUMNS}, "origin": r.origin} for r in self._rows],
            schema={**{c: pl.Utf8 for c in COLUMNS}, "valid_from": pl.Int64, "valid_to": pl.Int64, "origin": pl.Utf8},
        )


def packaged() -> FactorTable:
    return FactorTable.packaged()


class FactorLog:
    """Collects the factors a computation used (deduplicated, in order of first use)."""

    def __init__(self) -> None:
        self._seen: dict[str, Factor] = {}

    def use(self, f: Factor) -> Fraction:
        self._seen.setdefault(f.label, f)
        assert f.value is not None
        return f.value

    def extend(self, factors: Iterable[Factor]) -> None:
        for f in factors:
            self._seen.setdefault(f.label, f)

    @property
    def factors(self) -> tuple[Factor, ...]:
        return tuple(self._seen.values())
