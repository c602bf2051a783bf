"""月度通报: the two bulletins of a month (assessment-bulletin.md §4) with their state, the preview
(tables as in the documents, charts drawn by ECharts from the bulletin's chart data), the
workflow (审核通过 → 签发, 退回; roles and four eyes checked by :mod:`qingshan.bulletin.service`),
the editable §4.3 item 8 while a draft, the issue's history from the audit trail — and the
public portal's published documents."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from qingshan.bulletin import service
from qingshan.bulletin.model import NO_DATA, Bulletin, section_number
from qingshan.bulletin.workflow import REMARKS_ROLES, STATES, transitions_from
from qingshan.core.audit import AuditRecord
from qingshan.core.errors import DomainError, NotFound, ValidationFailed
from qingshan.core.results import Result
from qingshan.web.deps import AuditCtx, InternalUser, SessionDep, Settings
from qingshan.web.errors import audit_refusal, status_of
from qingshan.web.pages import assess_charts, assess_data
from qingshan.web.pages.common import db_url
from qingshan.web.pages.render import render

router = APIRouter()

# checked by the bulletin service (Chinese messages)
Kind = Annotated[str, Path(max_length=8)]
Month = Annotated[str, Path(max_length=7)]
DONE = {"review": "审核通过", "return": "退回修改", "publish": "签发"}


def last_complete_month() -> str:
    end = assess_data.data_end()
    nxt = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    if (nxt - end).days == 1:  # the data end on a month's last day
        return f"{end.year}-{end.month:02d}"
    prev = date(end.year, end.month, 1).toordinal() - 1
    d = date.fromordinal(prev)
    return f"{d.year}-{d.month:02d}"


def _month_or_default(value: str | None) -> str:
    v = (value or "").strip()
    ok = len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit() and 1 <= int(v[5:]) <= 12
    return v if ok and 2000 <= int(v[:4]) <= 2100 else last_complete_month()


@router.get("/bulletins")
def bulletin_list(request: Request, user: InternalUser, db: SessionDep,
                  month: str | None = Query(None, max_length=7)):
    m = _month_or_default(month)
    current = [(k, service.KINDS[k], service.issue(db, k, m)) for k in service.KINDS]
    ctx = {"active": "bulletins", "user": user, "month": m, "current": current, "states": STATES,
           "issues": service.list_issues(db)}
    return render(request, "bulletins/list.html", ctx)


def _history(db, info: service.IssueInfo | None) -> list[dict]:
    if info is None:
        return []
    q = (select(AuditRecord.at, AuditRecord.username, AuditRecord.action, AuditRecord.message)
         .where(AuditRecord.object_type == "bulletin_issue", AuditRecord.object_id == str(info.id))
         .order_by(AuditRecord.at, AuditRecord.id))
    return [{"at": at, "who": who or "—", "action": action, "message": message or ""} for at, who, action, message in db.execute(q)]


def _sections(b: Bulletin) -> list[dict]:
    out = []
    for i, s in enumerate(b.sections, start=1):
        charts = [{"id": f"bchart-{i}-{j}", "title": c.title, "option": assess_charts.bulletin_option(c.key, c.title, c.data)}
                  for j, c in enumerate(s.charts, start=1)]
        out.append({"number": section_number(i), "title": s.title, "paragraphs": s.paragraphs, "tables": s.tables,
                    "charts": charts, "no_data": s.no_data, "editable": s.editable})
    return out


def _detail_ctx(request: Request, user, db, kind: str, month: str, **extra) -> dict:
    info = service.issue(db, kind, month)  # ValidationFailed (422) for a bad kind or month
    state = info.state if info else "draft"
    b = assess_data.bulletin(db_url(request), kind, month)
    ctx = {"active": "bulletins", "user": user, "kind": kind, "kind_label": service.KINDS[kind], "month": month,
           "info": info, "state": state, "state_label": STATES[state], "b": b, "pending": False, "sections": [],
           "no_data": NO_DATA, "actions": [t for t in transitions_from(state) if user.role in t.roles],
           "can_remarks": kind == "work" and state == "draft" and user.role in REMARKS_ROLES,
           "history": _history(db, info), "msg": "", "err": "",
           "self_url": f"/bulletins/{kind}/{month}"}
    if isinstance(b, Result):
        ctx["pending"] = bool(b.meta.get("pending"))
    else:
        ctx["sections"] = _sections(b)
        ctx["remarks_text"] = "\n".join(b.sections[-1].paragraphs) if kind == "work" else ""
    return ctx | extra


@router.get("/bulletins/{kind}/{month}")
def bulletin_detail(request: Request, kind: Kind, user: InternalUser, db: SessionDep, month: Month,
                    msg: str | None = Query(None, max_length=200)):
    ctx = _detail_ctx(request, user, db, kind, month, msg=(msg or "")[:200])
    return render(request, "bulletins/detail.html", ctx)


def _back(kind: str, month: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/bulletins/{kind}/{month}?{urlencode({'msg': message})}", status_code=303)


def _refused(request, user, db, kind, month, exc: DomainError):
    db.rollback()
    audit_refusal(request, exc)
    return render(request, "bulletins/detail.html", _detail_ctx(request, user, db, kind, month, err=exc.message),
                  status_code=status_of(exc))


@router.post("/bulletins/{kind}/{month}/transition")
async def bulletin_transition(request: Request, kind: Kind, user: InternalUser, db: SessionDep, ctx: AuditCtx,
                              settings: Settings, month: Month):
    form = await request.form()
    action = str(form.get("action") or "")[:20]
    issued_text = str(form.get("issued") or "").strip()[:10]
    try:
        try:
            issued = date.fromisoformat(issued_text) if issued_text else None
        except ValueError:
            raise ValidationFailed("落款日期应为 YYYY-MM-DD") from None
        bulletin = None
        info = service.issue(db, kind, month)
        if action == "review" and (info is None or info.state == "draft"):
            got = assess_data.bulletin(settings.database_url, kind, month, wait=True)
            if isinstance(got, Result):
                raise NotFound(f"无法生成 {month} 的通报：{got.reason}")
            bulletin = got
        out = service.transition(db, ctx, user, kind, month, action, url=settings.database_url, issued=issued,
                                 bulletin=bulletin)
    except DomainError as exc:
        return _refused(request, user, db, kind, month, exc)
    assess_data.changed(settings.database_url)
    return _back(kind, month, f"已{DONE.get(action, action)}，当前状态：{out.state_label}。")


@router.post("/bulletins/work/{month}/remarks")
async def bulletin_remarks(request: Request, user: InternalUser, db: SessionDep, ctx: AuditCtx, settings: Settings,
                           month: Month):
    form = await request.form()
    text = str(form.get("text") or "")
    try:
        service.set_remarks(db, ctx, user, month, text)
    except DomainError as exc:
        return _refused(request, user, db, "work", month, exc)
    assess_data.changed(settings.database_url)
    return _back("work", month, "已保存“存在问题和下步要求”。" if text.strip() else "已恢复为自动生成的内容。")


@router.get("/portal/bulletins/{kind}/{month}.{fmt}")
def portal_document(kind: Kind, fmt: Annotated[str, Path(max_length=8)], db: SessionDep, month: Month):
    """A published bulletin's stored document, for the public (drafts and reviewed issues: 404)."""
    content, media, name = service.published_document(db, kind, month, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'} if fmt == "docx" else {}
    return Response(content, media_type=media, headers=headers)
