"""Emission-limit sets shipped as data (``limit_sets.csv``), one row per (set, factor).

Every number carries the standard and the table it comes from; ``note`` records the table
footnotes that the set does not model (regional variants, water-temperature variants).

Sets shipped:

* ``gb13223_2011_coal_new`` / ``_existing`` / ``_special`` — GB 13223—2011 火电厂大气污染物
  排放标准, Table 1 (coal-fired boilers; new and existing) and Table 2 (special limits for key
  regions), in mg/m³ converted to the reference oxygen content of Table 3 (6 % for coal-fired
  boilers) [1]_.
* ``ultra_low_2015`` — 超低排放: PM 10, SO2 35, NOx 50 mg/m³ at 6 % O2, 环发〔2015〕164号 [2]_.
* ``gb18918_2002_1a`` / ``_1b`` — GB 18918—2002 Table 1, class 1A / 1B daily means, mg/L [3]_.

Factor codes are HJ 212—2017 Tables B.1/B.2 (hj212.md §12.2, §12.3).

``basis`` says which transmitted value the limit is compared with: ``converted`` → the
``Zs`` fields (``-ZsAvg``, ``-ZsRtd``, hj212.md §5.2), ``measured`` → the plain fields.
``period`` says which data type is judged: ``hour`` (CN 2061) or ``day`` (CN 2031); which
averaging period an exceedance is judged on is local policy (UNCONFIRMED), overridable per
call in :mod:`qingshan.hj212.alarms`.

References
----------
.. [1] GB 13223—2011, 表1 火力发电锅炉及燃气轮机组大气污染物排放浓度限值; 表2 大气污染物
       特别排放限值; 表3 基准氧含量.
.. [2] 环境保护部 国家发展改革委 国家能源局 环发〔2015〕164号《全面实施燃煤电厂超低排放和
       节能改造工作方案》.
.. [3] GB 18918—2002 城镇污水处理厂污染物排放标准, 表1 基本控制项目最高允许排放浓度（日均值）.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import polars as pl

LIMIT_SETS_CSV = Path(__file__).with_name("limit_sets.csv")


@dataclass(frozen=True)
class LimitSpec:
    set_id: str
    factor: str
    factor_name: str
    limit_value: str  # decimal text, exact
    unit: str
    basis: str  # "measured" | "converted"
    ref_o2: str | None
    period: str  # "hour" | "day"
    standard: str
    clause: str
    note: str | None

    @property
    def value(self) -> Decimal:
        return Decimal(self.limit_value)


@lru_cache(maxsize=1)
def limit_table() -> pl.DataFrame:
    """All shipped limit rows as strings (exact decimal text)."""
    return pl.read_csv(LIMIT_SETS_CSV, infer_schema=False)


def limit_set_ids() -> list[str]:
    return limit_table().get_column("set_id").unique(maintain_order=True).to_list()


def limit_set(set_id: str) -> list[LimitSpec]:
    rows = limit_table().filter(pl.col("set_id") == set_id)
    if rows.is_empty():
        raise KeyError(f"未知的排放限值集“{set_id}”；可用：{', '.join(limit_set_ids())}")
    return [
        LimitSpec(
            set_id=r["set_id"],
            factor=r["factor"],
            factor_name=r["factor_name"],
            limit_value=r["limit_value"],
            unit=r["unit"],
            basis=r["basis"],
            ref_o2=r["ref_o2"] or None,
            period=r["period"],
            standard=r["standard"],
            clause=r["clause"],
            note=r["note"] or None,
        )
        for r in rows.iter_rows(named=True)
    ]
