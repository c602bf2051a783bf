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

router = APIRouter(prefix="/api", tags=["台账 ledgers"])


class ItemIn(BaseModel):
    kind: str = Field(description="key_task | inspection | hazard | complaint")
    title: str = Field(max_length=300)
    lead_unit: int | str | None = Field(None, description="单位 id、代码或名称")
    units: list[int | str] = Field(default_factory=list)
    deadline: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class ItemPatch(BaseModel):
    version: int = Field(description="读取事项时得到的版本号（防止覆盖他人修改）")
    title: str | None = Field(None, max_length=300)
    lead_unit: int | str | None = None
    units: list[int | str] | None = None
    deadline: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class TransitionIn(BaseModel):
    action: str
    version: int
    note: str | None = Field(None, max_length=4000)
    unit: int | str | None = Field(None, description="交办（assign）时的承办单位")
    satisfaction: str | None = None


@router.get("/units", response_model=list[UnitOut], summary="单位列表（市、县区、开发区、部门）")
def units(user: CurrentUser, db: SessionDep) -> list[dict]:
    require(user, "view")
    return [unit_out(u) for u in list_units(db)]


@router.get("/ledgers/meta", response_model=MetaOut, summary="台账类型、状态、流转规则与字段（数据驱动；须登录）")
def meta(user: CurrentUser) -> dict:
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
    kind: str | None = None,
    unit: int | None = Query(None, description="单位 id（牵头或配合）"),
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = Query(None, max_length=100),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
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
def reminders(user: CurrentUser, db: SessionDep, unit: int | None = None,
              within_days: int = Query(7, ge=0, le=365)) -> list[dict]:
    require(user, "view")
    return queries.due_items(db, unit_id=unit, within_days=within_days)


@router.get("/ledgers/export", summary="导出 Excel（每行一个事项，中文表头）")
def export(user: CurrentUser, db: SessionDep, kind: str, unit: int | None = None, status: str | None = None,
           overdue: bool | None = None) -> Response:
    content = excel.export_items(db, user, kind, unit_id=unit, status=status, overdue=overdue)
    name = f"{KINDS[kind]}台账-{clock.today():%Y%m%d}.xlsx"
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/ledgers/import", response_model=ImportOut, summary="导入 Excel（逐行校验，全部成功才写入）")
async def import_(user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                  kind: str = Form(...), file: UploadFile = File(...)) -> dict:
    require(user, "import")
    limit = settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件「{file.filename}」超过上限 {limit:,} 字节。")
    items = excel.import_items(db, ctx, user, kind, content, filename=file.filename or "导入文件.xlsx")
    return {"imported": len(items), "codes": [i.code for i in items]}


@router.get("/ledgers/{item_id}", response_model=ItemDetailOut, response_model_exclude_unset=True,
            summary="事项详情（含完整历史与附件）")
def read(item_id: int, user: CurrentUser, db: SessionDep) -> dict:
    return queries.item_detail(db, user, item_id)


@router.patch("/ledgers/{item_id}", response_model=ItemOut, response_model_exclude_unset=True,
              summary="修改事项（须提交读取时的 version，冲突返回 409）")
def update(item_id: int, body: ItemPatch, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    item = service.update_item(db, ctx, user, item_id, body.version, changes)
    return queries.item_out(item, user)


@router.post("/ledgers/{item_id}/transitions", response_model=ItemOut, response_model_exclude_unset=True,
             summary="流转（启动、申请办结/销号、核查、销号、退回、重新打开、交办、答复）")
def transition(item_id: int, body: TransitionIn, user: CurrentUser, db: SessionDep, ctx: AuditCtx) -> dict:
    item = service.transition_item(db, ctx, user, item_id, body.action, body.version, body.note,
                                   unit=body.unit, satisfaction=body.satisfaction)
    return queries.item_out(item, user)


@router.post("/ledgers/{item_id}/progress", status_code=201, response_model=ProgressOut,
             summary="报送进展（可附佐证材料）")
async def progress(item_id: int, user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
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
def download(item_id: int, attachment_id: int, user: CurrentUser, db: SessionDep, settings: Settings) -> FileResponse:
    a, path = service.get_attachment(db, user, item_id, attachment_id, home=settings.home)
    return FileResponse(
        path, media_type=a.content_type,
        headers={"Content-Disposition": f"attachment; filename=\"file\"; filename*=UTF-8''{quote(a.filename)}",
                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
