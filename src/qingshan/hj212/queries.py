"""Read side of the HJ 212 store, for every domain and page that needs monitoring data.

* :func:`read_values` — the statistics values (CN 2051 minute, 2061 hour, 2031 day) of a list
  of devices over a period, from the typed values table ``hj212_value``, as one polars frame
  with each value's period (hj212.md §11, the device's ``datatime_label``) and the raw packet it
  came from. Generic on purpose: flue gas (ST 31) for the emergency verification, water (ST 21/32)
  for the water domain, any factor list.
* :func:`open_alarms`, :func:`latest_values` — the pollution-source page's two reads (alarms
  with their enterprise and outlet; each device's latest hourly packet, values as received).

Values are exact micro-units (:mod:`qingshan.hj212.values`): ``avg``/``zs_avg``… in 10⁻⁶ of the
factor's unit (hj212.md §12: mg/m³ for flue-gas concentrations, m³/s for flow ``a00000-Avg``,
kg for a pollutant's ``-Cou``, m³ for the flow's ``-Cou``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session

from qingshan.core.labels import ALARM_KINDS, FACTORS, label
from qingshan.core.results import Result
from qingshan.hj212.derive import flatten
from qingshan.hj212.models import Alarm, DataRecord, RawPacket
from qingshan.hj212.value_store import ensure_backfilled
from qingshan.hj212.values import FIELDS, STATISTICS_CNS
from qingshan.sources import queries as source_queries

VALUE_SCHEMA: dict[str, pl.DataType] = {
    "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"), "period_start": pl.Datetime("us"),
    "period_end": pl.Datetime("us"), "factor": pl.String,
    **{c: pl.Int64 for c in FIELDS.values()}, "flag": pl.String, "raw_id": pl.Int64,
}
#: The value columns a caller may ask for (:func:`read_values` ``columns``).
VALUE_COLUMNS = (*FIELDS.values(), "flag", "raw_id")
_US = timedelta(microseconds=1)


def _period(cn: str, min_interval_minutes: int) -> timedelta:
    return {"2051": timedelta(minutes=min_interval_minutes), "2061": timedelta(hours=1),
            "2031": timedelta(days=1)}[cn]


def _sqlite_time(t: datetime) -> str:
    # the text SQLAlchemy and the gateway's writer store on SQLite (4-digit year, microseconds)
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            f".{t.microsecond:06d}")


def read_values(engine: Engine, mns: Sequence[str], start: datetime, end: datetime, *, cn: str = "2061",
                factors: Iterable[str] | None = None, columns: Iterable[str] = VALUE_COLUMNS,
                min_interval_minutes: int = 10) -> pl.DataFrame:
    """Statistics values of the devices ``mns`` whose period starts in [start, end).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    mns : sequence of str
        Device numbers (MN, hj212.md §3).
    start, end : datetime
        Naive Beijing time (hj212.md §11); a value belongs when its **period start** lies in
        [start, end).
    cn : {"2061", "2051", "2031"}
        Hourly (default), minute or daily data.
    factors : iterable of str, optional
        HJ 212—2017 factor codes (2005 codes were translated when stored); default all.
    columns : iterable of str
        Which of :data:`VALUE_COLUMNS` to read (default all); the others come back null. A
        million values read in about half the time with the four a caller usually needs.
    min_interval_minutes : int
        Length of a minute period (the device's ``MinInterval``, hj212.md §5.2), for CN 2051.

    Returns
    -------
    polars.DataFrame
        :data:`VALUE_SCHEMA`, one row per (mn, datatime, factor), sorted by mn, factor, period:
        ``datatime`` as transmitted, ``period_start``/``period_end`` by the device's
        ``datatime_label`` (``start`` for an unregistered device, hj212.md §11), the fields in
        micro-units (null when absent), ``flag`` the factor's ``-Flag`` (validity is the
        caller's, :func:`qingshan.hj212.derive.valid_mask`), ``raw_id`` the raw packet.
    """
    if cn not in STATISTICS_CNS:
        raise ValueError(f"CN {cn} 不在数值表中（只有分钟 2051、小时 2061、日 2031 数据）")
    cols = [c for c in VALUE_COLUMNS if c in set(columns)]
    unknown = set(columns) - set(VALUE_COLUMNS)
    if unknown:
        raise ValueError(f"数值表没有列 {sorted(unknown)}（可选：{'、'.join(VALUE_COLUMNS)}）")
    mns = sorted(set(mns))
    empty = pl.DataFrame(schema=VALUE_SCHEMA)
    wanted = sorted(set(factors)) if factors is not None else None
    if not mns or end <= start or wanted == []:
        return empty
    ensure_backfilled(engine)
    length = _period(cn, min_interval_minutes)
    # DataTime is the period start by default; a device labelling periods by their end sends
    # start + length, so read one period more on each side and decide per device below.
    lo, hi = start - length, end + length
    if engine.dialect.name == "sqlite":
        frame, labels = _read_sqlite(engine, mns, cn, lo, hi, wanted, cols)
    else:
        frame, labels = _read_postgres(engine, mns, cn, lo, hi, wanted, cols)
    if frame.is_empty():
        return empty
    ends = sorted(mn for mn, lab in labels.items() if lab == "end")
    span = pl.duration(microseconds=length // _US)
    frame = frame.with_columns(cn=pl.lit(cn), period_start=pl.when(pl.col("mn").is_in(ends))
                               .then(pl.col("datatime") - span).otherwise(pl.col("datatime")))
    frame = frame.with_columns(period_end=pl.col("period_start") + span).filter(
        (pl.col("period_start") >= start) & (pl.col("period_start") < end))
    return frame.select([(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
                         for c, t in VALUE_SCHEMA.items()]).sort("mn", "factor", "period_start")


def _labels(cur, mns: list[str], p: str) -> dict[str, str]:
    cur.execute(f"SELECT mn, datatime_label FROM src_device WHERE mn IN ({', '.join([p] * len(mns))})", mns)
    return dict(cur.fetchall())


def _read_sqlite(engine: Engine, mns: list[str], cn: str, lo: datetime, hi: datetime, factors: list[str] | None,
                 cols: list[str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """SQLite: one row per device, its values joined into one text by SQLite itself, split by
    polars. Fetching a million rows through the Python driver (a tuple per row) cost twice as
    much. Separators are the ASCII unit/record separators, which no stored text holds
    (:func:`qingshan.hj212.values.value_rows` keeps printable ASCII only). The table is
    clustered by (mn, cn, datatime, factor), so grouping by device streams without a sort."""
    fields = ["factor", "datatime", *cols]
    token = " || char(31) || ".join(f"ifnull({c}, '')" for c in fields)
    sql = (f"SELECT mn, group_concat({token}, char(30)) FROM hj212_value WHERE cn = ? "
           f"AND mn IN ({', '.join('?' * len(mns))}) AND datatime >= ? AND datatime < ?")
    params: list = [cn, *mns, _sqlite_time(lo), _sqlite_time(hi)]
    if factors is not None:
        sql += f" AND factor IN ({', '.join('?' * len(factors))})"
        params += factors
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(sql + " GROUP BY mn", params)
        rows = cur.fetchall()
        labels = _labels(cur, mns, "?")
        conn.commit()
    finally:
        conn.close()
    frame = pl.DataFrame(rows, schema={"mn": pl.String, "t": pl.String}, orient="row")
    if frame.is_empty():
        return frame, labels
    frame = (frame.with_columns(pl.col("t").str.split("\x1e")).explode("t")
             .with_columns(pl.col("t").str.split_exact("\x1f", len(fields) - 1).struct.rename_fields(fields))
             .unnest("t"))
    return frame.with_columns(
        pl.col("datatime").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"),
        *[pl.col(c).cast(pl.Int64, strict=False) for c in cols if c != "flag"],
        *([pl.when(pl.col("flag") == "").then(None).otherwise(pl.col("flag")).alias("flag")] if "flag" in cols else []),
    ), labels


def _read_postgres(engine: Engine, mns: list[str], cn: str, lo: datetime, hi: datetime, factors: list[str] | None,
                   cols: list[str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """PostgreSQL: ``COPY (SELECT …) TO STDOUT`` as CSV, parsed by polars (no Python object per value)."""
    fields = ["mn", "factor", "datatime", *cols]
    sql = (f"SELECT {', '.join(fields)} FROM hj212_value WHERE cn = %s AND mn = ANY(%s) "
           f"AND datatime >= %s AND datatime < %s")
    params: list = [cn, mns, lo, hi]
    if factors is not None:
        sql += " AND factor = ANY(%s)"
        params.append(factors)
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        buf = bytearray()
        with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as cp:
            for block in cp:
                buf += block
        labels = _labels(cur, mns, "%s")
        conn.commit()
    finally:
        conn.close()
    if not buf:
        return pl.DataFrame(), labels
    schema = {"mn": pl.String, "factor": pl.String, "datatime": pl.String,
              **{c: (pl.String if c == "flag" else pl.Int64) for c in cols}}
    frame = pl.read_csv(bytes(buf), has_header=False, new_columns=fields, schema=schema)
    return frame.with_columns(pl.col("datatime").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")), labels


def open_alarms(db: Session, limit: int = 500) -> Result:
    """Open HJ 212 alarms (:mod:`qingshan.hj212.alarms`) with their enterprise and outlet."""
    outlets, devices = source_queries.outlet_names(db), source_queries.where_is(db)
    rows = []
    for a in db.scalars(select(Alarm).where(Alarm.status == "open").order_by(Alarm.start.desc()).limit(limit)):
        where = outlets.get(a.outlet_id) or devices.get(a.mn, {})
        rows.append({"id": a.id, "kind": label(ALARM_KINDS, a.kind), "mn": a.mn,
                     "factor": label(FACTORS, a.factor), "factor_code": a.factor, "start": a.start, "end": a.end,
                     "enterprise": where.get("enterprise", ""), "outlet": where.get("outlet", ""),
                     "evidence": a.evidence})
    return Result(rows=rows, reason="" if rows else "当前没有未解除的报警")


def latest_values(db: Session, limit_devices: int = 200) -> Result:
    """Each device's latest hourly packet (CN 2061): factor values exactly as received, with flags.

    Read from the raw archive with the codec (:func:`qingshan.hj212.derive.flatten`): the page
    shows the text each device sent, which the typed table does not keep."""
    D, R = DataRecord, RawPacket
    last = select(D.mn, func.max(D.datatime).label("t")).where(D.cn == "2061").group_by(D.mn).subquery()
    recs = db.execute(
        select(D.raw_id, D.mn, D.cn, D.datatime, R.raw)
        .join(R, R.id == D.raw_id)
        .join(last, and_(D.mn == last.c.mn, D.datatime == last.c.t))
        .where(D.cn == "2061")
        .limit(limit_devices * 4)
    ).all()
    if not recs:
        return Result(reason="尚未收到在线监控小时数据")
    frame = pl.DataFrame(
        [tuple(r) for r in recs], orient="row",
        schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"), "raw": pl.Binary},
    )
    devices = source_queries.where_is(db)
    rows: dict[tuple, dict] = {}
    for r in flatten(frame).to_dicts():
        where = devices.get(r["mn"], {})
        row = rows.setdefault((r["mn"], r["datatime"]), {
            "mn": r["mn"], "time": r["datatime"], "enterprise": where.get("enterprise", ""),
            "outlet": where.get("outlet", ""), "values": []})
        if r["field"] in ("Avg", "ZsAvg"):
            row["values"].append({"factor": label(FACTORS, r["factor"]),
                                  "field": "折算" if r["field"] == "ZsAvg" else "实测",
                                  "text": r["text"], "flag": r["flag"] or ""})
    return Result(rows=sorted(rows.values(), key=lambda x: (x["enterprise"], x["outlet"], x["mn"])))
