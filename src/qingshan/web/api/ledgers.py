"""Ledger endpoints: list/filter, create, read with history, update (optimistic concurrency),
transitions, progress with evidence files, attachment download, reminders, Excel export/import."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from qingshan.core import clock
from qingshan.core.errors import TooLarge
from qingshan.core.org import list_units, unit_out
from qingshan.ledgers import excel, queries, service
from qingshan.ledgers.kinds import COMMON_LABELS, KIND_FIELDS
from qingshan.ledgers.permissions import require
from qingshan.ledgers.workflow import ITEM_ACTIONS, KINDS, STATES, TRANSITIONS
from qingshan.web.api.schemas import (
    ImportOut,
    ItemDetailOut,
    ItemListOut,
    ItemOut,
    MetaOut,
    ProgressOut,
    ReminderOut,
    UnitOut,
)
from qingshan.web.deps import AuditCtx, CurrentUser, SessionDep, Settings
from qingshan.web.params import DaysQuery, Id, IdQuery, Limit, Offset, TextQuery, UnitRef, VersionField

router = APIRouter(prefix="/api", tags=["台账 ledgers"])


class ItemIn(BaseModel):
    kind: str = Field(max_length=32, description="key_task | inspection | hazard | complaint")
    title: str = Field(max_length=300)
    lead_unit: UnitRef | None = Field(None, description="单位 id、代码或名称")
    units: list[UnitRef] = Field(default_factory=list, max_length=100)
    deadline: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class ItemPatch(BaseModel):
    version: VersionField
    title: str | None = Field(None, max_length=300)
    lead_unit: UnitRef | None = None
    units: list[UnitRef] | None = Field(None, max_length=100)
    deadline: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class TransitionIn(BaseModel):
    action: str = Field(max_length=32)
    version: VersionField
    note: str | None = Field(None, max_length=4000)
    unit: UnitRef | None = Field(None, description="交办（assign）时的承办单位")
    satisfaction: str | None = Field(None, max_length=20)


@router.get("/units", response_model=list[UnitOut], summary="单位列表（市、县区、开发区、部门）")
def units(user: CurrentUser, db: SessionDep) -> list[dict]:
    require(user, "view")
    return [unit_out(u) for u in list_units(db)]


@router.get("/ledgers/meta", response_model=MetaOut, summary="台账类型、状态、流转规则与字段（数据驱动；无需登录）")
def meta() -> dict:
    return {
        "kinds": KINDS,
        "states": STATES,
        "transitions": [
            {"kind": t.kind, "action": t.action, "label": t.label, "from": list(t.sources), "to": t.target,
             "roles": list(t.roles), "unit_scope": t.unit_scope, "note_required": t.note_required,
             "note_label": t.note_label, "effects": [type(e).__name__ for e in t.effects]}
            for t in TRANSITIONS
        ],
        "item_actions": ITEM_ACTIONS,
        "labels": COMMON_LABELS,
        "fields": {k: [{"key": f.key, "label": f.label, "type": f.type, "required": f.required,
                        "choices": list(f.choices)} for f in specs] for k, specs in KIND_FIELDS.items()},
    }


@router.get("/ledgers", response_model=ItemListOut, response_model_exclude_unset=True,
            summary="台账列表（可按类型、单位、状态、是否逾期、关键词筛选）")
def list_ledgers(
    kind: str | None = Query(None, max_length=32),
    unit: IdQuery = None,
    status: str | None = Query(None, max_length=32),
    overdue: bool | None = None,
    q: TextQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
    *,
    user: CurrentUser,
    db: SessionDep,
) -> dict:
    items, total = queries.list_items(db, user, kind=kind, unit_id=unit, status=status, overdue=overdue, q=q,
                                      limit=limit, offset=offset)
    today = clock.today()
    return {"total": total, "items": [queries.item_out(i, today=today) for i in items]}


@router.post("/ledgers", status_code=201, response_model=ItemOut, response_model_exclude_unset=True,
             summary="新建台账事项")
def create(body: ItemIn, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    data = body.model_dump(exclude={"kind"})
    item = service.create_item(db, ctx, user, body.kind, data)
    return queries.item_out(item, user)


@router.get("/ledgers/reminders", response_model=list[ReminderOut], summary="提醒：各单位已逾期和即将到期的事项")
def reminders(user: CurrentUser, db: SessionDep, unit: IdQuery = None,
              within_days: DaysQuery = 7) -> list[dict]:
    require(user, "view")
    return queries.due_items(db, unit_id=unit, within_days=within_days)


@router.get("/ledgers/export", summary="导出 Excel（每行一个事项，中文表头）")
def export(user: CurrentUser, db: SessionDep, ctx: AuditCtx, kind: str = Query(max_length=32), unit: IdQuery = None,
           status: str | None = Query(None, max_length=32), overdue: bool | None = None) -> Response:
    content = excel.export_items(db, user, kind, unit_id=unit, status=status, overdue=overdue, ctx=ctx)
    name = f"{KINDS[kind]}台账-{clock.today():%Y%m%d}.xlsx"
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/ledgers/import", response_model=ImportOut, summary="导入 Excel（逐行校验，全部成功才写入）")
async def import_(user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                  kind: str = Form(..., max_length=32), file: UploadFile = File(...)) -> dict:
    require(user, "import")
    limit = settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件「{file.filename}」超过上限 {limit:,} 字节。")
    items = excel.import_items(db, ctx, user, kind, content, filename=file.filename or "导入文件.xlsx")
    return {"imported": len(items), "codes": [i.code for i in items]}


@router.get("/ledgers/{item_id}", response_model=ItemDetailOut, response_model_exclude_unset=True,
            summary="事项详情（含完整历史与附件）")
def read(item_id: Id, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    return queries.item_detail(db, user, item_id, ctx=ctx)


@router.patch("/ledgers/{item_id}", response_model=ItemOut, response_model_exclude_unset=True,
              summary="修改事项（须提交读取时的 version，冲突返回 409）")
def update(item_id: Id, body: ItemPatch, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    item = service.update_item(db, ctx, user, item_id, body.version, changes)
    return queries.item_out(item, user)


@router.post("/ledgers/{item_id}/transitions", response_model=ItemOut, response_model_exclude_unset=True,
             summary="流转（启动、申请办结/销号、核查、销号、退回、重新打开、交办、答复）")
def transition(item_id: Id, body: TransitionIn, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    item = service.transition_item(db, ctx, user, item_id, body.action, body.version, body.note,
                                   unit=body.unit, satisfaction=body.satisfaction)
    return queries.item_out(item, user)


class PublishIn(BaseModel):
    version: VersionField
    text: str | None = Field(None, max_length=4000, description="公开的答复文本；默认为答复原文，审核人可删改个人信息")


@router.post("/ledgers/{item_id}/publish", response_model=ItemOut, response_model_exclude_unset=True,
             summary="审核并公开投诉答复（公众查询页只显示经审核公开的答复）")
def publish(item_id: Id, body: PublishIn, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    item = service.publish_reply(db, ctx, user, item_id, body.version, body.text)
    return queries.item_out(item, user)


@router.post("/ledgers/{item_id}/progress", status_code=201, response_model=ProgressOut,
             summary="报送进展（可附佐证材料）")
async def progress(item_id: Id, user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                   text: str = Form("", max_length=4000), files: list[UploadFile] = File(default=[])) -> dict:
    # permission first, so a refused user learns nothing about file checks
    item = queries.get_item(db, item_id)
    require(user, "progress", item)
    uploads = []
    for f in files:
        data = await f.read(settings.max_attachment_bytes + 1)  # never buffer more than the limit
        uploads.append((f.filename or "", data))
    entry = service.add_progress(db, ctx, user, item_id, text, uploads, home=settings.home,
                                 max_bytes=settings.max_attachment_bytes)
    return {"id": entry.id, "history": queries.history(db, user, item_id)}


@router.get("/ledgers/{item_id}/attachments/{attachment_id}", summary="下载附件（仅限内部用户）")
def download(item_id: Id, attachment_id: Id, user: CurrentUser, db: SessionDep, settings: Settings) -> FileResponse:
    a, path = service.get_attachment(db, user, item_id, attachment_id, home=settings.home)
    return FileResponse(
        path, media_type=a.content_type,
        headers={"Content-Disposition": f"attachment; filename=\"file\"; filename*=UTF-8''{quote(a.filename)}",
                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
