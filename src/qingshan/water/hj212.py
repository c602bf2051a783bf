"""Automatic-station data received over HJ 212 (ST = 21 surface water, ST = 32 water) → water
observations.

The gateway stores packets; :func:`qingshan.hj212.derive.flatten` reads their values exactly
(one row per packet, factor and field, the factor's ``-Flag``). :func:`observations_from_hj212`
maps those rows into the water observation frame
(:data:`qingshan.water.store.WRITE_SCHEMA`):

* MN → section by the station configuration (:class:`StationConfig`); rows of an MN without one
  are not mapped and are reported;
* factor code → GB 3838 item and the unit it arrives in, by hj212.md §12.3 (packaged table
  ``standards/data/water_hj212_factors.json``, version and status carried; UNCONFIRMED as a
  national rule). Which code a station sends for an item, and in which unit, is per-station
  configuration: ``StationConfig.codes`` picks the code per item and ``StationConfig.units``
  overrides a code's unit. When a station sends two codes for one item and its configuration
  names neither, the first code of the table is used and the other reported (§12.3);
* the value is taken from the **text received** and converted exactly (μg/L → mg/L ÷ 1000 on
  integers; an As value read under the wrong code's unit would be off by 1000, §12.3 note);
* the data flag is kept as received: the single flag policy of hj212.md §9.3 is applied by the
  period statistics (:mod:`qingshan.standards.water_statistics`), never here.

Do not confuse this with ``qingshan.hj212`` itself, which this module only reads.

References
----------
.. [1] ../shared/standards/hj212.md §9.3 (flags), §11 (DataTime), §12.3 (water factor codes).
.. [2] ../shared/standards/water.md §8, §11 ("map factor codes to Table 1 items and convert units").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import polars as pl

from qingshan.standards.water_values import nano_from_text
from qingshan.water import items as I
from qingshan.water.store import WRITE_SCHEMA

SOURCE = "hj212"


@dataclass(frozen=True)
class FactorTable:
    version: str
    status: str
    source: str
    #: (code, item, unit) in table order
    rows: tuple[tuple[str, str, str], ...]


@lru_cache(maxsize=1)
def default_factor_table() -> FactorTable:
    doc = json.loads(resources.files("qingshan.standards").joinpath("data", "water_hj212_factors.json").read_text("utf-8"))
    return FactorTable(
        f"{doc['name']} {doc['version']}", doc["status"], doc["source"],
        tuple((r["code"], r["item"], r["unit"]) for r in doc["factors"]),
    )


@dataclass(frozen=True)
class StationConfig:
    """How one automatic station (MN) reports: its section, and per-item codes and units."""

    section_code: str
    #: item code → the HJ 212 factor code this station sends for it (e.g. {"as": "w20141"})
    codes: Mapping[str, str] = field(default_factory=dict)
    #: HJ 212 factor code → unit it arrives in (overrides the table default)
    units: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingNote:
    """Something not mapped or mapped by default, for the operator (Chinese)."""

    mn: str
    factor: str | None
    count: int
    reason: str


def observations_from_hj212(
    values: pl.DataFrame,
    stations: Mapping[str, StationConfig],
    *,
    cn: Sequence[str] = ("2061",),
    field_name: str = "Avg",
    table: FactorTable | None = None,
) -> tuple[pl.DataFrame, list[MappingNote]]:
    """Stored HJ 212 values → water observations (:data:`~qingshan.water.store.WRITE_SCHEMA`).

    Parameters
    ----------
    values : polars.DataFrame
        :func:`qingshan.hj212.derive.flatten` output: ``mn, cn, datatime, factor, field, text,
        flag`` (``value`` and ``raw_id`` are not used: the text is re-read at nano precision).
    stations : mapping MN → :class:`StationConfig`
    cn : command codes to take (default hourly data 2061; 2031 daily, 2011 real-time)
    field_name : the field of each factor (``Avg`` for 2061/2031, ``Rtd`` for 2011)
    table : the factor table (default: the packaged hj212.md §12.3 table)

    Returns
    -------
    (observations, notes)
        ``time`` is the packet's DataTime as transmitted (hj212.md §11: the start of the hour
        for 2061 by default). ``flag`` is the factor's flag letter as received.
    """
    table = table or default_factor_table()
    notes: list[MappingNote] = []
    v = values.filter(pl.col("cn").is_in(list(cn)) & (pl.col("field") == field_name))
    if v.is_empty():
        return pl.DataFrame(schema=WRITE_SCHEMA), notes
    known = v.filter(pl.col("mn").is_in(list(stations)))
    for mn, n in v.filter(~pl.col("mn").is_in(list(stations))).group_by("mn").len().iter_rows():
        notes.append(MappingNote(mn, None, n, f"设备 MN {mn} 未关联断面，{n} 个数值未导入"))
    # per (MN, factor): item and unit in force
    default_unit = {c: u for c, _i, u in table.rows}
    item_of = {c: i for c, i, _u in table.rows}
    order = {c: k for k, (c, _i, _u) in enumerate(table.rows)}
    pairs = known.select("mn", "factor").unique().sort("mn", "factor").iter_rows()
    sent: dict[str, dict[str, list[str]]] = {}
    for mn, factor in pairs:
        item = item_of.get(factor)
        if item is None:
            continue
        sent.setdefault(mn, {}).setdefault(item, []).append(factor)
    rows = []
    for mn, by_item in sent.items():
        cfg = stations[mn]
        for item, codes in by_item.items():
            want = cfg.codes.get(item)
            if want is not None and want in codes:
                use = want
            else:
                use = sorted(codes, key=lambda c: order[c])[0]
            for c in codes:
                if c != use:
                    notes.append(MappingNote(mn, c, 0, f"{I.NAMES[item]}同时以 {use} 和 {c} 上报，采用 {use}，{c} 未导入"))
            unit = cfg.units.get(use, default_unit[use])
            factor = I.unit_factor(item, unit)
            if factor is None:
                notes.append(MappingNote(mn, use, 0, f"{use} 的单位「{unit}」无法换算为{I.NAMES[item]}的单位 {I.UNITS[item]}，未导入"))
                continue
            rows.append((mn, use, cfg.section_code, item, factor[0], factor[1]))
    unmapped = known.filter(~pl.col("factor").is_in(list(item_of)))
    for mn, factor, n in unmapped.group_by("mn", "factor").len().sort("mn", "factor").iter_rows():
        notes.append(MappingNote(mn, factor, n, f"因子 {factor} 不是地表水评价项目，{n} 个数值未导入"))
    if not rows:
        return pl.DataFrame(schema=WRITE_SCHEMA), notes
    m = pl.DataFrame(rows, schema={"mn": pl.Utf8, "factor": pl.Utf8, "section_code": pl.Utf8, "item": pl.Utf8,
                                   "_num": pl.Int64, "_den": pl.Int64}, orient="row")
    j = known.join(m, on=["mn", "factor"], how="inner").with_columns(_n=nano_from_text(pl.col("text")) * pl.col("_num"))
    bad = j.filter(pl.col("_n").is_null() | (pl.col("_n") % pl.col("_den") != 0) | ((pl.col("_n") < 0) & (pl.col("item") != "wt")))
    for mn, factor, n in bad.group_by("mn", "factor").len().sort("mn", "factor").iter_rows():
        notes.append(MappingNote(mn, factor, n, f"{n} 个数值不是有效数值（非数字、负数或换算后超过 9 位小数），未导入"))
    ok = j.join(bad.select("mn", "factor", "datatime", "cn"), on=["mn", "factor", "datatime", "cn"], how="anti", nulls_equal=True)
    out = ok.filter(pl.col("datatime").is_not_null()).select(
        pl.col("section_code"),
        pl.col("datatime").cast(pl.Datetime("us")).alias("time"),
        pl.col("item"),
        (pl.col("_n") // pl.col("_den")).cast(pl.Int64).alias("value_nano"),
        pl.lit(False).alias("nd"),
        pl.lit(None, pl.Int64).alias("dl_nano"),
        pl.col("flag"),
        pl.col("text"),
    )
    return out.cast(WRITE_SCHEMA), notes  # type: ignore[arg-type]
