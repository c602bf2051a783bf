"""Logging in and out: server-side sessions and login throttling without lock-outs.

An outsider must learn nothing about which accounts exist and must not be able to lock a real
user out. So every refusal looks the same for a known and an unknown name, and repeated failures
slow guessing down instead of locking the account:

* **Same answer.** A wrong password, an unknown user name and a deactivated account all get
  HTTP 401 「用户名或密码错误。」 and cost one argon2 verification (unknown names verify against a
  dummy hash), so neither the answer nor its timing reveals an account.
* **Progressive delay per name and address.** Failures are counted per typed user name from one
  address since that name's last successful login (or an administrator's reset), within
  ``ip_window_minutes``. The first ``login_free_failures`` cost nothing; after that the next
  attempt is checked only ``2^(n − free)`` seconds after the last failure (2, 4, 8 … at most
  ``login_max_delay_seconds``). An attempt that comes earlier — even with the right password — is
  answered HTTP 429 「登录尝试过于频繁，请 N 秒后再试。」 and not checked. The counts come from
  ``web_login_attempt`` rows keyed by the *typed* name, so the answer is the same whether the
  account exists or not.
* **Per address.** The same progressive delay applies to all failures from one address (with
  three times the free allowance, for offices behind one NAT address), and more than
  ``ip_failures_per_window`` failures from one address refuse it outright (429) for the window.
* **Per account, from everywhere.** When one name collects ``login_account_failures`` failures
  from all addresses within the window (a distributed guess), every attempt at it waits
  ``login_account_delay_seconds`` after the previous failure — a slowdown of seconds, never a
  lock: the real user logs in after that wait, and from an address that has not failed the
  per-address delays do not apply at all. A browser that has logged in to that account before
  (it carries the signed device cookie ``qs_device`` for the name, OWASP's "device cookie")
  is exempt from this one rule, so an outsider who keeps the account's failures high still
  cannot stop its owner from logging in from their usual browser.

Nothing locks: ``User.locked_until`` is no longer set (HTTP 423 is gone); an administrator's
「解除限制」 clears a name's delays by recording a reset (a successful attempt row).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

from fastapi import HTTPException, Request, Response
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, Actor, record
from qingshan.core.org import User
from qingshan.web.audit import context_of
from qingshan.web.models import LoginAttempt, WebSession
from qingshan.web.ratelimit import client_ip
from qingshan.web.security import (
    SESSION_COOKIE,
    WebSettings,
    dummy_verify,
    hash_password,
    new_token,
    password_hasher,
    secret_key,
    token_hash,
    verify_password,
)

WRONG = "用户名或密码错误。"
#: Signed "this browser has logged in as NAME before" cookie (exempts from the per-account delay).
DEVICE_COOKIE = "qs_device"
DEVICE_COOKIE_DAYS = 180
#: ``ip`` of the attempt row an administrator's reset writes (a success: it ends the failure run).
RESET_IP = "admin-reset"


def progressive_delay(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the last failure before the next attempt is checked [s]: 0 for the
    first ``free`` failures, then 2, 4, 8 … capped at ``cap``."""
    if failures < free:
        return 0
    return min(cap, 2 ** (failures - free + 1))


def _failures(db: Session, since: datetime, **match) -> tuple[int, datetime | None]:
    conds = [LoginAttempt.success.is_(False), LoginAttempt.at >= since]
    conds += [getattr(LoginAttempt, k) == v for k, v in match.items()]
    n, last = db.execute(select(func.count(), func.max(LoginAttempt.at)).where(*conds)).one()
    return n, clock.aware(last) if last else None


def _device_signature(settings: WebSettings, username: str, nonce: str) -> str:
    return hmac.new(secret_key(settings), f"device|{username}|{nonce}".encode(), hashlib.sha256).hexdigest()


def device_cookie_value(settings: WebSettings, username: str) -> str:
    nonce = secrets.token_hex(8)
    return f"{nonce}.{_device_signature(settings, username, nonce)}"


def known_device(request: Request, settings: WebSettings, username: str) -> bool:
    """Whether the request carries a device cookie this server signed for ``username``."""
    nonce, _, signature = (request.cookies.get(DEVICE_COOKIE) or "").partition(".")
    return bool(nonce and signature) and hmac.compare_digest(signature, _device_signature(settings, username, nonce))


def login_wait(db: Session, settings: WebSettings, username: str, ip: str, now: datetime | None = None, *,
               device_known: bool = False) -> int:
    """Seconds before an attempt at ``username`` from ``ip`` will be checked (0: now).

    Returns -1 when ``ip`` has more than ``ip_failures_per_window`` failures in the window.
    ``device_known``: the browser has logged in as ``username`` before (:func:`known_device`),
    so the per-account delay, which anyone can keep up from elsewhere, does not apply."""
    now = now or clock.now_utc()
    window_start = now - timedelta(minutes=settings.ip_window_minutes)
    last_ok = db.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True), LoginAttempt.at >= window_start))
    since = max(window_start, clock.aware(last_ok)) if last_ok else window_start
    n_ip, last_ip = _failures(db, window_start, ip=ip)
    if n_ip >= settings.ip_failures_per_window:
        return -1
    n_pair, last_pair = _failures(db, since, username=username, ip=ip)
    n_name, last_name = _failures(db, since, username=username)
    waits = []
    free, cap = settings.login_free_failures, settings.login_max_delay_seconds
    if last_pair is not None:
        waits.append(last_pair + timedelta(seconds=progressive_delay(n_pair, free, cap)))
    if last_ip is not None:
        waits.append(last_ip + timedelta(seconds=progressive_delay(n_ip, 3 * free, cap)))
    if last_name is not None and n_name >= settings.login_account_failures and not device_known:
        waits.append(last_name + timedelta(seconds=settings.login_account_delay_seconds))
    until = max(waits, default=now)
    return max(0, math.ceil((until - now).total_seconds()))


def login_user(request: Request, db: Session, username: str, password: str) -> tuple[User, str, str]:
    """Check credentials and open a session.

    Returns
    -------
    (user, session_token, csrf_token)

    Raises
    ------
    HTTPException
        401 wrong credentials (the same for unknown names and deactivated accounts), 429 an
        attempt before its progressive delay has passed, or too many failures from this address.
        Every outcome is audited (this function commits).
    """
    settings: WebSettings = request.app.state.settings
    now = clock.now_utc()
    ip = client_ip(request)
    username = (username or "").strip()[:64]

    wait = login_wait(db, settings, username, ip, now, device_known=known_device(request, settings, username))
    if wait:
        if wait < 0:
            message = f"该网络地址登录失败次数过多，请 {settings.ip_window_minutes} 分钟后再试。"
            note = f"{ip} 在 {settings.ip_window_minutes} 分钟内登录失败次数超过 {settings.ip_failures_per_window} 次"
        else:
            message = f"登录尝试过于频繁，请 {wait} 秒后再试。"
            note = f"连续登录失败，{wait} 秒后才受理下一次尝试（渐进延时）"
        record(db, context_of(request, None), Action.LOGIN_THROTTLED, username=username, message=note)
        db.commit()
        raise HTTPException(429, message, headers={"Retry-After": str(max(wait, 60) if wait < 0 else wait)})

    user = db.scalar(select(User).where(User.username == username))
    ok = False
    if user is None:
        dummy_verify(password, settings)
    else:
        ok = verify_password(user.password_hash, password, settings) and user.active

    db.add(LoginAttempt(username=username, ip=ip, success=ok, at=now))
    if not ok:
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
        # the record names the typed name only: whether it is an account is for the auditor to look up
        record(db, context_of(request, None), Action.LOGIN_FAILED, username=username,
               message=f"登录失败（{ip}）")
        db.commit()
        raise HTTPException(401, WRONG)

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


def reset_login_delays(db: Session, username: str) -> None:
    """End ``username``'s run of failures (an administrator's 「解除限制」); the caller commits."""
    db.add(LoginAttempt(username=username, ip=RESET_IP, success=True, at=clock.now_utc()))


def cookie_secure(request: Request | None, settings: WebSettings) -> bool:
    """``Secure`` flag for our cookies: forced by the setting, else whenever the request came in
    over HTTPS (``request.url.scheme``; behind a proxy, uvicorn's ``--proxy-headers`` sets it
    from ``X-Forwarded-Proto``)."""
    return bool(settings.cookie_secure or (request is not None and request.url.scheme == "https"))


def set_login_cookies(response: Response, token: str, user: User, settings: WebSettings,
                      request: Request | None = None) -> None:
    """After a successful login: the session cookie, and the device cookie for this account."""
    secure = cookie_secure(request, settings)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure,
        max_age=int(settings.session_hours * 3600), path="/",
    )
    response.set_cookie(
        DEVICE_COOKIE, device_cookie_value(settings, user.username), httponly=True, samesite="lax", secure=secure,
        max_age=DEVICE_COOKIE_DAYS * 86400, path="/",
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
