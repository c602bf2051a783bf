"""The emergency domain's only contact with the HJ 212 store: one read, one write.

* :func:`read_hourly` — hourly values (CN 2061) of given devices over a period, as one polars
  frame ``enterprise_id, outlet_id, mn, factor, hour, avg, zs_avg, cou, flag, valid``, read
  through :func:`qingshan.hj212.queries.read_values` from the typed values table (exact
  micro-units; one value per (MN, DataTime, factor), the first stored, hj212.md §10.5 rule 7;
  the hour is the start of the period per the device's ``datatime_label``, hj212.md §11), and
  ``valid`` is the single flag policy (:func:`qingshan.hj212.derive.valid_mask`, hj212.md §9.3).
  A change of the HJ 212 schema is adapted here and nowhere else.
* :func:`write_hourly` — simulated hourly data (demo, benchmark) into the HJ 212 store as the
  gateway would store them: CN 2061 packets built with :func:`qingshan.hj212.packet.build` and
  committed by the gateway's writer (:class:`qingshan.hj212.gateway.writer.BatchWriter`: raw
  archive, deduplicated index and values table in one transaction per batch).

Units (hj212.md §12.2): pollutant ``avg``/``zs_avg`` micro mg/m³, ``cou`` micro kg; flow
``a00000`` ``avg`` micro m³/s, ``cou`` micro m³ (exact micro-units, :mod:`qingshan.exact`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone

import polars as pl
from sqlalchemy import Engine, select

from qingshan.hj212 import derive
from qingshan.hj212.gateway.writer import ArchiveItem, BatchWriter
from qingshan.hj212.packet import build
from qingshan.hj212.queries import read_values
from qingshan.sources.models import Device, Outlet

#: Factors the emergency domain reads (hj212.md §12.2): SO2, NOx, PM, NMHC, flow, O2.
FACTORS = ("a21026", "a21002", "a34013", "a24088", "a00000", "a19001", "a21001")
HOURLY_COLUMNS = {
    "enterprise_id": pl.Int64, "outlet_id": pl.Int64, "mn": pl.String, "factor": pl.String,
    "hour": pl.Datetime("us"), "avg": pl.Int64, "zs_avg": pl.Int64, "cou": pl.Int64, "flag": pl.String,
    "valid": pl.Boolean,
}


def read_hourly(engine: Engine, mns: Sequence[str], start: datetime, end: datetime, *,
                factors: Iterable[str] = FACTORS, statistics_valid_flags: Iterable[str] = derive.DEFAULT_VALID_FLAGS,
                statistics_missing_flag_valid: bool = False) -> pl.DataFrame:
    """Hourly records (CN 2061) of the devices ``mns`` whose hour starts in [start, end).

    Returns :data:`HOURLY_COLUMNS`, one row per (mn, factor, hour); ``enterprise_id`` and
    ``outlet_id`` from the sources registry (null for an unregistered MN).
    """
    mns = sorted(set(mns))
    values = read_values(engine, mns, start, end, cn="2061", factors=tuple(factors),
                         columns=("avg", "zs_avg", "cou", "flag"))
    if values.is_empty():
        return pl.DataFrame(schema=HOURLY_COLUMNS)
    dq = (select(Device.mn, Device.outlet_id, Outlet.enterprise_id)
          .join(Outlet, Outlet.id == Device.outlet_id, isouter=True).where(Device.mn.in_(mns)))
    with engine.connect() as conn:
        devices = conn.execute(dq).all()
    dev = pl.DataFrame({"mn": [d[0] for d in devices], "outlet_id": [d[1] for d in devices],
                        "enterprise_id": [d[2] for d in devices]},
                       schema={"mn": pl.String, "outlet_id": pl.Int64, "enterprise_id": pl.Int64})
    wide = values.rename({"period_start": "hour"}).join(dev, on="mn", how="left").with_columns(
        valid=derive.valid_mask("flag", statistics_valid_flags, statistics_missing_flag_valid))
    return wide.select([pl.col(c).cast(t) for c, t in HOURLY_COLUMNS.items()]).sort("mn", "factor", "hour")


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
            values: dict[str, dict[str, str]] = {}
            for r in g.iter_rows(named=True):
                fields = {}
                for c, suffix in (("avg", "Avg"), ("zs_avg", "ZsAvg"), ("cou", "Cou"), ("flag", "Flag")):
                    if c in cols and r[c] is not None:
                        fields[suffix] = str(r[c])
                cp[r["factor"]] = fields
                values[r["factor"]] = fields  # = the packet's values_2017, as the gateway hands them over
            seq += 1
            qn = f"{dt}{seq % 1000:03d}"
            raw = build(qn=qn, st=st, cn="2061", pw=password, mn=mn, flag=4, cp=cp)
            items.append(ArchiveItem(received_at=datetime.now(timezone.utc).replace(tzinfo=None), peer=peer, raw=raw,
                                     verdict="accepted", mn=mn, st=st, cn="2061", qn=qn, flag=4, store=True,
                                     datatime=hour, values=values))
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
