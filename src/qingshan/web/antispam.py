"""Flood protection of the anonymous complaint form (API and page alike).

Per submission, in this order (limits are :class:`~qingshan.web.security.WebSettings` fields):

1. **Global limit** — at most ``complaint_global_per_hour`` complaints per hour from everyone
   together (a distributed flood must not bury the bureau's staff): HTTP 429.
2. **Per-address limit** — at most ``complaint_per_address_per_hour`` per client address (an
   IPv6 address counted by its /64, :func:`~qingshan.web.ratelimit.address_key`) and hour:
   HTTP 429 with the wait and the 12369 hotline.
3. **Challenge** — from the ``complaint_challenge_after``-th submission of an address within the
   hour on, the submission must carry the answer to a small arithmetic question
   (:func:`new_challenge`, a signed token valid for 10 minutes and good for one submission: its
   nonce is counted as spent). Without it, with a wrong answer or with a spent token: HTTP 429
   with a new question (the page shows it in the form).
4. **Duplicates** — the same text (and phone, if given) within ``complaint_merge_hours`` of an
   open complaint is merged into it by :func:`qingshan.ledgers.service.receive_complaint`; the
   complainant gets the existing tracking number.

Only accepted submissions count. Counts live in the app's :class:`~qingshan.web.ratelimit.RateLimiter`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request

from qingshan.web.ratelimit import Limit, RateLimited, address_key, limiter_of
from qingshan.web.security import WebSettings, secret_key

HOTLINE = "如情况紧急，请拨打 12369 环保举报热线。"
CHALLENGE_SECONDS = 600


@dataclass(frozen=True)
class ComplaintLimits:
    per_address: Limit
    everyone: Limit
    challenge: Limit

    @classmethod
    def of(cls, s: WebSettings) -> ComplaintLimits:
        return cls(
            per_address=Limit("complaint:ip", s.complaint_per_address_per_hour, 3600,
                              f"提交过于频繁：同一网络地址每小时最多提交 {s.complaint_per_address_per_hour} 件投诉"),
            everyone=Limit("complaint:all", s.complaint_global_per_hour, 3600,
                           "系统当前收到的投诉过多，暂时无法受理网上投诉"),
            challenge=Limit("complaint:ip", s.complaint_challenge_after, 3600, ""),
        )


#: An answered question is spent: its token cannot carry further submissions within its life.
SPENT = Limit("complaint:challenge-spent", 1, CHALLENGE_SECONDS, "")


def _nonce(token: str) -> str:
    head = token.rsplit(".", 1)[0]
    return base64.urlsafe_b64decode(head.encode()).decode().split(":", 1)[1]


def new_challenge(key: bytes) -> dict:
    """A question (two one-digit sums) and its signed token ``{"question", "token"}``."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    expires = int(time.time()) + CHALLENGE_SECONDS
    nonce = secrets.token_hex(8)
    payload = f"{expires}:{nonce}"
    sig = hmac.new(key, f"{payload}:{a + b}".encode(), hashlib.sha256).hexdigest()
    token = base64.urlsafe_b64encode(payload.encode()).decode() + "." + sig
    return {"question": f"请计算：{a} 加 {b} 等于多少？", "token": token}


def check_answer(key: bytes, token: str | None, answer: str | None) -> bool:
    """Whether ``answer`` answers the question of ``token`` (signed by ``key``, not expired)."""
    if not token or not answer or "." not in token or len(token) > 200:
        return False
    head, sig = token.rsplit(".", 1)
    try:
        payload = base64.urlsafe_b64decode(head.encode()).decode()
        expires = int(payload.split(":", 1)[0])
        value = int(str(answer).strip()[:4])
    except (ValueError, UnicodeDecodeError):
        return False
    if expires < time.time():
        return False
    expected = hmac.new(key, f"{payload}:{value}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sig)


def guard(request: Request, token: str | None, answer: str | None) -> ComplaintLimits:
    """Refuse (``RateLimited``, HTTP 429) a submission over a limit or without the challenge's
    answer once it is due; returns the limits for :func:`count`."""
    settings: WebSettings = request.app.state.settings
    limits = ComplaintLimits.of(settings)
    limiter = limiter_of(request)
    ip = address_key(request)
    limiter.check(limits.everyone, hint=HOTLINE)
    limiter.check(limits.per_address, ip, hint=HOTLINE)
    key = secret_key(settings)
    due = limiter.used(limits.challenge, ip) >= settings.complaint_challenge_after
    answered = due and check_answer(key, token, answer) and not limiter.used(SPENT, _nonce(token))
    if answered:
        limiter.hit(SPENT, _nonce(token))
    elif due:
        exc = RateLimited(limits.challenge, 1)
        wrong = bool(token or answer)
        exc.message = ("验证答案不正确，请重新计算下面的问题后再提交。" if wrong
                       else "您在短时间内已提交多件投诉，请回答下面的验证问题后再提交。")
        exc.extra = {"challenge": new_challenge(key)}
        raise exc
    return limits


def count(request: Request, limits: ComplaintLimits) -> None:
    """Count an accepted submission against the per-address and global limits."""
    limiter = limiter_of(request)
    limiter.hit(limits.per_address, address_key(request))
    limiter.hit(limits.everyone)
