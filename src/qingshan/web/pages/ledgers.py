"""Accountability ledgers (台账督办): filtered lists, item detail with its full history, the
progress update with evidence upload, and workflow transitions.

Reads go through :mod:`qingshan.ledgers.queries`, writes through :mod:`qingshan.ledgers.service`
and :mod:`qingshan.ledgers.excel`, with the request's audit context — the same functions and
checks as the JSON API. A refused write is rendered on the item page with its status from the
one mapping (:func:`qingshan.web.errors.status_of`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from qingshan.core.errors import Conflict, DomainError, TooLarge
from qingshan.core.org import list_units, unit_out
from qingshan.ledgers import excel, queries, service
from qingshan.ledgers.attachments import size_text
from qingshan.ledgers.kinds import KIND_FIELDS
from qingshan.ledgers.workflow import KINDS, STATE_LABELS, STATES
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages.common import is_htmx
from qingshan.web.params import Id, TextQuery, form_id
from qingshan.web.pages.render import render

router = APIRouter()


def _int(value: str | None) -> int | None:
    return form_id(value) if value not in (None, "") else None


def _units(db) -> list[dict]:
    return [unit_out(u) for u in list_units(db)]


@router.get("/ledgers")
def ledger_list(
    request: Request,
    user: InternalUser,
    db: SessionDep,
    kind: str | None = Query(None, max_length=32),
    unit: str | None = Query(None, max_length=24),
    status: str | None = Query(None, max_length=32),
    overdue: str | None = Query(None, max_length=8),
    q: TextQuery = None,
):
    kind = kind if kind in KINDS else None
    filters = {"kind": kind, "unit": _int(unit), "status": status or None, "overdue": overdue in ("1", "on", "true"),
               "q": (q or "").strip()[:100]}
    items = queries.item_rows(db, user, kind=kind, unit_id=filters["unit"], status=filters["status"],
                              overdue=filters["overdue"] or None, q=filters["q"] or None)
    ctx = {
        "active": "ledgers",
        "user": user,
        "items": items,
        "filters": filters,
        "kinds": KINDS,
        "units": _units(db),
        "status_choices": STATES[kind] if kind else STATE_LABELS,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "ledger-rows":
        return render(request, "ledgers/_rows.html", ctx)
    return render(request, "ledgers/list.html", ctx)


@router.get("/ledgers/import")
def ledger_import_form(request: Request, user: InternalUser):
    return render(request, "ledgers/import.html", {"active": "ledgers", "user": user, "kinds": KINDS,
                                                    "result": None, "kind": None})


@router.post("/ledgers/import")
async def ledger_import(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings):
    """Excel import through :func:`qingshan.ledgers.excel.import_items`: every row is checked and
    nothing is written unless all rows are valid; the row-level errors are listed."""
    form = await request.form()
    kind = str(form.get("kind") or "")
    upload = form.get("file")
    name = getattr(upload, "filename", "") or ""
    status = 200
    if not name:
        result = {"ok": False, "message": "请选择要导入的 Excel 文件。", "errors": []}
        status = 422
    else:
        content = await upload.read(settings.max_attachment_bytes + 1)
        try:
            if len(content) > settings.max_attachment_bytes:
                raise TooLarge(f"文件「{name}」超过上限 {settings.max_attachment_bytes:,} 字节，未导入任何数据。")
            items = excel.import_items(db, ctx, user, kind, content, filename=name)
            result = {"ok": True, "message": f"已导入 {len(items)} 项。", "errors": [], "codes": [i.code for i in items]}
        except DomainError as exc:
            db.rollback()
            audit_refusal(request, exc)  # a refusal is audited whichever door it came through
            errors = getattr(exc, "errors", [])
            message = f"共 {len(errors)} 处错误，未导入任何数据，请修改后重新导入。" if errors else exc.message
            result, status = {"ok": False, "message": message, "errors": errors}, status_of(exc)
    ctx = {"active": "ledgers", "user": user, "kinds": KINDS, "result": result, "kind": kind}
    return render(request, "ledgers/import.html", ctx, status_code=status)


@router.get("/ledgers/{item_id}")
def ledger_detail(request: Request, item_id: Id, user: InternalUser, db: SessionDep, settings: Settings,
                  ctx: AuditCtx, msg: str | None = None, err: str | None = None):
    return _detail(request, item_id, user, db, settings, msg=msg, err=err, ctx=ctx)


def _detail(request: Request, item_id: int, user, db, settings, *, msg: str | None = None, err: str | None = None,
            status_code: int = 200, draft: dict | None = None, ctx=None):
    """The item page; after a refused write it is rendered directly with the refusal's status
    (403/409/422), the latest version of the item and what the user had typed (``draft``)."""
    item = queries.item_detail(db, user, item_id, ctx=ctx)  # NotFound → 404 by the error mapping
    ctx = {
        "active": "ledgers",
        "user": user,
        "item": item | {"history": item["history"]["entries"]},
        "fields": [(f.key, f.label) for f in KIND_FIELDS[item["kind"]]],
        "can": item["allowed"],
        "units": _units(db),
        "msg": (msg or "")[:200],
        "err": (err or "")[:300],
        "max_mb": size_text(settings.max_attachment_bytes),
        "draft": draft or {},
    }
    return render(request, "ledgers/detail.html", ctx, status_code=status_code)


def _back(item_id: int, **params: str) -> RedirectResponse:
    return RedirectResponse(f"/ledgers/{item_id}?{urlencode(params)}#history", status_code=303)


def _refused(request: Request, item_id: int, user, db, settings, exc: DomainError, draft: dict, ctx=None):
    db.rollback()
    audit_refusal(request, exc)
    message = exc.message
    if isinstance(exc, Conflict):
        message += " 页面已显示最新内容，请核对后重新提交。"
    return _detail(request, item_id, user, db, settings, err=message, status_code=status_of(exc), draft=draft,
                   ctx=ctx)


@router.post("/ledgers/{item_id}/progress")
async def ledger_progress(request: Request, item_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                          settings: Settings):
    form = await request.form()
    text = str(form.get("text") or "").strip()
    files: list[tuple[str, bytes]] = []
    for f in form.getlist("files"):
        name = getattr(f, "filename", None)
        if not name:
            continue  # an empty <input type=file> posts a nameless part
        # read one byte past the limit: enough for the service to refuse it by size
        files.append((name, await f.read(settings.max_attachment_bytes + 1)))
    try:
        service.add_progress(db, ctx, user, item_id, text, files, home=settings.home,
                             max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        return _refused(request, item_id, user, db, settings, exc, {"text": text}, ctx)
    return _back(item_id, msg="进展已保存。" + (f"已上传 {len(files)} 个佐证文件。" if files else ""))


@router.post("/ledgers/{item_id}/transition")
async def ledger_transition(request: Request, item_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                            settings: Settings):
    form = await request.form()
    note = str(form.get("note") or "").strip()
    action = str(form.get("action") or "")
    try:
        service.transition_item(db, ctx, user, item_id, action, _int(str(form.get("version") or "")),
                                note=note or None, unit=_int(str(form.get("unit") or "")) or None,
                                satisfaction=str(form.get("satisfaction") or "") or None)
    except DomainError as exc:
        return _refused(request, item_id, user, db, settings, exc, {"note": note, "action": action}, ctx)
    return _back(item_id, msg="状态已更新。")


@router.post("/ledgers/{item_id}/publish")
async def ledger_publish(request: Request, item_id: Id, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                         settings: Settings):
    """Review a complaint's reply and publish it (the text as edited by the reviewer)."""
    form = await request.form()
    text = str(form.get("text") or "").strip()
    try:
        service.publish_reply(db, ctx, user, item_id, _int(str(form.get("version") or "")), text or None)
    except DomainError as exc:
        return _refused(request, item_id, user, db, settings, exc, {"publish": text}, ctx)
    return _back(item_id, msg="答复已审核并在公众查询页公开。")
