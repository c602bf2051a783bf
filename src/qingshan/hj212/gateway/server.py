"""asyncio adapter of the gateway: TCP connections ↔ protocol objects ↔ one group-commit writer.

* One :class:`_Connection` (``asyncio.Protocol``) per TCP connection wraps one sans-I/O
  :class:`~qingshan.hj212.gateway.protocol.GatewayProtocol`.
* Every event goes to the gateway's pending list; a single writer task takes everything
  pending (up to ``max_batch``), commits it in one transaction on a dedicated database thread
  (:class:`~qingshan.hj212.gateway.writer.BatchWriter`) and only **then** hands each event back
  to its connection for acknowledgement. While one batch commits, the next one accumulates
  (group commit). If a commit fails, nothing of that batch is acknowledged and its connections
  are closed, so the sites resend (hj212.md §10.5).
* Bounded memory per connection: the protocol buffers at most one partial frame (or 64 KiB
  while an authentication is pending); a connection with more than ``max_inflight``
  unacknowledged packets stops reading until the writer catches up (TCP back-pressure).
* Idle connections (no bytes for ``idle_timeout`` s) are closed by a sweeper.
* A periodic task evaluates alarms (:func:`qingshan.hj212.alarms.evaluate_store`): the value
  rules for the devices that sent data since its previous run, the missing-data rule for every
  active registered device on every run (first worker process only).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.protocol import AuthNeeded, GatewayProtocol, PacketEvent
from qingshan.hj212.gateway.writer import BatchWriter, ProcessWriter
from qingshan.sources.registry import load_devices

log = logging.getLogger("qingshan.hj212.gateway")
BEIJING = timezone(timedelta(hours=8))


class _Connection(asyncio.Protocol):
    __slots__ = ("gw", "transport", "peer", "proto", "inflight", "paused", "last_seen", "closed")

    def __init__(self, gw: Gateway):
        self.gw = gw
        self.transport: asyncio.Transport | None = None
        self.proto = GatewayProtocol(gw.auth, strict=gw.strict, heartbeat_reply=gw.heartbeat_reply)
        self.inflight = 0
        self.paused = False
        self.closed = False
        self.last_seen = time.monotonic()
        self.peer = "?"

    def connection_made(self, transport):
        self.transport = transport
        pn = transport.get_extra_info("peername")
        self.peer = f"{pn[0]}:{pn[1]}" if pn else "?"
        self.gw.connections.add(self)

    def connection_lost(self, exc):
        self.closed = True
        self.gw.connections.discard(self)

    def data_received(self, data: bytes):
        self.last_seen = time.monotonic()
        self.proto.receive_data(data)
        self._drain()

    def _drain(self):
        gw = self.gw
        for ev in self.proto.events_received():
            if isinstance(ev, AuthNeeded):
                self._set_paused(True)
                fut = asyncio.get_running_loop().run_in_executor(gw.auth_exec, gw.auth.verify, ev.mn, ev.pw)
                fut.add_done_callback(self._auth_finished)
            else:
                self.inflight += 1
                gw.submit(self, ev)
        if self.proto.closed:
            self.transport.close()
        elif self.inflight >= gw.max_inflight:
            self._set_paused(True)

    def _auth_finished(self, fut):
        exc = fut.exception()
        if exc is not None:  # e.g. the registry reload failed: the packet is re-judged (unknown MN)
            log.warning("device verification failed for %s: %r", self.peer, exc)
        if self.closed:
            return
        self.proto.auth_done()
        self._maybe_resume()
        self._drain()

    def _set_paused(self, paused: bool):
        if paused != self.paused and not self.closed:
            self.paused = paused
            (self.transport.pause_reading if paused else self.transport.resume_reading)()

    def _maybe_resume(self):
        if self.paused and not self.proto.waiting_for_auth and self.inflight < self.gw.max_inflight // 2:
            self._set_paused(False)

    def acked(self, ev: PacketEvent):
        self.inflight -= 1
        self.proto.acknowledge(ev)

    def flush(self):
        out = self.proto.data_to_send()
        if out and not self.closed:
            self.transport.write(b"".join(out))
        self._maybe_resume()


class Gateway:
    """The HJ 212 receiving server (上位机). ``await start()``, then ``await stop()``."""

    def __init__(self, url: str, host: str = "0.0.0.0", port: int = 0, *, idle_timeout: float = 300.0,
                 max_batch: int = 5000, max_inflight: int = 256, strict: bool = False,
                 heartbeat_reply: str = "by_flag", alarm_interval: float | None = 60.0,
                 alarm_window: timedelta = timedelta(days=2), workers: int = 1, worker_index: int = 0,
                 writer_process: bool | None = None):
        self.url, self.host, self.port = url, host, port
        self.idle_timeout = idle_timeout
        self.max_batch = max_batch
        self.max_inflight = max_inflight
        self.strict = strict  # True: every device strict (serve --strict); else per device
        self.heartbeat_reply = heartbeat_reply
        self.alarm_interval = alarm_interval
        self.alarm_window = alarm_window
        self.connections: set[_Connection] = set()
        self.stats = {"accepted": 0, "rejected": 0, "duplicates": 0, "acked": 0, "batches": 0, "commit_errors": 0,
                      "commit_seconds": 0.0, "max_batch": 0}
        self._pending: deque[tuple[_Connection, PacketEvent]] = deque()
        self._wake = asyncio.Event()
        self._touched_mns: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._server: asyncio.base_events.Server | None = None
        self.db_exec = ThreadPoolExecutor(1, thread_name_prefix="hj212-db")
        self.auth_exec = ThreadPoolExecutor(2, thread_name_prefix="hj212-auth")
        self.alarm_exec = ThreadPoolExecutor(1, thread_name_prefix="hj212-alarm")
        self.workers, self.worker_index = workers, worker_index
        # writer_process: SQLite's work in a child process instead of a thread of this one (off
        # this process's GIL). No measurable gain on the loaded 2-core bench machine, so the
        # default is the thread (docs/hj212-gateway.md).
        cls = ProcessWriter if writer_process else BatchWriter
        self.writer = cls(url, id_step=workers, id_offset=worker_index)
        self.auth: Authenticator | None = None

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        devices = await loop.run_in_executor(self.db_exec, load_devices, self.writer.engine)
        self.auth = Authenticator(devices, reload=lambda: load_devices(self.writer.engine))
        await loop.run_in_executor(self.db_exec, self.writer.open)
        # With several worker processes each binds the same port (SO_REUSEPORT) and the kernel
        # spreads new connections over them.
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port, backlog=4096,
                                                reuse_address=True, reuse_port=self.workers > 1 or None)
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks = [asyncio.create_task(self._writer_loop()), asyncio.create_task(self._sweeper())]
        if self.alarm_interval:
            self._tasks.append(asyncio.create_task(self._alarm_loop()))
        log.info("HJ 212 gateway listening on %s:%s, %d devices", self.host, self.port, len(devices))
        return self.port

    def submit(self, conn: _Connection, ev: PacketEvent) -> None:
        self._pending.append((conn, ev))
        self._wake.set()

    async def _writer_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
            n = min(len(self._pending), self.max_batch)
            batch = [self._pending.popleft() for _ in range(n)]
            items = [ev.archive_item(conn.peer) for conn, ev in batch]
            t0 = time.perf_counter()
            try:
                dups = await loop.run_in_executor(self.db_exec, self.writer.commit, items)
            except Exception:
                log.exception("HJ 212 batch commit failed; %d packets not acknowledged", n)
                self.stats["commit_errors"] += 1
                for conn, _ev in batch:
                    conn.inflight -= 1
                    if not conn.closed:
                        conn.transport.abort()
                await asyncio.sleep(0.5)
                continue
            st = self.stats
            st["batches"] += 1
            st["commit_seconds"] += time.perf_counter() - t0
            st["max_batch"] = max(st["max_batch"], n)
            st["duplicates"] += dups
            touched = set()
            for (conn, ev), item in zip(batch, items):
                if item.failed:  # the database refused it: archived as rejected, never acknowledged
                    log.warning("packet from %s could not be stored: %s", conn.peer, item.reason)
                    ev.verdict, ev.reply = "rejected", None
                if ev.verdict == "accepted":
                    st["accepted"] += 1
                    if ev.store:
                        self._touched_mns.add(ev.packet.mn)
                else:
                    st["rejected"] += 1
                    log.warning("rejected packet from %s (MN=%s): %s %s", conn.peer,
                                ev.fields.get("MN") if ev.packet is None else ev.packet.mn, ev.reason_code, ev.reason)
                if ev.reply is not None:
                    st["acked"] += 1
                conn.acked(ev)
                touched.add(conn)
            for conn in touched:
                conn.flush()

    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.idle_timeout / 2))
            limit = time.monotonic() - self.idle_timeout
            for conn in list(self.connections):
                if conn.last_seen < limit and conn.inflight == 0:
                    conn.transport.close()

    async def _alarm_loop(self) -> None:
        from qingshan.hj212.alarms import evaluate_store

        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.alarm_interval)
            # Every tick: the value rules for the devices that sent data since the last run,
            # the missing-data rule for every active registered device (a silent device sends
            # nothing that could trigger it).
            # With several worker processes only the first runs the missing-data rule.
            mns, self._touched_mns = self._touched_mns, set()
            missing = self.worker_index == 0
            if not mns and not missing:
                continue
            now = datetime.now(BEIJING).replace(tzinfo=None)  # DataTime is station local time (§11)
            try:
                await loop.run_in_executor(self.alarm_exec, lambda: evaluate_store(
                    self.writer.engine, now - self.alarm_window, now, mns, missing=missing))
            except Exception:
                log.exception("alarm evaluation failed")

    async def reload_registry(self) -> None:
        loop = asyncio.get_running_loop()
        self.auth.update(await loop.run_in_executor(self.db_exec, load_devices, self.writer.engine))

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until everything received so far is committed and acknowledged."""
        end = time.monotonic() + timeout
        while (self._pending or any(c.inflight for c in self.connections)) and time.monotonic() < end:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self.drain(5.0)
        for conn in list(self.connections):
            conn.transport.close()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.db_exec, self.writer.close)
        self.db_exec.shutdown(wait=True)
        self.auth_exec.shutdown(wait=False)
        self.alarm_exec.shutdown(wait=False)
        self.writer.engine.dispose()


async def serve_forever(url: str, host: str, port: int, *, announce: bool = True, ready=None,
                        before_announce=None, **kw) -> None:
    gw = Gateway(url, host, port, **kw)
    await gw.start()
    if ready is not None:
        ready.set()
    if before_announce is not None:
        await asyncio.get_running_loop().run_in_executor(None, before_announce)
    if announce:
        print(f"HJ 212 网关已在 {host}:{gw.port} 监听（{gw.workers} 个工作进程）", flush=True)
    stop = asyncio.Event()
    # SIGTERM (systemd, docker stop) stops gracefully like Ctrl-C: stop accepting, commit and
    # acknowledge what was received, close. (kill -9 loses nothing acknowledged either.)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await gw.stop()
        print(json.dumps({"gateway_stats": gw.stats, "worker": gw.worker_index}), flush=True)


def _worker_main(url: str, host: str, port: int, kw: dict, parent: int, ready) -> None:
    """A worker process of ``serve --workers N``: dies with its parent (PR_SET_PDEATHSIG), so a
    kill -9 of the gateway leaves no orphan serving the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop (SIGTERM)
    asyncio.run(serve_forever(url, host, port, announce=False, ready=ready, **kw))


def serve_workers(url: str, host: str, port: int, workers: int, **kw) -> None:
    """Run ``workers`` gateway processes on one port; this process is worker 0. The port is
    announced once every worker listens."""
    import multiprocessing as mp

    if workers > 1 and port == 0:
        raise ValueError("多进程网关需要固定端口（--port 不能为 0）")
    ctx = mp.get_context("spawn")
    events = [ctx.Event() for _ in range(1, workers)]
    children = [ctx.Process(target=_worker_main, args=(url, host, port, {**kw, "workers": workers, "worker_index": k},
                                                       os.getpid(), events[k - 1]), daemon=False)
                for k in range(1, workers)]
    for c in children:
        c.start()

    def all_ready() -> None:
        for e in events:
            if not e.wait(120):
                raise RuntimeError("网关工作进程未能在 120 秒内启动")

    try:
        asyncio.run(serve_forever(url, host, port, workers=workers, worker_index=0, before_announce=all_ready, **kw))
    finally:
        for c in children:
            if c.is_alive():
                c.terminate()  # SIGTERM: graceful, like worker 0
        for c in children:
            c.join(30)
