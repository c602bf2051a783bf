"""Logging in and out: server-side sessions, per-address throttling, per-account lockout.

* A failed login increments ``User.failed_logins``; at ``lockout_failures`` consecutive failures
  the account is locked for ``lockout_minutes`` (``locked_until``) — even the right password is
  refused meanwhile, and the lockout is audited.
* More than ``ip_failures_per_window`` failures from one address within ``ip_window_minutes``
  → HTTP 429 before any password is checked (throttling against guessing many accounts).
* Unknown usernames cost one argon2 verification too, so timing does not reveal accounts.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import HTTPException, Request, Response
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, Actor, record
from qingshan.core.org import User
from qingshan.web.audit import context_of
from qingshan.web.models import LoginAttempt, WebSession
from qingshan.web.security import (
    SESSION_COOKIE,
    WebSettings,
    dummy_verify,
    hash_password,
    new_token,
    password_hasher,
    token_hash,
    verify_password,
)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_user(request: Request, db: Session, username: str, password: str) -> tuple[User, str, str]:
    """Check credentials and open a session.

    Returns
    -------
    (user, session_token, csrf_token)

    Raises
    ------
    HTTPException
        401 wrong credentials, 423 account locked, 429 too many attempts from this address.
        Every outcome is audited (the caller commits nothing: this function commits).
    """
    settings: WebSettings = request.app.state.settings
    now = clock.now_utc()
    ip = client_ip(request)
    username = (username or "").strip()[:64]

    window_start = now - timedelta(minutes=settings.ip_window_minutes)
    recent_failures = db.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= window_start
        )
    )
    if recent_failures >= settings.ip_failures_per_window:
        record(db, context_of(request, None), Action.LOGIN_THROTTLED, username=username,
                  message=f"{ip} 在 {settings.ip_window_minutes} 分钟内登录失败 {recent_failures} 次")
        db.commit()
        raise HTTPException(429, f"登录尝试过于频繁，请 {settings.ip_window_minutes} 分钟后再试。")

    user = db.scalar(select(User).where(User.username == username))
    locked_until = clock.aware(user.locked_until) if user else None
    if user is not None and locked_until is not None and locked_until > now:
        db.add(LoginAttempt(username=username, ip=ip, success=False))
        record(db, context_of(request, user), Action.LOGIN_LOCKED, object_type="user", object_id=user.id,
                  object_repr=user.username, message="账户已锁定，拒绝登录")
        db.commit()
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise HTTPException(423, f"账户因连续登录失败已被锁定，请约 {minutes} 分钟后再试或联系管理员。")

    ok = False
    if user is None:
        dummy_verify(password, settings)
    else:
        ok = user.active and verify_password(user.password_hash, password, settings)

    db.add(LoginAttempt(username=username, ip=ip, success=ok))
    if not ok:
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= settings.lockout_failures:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                user.failed_logins = 0
                record(db, context_of(request, user), Action.LOCKOUT, object_type="user", object_id=user.id,
                          object_repr=user.username,
                          message=f"连续 {settings.lockout_failures} 次登录失败，锁定 {settings.lockout_minutes} 分钟")
        record(db, context_of(request, user), Action.LOGIN_FAILED, username=username,
                  object_type="user" if user else None, object_id=user.id if user else None)
        db.commit()
        raise HTTPException(401, "用户名或密码错误。")

    user.failed_logins = 0
    user.locked_until = None
    if password_hasher(settings).check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, settings)  # parameters were raised since
    # housekeeping: this user's expired sessions go (the table only ever holds live ones per user)
    db.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at < now))
    token, csrf = new_token(), new_token()
    db.add(WebSession(
        token_hash=token_hash(token), user_id=user.id, csrf_token=csrf, ip=ip,
        expires_at=now + timedelta(hours=settings.session_hours),
    ))
    record(db, context_of(request, user), Action.LOGIN, object_type="user", object_id=user.id, object_repr=user.username)
    db.commit()
    request.state.user = user
    request.state.actor = Actor.of(user)
    request.state.web_session_csrf = csrf
    return user, token, csrf


def cookie_secure(request: Request | None, settings: WebSettings) -> bool:
    """``Secure`` flag for our cookies: forced by the setting, else whenever the request came in
    over HTTPS (``request.url.scheme``; behind a proxy, uvicorn's ``--proxy-headers`` sets it
    from ``X-Forwarded-Proto``)."""
    return bool(settings.cookie_secure or (request is not None and request.url.scheme == "https"))


def set_session_cookie(response: Response, token: str, settings: WebSettings, request: Request | None = None) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=cookie_secure(request, settings),
        max_age=int(settings.session_hours * 3600), path="/",
    )


def session_for(request: Request, db: Session) -> WebSession | None:
    """The valid server-side session of this request, or None (cached on ``request.state``)."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session
    result = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sess = db.get(WebSession, token_hash(token))
        if sess is not None and clock.aware(sess.expires_at) > clock.now_utc():
            user = db.get(User, sess.user_id)
            if user is not None and user.active:
                result = sess
                request.state.user = user
                request.state.actor = Actor.of(user)
    request.state.web_session = result
    if result is None:
        request.state.user = None
    return result


def logout_user(request: Request, db: Session, response: Response) -> None:
    sess = session_for(request, db)
    if sess is not None:
        user = request.state.user
        db.delete(sess)
        record(db, context_of(request, user), Action.LOGOUT, object_type="user", object_id=user.id, object_repr=user.username)
        db.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
