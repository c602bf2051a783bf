"""What the gateway's protocol object hands to its adapter, and the enums of its decisions.

Plain data, no I/O: the protocol object (:mod:`.protocol`) emits :class:`PacketEvent` and
:class:`AuthNeeded`; the adapter (:mod:`.server`) turns a :class:`PacketEvent` into an
:class:`ArchiveItem` for the writer (:mod:`.writer`). Verdicts, authentication results and
the gateway's own reject reasons are enums (their values are what the archive stores).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from qingshan.hj212.packet import Packet
from qingshan.hj212.responses import dedup_key
from qingshan.hj212.values import STATISTICS_CNS


class Verdict(StrEnum):
    """The archive's ``verdict`` column (at most 10 characters)."""

    #: stored in the data index and acknowledged
    ACCEPTED = "accepted"
    #: archived and acknowledged, but kept out of the data index and every statistic: its
    #: DataTime lies in the future beyond the tolerance (hj212.md §11; docs/hj212-gateway.md)
    QUARANTINED = "quarantine"
    #: archived (within the reject quotas), never acknowledged with 9014/9013
    REJECTED = "rejected"


class AuthResult(StrEnum):
    """Answer of :meth:`~qingshan.hj212.gateway.auth.Authenticator.check`/``verify``."""

    OK = "ok"
    UNKNOWN_MN = "unknown_mn"
    BAD_PW = "bad_pw"
    #: not verified yet: the adapter runs the slow check off the event loop
    PENDING = "pending"


class Reject(StrEnum):
    """The gateway's own reject reasons (the codec's typed errors bring their own codes)."""

    UNKNOWN_MN = "unknown_mn"
    BAD_PW = "bad_pw"
    MISSING_PW = "missing_pw"
    AUTH_ERROR = "auth_error"
    UNSTORABLE = "unstorable"
    DATATIME_WINDOW = "datatime_window"
    FRAME_TIMEOUT = "frame_timeout"
    BACKLOG = "backlog"
    INTERNAL = "internal_error"


class CloseReason(StrEnum):
    """Why the gateway closed a connection (``Gateway.stats["closed"]``, the log)."""

    REPEATED_REJECTS = "repeated_rejects"  # rejects in a row without one valid packet
    BACKLOG = "backlog"  # more than the auth-pending buffer queued
    EOF = "eof"  # the peer closed; what was buffered is archived
    FRAME_TIMEOUT = "frame_timeout"  # a frame not completed in time (slowloris)
    WRITE_TIMEOUT = "write_timeout"  # replies not read (back-pressure)
    IDLE = "idle"  # no valid packet for idle_timeout
    EVICTED = "evicted"  # made room at a connection cap


REASONS_ZH = {
    Reject.UNKNOWN_MN: "设备MN未在登记库中（未知设备）",
    Reject.BAD_PW: "访问密码PW与登记不符",
    Reject.MISSING_PW: "报文缺少访问密码PW字段",
    Reject.AUTH_ERROR: "设备认证时出错（登记库不可用？），请设备重发",
}


def clean(text: str | None, size: int) -> str | None:
    """Text fit for any column of the archive: NUL (refused by PostgreSQL) escaped, and cut to
    the column size, so no received byte sequence can make a batch fail."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    return text[:size]


def deviation_text(deviations) -> str:
    """The archive's account of what was wrong with an accepted packet: every deviation with its
    message when that fits the ``reason`` column, else every code with its byte position and
    field (the raw packet is archived beside it, so the messages can always be re-derived)."""
    full = json.dumps([d.as_dict() for d in deviations], ensure_ascii=False)
    if len(full) <= 280:
        return full
    short = json.dumps([[d.code, d.position, d.field] for d in deviations], ensure_ascii=False)
    return short if len(short) <= 280 else short[:276] + " ..."


def datatime_of(t: str) -> datetime:
    """``YYYYMMDDhhmmss`` (already checked by the codec, hj212.md §5.1) → naive local datetime;
    ``strptime`` is 50× slower. Raises ValueError for a time :class:`datetime` cannot hold."""
    return datetime(int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), int(t[12:14]))


@dataclass(slots=True)
class ArchiveItem:
    """One received packet (good or bad) on its way to the store."""

    received_at: datetime  # UTC
    peer: str
    raw: bytes
    verdict: str  # a Verdict value
    reason: str | None = None
    mn: str | None = None
    st: str | None = None
    cn: str | None = None
    qn: str | None = None
    flag: int | None = None
    # data row (accepted data packets only)
    store: bool = False
    datatime: datetime | None = None
    pnum: int = 1
    pno: int = 1
    #: per-factor fields of a statistics packet (CN 2051/2061/2031, :attr:`Packet.values_2017`),
    #: typed and written to ``hj212_value`` by the writer; None for every other packet
    values: dict | None = None
    # filled by the writer
    raw_id: int = 0
    failed: bool = False  # could not be stored as it is; archived as rejected ("store_error")


@dataclass(slots=True)
class PacketEvent:
    """One received packet (or garbage run) and what the gateway decided about it."""

    received_at: datetime
    raw: bytes
    verdict: Verdict
    reason_code: str | None = None
    reason: str | None = None
    packet: Packet | None = None
    reply: bytes | None = None
    store: bool = False
    fields: dict = field(default_factory=dict)  # MN/CN/QN/ST/Flag peeked from a rejected packet
    datatime: datetime | None = None  # DataTime (station local time), checked against the window

    @property
    def mn(self) -> str | None:
        return self.fields.get("MN") if self.packet is None else self.packet.mn

    @property
    def key(self) -> tuple | None:
        """hj212.md §10.5 dedup key (MN, CN, DataTime, PNUM, PNO); None = never deduplicated."""
        if self.packet is None or not self.store:
            return None
        return dedup_key(self.packet)

    def archive_item(self, peer: str) -> ArchiveItem:
        p = self.packet
        reason = clean(f"{self.reason_code}: {self.reason}", 300) if self.reason_code else None
        if p is None:
            f = self.fields
            flag = f.get("Flag")
            return ArchiveItem(self.received_at, clean(peer, 64), self.raw, str(self.verdict), reason,
                               clean(f.get("MN"), 32), clean(f.get("ST"), 4), clean(f.get("CN"), 8),
                               clean(f.get("QN"), 24),
                               int(flag) if flag and flag.isascii() and flag.isdigit() and len(flag) <= 3 else None)
        item = ArchiveItem(self.received_at, clean(peer, 64), self.raw, str(self.verdict), reason,
                           clean(p.mn, 32), clean(p.st, 4), clean(p.cn, 8), clean(p.qn, 24), p.flag)
        if self.store:
            item.store = True
            item.datatime = self.datatime  # decided (and range-checked) by the protocol object
            item.pnum = p.pnum or 1  # §10.5 item 2: unsplit packet → PNUM = PNO = 1
            item.pno = p.pno or 1
            if p.cn in STATISTICS_CNS and self.datatime is not None:
                item.values = p.values_2017  # typed off the event loop, by the writer
        return item


@dataclass(slots=True)
class AuthNeeded:
    """The protocol waits until the adapter has verified (mn, pw) and calls ``auth_done``."""

    mn: str
    pw: str


# Header fields of a packet that did not parse, for the archive columns. Only the bytes before
# ``CP=`` are searched: a CP item such as ``a21026-Flag=N`` must not pass for the header Flag.
_PEEK = re.compile(rb"(?<![A-Za-z0-9-])(QN|ST|CN|MN|Flag)=([^;&]{0,32});")


def peek_fields(raw: bytes) -> dict[str, str]:
    head = raw[6:300] if raw[:2] == b"##" else raw[:300]  # after "##" + 4-digit length
    cp = head.find(b"CP=")
    fields: dict[str, str] = {}
    for k, v in _PEEK.findall(head if cp == -1 else head[:cp]):
        fields.setdefault(k.decode(), v.decode("ascii", "replace"))
    return fields
