"""Authentication endpoints: log in, log out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qingshan.web.auth import login_user, logout_user, set_session_cookie
from qingshan.web.deps import csrf_token, current_user, get_db
from qingshan.web.models import User
from qingshan.web.security import ROLES

router = APIRouter(prefix="/api/auth", tags=["账户 auth"])


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


def user_out(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLES.get(user.role, user.role),
        "unit": {"id": user.unit.id, "code": user.unit.code, "name": user.unit.name} if user.unit else None,
    }


@router.post("/login", summary="登录（成功后设置会话 Cookie，并返回 CSRF 令牌）")
def login(body: LoginIn, request: Request, response: Response, db: Session = Depends(get_db)) -> dict:
    user, token, csrf = login_user(request, db, body.username, body.password)
    set_session_cookie(response, token, request.app.state.settings, request)
    return {"user": user_out(user), "csrf_token": csrf}


@router.post("/logout", summary="退出登录")
def logout(request: Request, response: Response, db: Session = Depends(get_db)) -> dict:
    logout_user(request, db, response)
    return {"ok": True}


@router.get("/me", summary="当前用户与 CSRF 令牌（未登录时 user 为 null）")
def me(request: Request, user: User | None = Depends(current_user)) -> dict:
    return {"user": user_out(user) if user else None, "csrf_token": csrf_token(request)}
