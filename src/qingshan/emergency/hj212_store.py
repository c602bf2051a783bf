"""The emergency domain's only contact with the HJ 212 store: one read, one write.

* :func:`read_hourly` — hourly values (CN 2061) of given devices over a period, as one polars
  frame ``enterprise_id, outlet_id, mn, factor, hour, avg, zs_avg, cou, flag, valid``. Values
  come from the raw archive (their single source) read with the codec
  (:func:`qingshan.hj212.packet.parse`), deduplicated per value as hj212.md §10.5 rule 7 and
  :func:`qingshan.hj212.derive.flatten` do (latest received wins), the hour is the start of the
  period per the device's ``datatime_label`` (hj212.md §11), and ``valid`` is the single flag
  policy (:func:`qingshan.hj212.derive.valid_mask`, hj212.md §9.3). ``derive.flatten`` itself
  is not used: one Python row per field (≈ 12 per packet) made a million-value read take most of
  its time building rows; here one row per factor is built, only for the factors asked for. A
  change of the HJ 212 schema is adapted here and nowhere else.
* :func:`write_hourly` — simulated hourly data (demo, benchmark) into the HJ 212 store as the
  gateway would store them: CN 2061 packets built with :func:`qingshan.hj212.packet.build` and
  committed by the gateway's writer (:class:`qingshan.hj212.gateway.writer.BatchWriter`: raw
  archive + deduplicated index in one transaction per batch).

Units (hj212.md §12.2): pollutant ``avg``/``zs_avg`` micro mg/m³, ``cou`` micro kg; flow
``a00000`` ``avg`` micro m³/s, ``cou`` micro m³ (exact micro-units, :mod:`qingshan.exact`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone

import polars as pl
from sqlalchemy import Engine, select

from qingshan import exact
from qingshan.hj212 import derive
from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.gateway.writer import ArchiveItem, BatchWriter
from qingshan.hj212.models import DataRecord, RawPacket
from qingshan.hj212.packet import build, parse
from qingshan.sources.models import Device, Outlet

#: Factors the emergency domain reads (hj212.md §12.2): SO2, NOx, PM, NMHC, flow, O2.
FACTORS = ("a21026", "a21002", "a34013", "a24088", "a00000", "a19001", "a21001")
HOURLY_COLUMNS = {
    "enterprise_id": pl.Int64, "outlet_id": pl.Int64, "mn": pl.String, "factor": pl.String,
    "hour": pl.Datetime("us"), "avg": pl.Int64, "zs_avg": pl.Int64, "cou": pl.Int64, "flag": pl.String,
    "valid": pl.Boolean,
}
_FIELDS = {"Avg": "avg", "ZsAvg": "zs_avg", "Cou": "cou"}


def read_hourly(engine: Engine, mns: Sequence[str], start: datetime, end: datetime, *,
                factors: Iterable[str] = FACTORS, statistics_valid_flags: Iterable[str] = derive.DEFAULT_VALID_FLAGS,
                statistics_missing_flag_valid: bool = False) -> pl.DataFrame:
    """Hourly records (CN 2061) of the devices ``mns`` whose hour starts in [start, end).

    Returns :data:`HOURLY_COLUMNS`, one row per (mn, factor, hour); ``enterprise_id`` and
    ``outlet_id`` from the sources registry (null for an unregistered MN).
    """
    mns = sorted(set(mns))
    empty = pl.DataFrame(schema=HOURLY_COLUMNS)
    if not mns or end <= start:
        return empty
    # DataTime labels the period start by default; a device with datatime_label="end" labels
    # the hour [t−1 h, t) by t, so fetch one hour more on each side and shift below.
    q = (select(RawPacket.id.label("raw_id"), DataRecord.mn, DataRecord.flag, DataRecord.datatime, RawPacket.raw,
                DataRecord.received_at)
         .join(RawPacket, RawPacket.id == DataRecord.raw_id)
         .where(DataRecord.cn == "2061", DataRecord.mn.in_(mns),
                DataRecord.datatime >= start - timedelta(hours=1), DataRecord.datatime <= end + timedelta(hours=1)))
    dq = (select(Device.mn, Device.datatime_label, Device.outlet_id, Outlet.enterprise_id)
          .join(Outlet, Outlet.id == Device.outlet_id, isouter=True).where(Device.mn.in_(mns)))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        devices = conn.execute(dq).all()
    if not rows:
        return empty
    wanted = tuple(factors)
    records = pl.DataFrame(
        {"raw_id": [r[0] for r in rows], "mn": [r[1] for r in rows], "version": [r[2] >> 2 for r in rows],
         "datatime": [r[3] for r in rows], "text": [bytes(r[4]).decode("utf-8", "replace") for r in rows],
         "received_at": [r[5] for r in rows]},
        schema={"raw_id": pl.Int64, "mn": pl.String, "version": pl.Int64, "datatime": pl.Datetime("us"),
                "text": pl.String, "received_at": pl.Datetime("us")})
    long = _factor_rows(records, wanted)
    dev = pl.DataFrame(
        {"mn": [d[0] for d in devices], "datatime_label": [d[1] for d in devices],
         "outlet_id": [d[2] for d in devices], "enterprise_id": [d[3] for d in devices]},
        schema={"mn": pl.String, "datatime_label": pl.String, "outlet_id": pl.Int64, "enterprise_id": pl.Int64})
    fields = ("avg", "zs_avg", "cou")
    wide = (_latest(long).join(dev, on="mn", how="left")
            .with_columns(hour=pl.when(pl.col("datatime_label") == "end")
                          .then(pl.col("datatime") - pl.duration(hours=1)).otherwise(pl.col("datatime")))
            .filter((pl.col("hour") >= start) & (pl.col("hour") < end)))
    wide = _micro(wide, fields).with_columns(
        valid=derive.valid_mask("flag", statistics_valid_flags, statistics_missing_flag_valid))
    return wide.select([pl.col(c).cast(t) for c, t in HOURLY_COLUMNS.items()]).sort("mn", "factor", "hour")


_LONG = {"raw_id": pl.Int64, "mn": pl.String, "datatime": pl.Datetime("us"), "received_at": pl.Datetime("us"),
         "factor": pl.String, "avg": pl.String, "zs_avg": pl.String, "cou": pl.String, "flag": pl.String}


def _factor_rows(records: pl.DataFrame, factors: tuple[str, ...]) -> pl.DataFrame:
    """One row per (packet, factor) with the text of ``Avg``, ``ZsAvg``, ``Cou`` and ``Flag``.

    HJ 2017/2025 packets without log text are read with polars string operations following the
    CP grammar of hj212.md §5 (the data area between ``CP=&&`` and the last ``&&``; an item
    ``code-suffix=value`` starts the area or follows ``;`` or ``,``, and its value runs to the next
    ``;`` or ``,``; blanks are tolerated). The gateway checked each stored packet (CRC, grammar)
    when it accepted it. Packets that need more — log text ``//…//`` (§5), 2005 codes to translate
    (§13) — are read with the codec.
    """
    area = pl.col("text").str.extract(r"CP=&&(.*)&&", 1)
    simple = records.with_columns(area=area).with_columns(
        fast=(pl.col("version") >= 1) & pl.col("area").is_not_null() & ~pl.col("area").str.contains("//", literal=True))
    fast = simple.filter(pl.col("fast")).with_columns(pl.col("area").str.replace_all(r"\s", ""))
    parts = []
    for f in factors:
        code = re.escape(f)
        cols = [pl.col("area").str.extract(rf"(?:^|[;,]){code}-{sfx}=([^;,]*)", 1).alias(name)
                for sfx, name in (("Avg", "avg"), ("ZsAvg", "zs_avg"), ("Cou", "cou"), ("Flag", "flag"))]
        part = fast.select("raw_id", "mn", "datatime", "received_at", pl.lit(f).alias("factor"), *cols)
        parts.append(part.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in ("avg", "zs_avg", "cou", "flag")])))
    rows = []
    for raw_id, mn, dt, text, received in simple.filter(~pl.col("fast")).select(
            "raw_id", "mn", "datatime", "text", "received_at").iter_rows():
        for code, fields in _values(text.encode("utf-8")).items():
            if code in factors and any(k in fields for k in ("Avg", "ZsAvg", "Cou", "Flag")):
                rows.append((raw_id, mn, dt, received, code, fields.get("Avg"), fields.get("ZsAvg"),
                             fields.get("Cou"), fields.get("Flag")))
    parts.append(pl.DataFrame(rows, schema=_LONG, orient="row"))
    return pl.concat([p.select(list(_LONG)).cast(_LONG) for p in parts])


def _latest(long: pl.DataFrame) -> pl.DataFrame:
    """hj212.md §10.5 rule 7: one value per (MN, DataTime, factor, field), the latest received wins
    (a resend split differently is stored twice in the index), as :func:`derive.flatten` does.
    Only rows that share (MN, DataTime, factor) with another need the ordering."""
    key = ["mn", "datatime", "factor"]
    dup = long.select(pl.struct(key).is_duplicated()).to_series()
    if not dup.any():
        return long.drop("raw_id", "received_at")
    merged = (long.filter(dup).sort("received_at", "raw_id").group_by(key)
              .agg([pl.col(f).drop_nulls().last() for f in ("avg", "zs_avg", "cou", "flag")]))
    return pl.concat([long.filter(~dup).drop("raw_id", "received_at"), merged.select(long.drop("raw_id", "received_at").columns)])


_PLAIN = r"^\d{1,12}(\.\d{0,6})?$"


def _micro(frame: pl.DataFrame, cols: tuple[str, ...]) -> pl.DataFrame:
    """Decimal text → exact micro-unit integers (:func:`qingshan.exact.scaled_from_str`).

    Plain decimals with at most six decimals (every value a monitoring device sends) take a short
    exact path — integer part and the fraction padded to six digits, read as one integer; any
    other text (signs, more decimals, exponent-free oddities) goes through ``scaled_from_str``.
    """
    frame = frame.with_row_index("_i")
    fast = []
    for c in cols:
        parts = pl.col(c).str.split_exact(".", 1)
        digits = parts.struct.field("field_0") + parts.struct.field("field_1").fill_null("").str.pad_end(6, "0")
        fast.append(pl.when(pl.col(c).str.contains(_PLAIN)).then(digits.cast(pl.Int64, strict=False)).alias(f"_{c}"))
    frame = frame.with_columns(fast)
    odd = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() & pl.col(f"_{c}").is_null() for c in cols]))
    if odd.height:
        slow = odd.select("_i", *[exact.scaled_from_str(pl.col(c)).alias(f"_s{c}") for c in cols])
        frame = frame.join(slow, on="_i", how="left").with_columns(
            [pl.coalesce(f"_{c}", f"_s{c}").alias(f"_{c}") for c in cols]).drop([f"_s{c}" for c in cols])
    return frame.drop("_i", *cols).rename({f"_{c}": c for c in cols})


def _values(raw: bytes) -> dict[str, dict[str, str]]:
    """Per-factor fields of a stored packet by HJ 212—2017 code, read with the codec.

    The gateway accepted every stored packet: a conforming one takes the strict fast path, one it
    took with a tolerated deviation (or a CRC variant configured for its device, hj212.md §6a) is
    read leniently without re-judging its CRC.
    """
    try:
        return parse(raw).values_2017
    except HJ212Error:
        return parse(raw, lenient=True, accept_bad_crc=True).values_2017


def write_hourly(url: str, hourly: pl.DataFrame, *, password: str = "123456", st: str = "31",
                 peer: str = "demo:emergency", chunk: int = 5000,
                 progress: Callable[[int], None] | None = None) -> int:
    """Store hourly values as CN 2061 packets through the gateway's writer; returns packets written.

    ``hourly``: ``mn``, ``hour`` (start of the hour, naive Beijing time; devices registered with
    ``datatime_label="start"``), ``factor`` and the decimal text of any of ``avg``, ``zs_avg``,
    ``cou`` (hj212.md §5.1: numbers travel as text) and ``flag``. One packet per (mn, hour),
    unsplit; a packet already stored for the same (MN, CN, DataTime) is a duplicate and only
    archived (hj212.md §10.5), so writing twice duplicates nothing in the index.
    """
    cols = [c for c in ("avg", "zs_avg", "cou", "flag") if c in hourly.columns]
    writer = BatchWriter(url)
    written = 0
    try:
        writer.open()
        items: list[ArchiveItem] = []
        seq = 0
        for (mn, hour), g in hourly.sort("mn", "hour", "factor").group_by(["mn", "hour"], maintain_order=True):
            dt = hour.strftime("%Y%m%d%H%M%S")
            cp: dict = {"DataTime": dt}
            for r in g.iter_rows(named=True):
                fields = {}
                for c, suffix in (("avg", "Avg"), ("zs_avg", "ZsAvg"), ("cou", "Cou"), ("flag", "Flag")):
                    if c in cols and r[c] is not None:
                        fields[suffix] = str(r[c])
                cp[r["factor"]] = fields
            seq += 1
            qn = f"{dt}{seq % 1000:03d}"
            raw = build(qn=qn, st=st, cn="2061", pw=password, mn=mn, flag=4, cp=cp)
            items.append(ArchiveItem(received_at=datetime.now(timezone.utc).replace(tzinfo=None), peer=peer, raw=raw,
                                     verdict="accepted", mn=mn, st=st, cn="2061", qn=qn, flag=4, store=True,
                                     datatime=hour))
            if len(items) >= chunk:
                writer.commit(items)
                written += len(items)
                if progress:
                    progress(len(items))
                items = []
        if items:
            writer.commit(items)
            written += len(items)
            if progress:
                progress(len(items))
    finally:
        writer.close()
        writer.engine.dispose()
    return written
