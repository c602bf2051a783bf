"""Public complaint endpoints (no login): submit, and look up by tracking number.

Submissions are rate-limited per address and globally, need a challenge answer after a few from
one address, and identical ones are merged (:mod:`qingshan.web.antispam`).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from qingshan.ledgers import queries, service
from qingshan.ledgers.workflow import state_label
from qingshan.web import antispam
from qingshan.web.api.schemas import ComplaintReceipt, ComplaintStatus
from qingshan.web.deps import AuditCtx, SessionDep, Settings

router = APIRouter(prefix="/api/complaints", tags=["公众投诉 complaints"])


class ComplaintIn(BaseModel):
    content: str = Field(min_length=1, max_length=4000, description="投诉内容")
    location: str | None = Field(None, max_length=300, description="事发地点")
    channel: str | None = Field(None, max_length=20, description="来源渠道，默认“网站”")
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)
    challenge_token: str | None = Field(None, max_length=200, description="验证问题的令牌（短时间内多次提交时需要）")
    challenge_answer: str | None = Field(None, max_length=10, description="验证问题的答案")


@router.post("", status_code=201, response_model=ComplaintReceipt,
             summary="提交投诉举报（公众，无需登录），返回受理编号；限频，重复提交合并",
             responses={429: {"description": "提交过于频繁（或需回答验证问题：见 challenge）"}})
def submit(body: ComplaintIn, request: Request, db: SessionDep, ctx: AuditCtx, settings: Settings) -> dict:
    limits = antispam.guard(request, body.challenge_token, body.challenge_answer)
    fields = body.model_dump(exclude={"challenge_token", "challenge_answer"})
    item, merged = service.receive_complaint(db, ctx, fields,
                                             merge_window=timedelta(hours=settings.complaint_merge_hours))
    antispam.count(request, limits)
    return {"tracking_no": item.tracking_no, "status_label": state_label("complaint", item.status),
            "merged": merged}


@router.get("/{tracking_no}", response_model=ComplaintStatus, summary="按受理编号查询办理状态（不含个人信息）")
def status(db: SessionDep, tracking_no: str = Path(max_length=32)) -> dict:
    return queries.complaint_public_status(db, tracking_no)
