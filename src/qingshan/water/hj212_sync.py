"""HJ 212 values of the linked automatic stations → water observations (``qingshan water sync-hj212``).

The glue between the gateway's typed values table and the water store, in four steps:

1. the active links (:func:`qingshan.water.stations.active_stations`): MN → section, the
   station's factor codes and units (hj212.md §12.3);
2. their statistics values whose period starts in ``[start, end)``, read with the generic read
   side :func:`qingshan.hj212.queries.read_values` (never the raw packets here), hourly
   (CN 2061) or daily (CN 2031) data; a value outside its link's validity is left out;
3. the frame :func:`qingshan.water.hj212.observations_from_hj212` takes (the shape of
   :func:`qingshan.hj212.derive.flatten`): ``text`` is the exact decimal of the stored
   micro-unit value (:func:`micro_text`), ``flag`` the factor's ``-Flag`` as stored, ``datatime``
   the **period start** (hj212.md §11: a device labelling its periods by their end is read
   back to the start by ``read_values``, so every station's hour means the same hour);
4. :func:`qingshan.water.importer.import_frame` with ``source="hj212"``: one batch, one
   transaction, upsert on (section, time, item, source) — a second run duplicates nothing.

The flags are kept as received; the statistics apply the one flag policy of hj212.md §9.3
(:mod:`qingshan.standards.water_statistics`), never this module.

What the values table cannot give back: the text as the device wrote it. A value is stored in
micro-units (:func:`qingshan.hj212.values.micro`: exact up to six decimals, rounded to odd
beyond), so ``"7.820"`` comes back as ``"7.82"`` — the same number. A value whose text was not
a number is NULL there; such values are reported (by factor and count) and not imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from qingshan.hj212.queries import read_values
from qingshan.water.hj212 import SOURCE, MappingNote, observations_from_hj212
from qingshan.water.importer import import_frame
from qingshan.water.stations import LinkedStation, active_stations
from qingshan.water.store import WaterStore

#: The CNs a sync takes: hourly and daily statistics (hj212.md §8 Table 9; the water
#: evaluation works on hourly or daily means, never on 2011 real-time or 2051 minute data).
SYNC_CNS = ("2061", "2031")
_MICRO = 1_000_000


@dataclass
class SyncResult:
    """Counts of one sync, and every mapping note (Chinese) for the operator."""

    start: datetime
    end: datetime
    cn: str
    devices: int = 0
    values_read: int = 0
    values_outside_validity: int = 0
    observations: int = 0
    observations_written: int = 0
    observations_new: int = 0
    observations_rejected: int = 0
    batch_id: int | None = None
    notes: list[MappingNote] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(sep=" "), "end": self.end.isoformat(sep=" "), "cn": self.cn,
            "devices": self.devices, "values_read": self.values_read,
            "values_outside_validity": self.values_outside_validity, "observations": self.observations,
            "observations_written": self.observations_written, "observations_new": self.observations_new,
            "observations_rejected": self.observations_rejected,            "batch_id": self.batch_id,
            "notes": [{"mn": n.mn, "factor": n.factor, "count": n.count, "reason": n.reason} for n in self.notes],
        }


def micro_text(col: str | pl.Expr) -> pl.Expr:
    """Exact decimal text of an integer of micro-units (hj212.md §5.1 numbers, as stored by
    :func:`qingshan.hj212.values.micro`): ``7820000`` → ``"7.82"``, ``-500`` → ``"-0.0005"``,
    ``12000000`` → ``"12"``. Null stays null."""
    v = pl.col(col) if isinstance(col, str) else col
    mag = v.abs()
    whole = (mag // _MICRO).cast(pl.Utf8)
    frac = (mag % _MICRO).cast(pl.Utf8).str.zfill(6).str.strip_chars_end("0")
    sign = pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    body = pl.when(frac == "").then(whole).otherwise(pl.concat_str([whole, pl.lit("."), frac]))
    out = pl.concat_str([sign, body])  # null in, null out (concat_str propagates nulls)
    return out.alias(col) if isinstance(col, str) else out


def _within_validity(values: pl.DataFrame, linked: dict[str, LinkedStation]) -> pl.DataFrame:
    """The values whose period start lies in their link's ``[valid_from, valid_to)``."""
    bounds = pl.DataFrame(
        [(mn, s.valid_from, s.valid_to) for mn, s in linked.items()], orient="row",
        schema={"mn": pl.Utf8, "_from": pl.Datetime("us"), "_to": pl.Datetime("us")})
    v = values.join(bounds, on="mn", how="left")
    keep = ((pl.col("_from").is_null() | (pl.col("period_start") >= pl.col("_from")))
            & (pl.col("_to").is_null() | (pl.col("period_start") < pl.col("_to"))))
    return v.filter(keep).drop("_from", "_to")


def flatten_shaped(values: pl.DataFrame) -> tuple[pl.DataFrame, list[MappingNote]]:
    """:func:`~qingshan.hj212.queries.read_values` rows → the :func:`qingshan.hj212.derive.flatten`
    shape (``raw_id, mn, cn, datatime, factor, field, text, value, flag``, field ``Avg``).

    A row without an ``avg`` (the factor sent a flag but no Avg, or an Avg that was not a number,
    hj212.md §5.2) has nothing to map: it is left out and counted in a note."""
    missing = values.filter(pl.col("avg").is_null())
    notes = [MappingNote(mn, factor, n, f"因子 {factor} 有 {n} 个数值没有可用的 Avg（未上报或不是数值），未导入")
             for mn, factor, n in missing.group_by("mn", "factor").len().sort("mn", "factor").iter_rows()]
    frame = values.filter(pl.col("avg").is_not_null()).select(
        pl.col("raw_id"), pl.col("mn"), pl.col("cn"), pl.col("period_start").alias("datatime"), pl.col("factor"),
        pl.lit("Avg").alias("field"), micro_text("avg").alias("text"), pl.col("avg").alias("value"), pl.col("flag"),
    )
    return frame, notes


def _as_datetime(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def sync_hj212(url_or_engine: str | Engine | None, start: date | datetime, end: date | datetime, *,
               cn: str = "2061") -> SyncResult:
    """Import the linked stations' HJ 212 values whose period starts in ``[start, end)``.

    Parameters
    ----------
    url_or_engine : database URL, an engine (shared, not disposed), or None for the configured one
    start, end : naive Beijing time (hj212.md §11); a date means its 00:00
    cn : ``"2061"`` hourly (default) or ``"2031"`` daily data

    Raises
    ------
    ValueError
        (Chinese) an unsupported CN or an empty period; nothing is read or written.
    qingshan.water.importer.WaterImportFailed
        the write failed; the batch is marked failed and no observation is written.
    """
    if cn not in SYNC_CNS:
        raise ValueError(f"CN {cn} 不能同步：只支持小时数据 2061 和日数据 2031（hj212.md §8）")
    t0, t1 = _as_datetime(start), _as_datetime(end)
    if t1 <= t0:
        raise ValueError(f"同步时段为空：结束 {t1:%Y-%m-%d %H:%M} 不晚于开始 {t0:%Y-%m-%d %H:%M}")
    if isinstance(url_or_engine, Engine):
        store = WaterStore(url_or_engine.url.render_as_string(hide_password=False), engine=url_or_engine)
    else:
        store = WaterStore(url_or_engine)
    result = SyncResult(t0, t1, cn)
    try:
        linked = active_stations(store.engine)
        result.devices = len(linked)
        values = read_values(store.engine, sorted(linked), t0, t1, cn=cn, columns=("avg", "flag", "raw_id"))
        result.values_read = values.height
        values = _within_validity(values, linked) if linked else values
        result.values_outside_validity = result.values_read - values.height
        frame, notes = flatten_shaped(values)
        obs, mapping = observations_from_hj212(frame, {mn: s.config for mn, s in linked.items()}, cn=(cn,),
                                               field_name="Avg")
        result.notes = notes + mapping
        result.observations = obs.height
        imported = import_frame(obs, store, source=SOURCE, kind="hj212",
                                label=f"hj212:CN{cn}:{t0:%Y-%m-%d %H:%M}~{t1:%Y-%m-%d %H:%M}")
        result.observations_new = imported.values_new  # keys the upsert inserted (store.WriteCounts)
        result.observations_written = imported.values_written
        result.observations_rejected = imported.rows_rejected
        result.batch_id = imported.batch_id
    finally:
        store.close()
    return result
