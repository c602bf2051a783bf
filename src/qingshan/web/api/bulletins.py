"""Bulletin endpoints: the issues and their state, the workflow (审核、退回、签发, roles checked
and audited by :mod:`qingshan.bulletin.service`), the editable §4.3 item 8, and the documents
(the draft as assembled now, or the frozen snapshot once reviewed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qingshan.bulletin import service
from qingshan.bulletin.workflow import STATES, transitions_from
from qingshan.core import clock
from qingshan.core.errors import NotFound, ValidationFailed
from qingshan.core.results import Result
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.pages import assess_data

router = APIRouter(prefix="/api/bulletins", tags=["通报 bulletins"])

# kind, month and format are checked by the bulletin service (Chinese messages)
Kind = Annotated[str, Path(max_length=8, description="air（空气质量通报）或 work（重点工作通报）")]
Month = Annotated[str, Path(max_length=7, description="通报月份 YYYY-MM")]
Fmt = Annotated[str, Path(max_length=8, description="docx 或 html")]


class IssueOut(BaseModel):
    kind: str
    kind_label: str
    month: str
    state: str
    state_label: str
    title: str | None = None
    remarks: str | None = None
    snapshot_sha256: str | None = None
    docx_sha256: str | None = None
    html_sha256: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    actions: list[dict[str, str]] = []


class TransitionIn(BaseModel):
    action: str = Field(max_length=20, description="review（审核通过）、return（退回修改）或 publish（签发）")
    issued: date | None = Field(None, description="签发时的落款日期（默认今天）")


class RemarksIn(BaseModel):
    text: str = Field(max_length=service.REMARKS_MAX, description="“存在问题和下步要求”（空文本恢复自动生成）")


def issue_out(kind: str, month: str, info: service.IssueInfo | None) -> dict:
    service.issue_key(kind, month)
    state = info.state if info else "draft"
    base = {"kind": kind, "kind_label": service.KINDS[kind], "month": month, "state": state,
            "state_label": STATES[state],
            "actions": [{"action": t.action, "label": t.label, "roles": "、".join(t.roles)}
                        for t in transitions_from(state)]}
    if info is None:
        return base
    return base | {"title": info.title, "remarks": info.remarks, "snapshot_sha256": info.snapshot_sha256,
                   "docx_sha256": info.docx_sha256, "html_sha256": info.html_sha256, "reviewed_by": info.reviewed_by,
                   "reviewed_at": clock.aware(info.reviewed_at), "published_by": info.published_by,
                   "published_at": clock.aware(info.published_at)}


@router.get("", response_model=list[IssueOut], summary="已有的通报（审核中、已发布；未动过的草稿不列出）")
def issues(user: InternalUser, db: SessionDep) -> list[dict]:
    return [issue_out(i.kind, i.month, i) for i in service.list_issues(db)]


@router.get("/{kind}/{month}", response_model=IssueOut, summary="一期通报的状态与可执行的操作")
def get_issue(kind: Kind, user: InternalUser, db: SessionDep, month: Month) -> dict:
    return issue_out(kind, month, service.issue(db, kind, month))


@router.post("/{kind}/{month}/transitions", response_model=IssueOut,
             summary="审核通过 / 退回修改 / 签发（按角色；签发保存 Word 与 HTML 并在门户公布）")
def post_transition(kind: Kind, body: TransitionIn, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                    settings: Settings, month: Month) -> dict:
    info = service.issue(db, kind, month)
    bulletin = None
    if body.action == "review" and (info is None or info.state == "draft"):
        # review freezes the draft the reviewer saw (the cached one, built from the same data)
        got = assess_data.bulletin(settings.database_url, kind, month, wait=True)
        if isinstance(got, Result):
            raise NotFound(f"无法生成 {month} 的通报：{got.reason}")
        bulletin = got
    out = service.transition(db, ctx, user, kind, month, body.action, url=settings.database_url, issued=body.issued,
                             bulletin=bulletin)
    assess_data.changed(settings.database_url)
    return issue_out(kind, month, out)


@router.put("/work/{month}/remarks", response_model=IssueOut, summary="修改“存在问题和下步要求”（仅草稿）")
def put_remarks(body: RemarksIn, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                month: Month) -> dict:
    out = service.set_remarks(db, ctx, user, month, body.text)
    assess_data.changed(settings.database_url)
    return issue_out("work", month, out)


@router.get("/{kind}/{month}/document.{fmt}", summary="通报文件（草稿为当前数据生成；审核后为冻结的快照）",
            response_class=Response, responses={200: {"content": {"text/html": {}, "application/vnd."
                                                                    "openxmlformats-officedocument.wordprocessingml.document": {}}}})
def document(kind: Kind, fmt: Fmt, user: InternalUser, db: SessionDep, settings: Settings,
             month: Month) -> Response:
    service.issue(db, kind, month)  # checks kind and month
    if fmt not in ("docx", "html"):
        raise ValidationFailed(f"未知的格式「{fmt}」（可选 docx、html）")
    b = assess_data.bulletin(settings.database_url, kind, month, wait=True)
    if isinstance(b, Result):
        raise NotFound(f"无法生成 {month} 的通报：{b.reason}")
    name = f"{service.file_stem(kind, month)}.{fmt}"
    if fmt == "docx":
        return Response(service.render_docx(b), headers={"Content-Disposition": f'attachment; filename="{name}"'},
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return Response(service.render_html(b), media_type="text/html; charset=utf-8")
