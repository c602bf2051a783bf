"""The public portal (no login): air quality by station, published bulletins, the complaint
form with its tracking number, and the complaint status page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from qingshan.air.queries import aqi_levels
from qingshan.bulletin.queries import published_bulletins
from qingshan.core.errors import DomainError, NotFound
from qingshan.ledgers import queries as ledger_queries
from qingshan.ledgers import service as ledger_service
from qingshan.web import antispam
from qingshan.web.deps import AuditCtx, SessionDep, Settings
from qingshan.web.ratelimit import RateLimited
from qingshan.web.pages import charts
from qingshan.web.pages import figures
from qingshan.web.pages.common import db_url, year_month
from qingshan.web.pages.render import render

router = APIRouter()

#: Longest accepted text per complaint form field [characters] (the service validates again).
MAX_LEN = {"content": 4000, "location": 300, "contact_name": 50, "contact_phone": 30}


@router.get("/portal")
def portal_air(request: Request):
    now = figures.air_now(db_url(request))
    levels = aqi_levels()
    ctx = {
        "active": "air",
        "now": now,
        "levels": levels,
        "map_option": charts.station_map([r for r in now.rows if r["aqi"] is not None], levels, title="各站点实时 AQI",
                                         demo=now.meta.get("demo", False))
        if now.rows else None,
    }
    return render(request, "portal/air.html", ctx)


@router.get("/portal/bulletins")
def portal_bulletins(request: Request, db: SessionDep):
    """Published bulletins, and the latest 1—N月 air-quality summary generated from the data
    (the same evaluation as the leadership overview, published values only)."""
    url = db_url(request)
    y, m = year_month(request, None, None)
    ctx = {
        "active": "bulletins",
        "bulletins": published_bulletins(db),
        "demo": figures.air_now(url).meta.get("demo", False),
        "year": y,
        "month_to": m,
        "evaluation": figures.period_evaluation(url, y, m, None, home=request.app.state.settings.home),
        "ranking": figures.county_ranking(url, y, m, None),
    }
    return render(request, "portal/bulletins.html", ctx)


@router.get("/portal/complaint")
def complaint_form(request: Request):
    return render(request, "portal/complaint.html", {"active": "complaint", "form": {}, "error": None, "errors": [],
                                                     "challenge": None})


@router.post("/portal/complaint")
def complaint_submit(
    request: Request,
    content: str = Form(""),
    location: str = Form(""),
    contact_name: str = Form(""),
    contact_phone: str = Form(""),
    challenge_token: str = Form("", max_length=200),
    challenge_answer: str = Form("", max_length=10),
    *,
    db: SessionDep,
    ctx: AuditCtx,
    settings: Settings,
):
    form = {"content": content, "location": location,
            "contact_name": contact_name, "contact_phone": contact_phone}
    page = {"active": "complaint", "form": form}
    try:
        limits = antispam.guard(request, challenge_token or None, challenge_answer or None)
    except RateLimited as exc:
        return render(request, "portal/complaint.html", page | {"error": exc.message, "errors": [],
                      "challenge": exc.extra.get("challenge")}, status_code=429,
                      headers={"Retry-After": str(exc.retry_after)})
    errors = []
    if not content.strip():
        errors.append("请填写「投诉内容」。")
    for key, limit in MAX_LEN.items():
        if len(form[key]) > limit:
            errors.append(f"「{_LABELS[key]}」过长：最多 {limit} 个字，现为 {len(form[key])} 个字。")
    if errors:
        return render(request, "portal/complaint.html", page | {"error": "提交未成功，请修改后重试。", "errors": errors},
                      status_code=422)
    fields = {k: v.strip() for k, v in form.items()} | {"channel": "网站"}
    try:
        item, merged = ledger_service.receive_complaint(
            db, ctx, fields, merge_window=timedelta(hours=settings.complaint_merge_hours))
    except DomainError as exc:
        db.rollback()
        msgs = [e["message"] for e in getattr(exc, "errors", [])]
        return render(request, "portal/complaint.html", page | {"error": exc.message, "errors": msgs}, status_code=422)
    antispam.count(request, limits)
    # Post/Redirect/Get: a reload does not file the complaint twice
    return RedirectResponse(f"/portal/complaint/done?no={item.tracking_no}" + ("&merged=1" if merged else ""),
                            status_code=303)


_LABELS = {"content": "投诉内容", "location": "事发地点", "contact_name": "联系人", "contact_phone": "联系电话"}


@router.get("/portal/complaint/done")
def complaint_done(request: Request, db: SessionDep, no: str = Query("", max_length=64), merged: str = ""):
    """The receipt: only a number the server issued is shown (any ``?no=`` text could otherwise
    be printed as an official 受理编号)."""
    issued = ledger_service.issued_tracking_no(db, no)
    return render(request, "portal/complaint_done.html",
                  {"active": "complaint", "tracking_no": issued, "merged": merged == "1"},
                  status_code=200 if issued else 404)


@router.get("/portal/track")
def complaint_track(request: Request, db: SessionDep, no: str = Query("", max_length=64)):
    no = no.strip()[:32]
    status = None
    if no:
        try:
            status = ledger_queries.complaint_public_status(db, no)
        except NotFound:
            status = None
    return render(request, "portal/track.html", {"active": "track", "no": no, "status": status})
