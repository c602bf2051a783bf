"""Pollution-source alarms from the HJ 212 domain, when it is installed (defensive import)."""

from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends, HTTPException, Request

from qingshan.web.deps import require_internal
from qingshan.web.models import User

router = APIRouter(prefix="/api/sources", tags=["污染源 sources"])


@router.get("/alarms", summary="HJ 212 在线监控报警（超标、异常标记、恒值、缺数）")
def alarms(request: Request, open_only: bool = True, user: User = Depends(require_internal)) -> dict:
    try:
        hj212_alarms = importlib.import_module("qingshan.hj212.alarms")
    except ImportError:
        raise HTTPException(503, "污染源在线监控模块尚未安装。") from None
    try:
        rows = hj212_alarms.list_alarms(request.app.state.engine, open_only=open_only)
    except Exception as exc:  # hj212 tables not migrated, or its API changed
        raise HTTPException(503, f"污染源报警数据暂不可用：{type(exc).__name__}") from None
    return {"alarms": rows, "count": len(rows)}
