"""Authentication endpoints: log in, log out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from qingshan.web import accounts
from qingshan.web.accounts import user_out
from qingshan.web.api.schemas import LoginOut, MeOut, OkOut
from qingshan.web.auth import login_user, logout_user, set_login_cookies
from qingshan.web.deps import AuditCtx, CurrentUser, OptionalUser, SessionDep, Settings, csrf_token

router = APIRouter(prefix="/api/auth", tags=["账户 auth"])


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/login", response_model=LoginOut, summary="登录（成功后设置会话 Cookie，并返回 CSRF 令牌）")
def login(body: LoginIn, request: Request, response: Response, db: SessionDep, settings: Settings) -> dict:
    user, token, csrf = login_user(request, db, body.username, body.password)
    set_login_cookies(response, token, user, settings, request)
    return {"user": user_out(user), "csrf_token": csrf}


@router.post("/logout", response_model=OkOut, summary="退出登录")
def logout(request: Request, response: Response, db: SessionDep) -> dict:
    logout_user(request, db, response)
    return {"ok": True}


@router.get("/me", response_model=MeOut, summary="当前用户与 CSRF 令牌（未登录时 user 为 null）")
def me(request: Request, user: OptionalUser) -> dict:
    return {"user": user_out(user) if user else None, "csrf_token": csrf_token(request)}


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=256)


@router.post("/password", response_model=OkOut, summary="修改本人密码（须提供当前密码）")
def change_password(body: PasswordIn, user: CurrentUser, db: SessionDep, ctx: AuditCtx, settings: Settings) -> dict:
    accounts.change_own_password(db, ctx, settings, user, body.current_password, body.new_password)
    return {"ok": True}
