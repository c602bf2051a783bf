"""Tables only the web needs: server-side sessions, login attempts, rate-limit events.

Units and accounts are :mod:`qingshan.core.org`, the audit trail :mod:`qingshan.core.audit`
(every domain uses them); all are created by the ``web_0001`` migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.core.clock import now_utc
from qingshan.core.org import User  # noqa: F401 - web_session.user_id refers to web_user
from qingshan.store.base import Base


class WebSession(Base):
    """Server-side session. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginAttempt(Base):
    """Every login attempt (by typed user name and address): the counts behind the progressive
    login delays of :mod:`qingshan.web.auth`."""

    __tablename__ = "web_login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class RateEvent(Base):
    """One counted event of a rate limit (:mod:`qingshan.web.ratelimit`, ``database`` store)."""

    __tablename__ = "web_rate_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
