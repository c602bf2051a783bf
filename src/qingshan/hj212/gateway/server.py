"""asyncio adapter of the gateway: TCP connections ↔ protocol objects ↔ one group-commit writer.

* One :class:`_Connection` (``asyncio.Protocol``) per TCP connection wraps one sans-I/O
  :class:`~qingshan.hj212.gateway.protocol.GatewayProtocol`.
* Every event goes to the gateway's pending list; a single writer task takes everything
  pending (up to ``max_batch``), commits it in one transaction on a dedicated database thread
  (:class:`~qingshan.hj212.gateway.writer.BatchWriter`) and only **then** hands each event back
  to its connection for acknowledgement. While one batch commits, the next one accumulates
  (group commit). If a commit fails, nothing of that batch is acknowledged and its connections
  are closed, so the sites resend (hj212.md §10.5).
* **The writer survives any one item** (issue 7 item 1): an item that raises while being
  prepared or handed back is logged, written to the dead-letter table ``hj212_dead_letter``
  and skipped; the loop itself is restarted if it ever dies, and :meth:`Gateway.health`
  reports its state, restarts, dead letters and the last error.
* Bounded cost per peer (issue 7 items 4–6, :mod:`~qingshan.hj212.gateway.guard`): rejected
  bytes archived within per-connection / per-peer / total quotas (the rest counted);
  reject log lines rate-limited with a periodic summary; a connection closed after repeated
  rejects, after ``frame_timeout`` s on one incomplete frame, after ``idle_timeout`` s without
  a valid packet, and after ``write_timeout`` s of replies it does not read (reading from it
  stops as soon as its replies back up: ``pause_writing``); at most ``max_connections`` in total
  and ``max_connections_per_peer`` per address — at the cap a connection of that peer (or any
  peer) that has not delivered a valid packet within ``evict_grace`` s is closed to make room,
  so one faulty logger behind a site's NAT address cannot cut off the others.
* Bounded memory per connection: the protocol buffers at most one partial frame (or the rest
  of one read while an authentication is pending); a connection with more than
  ``max_inflight`` unacknowledged packets stops reading until the writer catches up.
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
from enum import StrEnum

from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.events import AuthNeeded, AuthResult, CloseReason, PacketEvent, Verdict
from qingshan.hj212.gateway.guard import LogLimiter, RejectQuota
from qingshan.hj212.gateway.protocol import GatewayProtocol, TimeWindow, utcnow
from qingshan.hj212.gateway.writer import BatchWriter, DeadLetter, ProcessWriter
from qingshan.sources.registry import load_devices, verify_password

log = logging.getLogger("qingshan.hj212.gateway")
BEIJING = timezone(timedelta(hours=8))
DEFAULT_WINDOW = TimeWindow()
_WRITE_HIGH = 64 * 1024  # transport write buffer high-water mark (pause_writing above it)


class _Pause(StrEnum):
    """Why reading from a connection is paused."""

    AUTH = "auth"  # its first packet of a (MN, PW) pair is being verified
    INFLIGHT = "inflight"  # max_inflight packets wait for the writer
    WRITE = "write"  # its replies are not read (pause_writing)


class _Connection(asyncio.Protocol):
    __slots__ = ("gw", "transport", "peer", "host", "proto", "inflight", "closed", "admitted", "opened",
                 "last_valid", "partial_since", "write_paused_since", "_pause", "reject_used")

    def __init__(self, gw: Gateway):
        self.gw = gw
        self.transport: asyncio.Transport | None = None
        self.proto = GatewayProtocol(gw.auth, strict=gw.strict, heartbeat_reply=gw.heartbeat_reply,
                                     time_window=gw.time_window, max_rejects_in_a_row=gw.max_rejects_in_a_row,
                                     max_reject_bytes_in_a_row=gw.max_reject_bytes_in_a_row)
        self.inflight = 0
        self.closed = False
        self.admitted = False
        self.opened = self.last_valid = time.monotonic()
        self.partial_since: float | None = None
        self.write_paused_since: float | None = None
        self._pause: set[_Pause] = set()  # why reading is paused
        self.reject_used = 0  # archived rejected bytes (RejectQuota, per connection)
        self.peer = self.host = "?"

    # --- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        pn = transport.get_extra_info("peername")
        if pn:
            self.host = str(pn[0])
            self.peer = f"{pn[0]}:{pn[1]}"
        transport.set_write_buffer_limits(high=_WRITE_HIGH)
        self.admitted = self.gw.admit(self)
        if not self.admitted:
            self.closed = True
            transport.abort()

    def connection_lost(self, exc):
        if not self.admitted:
            return
        self.closed = True
        self.gw.release(self)
        self.proto.receive_eof()  # a partial frame left at disconnect is archived too
        self._drain()

    def data_received(self, data: bytes):
        self.gw.bytes_received += len(data)
        self.proto.receive_data(data)
        self.partial_since = (self.partial_since or time.monotonic()) if self.proto.buffered > 2 else None
        self._drain()

    def eof_received(self):
        return False  # close the transport; connection_lost archives what is left

    def pause_writing(self):
        # The client does not read its replies: stop reading from it (no new replies pile up),
        # the sweeper closes it after ``write_timeout`` (issue 7 item 5).
        self.write_paused_since = time.monotonic()
        self._set_paused(_Pause.WRITE, True)

    def resume_writing(self):
        self.write_paused_since = None
        self._set_paused(_Pause.WRITE, False)

    # --- gateway side -------------------------------------------------------------------
    def _drain(self):
        gw = self.gw
        for ev in self.proto.events_received():
            if isinstance(ev, AuthNeeded):
                self._set_paused(_Pause.AUTH, True)
                fut = asyncio.get_running_loop().run_in_executor(gw.auth_exec, gw.auth.verify, ev.mn, ev.pw)
                fut.add_done_callback(self._auth_finished)
            else:
                if ev.verdict is not Verdict.REJECTED:
                    self.last_valid = time.monotonic()
                gw.submit(self, ev)
        if self.proto.closed and not self.closed:
            gw.note_close(self, self.proto.close_reason or CloseReason.EOF)
            self.close()
        elif self.inflight >= gw.max_inflight:
            self._set_paused(_Pause.INFLIGHT, True)

    def _auth_finished(self, fut):
        exc = fut.exception()
        if exc is not None:  # e.g. the registry reload failed: the packet is rejected, not re-queued
            self.gw.stats["auth_errors"] += 1
            if self.gw.log_limit.allow("auth_error"):
                log.warning("device verification failed for %s: %r", self.peer, exc)
            result = None
        else:
            result = fut.result()
        # Decided even when the connection has gone meanwhile: the held packet is archived.
        self.proto.auth_done(None if result is None else AuthResult(result), error=result is None)
        self._set_paused(_Pause.AUTH, self.proto.waiting_for_auth)
        self._maybe_resume()
        self._drain()

    def _set_paused(self, why: _Pause, paused: bool):
        if paused:
            self._pause.add(why)
        else:
            self._pause.discard(why)
        if self.closed or self.transport is None:
            return
        if self._pause:
            if self.transport.is_reading():
                self.transport.pause_reading()
        elif not self.transport.is_reading():
            self.transport.resume_reading()
            # The deadlines count only while we read: a frame cut off by our own pause, or a
            # device waiting for its verification, gets its full time again.
            now = time.monotonic()
            self.last_valid = max(self.last_valid, now - self.gw.idle_timeout / 2)
            if self.partial_since is not None:
                self.partial_since = now

    @property
    def paused(self) -> bool:
        return bool(self._pause)

    def _maybe_resume(self):
        if _Pause.INFLIGHT in self._pause and self.inflight < self.gw.max_inflight // 2:
            self._set_paused(_Pause.INFLIGHT, False)

    def acked(self, ev: PacketEvent):
        self.inflight -= 1
        self.proto.acknowledge(ev)

    def flush(self):
        out = self.proto.data_to_send()
        if out and not self.closed:
            self.transport.write(b"".join(out))
        self._maybe_resume()

    def close(self, abort: bool = False):
        if self.transport is not None and not self.transport.is_closing():
            (self.transport.abort if abort else self.transport.close)()

    def expire_partial(self, why: str):
        """Give up on an incomplete frame: archive it and close (frame deadline, slowloris)."""
        self.proto.receive_eof(why)
        self.closed = True  # the close is already counted (frame_timeout)
        self._drain()
        self.close()


class Gateway:
    """The HJ 212 receiving server (上位机). ``await start()``, then ``await stop()``.

    Limits (defaults; docs/hj212-gateway.md "Hostile input"): ``idle_timeout`` 300 s without a
    valid packet; ``frame_timeout`` 30 s to complete a frame once it started; ``write_timeout``
    30 s of unread replies; ``max_connections`` 10,000 and ``max_connections_per_peer`` 1,024
(``evict_grace`` 10 s, see :meth:`admit`);
    ``time_window`` (:class:`~qingshan.hj212.gateway.protocol.TimeWindow`); ``reject_quota``
    (:class:`~qingshan.hj212.gateway.guard.RejectQuota`); ``log_limit``
    (:class:`~qingshan.hj212.gateway.guard.LogLimiter`); after ``max_rejects_in_a_row`` rejected
    events or ``max_reject_bytes_in_a_row`` rejected bytes without a valid packet a connection
    is closed.
    """

    def __init__(self, url: str, host: str = "0.0.0.0", port: int = 0, *, idle_timeout: float = 300.0,
                 max_batch: int = 5000, max_inflight: int = 256, strict: bool = False,
                 heartbeat_reply: str = "by_flag", alarm_interval: float | None = 60.0,
                 alarm_window: timedelta = timedelta(days=2), workers: int = 1, worker_index: int = 0,
                 writer_process: bool | None = None, frame_timeout: float = 30.0, write_timeout: float = 30.0,
                 max_connections: int = 10_000, max_connections_per_peer: int = 1024, evict_grace: float = 10.0,
                 time_window: TimeWindow | None = DEFAULT_WINDOW, reject_quota: RejectQuota | None = None,
                 log_limit: LogLimiter | None = None, max_rejects_in_a_row: int = 32,
                 max_reject_bytes_in_a_row: int = 64 * 1024, sweep_every: float = 1.0):
        self.url, self.host, self.port = url, host, port
        self.idle_timeout = idle_timeout
        self.frame_timeout = frame_timeout
        self.write_timeout = write_timeout
        self.max_connections, self.max_connections_per_peer = max_connections, max_connections_per_peer
        self.evict_grace = evict_grace
        self.max_batch = max_batch
        self.max_inflight = max_inflight
        self.strict = strict  # True: every device strict (serve --strict); else per device
        self.heartbeat_reply = heartbeat_reply
        self.time_window = time_window
        self.max_rejects_in_a_row = max_rejects_in_a_row
        self.max_reject_bytes_in_a_row = max_reject_bytes_in_a_row
        self.reject_quota = reject_quota or RejectQuota()
        self.log_limit = log_limit or LogLimiter()
        self.sweep_every = sweep_every
        self.alarm_interval = alarm_interval
        self.alarm_window = alarm_window
        self.connections: set[_Connection] = set()
        self._by_host: dict[str, set[_Connection]] = {}
        self.stats = {"accepted": 0, "quarantined": 0, "rejected": 0, "duplicates": 0, "acked": 0, "batches": 0,
                      "commit_errors": 0, "commit_seconds": 0.0, "max_batch": 0, "dead_letters": 0,
                      "writer_restarts": 0, "auth_errors": 0, "alarm_errors": 0, "connections_refused": 0,
                      "connections_evicted": 0, "closed": {}}
        self.bytes_received = 0
        self._health = {"writer": "stopped", "last_commit_at": None, "last_error": None}
        self._pending: deque[tuple[_Connection, PacketEvent]] = deque()
        self._wake = asyncio.Event()
        self._touched_mns: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._writer_task: asyncio.Task | None = None
        self._stopping = False
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
        self.auth = Authenticator(devices, verify_password, reload=lambda: load_devices(self.writer.engine))
        await loop.run_in_executor(self.db_exec, self.writer.open)
        # With several worker processes each binds the same port (SO_REUSEPORT) and the kernel
        # spreads new connections over them.
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port, backlog=4096,
                                                reuse_address=True, reuse_port=self.workers > 1 or None)
        self.port = self._server.sockets[0].getsockname()[1]
        self._start_writer()
        self._tasks = [asyncio.create_task(self._sweeper())]
        if self.alarm_interval:
            self._tasks.append(asyncio.create_task(self._alarm_loop()))
        log.info("HJ 212 gateway listening on %s:%s, %d devices", self.host, self.port, len(devices))
        return self.port

    # --- connections --------------------------------------------------------------------
    def admit(self, conn: _Connection) -> bool:
        """Room for a new connection? At a cap, a connection that never delivered a valid
        packet in the ``evict_grace`` s since it opened (of that peer first, then of anyone) is
        closed to make room; if there is none, the new connection is refused. A peer address is
        never refused as such. The grace keeps a reconnect storm (every logger of a site coming
        back after a gateway restart, their first packets still being verified) from evicting
        itself in a loop."""
        peers = self._by_host.setdefault(conn.host, set())
        for group, cap in ((peers, self.max_connections_per_peer), (self.connections, self.max_connections)):
            if len(group) >= cap:
                old = time.monotonic() - self.evict_grace
                idle = [c for c in group if c.proto.accepted == 0 and not c.closed and c.opened < old]
                if not idle:
                    self.stats["connections_refused"] += 1
                    if self.log_limit.allow("connection_refused"):
                        log.warning("connection from %s refused: %d connections (cap %d)", conn.peer, len(group), cap)
                    return False
                victim = min(idle, key=lambda c: c.opened)
                self.stats["connections_evicted"] += 1
                self.note_close(victim, CloseReason.EVICTED)
                self.release(victim)
                victim.close(abort=True)  # its connection_lost archives a partial frame
        self.connections.add(conn)
        peers.add(conn)
        return True

    def release(self, conn: _Connection) -> None:
        self.connections.discard(conn)
        peers = self._by_host.get(conn.host)
        if peers is not None:
            peers.discard(conn)
            if not peers:
                del self._by_host[conn.host]

    def note_close(self, conn: _Connection, why: CloseReason) -> None:
        closed = self.stats["closed"]
        closed[str(why)] = closed.get(str(why), 0) + 1
        if self.log_limit.allow("close"):
            log.warning("closing connection %s: %s", conn.peer, why)

    # --- events -------------------------------------------------------------------------
    def submit(self, conn: _Connection, ev: PacketEvent) -> None:
        if ev.verdict is Verdict.REJECTED:
            keep = self.reject_quota.admit(conn.host, conn.reject_used, len(ev.raw), ev.reason_code or "")
            if keep == 0:  # over quota: counted, not stored; a 9011 reply needs no archive row
                self.stats["rejected"] += 1
                self._log_reject(conn, ev)
                if ev.reply is not None:
                    conn.proto.acknowledge(ev)
                    conn.flush()
                return
            conn.reject_used += self.reject_quota.cost(keep)
            if keep < len(ev.raw):
                ev.reason = f"{ev.reason}（仅存档前 {keep} 字节，共 {len(ev.raw)} 字节，拒收数据存档配额）"
                ev.raw = ev.raw[:keep]
        conn.inflight += 1
        self._pending.append((conn, ev))
        self._wake.set()

    def _log_reject(self, conn: _Connection, ev: PacketEvent) -> None:
        if self.log_limit.allow(ev.reason_code or "rejected"):
            log.warning("rejected packet from %s (MN=%s): %s %s", conn.peer, ev.mn, ev.reason_code,
                        (ev.reason or "")[:200])

    # --- the writer ---------------------------------------------------------------------
    def _start_writer(self) -> None:
        self._writer_task = asyncio.create_task(self._writer_loop())
        self._writer_task.add_done_callback(self._writer_died)
        self._health["writer"] = "running"

    def _writer_died(self, task: asyncio.Task) -> None:
        if self._stopping or task.cancelled():
            self._health["writer"] = "stopped"
            return
        # _writer_loop catches everything per batch; reaching here is a bug: say so, restart.
        exc = task.exception()
        log.error("HJ 212 writer task ended (%r); restarting it", exc)
        self._health["last_error"] = repr(exc)
        self.stats["writer_restarts"] += 1
        self._start_writer()

    def health(self) -> dict:
        """The gateway's health for monitoring: writer state, backlog, errors, limits hit."""
        st = self.stats
        return {**self._health, "pending": len(self._pending), "connections": len(self.connections),
                "bytes_received": self.bytes_received,
                "writer_restarts": st["writer_restarts"], "dead_letters": st["dead_letters"],
                "commit_errors": st["commit_errors"], "alarm_errors": st["alarm_errors"],
                "rejects_not_archived": self.reject_quota.stats.dropped_events,
                "log_lines_suppressed": self.log_limit.total_suppressed}

    async def _dead_letter(self, conn: _Connection, ev: PacketEvent, stage: str, exc: BaseException) -> None:
        """An item our code could not handle: log it, keep its bytes in ``hj212_dead_letter``, move on."""
        self.stats["dead_letters"] += 1
        self._health["last_error"] = f"{stage}: {exc!r}"[:300]
        log.error("HJ 212 item from %s dead-lettered at %s: %r", conn.peer, stage, exc,
                  exc_info=(type(exc), exc, exc.__traceback__))
        letter = DeadLetter(ev.received_at or utcnow(), conn.peer[:64], stage, f"{type(exc).__name__}: {exc}"[:500],
                            bytes(ev.raw))
        try:
            await asyncio.get_running_loop().run_in_executor(self.db_exec, self.writer.dead_letter, [letter])
        except Exception:
            log.exception("dead letter could not be stored either (raw %r)", letter.raw[:200])

    async def _writer_loop(self) -> None:
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
            n = min(len(self._pending), self.max_batch)
            batch = [self._pending.popleft() for _ in range(n)]
            try:
                await self._write_batch(batch)
            except Exception as exc:  # noqa: BLE001 — logged and dead-lettered, see _dead_letter
                # A failure outside any single item (should not happen): nothing of the batch
                # is acknowledged; its connections are closed so the sites resend.
                log.exception("HJ 212 writer failed on a batch of %d", n)
                self._health["last_error"] = repr(exc)[:300]
                for conn, _ev in batch:
                    conn.inflight -= 1
                    conn.close(abort=True)
                await asyncio.sleep(0.5)

    async def _write_batch(self, batch: list[tuple[_Connection, PacketEvent]]) -> None:
        loop = asyncio.get_running_loop()
        good, items = [], []
        for conn, ev in batch:
            try:
                items.append(ev.archive_item(conn.peer))
                good.append((conn, ev))
            except Exception as exc:  # noqa: BLE001 — one item must never stop the writer
                conn.inflight -= 1
                await self._dead_letter(conn, ev, "archive_item", exc)
        if not items:
            return
        n = len(items)
        t0 = time.perf_counter()
        try:
            dups = await loop.run_in_executor(self.db_exec, self.writer.commit, items)
        except Exception as exc:  # noqa: BLE001 — the database is unavailable: nothing acknowledged
            log.exception("HJ 212 batch commit failed; %d packets not acknowledged", n)
            self.stats["commit_errors"] += 1
            self._health["last_error"] = f"commit: {exc!r}"[:300]
            for conn, _ev in good:
                conn.inflight -= 1
                conn.close(abort=True)
            await asyncio.sleep(0.5)
            return
        st = self.stats
        st["batches"] += 1
        st["commit_seconds"] += time.perf_counter() - t0
        st["max_batch"] = max(st["max_batch"], n)
        st["duplicates"] += dups
        self._health["last_commit_at"] = utcnow().isoformat(timespec="seconds")
        touched = set()
        for (conn, ev), item in zip(good, items):
            try:
                if item.failed:  # the database refused it: archived as rejected, never acknowledged
                    if self.log_limit.allow("store_error"):
                        log.warning("packet from %s could not be stored: %s", conn.peer, item.reason)
                    ev.verdict, ev.reply = Verdict.REJECTED, None
                if ev.verdict is Verdict.ACCEPTED:
                    st["accepted"] += 1
                    if ev.store:
                        self._touched_mns.add(ev.packet.mn)
                elif ev.verdict is Verdict.QUARANTINED:
                    st["quarantined"] += 1
                    if self.log_limit.allow("quarantine"):
                        log.warning("packet from %s (MN=%s) quarantined: %s", conn.peer, ev.mn, ev.reason)
                else:
                    st["rejected"] += 1
                    self._log_reject(conn, ev)
                if ev.reply is not None:
                    st["acked"] += 1
                conn.acked(ev)
                touched.add(conn)
            except Exception as exc:  # noqa: BLE001 — one item must never stop the writer
                await self._dead_letter(conn, ev, "after_commit", exc)
        for conn in touched:
            conn.flush()

    # --- periodic -----------------------------------------------------------------------
    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_every)
            self.sweep()

    def sweep(self) -> None:
        now = time.monotonic()
        for conn in list(self.connections):
            if conn.closed:
                continue
            if conn.write_paused_since is not None and now - conn.write_paused_since > self.write_timeout:
                self.note_close(conn, CloseReason.WRITE_TIMEOUT)
                conn.close(abort=True)  # its unread replies are dropped with it
            elif conn.paused:
                continue  # not reading from it (verification, writer backlog): no deadline runs
            elif conn.partial_since is not None and now - conn.partial_since > self.frame_timeout:
                self.note_close(conn, CloseReason.FRAME_TIMEOUT)
                conn.expire_partial(f"{self.frame_timeout:g} 秒内")
            elif now - conn.last_valid > self.idle_timeout and conn.inflight == 0:
                self.note_close(conn, CloseReason.IDLE)
                conn.close()
        summary = self.log_limit.take_summary()
        if summary:
            log.warning("%d log lines suppressed in the last %g s (by reason: %s); health %s", sum(summary.values()),
                        self.log_limit.window, dict(summary.most_common(8)), json.dumps(self.health()))
        self.reject_quota.sweep()

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
            except Exception as exc:  # noqa: BLE001 — logged, counted in health; the next tick retries
                self.stats["alarm_errors"] += 1
                self._health["last_error"] = f"alarms: {exc!r}"[:300]
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
            conn.close()
        await asyncio.sleep(0)  # let connection_lost archive partial frames
        await self.drain(2.0)
        self._stopping = True
        for t in [*self._tasks, self._writer_task]:
            if t is not None:
                t.cancel()
        await asyncio.gather(*self._tasks, *([self._writer_task] if self._writer_task else []),
                             return_exceptions=True)
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
        print(json.dumps({"gateway_stats": gw.stats, "health": gw.health(), "worker": gw.worker_index}), flush=True)


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
