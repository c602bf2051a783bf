"""Log-in and log-out pages (the session logic is :mod:`qingshan.web.auth`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from qingshan.web.auth import login_user, logout_user, set_login_cookies
from qingshan.web.deps import current_user, get_db
from qingshan.web.pages.render import render

router = APIRouter()


def _safe_next(value: str | None) -> str:
    # only local paths: an open redirect after login would be a phishing aid
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/overview"


@router.get("/login")
def login_form(request: Request, next: str | None = None, user=Depends(current_user)):
    if user is not None and user.role != "public":
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "username": ""})


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form("", max_length=64),
    password: str = Form("", max_length=256),
    next: str = Form("/overview"),
    db=Depends(get_db),
):
    try:
        _user, token, _csrf = login_user(request, db, username, password)
    except HTTPException as exc:
        return render(
            request, "login.html", {"next": _safe_next(next), "error": exc.detail, "username": username},
            status_code=exc.status_code,
        )
    # the public role has no workspace: it lands on the portal, not on a 403 page
    target = "/portal" if _user.role == "public" else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_login_cookies(response, token, _user, request.app.state.settings, request)
    return response


@router.post("/logout")
def logout(request: Request, db=Depends(get_db)):
    response = RedirectResponse("/login", status_code=303)
    logout_user(request, db, response)
    return response
