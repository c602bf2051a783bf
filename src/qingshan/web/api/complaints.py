"""Public complaint endpoints (no login): submit, and look up by tracking number."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qingshan.ledgers import service
from qingshan.web.deps import get_db

router = APIRouter(prefix="/api/complaints", tags=["公众投诉 complaints"])


class ComplaintIn(BaseModel):
    content: str = Field(min_length=1, max_length=4000, description="投诉内容")
    location: str | None = Field(None, max_length=300, description="事发地点")
    channel: str | None = Field(None, description="来源渠道，默认“网站”")
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)


@router.post("", status_code=201, summary="提交投诉举报（公众，无需登录），返回受理编号")
def submit(body: ComplaintIn, request: Request, db: Session = Depends(get_db)) -> dict:
    item = service.submit_complaint(db, request, body.model_dump())
    return {"tracking_no": item.tracking_no, "status_label": service.state_label("complaint", item.status)}


@router.get("/{tracking_no}", summary="按受理编号查询办理状态（不含个人信息）")
def status(tracking_no: str, db: Session = Depends(get_db)) -> dict:
    return service.complaint_public_status(db, tracking_no[:32])
