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
4. **Reply** (§4, §10): only if Flag bit A = 1 — ``9014`` for uploads (§10.2), ``9013`` for
   notifies and the 2025 heartbeat 9015 (§10.3, §B.9 item 3, setting ``heartbeat_reply``
   ``by_flag``). The reply echoes QN, PW and MN, has ST=91, an empty CP and
   ``Flag = (flag >> 2) << 2`` (§4). A duplicate is answered like any packet (§10.5 item 1).
   Rejected packets are archived but not answered: acknowledging data we did not accept would
   stop the site from resending it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from qingshan.hj212 import codes
from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.gateway.auth import BAD_PW, OK, PENDING, UNKNOWN_MN, Authenticator
from qingshan.hj212.gateway.writer import ArchiveItem
from qingshan.hj212.framing import PacketReceived, StreamDecoder
from qingshan.hj212.packet import Packet, parse
from qingshan.hj212.crc import crc16
from qingshan.hj212.responses import dedup_key

#: Packets that are archived but carry no data to store (replies, notifies, heartbeat).
NOT_STORED_CNS = codes.NOTIFY_CNS | {"9011", "9012", "9013", "9014"}

_MAX_PART = 999_999  # PNUM/PNO: 4 digits in 2017 (§3), "accept longer" (§B.9 item 8) — within Integer
# Header fields of a packet that did not parse, for the archive columns. Only the bytes before
# ``CP=`` are searched: a CP item such as ``a21026-Flag=N`` must not pass for the header Flag.
_PEEK = re.compile(rb"(?<![A-Za-z0-9-])(QN|ST|CN|MN|Flag)=([^;&]{0,32});")

REASONS_ZH = {
    UNKNOWN_MN: "设备MN未在登记库中（未知设备）",
    BAD_PW: "访问密码PW与登记不符",
    "garbage": "包头“##”之前的无效字节",
    "frame_overflow": "缓冲区溢出",
}


def _clean(text: str | None, size: int) -> str | None:
    """Text fit for any column of the archive: NUL (refused by PostgreSQL) escaped, and cut to
    the column size, so no received byte sequence can make a batch fail."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    return text[:size]


def _deviation_text(deviations) -> str:
    """The archive's account of what was wrong with an accepted packet: every deviation with its
    message when that fits the ``reason`` column, else every code with its byte position and
    field (the raw packet is archived beside it, so the messages can always be re-derived)."""
    full = json.dumps([d.as_dict() for d in deviations], ensure_ascii=False)
    if len(full) <= 280:
        return full
    short = json.dumps([[d.code, d.position, d.field] for d in deviations], ensure_ascii=False)
    return short if len(short) <= 280 else short[:276] + " ..."


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(slots=True)
class PacketEvent:
    """One received packet (or garbage run) and what the gateway decided about it."""

    received_at: datetime
    raw: bytes
    verdict: str  # "accepted" | "rejected"
    reason_code: str | None = None
    reason: str | None = None
    packet: Packet | None = None
    reply: bytes | None = None
    store: bool = False
    fields: dict = field(default_factory=dict)  # MN/CN/QN/ST/Flag peeked from a rejected packet

    @property
    def key(self) -> tuple | None:
        """hj212.md §10.5 dedup key (MN, CN, DataTime, PNUM, PNO); None = never deduplicated."""
        if self.packet is None or not self.store:
            return None
        return dedup_key(self.packet)

    def archive_item(self, peer: str) -> ArchiveItem:
        p = self.packet
        reason = _clean(f"{self.reason_code}: {self.reason}", 300) if self.reason_code else None
        if p is None:
            f = self.fields
            flag = f.get("Flag")
            return ArchiveItem(self.received_at, _clean(peer, 64), self.raw, self.verdict, reason,
                               _clean(f.get("MN"), 32), _clean(f.get("ST"), 4), _clean(f.get("CN"), 8),
                               _clean(f.get("QN"), 24),
                               int(flag) if flag and flag.isdigit() and len(flag) <= 3 else None)
        item = ArchiveItem(self.received_at, _clean(peer, 64), self.raw, self.verdict, reason,
                           _clean(p.mn, 32), _clean(p.st, 4), _clean(p.cn, 8), _clean(p.qn, 24), p.flag)
        if self.store:
            item.store = True
            t = p.datatime  # normalised YYYYMMDDhhmmss or None (§11); strptime is 50× slower
            item.datatime = None if t is None else datetime(int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]),
                                                             int(t[10:12]), int(t[12:14]))
            item.pnum = p.pnum or 1  # §10.5 item 2: unsplit packet → PNUM = PNO = 1
            item.pno = p.pno or 1
        return item


@dataclass(slots=True)
class AuthNeeded:
    """The protocol waits until the adapter has verified (mn, pw) and calls ``auth_done``."""

    mn: str
    pw: str


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


_REPLY_CNS = frozenset({"9011", "9012", "9013", "9014"})


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
    """Per-connection state machine. Not thread-safe; one per TCP connection."""

    #: Hard cap of decoded bytes queued while paused for authentication (bounded memory).
    MAX_BUFFER = 64 * 1024

    def __init__(self, auth: Authenticator, *, strict: bool = False, heartbeat_reply: str = "by_flag",
                 clock: Callable[[], datetime] = utcnow):
        self.auth = auth
        self.strict = strict
        self.heartbeat_reply = heartbeat_reply
        self.clock = clock
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
        self.closed = False

    # --- input --------------------------------------------------------------------------
    @property
    def waiting_for_auth(self) -> bool:
        return self._held is not None

    def receive_data(self, data: bytes) -> None:
        now = self.clock()
        for ev in self._decoder.feed(data):
            self._queue.append((now, ev))
            self._queued_bytes += len(ev.raw)
        self._run()
        if self._queued_bytes > self.MAX_BUFFER:
            self._events.append(self._reject(b"", "frame_overflow",
                                             f"等待认证期间积压的数据超过 {self.MAX_BUFFER} 字节，连接将被关闭"))
            self._queue.clear()
            self._queued_bytes = 0
            self.closed = True

    def auth_done(self) -> None:
        """The adapter finished the slow verification of the held packet: continue."""
        held, self._held = self._held, None
        if held is not None:
            self._decide(*held)
        self._run()

    def _run(self) -> None:
        q = self._queue
        while q and self._held is None:
            now, ev = q.popleft()
            self._queued_bytes -= len(ev.raw)
            if isinstance(ev, PacketReceived):
                self._decide(now, ev.raw, ev.packet)
            else:
                err = ev.error
                self._events.append(self._reject(ev.raw, err.code, str(err), now))

    def _decide(self, now: datetime, raw: bytes, p: Packet) -> None:
        verdict = self.auth.check(p.mn or "", p.pw or "")
        if verdict == PENDING:
            self._held = (now, raw, p)
            self._events.append(AuthNeeded(p.mn, p.pw))
            return
        if verdict != OK:
            ev = self._reject(raw, verdict, f"{REASONS_ZH[verdict]}：MN={p.mn}", now)
            ev.packet = None
            self._events.append(ev)
            return
        if p.deviations and (self.strict or self._device_strict(p.mn)):
            try:
                p = parse(raw)  # the strict verdict, with its typed error code and position
            except HJ212Error as err:
                self._events.append(self._reject(raw, err.code, f"{err}（设备按严格模式校验）", now))
                return
        store = p.cn not in NOT_STORED_CNS
        if store and (p.cn is None or p.st is None
                      or (p.pnum or 0) > _MAX_PART or (p.pno or 0) > _MAX_PART):
            # Only lenient parsing lets such a packet through; it cannot be keyed (§10.5).
            # A packet without Flag (a 2005 device, hj212.md §13) is stored: version 0, no
            # reply requested (Packet.a is false), flag 0 in the data index.
            self._events.append(self._reject(raw, "unstorable", "缺少CN/ST或PNUM/PNO超出范围，无法入库", now))
            return
        reply = reply_bytes(p, self.heartbeat_reply)
        reason = None
        code = None
        if p.deviations:
            code = "deviations"
            reason = _deviation_text(p.deviations)
        self._events.append(PacketEvent(now, raw, "accepted", code, reason, p, reply, store))

    def _device_strict(self, mn: str | None) -> bool:
        dev = self.auth.device(mn or "")
        return dev is not None and dev.strict

    def _reject(self, raw: bytes, code: str, message: str, now: datetime | None = None) -> PacketEvent:
        head = raw[6:300] if raw[:2] == b"##" else raw[:300]  # after "##" + 4-digit length
        cp = head.find(b"CP=")
        fields: dict[str, str] = {}
        for k, v in _PEEK.findall(head if cp == -1 else head[:cp]):
            fields.setdefault(k.decode(), v.decode("ascii", "replace"))
        return PacketEvent(now or self.clock(), raw, "rejected", code, message, None, None, False, fields)

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
