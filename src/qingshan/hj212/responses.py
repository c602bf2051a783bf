"""Replies and keys the host needs around HJ 212 exchanges (pure builders, hj212.md §10).

- 9014 data reply (§10.2), 9013 notify reply (§10.3, and the 2025 heartbeat §B.9 item 3),
  9011 request reply and 9012 execution result (§10.1).  Every reply echoes the QN, PW and
  MN of the packet it answers, has ST = 91 and the reply Flag of §4:
  ``(flag >> 2) << 2`` — 4 for a 2017 peer, 8 for a 2025 peer, 0 for a 2005 peer (the 2005
  value is UNCONFIRMED, README item 34).
- :func:`dedup_key` (§10.5) and :func:`reassembly_key` (§10.4); both UNCONFIRMED designs
  (README item 32): the standard specifies neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from . import codes
from .packet import Packet, build

__all__ = [
    "reply_flag",
    "needs_reply",
    "data_response",
    "notify_response",
    "request_response",
    "execution_result",
    "response_for",
    "command",
    "make_qn",
    "dedup_key",
    "reassembly_key",
    "merge_parts",
]

HeartbeatReply = Literal["by_flag", "always"]


def reply_flag(flag: int | None) -> int:
    """Flag of a reply: the answered packet's version bits with D = A = 0 (§4, §B.9 item 1).

    A packet without Flag (some 2005 devices) is answered as a 2005 peer (0, UNCONFIRMED).
    """
    return 0 if flag is None else (flag >> 2) << 2


def needs_reply(packet: Packet) -> bool:
    """Bit A (bit 0) of the Flag — the only thing that decides whether to reply (§4)."""
    return packet.a


def _reply(packet: Packet, cn: str, cp: dict[str, str]) -> bytes:
    return build(
        qn=packet.qn,
        st="91",
        cn=cn,
        pw=packet.pw,
        mn=packet.mn,
        flag=reply_flag(packet.flag),
        cp=cp,
        check=False,  # echo the peer's fields even if they are legacy (14-char MN …)
    )


def data_response(packet: Packet) -> bytes:
    """CN 9014 data reply to an upload (§10.2): same QN, ST 91, empty CP (``CP=&&&&``).

    Send it whenever the upload's A bit is set — duplicates included (§10.5 rule 1); use
    :func:`response_for` to apply the rule.  P6 of §15 answers P2.
    """
    return _reply(packet, "9014", {})


def notify_response(packet: Packet) -> bytes:
    """CN 9013 notify reply (§10.3): to 1013/2012/2022 and the 2025 heartbeat 9015."""
    return _reply(packet, "9013", {})


def request_response(packet: Packet, qn_rtn: int = 1) -> bytes:
    """CN 9011 request reply with ``QnRtn`` (Table 7, §9.2) to a request (§10.1); P7 answers P1.

    ``qn_rtn=9`` answers a request whose CRC failed, if the caller chooses to (§2).
    """
    if qn_rtn not in codes.QN_RTN:
        raise ValueError(f"QnRtn {qn_rtn} 不在标准表 7 中")
    return _reply(packet, "9011", {"QnRtn": str(qn_rtn)})


def execution_result(packet: Packet, exe_rtn: int = 1) -> bytes:
    """CN 9012 execution result with ``ExeRtn`` (Table 6, §9.1), echoing the request QN (§10.1)."""
    if exe_rtn not in codes.EXE_RTN:
        raise ValueError(f"ExeRtn {exe_rtn} 不在标准表 6 中")
    return _reply(packet, "9012", {"ExeRtn": str(exe_rtn)})


def response_for(packet: Packet, *, heartbeat_reply: HeartbeatReply = "by_flag") -> bytes | None:
    """What the **host** answers to a packet received from a site, or None.

    - replies (9011–9014) are never answered;
    - the heartbeat 9015 is answered with 9013 when A = 1, or always with
      ``heartbeat_reply="always"`` (per-device setting, §B.9 item 3, UNCONFIRMED);
    - notifies (1013) are answered with 9013 when A = 1;
    - everything else (uploads, responses to our queries) with 9014 when A = 1 (§4, §10.2).
    """
    cn = packet.cn
    if cn in ("9011", "9012", "9013", "9014"):
        return None
    if cn == codes.HEARTBEAT_CN:
        return notify_response(packet) if (packet.a or heartbeat_reply == "always") else None
    if not packet.a:
        return None
    if cn in codes.NOTIFY_CNS:
        return notify_response(packet)
    return data_response(packet)


def make_qn(when: datetime) -> str:
    """QN ``YYYYMMDDhhmmsszzz`` (17 digits, millisecond time stamp, §3) for a new request."""
    return when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"


def command(
    cn: str,
    *,
    mn: str,
    pw: str,
    qn: str,
    st: str = "32",
    cp: dict | None = None,
    version: int = 1,
    reply: bool = True,
) -> bytes:
    """A host → site request or notify (§10.1, §10.3), e.g. ``command("1062", cp={"RtdInterval": 30}, …)``.

    ``version`` is the peer's protocol version (1 = 2017, 2 = 2025, 0 = 2005); the Flag is
    ``version << 2 | A``.
    """
    return build(qn=qn, st=st, cn=cn, pw=pw, mn=mn, flag=(version << 2) | int(reply), cp=cp or {})


def dedup_key(packet: Packet) -> tuple[str, str, str, int, int] | None:
    """Deduplication key (MN, CN, DataTime, PNUM, PNO) of §10.5 rule 2; None = never deduplicate.

    An unsplit packet takes PNUM = PNO = 1.  A packet without a valid ``DataTime`` (9011–9014,
    parameter responses, 3019/3020 uploads …) has no key (rule 4).  QN and RF are never part
    of it (rule 6).  UNCONFIRMED design (README item 32).
    """
    dt = packet.datatime
    if not dt or packet.mn is None or packet.cn is None:
        return None
    if packet.d and packet.pnum is not None and packet.pno is not None:
        return (packet.mn, packet.cn, dt, packet.pnum, packet.pno)
    return (packet.mn, packet.cn, dt, 1, 1)


def reassembly_key(packet: Packet) -> tuple[str, str, str, int] | None:
    """Reassembly key (MN, CN, DataTime, PNUM) of a split part (§10.4); None if not a split part."""
    dt = packet.datatime
    if not packet.d or packet.pnum is None or not dt or packet.mn is None or packet.cn is None:
        return None
    return (packet.mn, packet.cn, dt, packet.pnum)


def merge_parts(parts: Iterable[Packet]) -> tuple[dict[str, str], set[int]]:
    """Merge the CP items of the parts of one split set (§10.4).

    Returns the merged CP (parts in PNO order; a PNO seen twice is merged once; for a key
    carried twice the first value is kept, §10.5 rule 7) and the set of PNOs still missing.
    """
    by_pno: dict[int, Packet] = {}
    pnum = 0
    for p in parts:
        if p.pno is not None and p.pno not in by_pno:
            by_pno[p.pno] = p
        pnum = max(pnum, p.pnum or 0)
    merged: dict[str, str] = {}
    for pno in sorted(by_pno):
        for key, value in by_pno[pno].cp.items():
            merged.setdefault(key, value)
    missing = set(range(1, pnum + 1)) - set(by_pno)
    return merged, missing
