"""Pollution sources (污染源监控): enterprises, outlets, latest values, open alarms.

The registry is read through :mod:`qingshan.sources.queries`; the monitoring data (alarms, the
latest hourly packet of each device) through the HJ 212 models and :func:`qingshan.hj212.derive.flatten`,
composed here because the page shows both domains.
"""

from __future__ import annotations

import polars as pl
from fastapi import APIRouter, Request
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from qingshan.core.labels import ALARM_KINDS, FACTORS, label
from qingshan.core.org import list_units
from qingshan.core.results import Result
from qingshan.hj212.derive import flatten
from qingshan.hj212.models import Alarm, DataRecord, RawPacket
from qingshan.sources import queries
from qingshan.web.deps import InternalUser, SessionDep
from qingshan.web.pages.render import render

router = APIRouter()


def open_alarms(db: Session, limit: int = 500) -> Result:
    """Open HJ 212 alarms (:mod:`qingshan.hj212.alarms`) with their enterprise and outlet."""
    outlets, devices = queries.outlet_names(db), queries.where_is(db)
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

    The values are read from the raw archive (the data table is the de-duplication index)."""
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
    devices = queries.where_is(db)
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


@router.get("/sources")
def sources(request: Request, user: InternalUser, db: SessionDep):
    divisions = {u.code: u.name for u in list_units(db)}
    ents = queries.enterprises(db)
    for e in ents.rows:
        e["county"] = divisions.get(e["county_code"], e["county_code"])
    ctx = {
        "active": "sources",
        "user": user,
        "enterprises": ents,
        "outlets": queries.outlets(db),
        "latest": latest_values(db),
        "alarms": open_alarms(db),
    }
    return render(request, "sources/index.html", ctx)
