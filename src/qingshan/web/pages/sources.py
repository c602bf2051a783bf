"""Pollution sources (污染源监控): enterprises, outlets, latest values, open alarms."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from qingshan.web.deps import get_db, require_internal
from qingshan.web.pages import data
from qingshan.web.pages.render import render

router = APIRouter()


@router.get("/sources")
def sources(request: Request, user=Depends(require_internal), db=Depends(get_db)):
    divisions = {u["code"]: u["name"] for u in data.units(db)}
    ents = data.enterprises(db)
    for e in ents.rows:
        e["county"] = divisions.get(e["county_code"], e["county_code"])
    ctx = {
        "active": "sources",
        "user": user,
        "enterprises": ents,
        "outlets": data.outlets(db),
        "latest": data.latest_values(db),
        "alarms": data.open_alarms(db),
    }
    return render(request, "sources/index.html", ctx)
