"""Accountability ledgers (台账督办): filtered lists, item detail with its full history, the
progress update with evidence upload, and workflow transitions.

Reads go through :mod:`qingshan.web.pages.data`; every write goes through
:mod:`qingshan.ledgers.service` (via ``data.ledger_write``), so roles, unit scope, audit and
optimistic concurrency are the same for pages and API.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from qingshan.web.deps import get_db, require_internal
from qingshan.web.pages import data
from qingshan.web.pages.common import is_htmx
from qingshan.web.pages.render import render

router = APIRouter()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@router.get("/ledgers")
def ledger_list(
    request: Request,
    kind: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    overdue: str | None = None,
    q: str | None = None,
    user=Depends(require_internal),
    db=Depends(get_db),
):
    kinds = data.kind_labels()
    kind = kind if kind in kinds else None
    filters = {"kind": kind, "unit": _int(unit), "status": status or None, "overdue": overdue in ("1", "on", "true"), "q": (q or "").strip()[:100]}
    items = data.ledger_items(db, kind=kind, unit_id=filters["unit"], status=filters["status"],
                              overdue=filters["overdue"], q=filters["q"] or None)
    states = data.statuses_by_kind()
    status_choices = states.get(kind) if kind else data.status_labels()
    ctx = {
        "active": "ledgers",
        "user": user,
        "items": items,
        "filters": filters,
        "kinds": kinds,
        "units": data.units(db),
        "status_choices": status_choices or {},
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "ledger-rows":
        return render(request, "ledgers/_rows.html", ctx)
    return render(request, "ledgers/list.html", ctx)


@router.get("/ledgers/import")
def ledger_import_form(request: Request, user=Depends(require_internal)):
    return render(request, "ledgers/import.html", {"active": "ledgers", "user": user, "kinds": data.kind_labels(),
                                                    "result": None, "kind": None})


@router.post("/ledgers/import")
async def ledger_import(request: Request, user=Depends(require_internal), db=Depends(get_db)):
    """Excel import through ``qingshan.ledgers.excel.import_items``: every row is checked and
    nothing is written unless all rows are valid; the row-level errors are listed."""
    settings = _settings(request)
    form = await request.form()
    kind = str(form.get("kind") or "")
    upload = form.get("file")
    name = getattr(upload, "filename", "") or ""
    if not name:
        result = {"ok": False, "message": "请选择要导入的 Excel 文件。", "errors": []}
    else:
        content = await upload.read(settings.max_attachment_bytes + 1)
        result = data.import_excel(db, request, user, kind, content, name, settings.max_attachment_bytes)
    ctx = {"active": "ledgers", "user": user, "kinds": data.kind_labels(), "result": result, "kind": kind}
    status = 200 if result["ok"] else result.get("status", 422)  # 403: refused (and audited)
    return render(request, "ledgers/import.html", ctx, status_code=status)


@router.get("/ledgers/{item_id}")
def ledger_detail(request: Request, item_id: int, msg: str | None = None, err: str | None = None,
                  user=Depends(require_internal), db=Depends(get_db)):
    return _detail(request, item_id, user, db, msg=msg, err=err)


def _detail(request: Request, item_id: int, user, db, *, msg: str | None = None, err: str | None = None,
            status_code: int = 200, draft: dict | None = None):
    """The item page; after a refused write it is rendered directly with the refusal's status
    (403/409/422), the latest version of the item and what the user had typed (``draft``)."""
    item = data.ledger_item(db, item_id)
    if item is None:
        raise HTTPException(404, f"台账事项 {item_id} 不存在")
    ctx = {
        "active": "ledgers",
        "user": user,
        "item": item,
        "fields": data.kind_fields(item["kind"]),
        "can": data.allowed_actions(db, user, item_id),
        "units": data.units(db),
        "satisfaction": data.satisfaction_choices(),
        "msg": (msg or "")[:200],
        "err": (err or "")[:300],
        "max_mb": _max_mb(request),
        "draft": draft or {},
    }
    return render(request, "ledgers/detail.html", ctx, status_code=status_code)


def _max_mb(request: Request) -> str:
    """The attachment limit as text (KB below 1 MB: never 「0 MB」)."""
    from qingshan.ledgers.attachments import size_text

    settings = getattr(request.app.state, "settings", None)
    return size_text(int(getattr(settings, "max_attachment_bytes", 20 * 1024 * 1024)))


def _back(item_id: int, **params: str) -> RedirectResponse:
    return RedirectResponse(f"/ledgers/{item_id}?{urlencode(params)}#history", status_code=303)


def _settings(request: Request):
    return request.app.state.settings


@router.post("/ledgers/{item_id}/progress")
async def ledger_progress(request: Request, item_id: int, user=Depends(require_internal), db=Depends(get_db)):
    settings = _settings(request)
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
        data.add_progress(db, request, user, item_id, text=text, files=files,
                          home=settings.home, max_bytes=settings.max_attachment_bytes)
    except data.WriteError as exc:
        return _detail(request, item_id, user, db, err=exc.message, status_code=exc.status, draft={"text": text})
    return _back(item_id, msg="进展已保存。" + (f"已上传 {len(files)} 个佐证文件。" if files else ""))


@router.post("/ledgers/{item_id}/transition")
async def ledger_transition(request: Request, item_id: int, user=Depends(require_internal), db=Depends(get_db)):
    form = await request.form()
    note = str(form.get("note") or "").strip()
    try:
        data.transition(
            db, request, user, item_id,
            action=str(form.get("action") or ""),
            note=note,
            version=_int(str(form.get("version") or "")),
            unit=_int(str(form.get("unit") or "")),
            satisfaction=str(form.get("satisfaction") or "") or None,
        )
    except data.WriteError as exc:
        return _detail(request, item_id, user, db, err=exc.message, status_code=exc.status,
                       draft={"note": note, "action": str(form.get("action") or "")})
    return _back(item_id, msg="状态已更新。")
