"""Pollution-source alarms from the HJ 212 gateway (:func:`qingshan.hj212.alarms.list_alarms`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from qingshan.core.labels import ALARM_KINDS, label
from qingshan.hj212.alarms import list_alarms
from qingshan.web.api.schemas import AlarmsOut
from qingshan.web.deps import InternalUser

router = APIRouter(prefix="/api/sources", tags=["污染源 sources"])


@router.get("/alarms", response_model=AlarmsOut, summary="HJ 212 在线监控报警（超标、异常标记、恒值、缺数）")
def alarms(request: Request, user: InternalUser, open_only: bool = True) -> dict:
    rows = [a | {"kind_label": label(ALARM_KINDS, a["kind"])}
            for a in list_alarms(request.app.state.engine, open_only=open_only)]
    return {"alarms": rows, "count": len(rows)}
