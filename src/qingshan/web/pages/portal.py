"""The public portal (no login): air quality by station, published bulletins, the complaint
form with its tracking number, and the complaint status page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from qingshan.web.deps import get_db
from qingshan.web.pages import charts, data
from qingshan.web.pages.common import db_url, year_month
from qingshan.web.pages.render import render

router = APIRouter()

#: Longest accepted text per complaint form field [characters] (the service validates again).
MAX_LEN = {"content": 4000, "location": 300, "contact_name": 50, "contact_phone": 30}


@router.get("/portal")
def portal_air(request: Request):
    now = data.air_now(db_url(request))
    levels = data.aqi_levels()
    ctx = {
        "active": "air",
        "now": now,
        "levels": [data._level_view(lv) for lv in levels],
        "map_option": charts.station_map([r for r in now.rows if r["aqi"] is not None], levels, title="各站点实时 AQI")
        if now.rows else None,
    }
    return render(request, "portal/air.html", ctx)


@router.get("/portal/bulletins")
def portal_bulletins(request: Request):
    """Published bulletins, and the latest 1—N月 air-quality summary generated from the data
    (the same evaluation as the leadership overview, published values only)."""
    url = db_url(request)
    y, m = year_month(request, None, None)
    ctx = {
        "active": "bulletins",
        "bulletins": data.bulletins(url),
        "year": y,
        "month_to": m,
        "evaluation": data.period_evaluation(url, y, m, None, home=request.app.state.settings.home),
        "ranking": data.county_ranking(url, y, m, None),
    }
    return render(request, "portal/bulletins.html", ctx)


@router.get("/portal/complaint")
def complaint_form(request: Request):
    return render(request, "portal/complaint.html", {"active": "complaint", "form": {}, "error": None, "errors": []})


@router.post("/portal/complaint")
def complaint_submit(
    request: Request,
    content: str = Form(""),
    location: str = Form(""),
    contact_name: str = Form(""),
    contact_phone: str = Form(""),
    db=Depends(get_db),
):
    form = {"content": content, "location": location,
            "contact_name": contact_name, "contact_phone": contact_phone}
    errors = []
    if not content.strip():
        errors.append("请填写「投诉内容」。")
    for key, limit in MAX_LEN.items():
        if len(form[key]) > limit:
            errors.append(f"「{_LABELS[key]}」过长：最多 {limit} 个字，现为 {len(form[key])} 个字。")
    if errors:
        return render(request, "portal/complaint.html", {"active": "complaint", "form": form, "error": "提交未成功，请修改后重试。", "errors": errors}, status_code=422)
    fields = {k: v.strip() for k, v in form.items()} | {"channel": "网站"}
    try:
        tracking_no = data.submit_complaint(db, request, fields)
    except data.SubmitError as exc:
        msgs = [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in exc.errors]
        return render(request, "portal/complaint.html", {"active": "complaint", "form": form, "error": exc.message, "errors": msgs}, status_code=422)
    # Post/Redirect/Get: a reload does not file the complaint twice
    return RedirectResponse(f"/portal/complaint/done?no={tracking_no}", status_code=303)


_LABELS = {"content": "投诉内容", "location": "事发地点", "contact_name": "联系人", "contact_phone": "联系电话"}


@router.get("/portal/complaint/done")
def complaint_done(request: Request, no: str = ""):
    return render(request, "portal/complaint_done.html", {"active": "complaint", "tracking_no": no[:32]})


@router.get("/portal/track")
def complaint_track(request: Request, no: str = "", db=Depends(get_db)):
    no = no.strip()[:32]
    status = data.complaint_status(db, no) if no else None
    return render(request, "portal/track.html", {"active": "track", "no": no, "status": status})
