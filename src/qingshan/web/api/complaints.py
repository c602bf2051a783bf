"""Public complaint endpoints (no login): submit, and look up by tracking number."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from qingshan.ledgers import queries, service
from qingshan.ledgers.workflow import state_label
from qingshan.web.api.schemas import ComplaintReceipt, ComplaintStatus
from qingshan.web.deps import AuditCtx, SessionDep

router = APIRouter(prefix="/api/complaints", tags=["公众投诉 complaints"])


class ComplaintIn(BaseModel):
    content: str = Field(min_length=1, max_length=4000, description="投诉内容")
    location: str | None = Field(None, max_length=300, description="事发地点")
    channel: str | None = Field(None, description="来源渠道，默认“网站”")
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)


@router.post("", status_code=201, response_model=ComplaintReceipt,
             summary="提交投诉举报（公众，无需登录），返回受理编号")
def submit(body: ComplaintIn, db: SessionDep, ctx: AuditCtx) -> dict:
    item = service.submit_complaint(db, ctx, body.model_dump())
    return {"tracking_no": item.tracking_no, "status_label": state_label("complaint", item.status)}


@router.get("/{tracking_no}", response_model=ComplaintStatus, summary="按受理编号查询办理状态（不含个人信息）")
def status(tracking_no: str, db: SessionDep) -> dict:
    return queries.complaint_public_status(db, tracking_no[:32])
