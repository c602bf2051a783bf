"""Pure-ASGI middlewares that must act before a request reaches a route's dependencies.

* :class:`ConcurrencyLimit` — at most ``limit`` requests are inside the application at once;
  the rest wait (in the event loop, holding neither a worker thread nor a database connection).
  Why: a request's session checks out a pooled connection in its user dependency and keeps it
  while it waits for one of the anyio worker threads that run the sync route. With more
  requests in flight than pooled connections, the worker threads block on the pool while the
  requests holding the connections wait for a thread — a deadlock broken only by the pool
  timeout (30 s). Keeping the number of requests in flight at or below the pool capacity
  divided by the connections one request may hold at once (its own session plus the separate
  audit/CSRF session: 2) and below the thread limiter means no request ever waits for a
  connection.
* :class:`BodySizeLimit` — refuses a body over ``max_bytes`` with HTTP 413 before anything
  parses or spools it: at once by ``Content-Length``, or, for a chunked body, as soon as the
  streamed bytes pass the limit.
"""

from __future__ import annotations

import asyncio
import json
import weakref

Scope = dict
Receive = object
Send = object


class ConcurrencyLimit:
    """Admit at most ``limit`` HTTP requests into ``app`` at a time (paths under ``exempt``
    — static assets that touch no database — pass freely)."""

    def __init__(self, app, limit: int, exempt: tuple[str, ...] = ("/static/",)) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.app = app
        self.limit = limit
        self.exempt = exempt
        # one semaphore per event loop: asyncio primitives bind to the loop that first waits on
        # them, and test clients run each app instance on loops of their own
        self._sems: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _sem(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._sems.get(loop)
        if sem is None:
            sem = self._sems[loop] = asyncio.Semaphore(self.limit)
        return sem

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        async with self._sem():
            await self.app(scope, receive, send)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def too_large_message(max_bytes: int, attachment_bytes: int | None = None) -> str:
    """The 413 text. It names the attachment limit the upload forms show (``attachment_bytes``,
    e.g. 20.0 MB), not the request cap (attachment + 1 MiB of form fields), which users never see."""
    if attachment_bytes:
        return (f"上传内容过大：每个附件不超过 {_size(attachment_bytes)}，本次提交超过了上限，已拒绝。"
                "请压缩或拆分附件后分次上传。")
    return f"请求内容过大：超过上限 {_size(max_bytes)}（{max_bytes} 字节），已拒绝。"


class BodySizeLimit:
    """Refuse request bodies larger than ``max_bytes`` with HTTP 413 (JSON, Chinese message)."""

    def __init__(self, app, max_bytes: int, attachment_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.attachment_bytes = attachment_bytes

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": too_large_message(self.max_bytes, self.attachment_bytes)},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self._refuse(send)
                    return
        seen = 0
        started = False
        refused = False

        async def counting_receive():
            # Over the limit: answer 413 at once and tell the application the client has gone
            # (http.disconnect), whatever wraps this receive (task groups turn a raised
            # exception into an ExceptionGroup that FastAPI would report as a 400).
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the application answers is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise
