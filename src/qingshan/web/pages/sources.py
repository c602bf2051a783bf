"""Pollution sources (污染源监控): enterprises, outlets, latest values, open alarms.

The registry is read through :mod:`qingshan.sources.queries`; the monitoring data (alarms, the
latest hourly packet of each device) through :mod:`qingshan.hj212.queries`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from qingshan.core.org import list_units
from qingshan.hj212.queries import latest_values, open_alarms
from qingshan.sources import queries
from qingshan.web.deps import InternalUser, SessionDep
from qingshan.web.pages.render import render

router = APIRouter()


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
