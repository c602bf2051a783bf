"""Sans-I/O protocol object of one gateway connection (bytes in → events, bytes out).

Shaped like websockets' ``protocol.py``: no sockets, no clock of its own beyond an injectable
``clock``, no threads. The adapter (:mod:`qingshan.hj212.gateway.server`) feeds received bytes
with :meth:`GatewayProtocol.receive_data`, takes :meth:`~GatewayProtocol.events_received`,
makes each event durable (raw archive + data store), and only then calls
:meth:`~GatewayProtocol.acknowledge`; the replies come out of
:meth:`~GatewayProtocol.data_to_send`. So no reply ever leaves before its packet is committed.

Per packet (hj212.md §1–§4, §10):

1. **Framing** by the codec's :class:`~qingshan.hj212.framing.StreamDecoder` on ``##`` +
   4-digit length (§1, §2): several packets per read and packets split across reads; garbage
   before a ``##`` and frames whose trailer is not where their length says are archived as
   rejected and the stream resyncs. At most one partial frame (≤ 1036 bytes, §2) is buffered.
2. **Parsing** with the codec (:func:`qingshan.hj212.packet.parse`), **lenient by default**
   (the issue: field devices do not follow the standard to the letter; keep what can safely
   be kept and say precisely what was wrong): a packet that parses leniently is accepted,
   stored and answered, and its deviations are archived with the raw packet (``reason`` =
   ``deviations: [...]``). A device registered with ``strict=True``, or every device when the
   gateway runs with ``strict=True`` (``serve --strict``), has any deviation refused with the
   typed error strict parsing raises. A CRC mismatch (§6, §2) is **never** accepted, except a
   CRC of the non-standard variant the device is registered with (``crc_variant``, §6a,
   passed to the codec's ``crc_variants``; recorded as a ``crc_variant`` deviation). A failure
   is a *rejected* event whose reason is the codec's typed error code and Chinese message.
3. **Authentication**: MN known to the registry, PW equal to the registered one
   (:class:`~qingshan.hj212.gateway.auth.Authenticator`). When a (MN, PW) pair has not been
   verified yet, the protocol stops, emits :class:`AuthNeeded`, and continues after
   :meth:`~GatewayProtocol.auth_done` (the adapter runs the slow hash off the event loop).
   A packet without ``PW`` (Table 3 requires it) is rejected before any verification, and
   answered with ``9011 QnRtn=3`` (PW error, §9.2) when it asks for a reply.
4. **DataTime** (§5.1, §11; station local time, UTC+8): a data packet whose DataTime is
   invalid, or outside the configured :class:`TimeWindow` around the receiving time, is
   rejected; one stamped in the future beyond ``future_tolerance`` is *quarantined*:
   archived and acknowledged (resending would not fix the device's clock) but kept out of
   the data index and so out of every statistic and page.
5. **Reply** (§4, §10): only if Flag bit A = 1 — ``9014`` for uploads (§10.2), ``9013`` for
   notifies and the 2025 heartbeat 9015 (§10.3, §B.9 item 3, setting ``heartbeat_reply``
   ``by_flag``). The reply echoes QN, PW and MN, has ST=91, an empty CP and
   ``Flag = (flag >> 2) << 2`` (§4). A duplicate is answered like any packet (§10.5 item 1).
   Rejected packets are archived but not answered: acknowledging data we did not accept would
   stop the site from resending it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from qingshan.hj212 import codes
from qingshan.hj212.crc import crc16
from qingshan.hj212.errors import BadTail, HJ212Error
from qingshan.hj212.framing import PacketReceived, StreamDecoder
from qingshan.hj212.gateway.auth import Authenticator
from qingshan.hj212.gateway.events import (
    REASONS_ZH,
    AuthNeeded,
    AuthResult,
    CloseReason,
    PacketEvent,
    Reject,
    Verdict,
    datatime_of,
    deviation_text,
    peek_fields,
)
from qingshan.hj212.packet import Packet, parse

__all__ = ["GatewayProtocol", "TimeWindow", "reply_bytes", "error_reply", "NOT_STORED_CNS"]

#: Packets that are archived but carry no data to store (replies, notifies, heartbeat).
NOT_STORED_CNS = codes.NOTIFY_CNS | {"9011", "9012", "9013", "9014"}

_MAX_PART = 999_999  # PNUM/PNO: 4 digits in 2017 (§3), "accept longer" (§B.9 item 8) — within Integer
#: DataTime is station local time, Beijing (hj212.md §11, UNCONFIRMED as a rule; universal practice).
STATION_OFFSET = timedelta(hours=8)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Which DataTimes the gateway stores, relative to the receiving time (station local time).

    HJ 212 fixes no such window (hj212.md §5.1 only says ``YYYYMMDDhhmmss``, §11 local time);
    these are the gateway's documented settings (docs/hj212-gateway.md), UNCONFIRMED as policy:

    * ``max_age``: older data is rejected. DAUs resend their history after an outage (§B.7)
      and answer history requests (2031/2061 with BeginTime/EndTime), so the default is long:
      366 days.
    * ``max_future``: data stamped further ahead is rejected (default 1 day: no clock error
      explains more, and such rows shown as "latest" mislead, issue 7 item 3).
    * ``future_tolerance``: data stamped ahead by more than this (default 10 minutes: a DAU
      clock drifting between two 1012 time settings, §8) but within ``max_future`` is
      quarantined: archived and acknowledged, kept out of the data index and statistics.
    """

    max_age: timedelta = timedelta(days=366)
    max_future: timedelta = timedelta(days=1)
    future_tolerance: timedelta = timedelta(minutes=10)


def reply_bytes(p: Packet, heartbeat_reply: str = "by_flag") -> bytes | None:
    """The host's reply to ``p``, or None — the rule of the codec's
    :func:`qingshan.hj212.responses.response_for` (9014 to uploads and 9013 to notifies and
    heartbeats when Flag bit A = 1; QN, PW, MN echoed; ST=91; Flag = ``(flag >> 2) << 2``;
    hj212.md §4, §10), written out for the gateway's hot path: the generic ``build`` costs as
    much as parsing the packet. ``test_protocol.py`` checks it byte for byte against
    ``response_for``."""
    cn = p.cn
    if cn in _REPLY_CNS:
        return None
    if cn == codes.HEARTBEAT_CN:
        if not (p.a or heartbeat_reply == "always"):
            return None
        rcn = "9013"
    elif not p.a:
        return None
    else:
        rcn = "9013" if cn in codes.NOTIFY_CNS else "9014"
    flag = 0 if p.flag is None else (p.flag >> 2) << 2
    seg = f"QN={p.qn};ST=91;CN={rcn};PW={p.pw};MN={p.mn};Flag={flag};CP=&&&&".encode()
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


def error_reply(p: Packet, qn_rtn: int) -> bytes | None:
    """``9011`` with ``QnRtn`` (hj212.md §9.2 Table 7: 3 = PW error) to a refused packet that asks
    for a reply (bit A, §4); QN and MN echoed, PW echoed as received (absent stays absent),
    reply Flag ``(flag >> 2) << 2``. None when the packet asks for no reply or has no QN/MN to
    echo."""
    if not p.a or p.qn is None or p.mn is None or p.cn in _REPLY_CNS:
        return None
    pw = "" if p.pw is None else f"PW={p.pw};"
    flag = 0 if p.flag is None else (p.flag >> 2) << 2
    seg = f"QN={p.qn};ST=91;CN=9011;{pw}MN={p.mn};Flag={flag};CP=&&QnRtn={qn_rtn}&&".encode()
    return b"##%04d%s%04X\r\n" % (len(seg), seg, crc16(seg))


_REPLY_CNS = frozenset({"9011", "9012", "9013", "9014"})
_REJECT_REASONS = {AuthResult.UNKNOWN_MN: Reject.UNKNOWN_MN, AuthResult.BAD_PW: Reject.BAD_PW}


class _CrcVariants:
    """MN → registered CRC variant (hj212.md §6a), read live from the authenticator's registry
    (the codec's ``crc_variants`` mapping; only ``get`` is used)."""

    __slots__ = ("_auth",)

    def __init__(self, auth: Authenticator):
        self._auth = auth

    def get(self, mn: str, default=None):
        dev = self._auth.device(mn)
        return default if dev is None or not dev.crc_variant else dev.crc_variant


class GatewayProtocol:
    """Per-connection state machine. Not thread-safe; one per TCP connection.

    ``time_window``: the DataTime window (:class:`TimeWindow`); None checks only that DataTime
    is a real time (the server always passes its configured window). ``max_rejects_in_a_row``
    / ``max_reject_bytes_in_a_row``: after that many rejected events (or bytes) without one
    accepted packet the connection is closed (repeated garbage, issue 7 item 4); the counts
    restart at every accepted packet, so a device that sends the odd bad packet is never cut off.
    """

    #: Hard cap of decoded bytes queued while an authentication is pending. The adapter stops
    #: reading as soon as it sees :class:`AuthNeeded`, so what queues is the rest of the read
    #: that carried the packet (asyncio reads up to 256 KiB at once): a device reconnecting
    #: after a gateway restart with its backlog must not be reset by this bound (issue 7 item 12).
    MAX_BUFFER = 1024 * 1024

    def __init__(self, auth: Authenticator, *, strict: bool = False, heartbeat_reply: str = "by_flag",
                 clock: Callable[[], datetime] = utcnow, time_window: TimeWindow | None = None,
                 max_rejects_in_a_row: int = 32, max_reject_bytes_in_a_row: int = 64 * 1024):
        self.auth = auth
        self.strict = strict
        self.heartbeat_reply = heartbeat_reply
        self.clock = clock
        self.time_window = time_window
        self.max_rejects_in_a_row = max_rejects_in_a_row
        self.max_reject_bytes_in_a_row = max_reject_bytes_in_a_row
        # Framing (§1/§2: ``##`` + length, several packets per read, packets split across
        # reads, garbage and bad frames reported, resync) is the codec's stream decoder; it
        # holds at most one partial frame (≤ 1036 bytes). It parses leniently: which device
        # sent a packet is known only after parsing, so per-device strictness is applied in
        # ``_decide`` (a strict device's packet with deviations is re-parsed strictly there).
        self._decoder = StreamDecoder(lenient=True, parse_options={"crc_variants": _CrcVariants(auth)})
        self._queue: deque = deque()  # decoded, not yet decided (while an authentication is pending)
        self._queued_bytes = 0
        self._events: list[PacketEvent | AuthNeeded] = []
        self._out: list[bytes] = []
        self._held: tuple[datetime, bytes, Packet] | None = None  # packet waiting for auth
        self.rejects_in_a_row = 0
        self.reject_bytes_in_a_row = 0
        self.accepted = 0
        self.closed = False
        self._halted = False
        self.close_reason: CloseReason | None = None

    # --- input --------------------------------------------------------------------------
    @property
    def waiting_for_auth(self) -> bool:
        return self._held is not None

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete frame held by the decoder (≤ 1036)."""
        return self._decoder.buffered

    def receive_data(self, data: bytes) -> None:
        if self.closed:
            return
        now = self.clock()
        for ev in self._decoder.feed(data):
            self._queue.append((now, ev))
            self._queued_bytes += len(ev.raw)
        self._run()
        if self._queued_bytes > self.MAX_BUFFER:
            self._events.append(self._reject(b"", Reject.BACKLOG,
                                             f"等待认证期间积压的数据超过 {self.MAX_BUFFER} 字节，连接将被关闭"))
            self._close(CloseReason.BACKLOG)

    def receive_eof(self, reason: str = "连接关闭时") -> None:
        """The connection ended (or the adapter gives up on it): a partial frame still buffered
        is reported as a rejected event, so no received byte goes unarchived (issue 7 item 12)."""
        now = self.clock()
        for ev in self._decoder.close():
            if isinstance(ev, PacketReceived):
                # A lenient decoder parses a frame that lacks only its CR LF tail; at the end of the
                # stream it is still unfinished (hj212.md §5: a packet ends with CR LF) and no reply
                # can reach the device any more, which resends it: archived as rejected, not stored.
                self._events.append(self._reject(ev.raw, BadTail.code, f"{reason}未完成的帧：缺少包尾 \\r\\n", now))
            else:
                self._events.append(self._reject(ev.raw, ev.error.code, f"{reason}未完成的帧：{ev.error}", now))
        self._close(self.close_reason or CloseReason.EOF)

    def auth_done(self, result: AuthResult | None = None, *, error: bool = False) -> None:
        """The adapter finished the slow verification of the held packet: continue with its
        ``result`` (None: ask the authenticator's cache again). ``error=True``: the verification
        itself failed (e.g. the registry could not be read): the held packet is rejected (the
        device resends it), never re-queued for verification (issue 7 item 2)."""
        held, self._held = self._held, None
        if held is not None:
            if error:
                now, raw, p = held
                ev = self._reject(raw, Reject.AUTH_ERROR, f"{REASONS_ZH[Reject.AUTH_ERROR]}：MN={p.mn}", now)
                self._emit_reject(ev)
            else:
                self._decide(*held, verdict=result)
        self._run()

    def _run(self) -> None:
        q = self._queue
        while q and self._held is None and not self._halted:
            now, ev = q.popleft()
            self._queued_bytes -= len(ev.raw)
            if isinstance(ev, PacketReceived):
                self._decide(now, ev.raw, ev.packet)
            else:
                err = ev.error
                self._emit_reject(self._reject(ev.raw, err.code, str(err), now))
        if self._halted:  # closed for misbehaving: what it sent after that is not looked at
            q.clear()
            self._queued_bytes = 0

    def _emit_reject(self, ev: PacketEvent) -> None:
        self._events.append(ev)
        self.rejects_in_a_row += 1
        self.reject_bytes_in_a_row += len(ev.raw)
        if (self.rejects_in_a_row >= self.max_rejects_in_a_row
                or self.reject_bytes_in_a_row >= self.max_reject_bytes_in_a_row):
            self._close(CloseReason.REPEATED_REJECTS)

    def _emit_ok(self, ev: PacketEvent) -> None:
        self._events.append(ev)
        self.rejects_in_a_row = self.reject_bytes_in_a_row = 0
        self.accepted += 1

    def _close(self, why: CloseReason) -> None:
        if not self.closed:
            self.closed = True
            self.close_reason = why
        # At the peer's EOF the packets already received (queued behind a verification) are
        # still decided and archived; after repeated rejects or a backlog they are not.
        self._halted = self._halted or why is not CloseReason.EOF

    def _decide(self, now: datetime, raw: bytes, p: Packet, verdict: AuthResult | None = None) -> None:
        if not p.pw:
            # Table 3: PW is required. Refused before any verification (a missing PW is not
            # something to look up), answered 9011 QnRtn=3 "PW error" (§9.2) if asked to reply.
            ev = self._reject(raw, Reject.MISSING_PW, f"{REASONS_ZH[Reject.MISSING_PW]}：MN={p.mn}", now)
            ev.reply = error_reply(p, 3)
            self._emit_reject(ev)
            return
        if verdict is None:
            verdict = self.auth.check(p.mn or "", p.pw)
        if verdict == AuthResult.PENDING:
            self._held = (now, raw, p)
            self._events.append(AuthNeeded(p.mn or "", p.pw))
            return
        if verdict != AuthResult.OK:
            code = _REJECT_REASONS[verdict]
            self._emit_reject(self._reject(raw, code, f"{REASONS_ZH[code]}：MN={p.mn}", now))
            return
        if p.deviations and (self.strict or self._device_strict(p.mn)):
            try:
                p = parse(raw)  # the strict verdict, with its typed error code and position
            except HJ212Error as err:
                self._emit_reject(self._reject(raw, err.code, f"{err}（设备按严格模式校验）", now))
                return
        store = p.cn not in NOT_STORED_CNS
        if store and (p.cn is None or p.st is None
                      or (p.pnum or 0) > _MAX_PART or (p.pno or 0) > _MAX_PART):
            # Only lenient parsing lets such a packet through; it cannot be keyed (§10.5).
            # A packet without Flag (a 2005 device, hj212.md §13) is stored: version 0, no
            # reply requested (Packet.a is false), flag 0 in the data index.
            self._emit_reject(self._reject(raw, Reject.UNSTORABLE, "缺少CN/ST或PNUM/PNO超出范围，无法入库", now))
            return
        result = Verdict.ACCEPTED
        dt = None
        note = None
        if store and "DataTime" in p.cp:
            problem, dt, result = self._check_datatime(p, now)
            if problem is not None:
                code, message = problem
                self._emit_reject(self._reject(raw, code, message, now))
                return
            if result is Verdict.QUARANTINED:
                note = f"DataTime={p.datatime} 超前于接收时间（北京时间）超过 {self.time_window.future_tolerance}：已确认，不入统计"
        reply = reply_bytes(p, self.heartbeat_reply)
        code = reason = None
        if result is Verdict.QUARANTINED:
            code, reason = "future_datatime", note
            if p.deviations:
                reason += "；" + deviation_text(p.deviations)
        elif p.deviations:
            code = "deviations"
            reason = deviation_text(p.deviations)
        ev = PacketEvent(now, raw, result, code, reason, p, reply, store and result is Verdict.ACCEPTED)
        ev.datatime = dt
        self._emit_ok(ev)

    def _check_datatime(self, p: Packet, now: datetime):
        """(problem, datetime, verdict): problem = (code, message) for a rejection."""
        t = p.datatime
        if t is None:  # present but not a time, even leniently (hj212.md §5.1)
            return ("bad_datatime", f"DataTime=“{p.cp.get('DataTime')}”不是有效时间 YYYYMMDDhhmmss"), None, None
        try:
            dt = datatime_of(t)
        except ValueError:
            return ("bad_datatime", f"DataTime={t} 不是有效时间"), None, None
        w = self.time_window
        if w is None:
            return None, dt, Verdict.ACCEPTED
        local = now + STATION_OFFSET
        if dt < local - w.max_age or dt > local + w.max_future:
            return (Reject.DATATIME_WINDOW,
                    f"DataTime={t} 超出接收时间（北京时间 {local:%Y-%m-%d %H:%M:%S}）前 {w.max_age.days} 天至后 "
                    f"{w.max_future} 的范围"), None, None
        if dt > local + w.future_tolerance:
            return None, dt, Verdict.QUARANTINED
        return None, dt, Verdict.ACCEPTED

    def _device_strict(self, mn: str | None) -> bool:
        dev = self.auth.device(mn or "")
        return dev is not None and dev.strict

    def _reject(self, raw: bytes, code: str, message: str, now: datetime | None = None) -> PacketEvent:
        return PacketEvent(now or self.clock(), raw, Verdict.REJECTED, str(code), message, None, None, False,
                           peek_fields(raw))

    # --- output -------------------------------------------------------------------------
    def events_received(self) -> list[PacketEvent | AuthNeeded]:
        ev, self._events = self._events, []
        return ev

    def acknowledge(self, event: PacketEvent) -> None:
        """The event is durable: queue its reply (if it has one)."""
        if event.reply is not None:
            self._out.append(event.reply)

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out
