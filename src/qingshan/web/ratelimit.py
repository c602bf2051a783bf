"""Rate limits for anonymous and expensive endpoints: sliding windows, per key.

One API for every route that needs a limit (the public complaint form today; any domain's public
form tomorrow)::

    from qingshan.web.ratelimit import Limit, limiter_of

    PER_ADDRESS = Limit("complaint:ip", 5, 3600, "同一网络地址每小时最多提交 5 件投诉")

    limiter = limiter_of(request)                  # the app's RateLimiter
    limiter.check(PER_ADDRESS, client_ip)          # raises RateLimited (HTTP 429) when exhausted
    ...                                            # do the work
    limiter.hit(PER_ADDRESS, client_ip)            # count it

:class:`RateLimited` is answered by the app as HTTP 429 with the limit's Chinese message, the
wait in minutes and a ``Retry-After`` header (:func:`install`).

Where the counts live (``WebSettings.rate_limit_store``):

* ``memory`` — in this process (a dict of timestamps behind a lock). Right for the embedded
  default (one process). With several workers each would count on its own, multiplying the limit.
* ``database`` — the table ``web_rate_event`` (one row per counted event; rows older than the
  longest window are deleted as new ones arrive). Every worker of a deployment shares the
  database, so the limit holds across workers and machines. This is the default with
  PostgreSQL (server mode). Redis was considered: it would add a service and a client library
  for counts that are a few rows an hour; the database is already there.
* ``auto`` (default) — ``database`` on PostgreSQL, ``memory`` on SQLite.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.web.models import RateEvent


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``key`` within ``window`` seconds. ``name`` namespaces the key;
    ``message`` says what the limit is, in Chinese, for the 429 answer."""

    name: str
    count: int
    window: float
    message: str


class RateLimited(Exception):
    """A limit is exhausted; ``retry_after`` seconds until the oldest counted event leaves it."""

    def __init__(self, limit: Limit, retry_after: float, hint: str = ""):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"{limit.message}，请约 {minutes} 分钟后再试。{hint}".rstrip())
        self.limit = limit
        self.retry_after = max(1, math.ceil(retry_after))
        self.message = str(self)
        self.extra: dict = {}


class MemoryStore:
    """Counts in this process."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, window: float, now: float) -> deque[float]:
        q = self._events.setdefault(key, deque())
        while q and q[0] <= now - window:
            q.popleft()
        return q

    def count(self, key: str, window: float) -> tuple[int, float | None]:
        now = time.time()
        with self._lock:
            q = self._prune(key, window, now)
            return len(q), (q[0] + window - now) if q else None

    def add(self, key: str, window: float) -> None:
        now = time.time()
        with self._lock:
            self._prune(key, window, now).append(now)
            if len(self._events) > 100_000:  # forget idle keys (an address seen once)
                for k in [k for k, q in self._events.items() if not q]:
                    del self._events[k]


class DatabaseStore:
    """Counts in ``web_rate_event``, shared by every worker on the same database."""

    def __init__(self, engine: Engine, keep: float = 86400.0) -> None:
        self.engine = engine
        self.keep = keep

    def count(self, key: str, window: float) -> tuple[int, float | None]:
        since = clock.now_utc() - timedelta(seconds=window)
        with Session(self.engine) as db:
            n, oldest = db.execute(select(func.count(), func.min(RateEvent.at))
                                   .where(RateEvent.key == key, RateEvent.at > since)).one()
        if not n:
            return 0, None
        return n, (clock.aware(oldest) + timedelta(seconds=window) - clock.now_utc()).total_seconds()

    def add(self, key: str, window: float) -> None:
        now = clock.now_utc()
        with Session(self.engine) as db:
            db.add(RateEvent(key=key, at=now))
            db.execute(delete(RateEvent).where(RateEvent.at < now - timedelta(seconds=max(window, self.keep))))
            db.commit()


class RateLimiter:
    """Check and count events against :class:`Limit` s in one store."""

    def __init__(self, store: MemoryStore | DatabaseStore) -> None:
        self.store = store

    @staticmethod
    def _key(limit: Limit, key: str) -> str:
        return f"{limit.name}:{key}"[:160]

    def used(self, limit: Limit, key: str = "*") -> int:
        """Events of ``key`` counted in ``limit``'s current window."""
        return self.store.count(self._key(limit, key), limit.window)[0]

    def check(self, limit: Limit, key: str = "*", hint: str = "") -> None:
        """Raise :class:`RateLimited` if ``key`` has used up ``limit``."""
        n, wait = self.store.count(self._key(limit, key), limit.window)
        if n >= limit.count:
            raise RateLimited(limit, wait or limit.window, hint)

    def hit(self, limit: Limit, key: str = "*") -> None:
        """Count one event of ``key``."""
        self.store.add(self._key(limit, key), limit.window)


def make_limiter(kind: str, engine: Engine) -> RateLimiter:
    """``kind``: ``memory``, ``database`` or ``auto`` (database on PostgreSQL, else memory)."""
    if kind == "auto":
        kind = "database" if engine.dialect.name == "postgresql" else "memory"
    if kind == "memory":
        return RateLimiter(MemoryStore())
    if kind == "database":
        return RateLimiter(DatabaseStore(engine))
    raise ValueError(f"rate_limit_store must be memory, database or auto, not {kind!r}")


def limiter_of(request: Request) -> RateLimiter:
    """The application's limiter (set by :func:`qingshan.web.app.create_app`)."""
    return request.app.state.rate_limiter


def client_ip(request: Request) -> str:
    """The client's address (behind a proxy: uvicorn's ``proxy_headers`` set it from the
    trusted proxy's ``X-Forwarded-For``)."""
    return request.client.host if request.client else "unknown"


def address_key(request: Request) -> str:
    """The address a per-address limit counts: IPv4 as it is, IPv6 by its /64 network — one
    host or home is given a whole /64 and could otherwise take a fresh allowance per address
    (and use up the global limit for everyone)."""
    ip = client_ip(request)
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:  # "unknown", a test client's name
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return ip


def install(app: FastAPI) -> None:
    """Answer :class:`RateLimited` with HTTP 429, a Chinese message and ``Retry-After``."""

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited):
        body = {"detail": exc.message, "retry_after": exc.retry_after} | exc.extra
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(exc.retry_after)})
