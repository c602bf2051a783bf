"""HJ 212 packets: the :class:`Packet` record, :func:`parse` and :func:`build` (sans-I/O).

Layout (hj212.md §2)::

    ##  LLLL  QN=…;ST=..;CN=....;PW=……;MN=…;Flag=.;[PNUM=…;PNO=…;][RF=1;]CP=&&…&&  CCCC  \\r\\n

- ``LLLL``: byte count of the UTF-8 data segment, 4 digits; at most 1024 (§2, README item 31).
- ``CCCC``: HJ 212 CRC16 of the data segment only (§6), upper case on send, compared
  case-insensitively on receive (§2, §6a).
- Fields in the order of Table 3 (§3); ``RF`` is HJ 212—2025's resend mark (§B.2, §B.9 item 2).

Strict parsing (default) raises a typed :mod:`~qingshan.hj212.errors` error on the first
non-conformity.  Lenient parsing recovers what it can and lists every non-conformity in
:attr:`Packet.deviations` (code, Chinese message, byte position) — never silently.  A CRC
that matches neither the standard routine nor a variant configured for the device's MN is
an error in both modes (§2: processing stops), unless ``accept_bad_crc=True`` (diagnostics).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import codes
from .cp import (
    KEY_RE,
    ONLY_SKELETON,
    format_cp_area,
    log_text_end,
    nested_values,
    parse_cp_area,
    rule_for,
    value_problem,
)
from .cp import _ANY_NUMBER, _flag
from .crc import CRC_VARIANTS, crc16
from .errors import (
    BadCpSyntax,
    BadCpValue,
    BadCrcField,
    BadDataTime,
    BadEncoding,
    BadField,
    BadHeader,
    BadLengthField,
    BadTail,
    CrcMismatch,
    Deviation,
    HJ212Error,
    LengthMismatch,
    MissingField,
    PacketTooLong,
    SplitPacketError,
    UnknownCode,
)

__all__ = ["Packet", "parse", "build", "MAX_SEGMENT", "MAX_CP", "MAX_PACKET", "normalise_time"]

MAX_SEGMENT = 1024  #: data segment limit in bytes (§2)
MAX_CP = 950  #: ``CP=&&…&&`` limit (§3, Table 3)
MAX_PACKET = 2 + 4 + MAX_SEGMENT + 4 + 2  #: 1036 bytes (§2)

#: Time-valued CP fields validated as ``YYYYMMDDhhmmss`` (§5.1, §5.2).
TIME_FIELDS = ("DataTime", "SystemTime", "BeginTime", "EndTime", "RestartTime")
_OTHER_TIMES = frozenset(TIME_FIELDS[1:])

_FIELD_ORDER = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", "RF")
_REQUIRED = ("QN", "ST", "CN", "PW", "MN", "Flag")

# Fast path: a conforming 2017/2025 header in one match; anything else goes the slow way.
_FAST_HEAD = re.compile(
    r"QN=(\d{17});ST=([0-9A-Z]{2});CN=(\d{4});PW=([^;=&,\s]{1,6});MN=([0-9A-F]{24});Flag=(\d{1,3});"
    r"(?:PNUM=(\d{1,4});PNO=(\d{1,4});)?(?:RF=([0-9]{1,4});)?CP=&&"
)
_FIELD_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "QN": (re.compile(r"[0-9]{17}"), "应为 17 位数字 YYYYMMDDhhmmsszzz"),
    "ST": (re.compile(r"[0-9A-Z]{2}"), "应为 2 位数字或大写字母"),
    "CN": (re.compile(r"[0-9]{4}"), "应为 4 位数字"),
    "PW": (re.compile(r"[^;=&,\s]{1,6}"), "应为 1–6 个字符（不含空白和 ; = & ,）"),
    "Flag": (re.compile(r"[0-9]{1,3}"), "应为 0–255 的十进制整数"),
    "PNUM": (re.compile(r"[0-9]+"), "应为十进制整数"),
    "PNO": (re.compile(r"[0-9]+"), "应为十进制整数"),
    # §B.9 item 2: never reject a packet because of RF; only its digits are checked.
    "RF": (re.compile(r"[0-9]{1,4}"), "应为数字（HJ 212—2025 补传标记 RF=1）"),
}
_MN_2017 = re.compile(r"[0-9A-F]{24}")
_MN_LEGACY = re.compile(r"[0-9A-Za-z]{14}")  # HJ/T 212—2005 station code (§13, UNCONFIRMED)

#: CP keys already checked against the §5 key grammar (keys repeat from packet to packet).
_GOOD_KEYS: set[str] = set()
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_VALID_TIMES: set[str] = set()
_LOOSE_TIME = re.compile(r"(?a)(\d{4})\D?(\d{1,2})\D?(\d{1,2})(?:\D{0,2}(\d{1,2})\D?(\d{1,2})(?:\D?(\d{1,2}))?)?(?:\D?(\d{1,3}))?")


def _is_num(s: str) -> bool:
    """ASCII decimal digits only (str.isdigit also accepts '²', which int() rejects)."""
    return s.isascii() and s.isdigit()


def _is_time(s: str) -> bool:
    """``YYYYMMDDhhmmss`` naming a real local time (§5.1); cached, DataTimes repeat a lot."""
    if s in _VALID_TIMES:
        return True
    if len(s) != 14 or not s.isdigit() or not s.isascii():
        return False
    y, mo, d, h, mi, se = int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12]), int(s[12:])
    # Year 0000 is no year (the proleptic Gregorian calendar of ``datetime`` starts at 1), so
    # it is no real time either; issue 7 item 1 (it crashed the gateway's writer).
    if not (y >= 1 and 1 <= mo <= 12 and 1 <= d <= _DAYS[mo] and h < 24 and mi < 60 and se < 60):
        return False
    if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return False
    if len(_VALID_TIMES) > 65536:
        _VALID_TIMES.clear()
    _VALID_TIMES.add(s)
    return True


def normalise_time(value: str) -> str | None:
    """The ``YYYYMMDDhhmmss`` form of a time written in a common non-standard way, or None.

    Accepts e.g. ``2024-03-15 14:30:00``, ``2024/3/15 14:30``, ``20240315143000123``
    (milliseconds dropped), ``202403151430`` (seconds 00), ``20240315`` (midnight).
    """
    if _is_time(value):
        return value
    v = value.strip()
    if v.isascii() and v.isdigit():
        if len(v) == 17:
            cand = v[:14]
        elif len(v) == 12:
            cand = v + "00"
        elif len(v) == 8:
            cand = v + "000000"
        else:
            return None
        return cand if _is_time(cand) else None
    m = _LOOSE_TIME.fullmatch(v)
    if m is None:
        return None
    y, mo, d, h, mi, se, _ms = m.groups()
    cand = f"{y}{int(mo):02d}{int(d):02d}{int(h or 0):02d}{int(mi or 0):02d}{int(se or 0):02d}"
    return cand if _is_time(cand) else None


@dataclass(slots=True, eq=True)
class Packet:
    """One HJ 212 packet (data-segment fields of Table 3, §3; CP of §5).

    Attributes
    ----------
    qn, st, cn, pw, mn : str or None
        Request number, system code, command code, password, device ID (``None`` only
        after lenient parsing of a packet that lacks them).
    flag : int or None
        The Flag byte (§4); see :attr:`version`, :attr:`a`, :attr:`d`.
    cp : dict
        CP items in order, key → value **string as received** (``"a21026-Rtd": "9"``).
    pnum, pno : int or None
        Split-packet total and number (present when Flag bit D = 1).
    rf : str or None
        HJ 212—2025 resend mark ``RF=1`` (§B.2), None when absent.
    layout : str or None
        Separators between consecutive CP items (``;``/``,``); None = the default grouping
        (``,`` within one factor code, ``;`` between).  Kept for byte-exact rebuilding.
    deviations : tuple of Deviation
        Non-conformities found by lenient parsing (empty after strict parsing).
    crc_variant : str
        CRC routine the packet matched: ``"hj212"`` (the standard) or a configured variant.
    invalid : dict
        Lenient parsing only: CP items whose value broke its field's rule (§1, §5.2, §9.3),
        key → value as received.  They are **not** in :attr:`cp` (nor :attr:`values`), so
        garbage is never passed on; each has a ``bad_cp_value`` deviation.
    """

    qn: str | None
    st: str | None
    cn: str | None
    pw: str | None
    mn: str | None
    flag: int | None
    cp: dict[str, str] = field(default_factory=dict)
    pnum: int | None = None
    pno: int | None = None
    rf: str | None = None
    layout: str | None = None
    deviations: tuple[Deviation, ...] = ()
    crc_variant: str = "hj212"
    invalid: dict[str, str] = field(default_factory=dict)

    # --- Flag bits (§4; 2025 letter names differ, positions do not, §B.2) ---
    @property
    def version(self) -> int | None:
        """Protocol version ``Flag >> 2``: 0 = 2005, 1 = 2017, 2 = 2025."""
        return None if self.flag is None else self.flag >> 2

    @property
    def a(self) -> bool:
        """Bit 0: the packet asks for a reply (2017 letter A)."""
        return bool(self.flag and self.flag & 1)

    @property
    def d(self) -> bool:
        """Bit 1: the packet carries PNUM/PNO (2017 letter D)."""
        return bool(self.flag and self.flag & 2)

    needs_reply = a
    is_split = d

    @property
    def edition(self) -> str | None:
        """Edition named by the version bits, e.g. ``"HJ 212—2017"``."""
        v = self.version
        return None if v is None else codes.VERSIONS.get(v, f"version {v}")

    # --- CP views ---
    @property
    def datatime(self) -> str | None:
        """``DataTime`` as ``YYYYMMDDhhmmss`` (local time, §11), normalised; None if absent/invalid."""
        raw = self.cp.get("DataTime")
        if raw is None:
            return None
        return raw if raw in _VALID_TIMES else normalise_time(raw)

    @property
    def datatime_dt(self) -> datetime | None:
        """``DataTime`` as a naive local (UTC+8, §11) :class:`datetime`."""
        t = self.datatime
        return None if t is None else datetime.strptime(t, "%Y%m%d%H%M%S")

    @property
    def values(self) -> dict[str, dict[str, str]]:
        """Per-factor fields ``{code: {suffix: value}}``, e.g. ``{"a21026": {"Rtd": "9", "Flag": "N"}}``.

        Codes are as received; see :attr:`values_2017` for 2005 packets.
        """
        return nested_values(self.cp)

    @property
    def is_2005(self) -> bool:
        """HJ/T 212—2005 style: version bits 0, or no Flag field at all (§4, §13)."""
        return self.flag is None or self.flag >> 2 == 0

    def code_2017(self, code: str) -> str:
        """The HJ 212—2017 factor code for ``code`` as received (§12.4, §13).

        In a 2005 packet (:attr:`is_2005`) a 2005 code is translated **by ST** (water and gas
        codes overlap: ``010`` BOD5 for ST 32, ``10`` NH3 for ST 31); any other code, and every
        code of a 2017/2025 packet, is returned unchanged.
        """
        if self.is_2005 and self.st is not None:
            return codes.translate_2005_code(code, self.st) or code
        return code

    @property
    def values_2017(self) -> dict[str, dict[str, str]]:
        """:attr:`values` keyed by HJ 212—2017 factor codes (2005 codes translated, §12.4/§13).

        For matching limits and statistics on one code scheme.  The received codes stay in
        :attr:`values` and :attr:`cp`; :meth:`code_2017` maps one code.  Should a 2005 packet
        carry a 2005 code and its 2017 code both, the item met first wins per field.
        """
        vals = nested_values(self.cp)
        if not self.is_2005:
            return vals
        out: dict[str, dict[str, str]] = {}
        for code, fields in vals.items():
            merged = out.setdefault(self.code_2017(code), {})
            for suffix, value in fields.items():
                merged.setdefault(suffix, value)
        return out

    def to_bytes(self) -> bytes:
        """The packet on the wire (same as :func:`build`)."""
        return build(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "qn": self.qn, "st": self.st, "cn": self.cn, "pw": self.pw, "mn": self.mn,
            "flag": self.flag, "pnum": self.pnum, "pno": self.pno, "rf": self.rf,
            "datatime": self.datatime, "cp": dict(self.cp), "values": self.values,
            "values_2017": self.values_2017,
            "deviations": [d.as_dict() for d in self.deviations], "invalid": dict(self.invalid),
        }  # fmt: skip


# ----------------------------------------------------------------------------- build


def _cp_mapping(cp: Any) -> dict[str, str]:
    """Accept a flat ``{key: value}`` mapping, nested ``{code: {suffix: value}}`` entries, or
    an iterable of ``(key, value)`` pairs; values become strings (Decimal/int via ``str``)."""
    out: dict[str, str] = {}
    items = cp.items() if isinstance(cp, Mapping) else cp
    for key, value in items:
        if isinstance(value, Mapping):
            for suffix, v in value.items():
                out[f"{key}-{suffix}"] = str(v)
        else:
            out[str(key)] = str(value)
    return out


def build(
    packet: Packet | None = None,
    /,
    *,
    qn: str | None = None,
    st: str | None = None,
    cn: str | None = None,
    pw: str | None = None,
    mn: str | None = None,
    flag: int | None = None,
    cp: Any = None,
    pnum: int | None = None,
    pno: int | None = None,
    rf: str | None = None,
    layout: str | None = None,
    check: bool = True,
) -> bytes:
    """Serialise a packet: ``##`` + 4-digit length + data segment + CRC (upper case) + ``\\r\\n``.

    Either pass a :class:`Packet` or the fields as keywords (keywords override the packet's
    fields).  ``cp`` may be flat (``{"DataTime": "…", "a21026-Rtd": "9"}``), nested
    (``{"DataTime": "…", "a21026": {"Rtd": "9", "Flag": "N"}}``) or a list of pairs.

    With ``check=True`` (default) the fields are validated like strict parsing does and a
    typed error is raised, so that what we send is always conforming; PNUM/PNO are written
    exactly when Flag bit D is set.

    Returns
    -------
    bytes
        The complete packet, e.g. P1 of hj212.md §15 from its fields.
    """
    if packet is not None:
        qn = packet.qn if qn is None else qn
        st = packet.st if st is None else st
        cn = packet.cn if cn is None else cn
        pw = packet.pw if pw is None else pw
        mn = packet.mn if mn is None else mn
        flag = packet.flag if flag is None else flag
        pnum = packet.pnum if pnum is None else pnum
        pno = packet.pno if pno is None else pno
        rf = packet.rf if rf is None else rf
        if cp is None:
            cp = packet.cp
            layout = packet.layout if layout is None else layout
    cpmap = _cp_mapping(cp or {})
    area = format_cp_area(cpmap, layout)
    # A field that is None is left out (only reachable with check=False, e.g. replying to a
    # lenient-parsed 2005 packet without QN); check=True reports it as missing.
    parts = [
        f"{name}={value};"
        for name, value in (("QN", qn), ("ST", st), ("CN", cn), ("PW", pw), ("MN", mn), ("Flag", flag))
        if value is not None
    ]
    if pnum is not None or pno is not None:
        parts.append(f"PNUM={pnum};PNO={pno};")
    if rf is not None:
        parts.append(f"RF={rf};")
    parts.append(f"CP=&&{area}&&")
    segment = "".join(parts).encode("utf-8")
    if check:
        _check_fields(
            {"QN": qn, "ST": st, "CN": cn, "PW": pw, "MN": mn, "Flag": flag, "PNUM": pnum, "PNO": pno, "RF": rf},
            _raise,
        )
        if len(segment) > MAX_SEGMENT:
            raise PacketTooLong(len(segment), MAX_SEGMENT)
        cp_len = len(area.encode("utf-8")) + 7
        if cp_len > MAX_CP:
            raise PacketTooLong(cp_len, MAX_CP, what="CP 指令参数")
        _check_cp(cpmap, _raise)
    return b"##%04d%s%04X\r\n" % (len(segment), segment, crc16(segment))


def _raise(err: HJ212Error) -> None:
    raise err


def _check_fields(values: dict[str, Any], report, pos: dict[str, int] | None = None) -> None:
    """Table 3 value rules (§3) and the Flag/PNUM/PNO consistency (§4, §10.4)."""
    pos = pos or {}
    for name in _REQUIRED:
        if values.get(name) is None:
            report(MissingField(name))
    for name, (rule, reason) in _FIELD_RULES.items():
        v = values.get(name)
        if v is not None and not rule.fullmatch(str(v)):
            report(BadField(name, str(v), reason, position=pos.get(name)))
    flag = values.get("Flag")
    flag_int: int | None = None
    if flag is not None and _is_num(str(flag)):
        flag_int = int(flag)
        if flag_int > 255:
            report(BadField("Flag", str(flag), "应为 0–255 的十进制整数", position=pos.get("Flag")))
    mn = values.get("MN")
    if mn is not None and not _MN_2017.fullmatch(mn):
        # §13: a HJ/T 212—2005 device has a 14-character station code.  A 2005 packet is one
        # whose version bits are 0, or one without any Flag field (common in 2005 style; the
        # missing Flag is reported on its own, the MN must not add a second, spurious fault).
        legacy = flag is None or (flag_int is not None and flag_int >> 2 == 0)
        if not (legacy and _MN_LEGACY.fullmatch(mn)):
            report(BadField("MN", mn, "应为 24 位十六进制大写字符（0–9、A–F）", position=pos.get("MN")))
    pnum, pno = values.get("PNUM"), values.get("PNO")
    if flag_int is not None:
        if flag_int & 2 and (pnum is None or pno is None):
            report(SplitPacketError("Flag 的 D 位为 1（拆分包），但缺少 PNUM/PNO", field="PNUM", position=pos.get("Flag")))
        if not flag_int & 2 and (pnum is not None or pno is not None):
            report(SplitPacketError("出现 PNUM/PNO，但 Flag 的 D 位为 0", field="PNUM", position=pos.get("PNUM")))
    if (pnum is None) != (pno is None):
        report(SplitPacketError("PNUM 与 PNO 必须同时出现", field="PNO", position=pos.get("PNUM", pos.get("PNO"))))
    if pnum is not None and pno is not None and _is_num(str(pnum)) and _is_num(str(pno)):
        if int(pnum) < 1 or not 1 <= int(pno) <= int(pnum):
            report(SplitPacketError(f"包号 PNO={pno} 不在 1…PNUM={pnum} 范围内", field="PNO", position=pos.get("PNO")))


def _check_cp(cp: Mapping[str, str], report, offset=None) -> None:
    """Key grammar (§5) and time fields (§5.1) of a CP mapping built by the caller."""
    for key, value in cp.items():
        if not KEY_RE.fullmatch(key):
            report(BadCpSyntax(f"数据项名称“{key}”不符合规则（字母，或 编码-后缀）", field=key))
        if value.startswith("//"):
            # log text must end exactly at its closing "//" under the §5 end rule
            if len(value) < 4 or log_text_end(value, 0) != len(value):
                report(BadCpSyntax(f"{key} 的日志文本须以“//”开始和结束，且中间不含后接“;”或“,”的“//”", field=key))
        elif any(c in value for c in ";,&"):
            report(BadCpSyntax(f"{key} 的取值含有“;”“,”或“&”", field=key))
        why = value_problem(key, value)
        if why is not None:
            report(BadCpValue(key, value, why))
    for name in TIME_FIELDS:
        v = cp.get(name)
        if v is not None and not _is_time(v):
            report(BadDataTime(v, field=name))


# ----------------------------------------------------------------------------- parse

_HEX = frozenset(b"0123456789ABCDEFabcdef")


def parse(
    data: bytes | bytearray | memoryview | str,
    *,
    lenient: bool = False,
    strict_codes: bool = False,
    crc_variants: Mapping[str, str] | None = None,
    accept_bad_crc: bool = False,
) -> Packet:
    """Parse one complete packet (``##`` … ``\\r\\n``).

    Parameters
    ----------
    data : bytes or str
        One packet including the ``\\r\\n`` trailer (a ``str`` is UTF-8 encoded first).
    lenient : bool
        False (default): raise the typed error of the first non-conformity.  True: recover
        the usable data and list every non-conformity in ``Packet.deviations``.
    strict_codes : bool
        Treat ST, CN and factor codes missing from :mod:`~qingshan.hj212.codes` as errors
        (:class:`~qingshan.hj212.errors.UnknownCode`).  Default False: the tables are
        extendable (§14, §B.9 item 4); lenient mode still notes them as deviations.
    crc_variants : mapping MN → variant, optional
        Lenient mode only: a device configured with ``"modbus"`` or ``"modbus_swapped"``
        may pass with that CRC; the match is reported as a ``crc_variant`` deviation (§6a).
        Never auto-detected (only 256 HJ 212 CRC values exist).
    accept_bad_crc : bool
        Lenient mode only: return a packet whose CRC matches nothing, with a
        ``crc_mismatch`` deviation (for diagnostics; the gateway must not store it, §2).

    Raises
    ------
    HJ212Error
        Strict mode: any non-conformity.  Lenient mode: only what cannot be recovered (no
        ``##`` at all, a CRC mismatch, an unreadable frame).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = bytes(data)
    packet = _parse_fast(data)
    if packet is None or (strict_codes and not lenient):
        return _parse_slow(data, lenient, strict_codes, crc_variants, accept_bad_crc)
    if lenient:
        notes = _code_notes(packet)
        if notes:
            packet.deviations = tuple(notes)
    return packet


def _parse_fast(data: bytes) -> Packet | None:
    """A conforming packet in as few C-level steps as possible; None = take the slow path."""
    n = len(data)
    if n < 12 or data[:2] != b"##" or data[-2:] != b"\r\n":
        return None
    lf = data[2:6]
    if not lf.isdigit():
        return None
    dl = int(lf)
    if n != dl + 12 or dl > MAX_SEGMENT:
        return None
    seg = data[6 : 6 + dl]
    crcf = data[6 + dl : n - 2]
    if crcf != b"%04X" % crc16(seg):
        return None  # lower case or wrong: the slow path decides
    try:
        text = seg.decode("ascii")
    except UnicodeDecodeError:
        return None
    m = _FAST_HEAD.match(text)
    if m is None or text[-2:] != "&&":
        return None
    start = m.end()
    if start > dl - 2:
        return None  # "CP=&&" or "CP=&&&": the final "&&" overlaps the opening one (§5)
    if dl - start + 5 > MAX_CP:
        return None
    area = text[start:-2]
    if "&" in area or "//" in area:
        return None  # log text or a stray '&': the slow path splits item by item
    # Skeleton "=;=,=…": exactly one '=' per item, no empty item, so key and value alternate
    # after one split; the separators in between are the layout.
    skel = seg[start : dl - 2].translate(None, ONLY_SKELETON)
    eqs = skel[::2]
    if eqs.count(61) != len(eqs) or skel[1::2].translate(None, b";,"):  # 61 == ord("=")
        return None
    parts = area.replace(",", ";").replace("=", ";").split(";")
    if len(parts) & 1 and parts[-1]:
        return None  # a last item without '=' (or a blank area): the slow path reports it
    it = iter(parts)
    cp = dict(zip(it, it))
    if len(cp) != len(parts) >> 1:
        return None  # repeated key: the slow path reports it
    if not cp.keys() <= _GOOD_KEYS:
        for key in cp:
            if key not in _GOOD_KEYS:
                if not KEY_RE.fullmatch(key):
                    return None
                if len(_GOOD_KEYS) > 65536:
                    _GOOD_KEYS.clear()
                _GOOD_KEYS.add(key)
    vals = parts[1::2]
    plan = _PLANS.get(area_keys := tuple(cp))
    if plan is None:
        plan = _value_plan(area_keys)
    shape, others = plan
    if shape is not None and not shape.fullmatch("\x00".join(vals)):
        return None
    for i, rule in others:
        if rule(vals[i]) is not None:
            return None
    v = cp.get("DataTime")
    if v is not None and v not in _VALID_TIMES and not _is_time(v):
        return None
    if not _OTHER_TIMES.isdisjoint(cp):
        for name in _OTHER_TIMES:
            v = cp.get(name)
            if v is not None and not _is_time(v):
                return None
    qn, st, cn, pw, mn, fl, pnum, pno, rf = m.groups()
    flag = int(fl)
    if flag > 255:
        return None
    if pnum is None:
        if flag & 2:
            return None
        ipnum = ipno = None
    else:
        ipnum, ipno = int(pnum), int(pno)
        if not flag & 2 or ipnum < 1 or not 1 <= ipno <= ipnum:
            return None
    layout = skel[1::2].decode("ascii")
    if cp and len(layout) == len(cp):
        if layout[-1] != ";":
            return None  # trailing ',' is an error; only a trailing ';' is tolerated (§5)
        layout = layout[:-1]
    return Packet(qn, st, cn, pw, mn, flag, cp, ipnum, ipno, rf, layout)


#: Fast path: per key sequence (keys repeat from packet to packet, so this is worked out once
#: per device type) a regular expression over all values joined by NUL — a number where the
#: rule is numeric, one letter for a data flag, anything otherwise — and the other rules.
_PLANS: dict[tuple[str, ...], tuple] = {}
_NUM_SHAPE = r"[+-]?+(?:[0-9]++\.?+[0-9]*+|\.[0-9]++)"


def _value_plan(keys: tuple[str, ...]) -> tuple:
    shape, others = [], []
    for i, key in enumerate(keys):
        rule = rule_for(key)
        if rule is _ANY_NUMBER:
            shape.append(_NUM_SHAPE)
        elif rule is _flag:
            shape.append("[A-Za-z]")
        else:
            shape.append("[^\x00]*+")
            if rule is not None:
                others.append((i, rule))
    checks_something = any(x != "[^\x00]*+" for x in shape)
    plan = (re.compile("\x00".join(shape)) if checks_something else None, tuple(others))
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[keys] = plan
    return plan


class _Ctx:
    """Collects deviations (lenient) or raises (strict)."""

    __slots__ = ("lenient", "deviations")

    def __init__(self, lenient: bool):
        self.lenient = lenient
        self.deviations: list[Deviation] = []

    def report(self, err: HJ212Error) -> None:
        if not self.lenient:
            raise err
        self.deviations.append(err.to_deviation())

    def note(self, code: str, message: str, position: int | None = None, field: str | None = None) -> None:
        """A lenient-only remark on something the standard tolerates but the centre should see."""
        if self.lenient:
            self.deviations.append(Deviation(code, message, position, field))


def _unknown_codes(p: Packet) -> list[UnknownCode]:
    """ST, CN and factor codes missing from the code tables (extendable, §7/§8/§14)."""
    out = []
    if p.st is not None and p.st not in codes.ST:
        out.append(UnknownCode("ST", p.st))
    if p.cn is not None and p.cn not in codes.ALL_CN:
        out.append(UnknownCode("CN", p.cn))
    seen = set()
    legacy = p.is_2005
    for key in p.cp:
        code, dash, _ = key.partition("-")
        if dash and code not in seen:
            seen.add(code)
            if not codes.is_known_factor(code) and not (legacy and p.code_2017(code) != code):
                out.append(UnknownCode("factor", code))
    return out


def _code_notes(p: Packet) -> list[Deviation]:
    return [e.to_deviation() for e in _unknown_codes(p)]


def _parse_slow(
    data: bytes,
    lenient: bool,
    strict_codes: bool,
    crc_variants: Mapping[str, str] | None,
    accept_bad_crc: bool,
) -> Packet:
    ctx = _Ctx(lenient)
    report = ctx.report
    base = 0  # byte offset of data[0] in the original packet

    # --- header (§2) ---
    if not data.startswith(b"##"):
        k = data.find(b"##")
        if k == -1 or not lenient:
            raise BadHeader(data[:2], position=0)
        report(BadHeader(data[:2], position=0))
        base = k
        data = data[k:]
    n = len(data)

    # --- trailer (§2) ---
    if data.endswith(b"\r\n"):
        body_end = n - 2
    else:
        body_end = n - 1 if data.endswith((b"\n", b"\r")) else n
        report(BadTail(data[-2:], position=base + body_end))

    # --- blanks between the CRC and CR LF: the CRC field is exactly 4 hex digits (§2) ---
    crc_end = body_end
    while crc_end > 6 and data[crc_end - 1] in b" \t":
        crc_end -= 1
    if crc_end < body_end:
        field_start = max(6, crc_end - 4)
        report(
            BadCrcField(
                bytes(data[field_start:body_end]),
                position=base + field_start,
                reason=f"CRC 后、包尾 \\r\\n 前有 {body_end - crc_end} 个多余空白字符，CRC 字段应恰为 4 个字符",
            )
        )
        body_end = crc_end

    # --- length field ---
    lf = data[2:6]
    declared: int | None = None
    if len(lf) == 4 and lf.isdigit():
        declared = int(lf)
    else:
        report(BadLengthField(bytes(lf), position=base + 2))

    # --- segment and CRC: by the declared length when consistent, else from the tail ---
    if declared is not None and 6 + declared + 4 == body_end:
        seg_end = 6 + declared
    else:
        p = data.rfind(b"&&", 6, body_end)
        tail = data[p + 2 : body_end] if p != -1 else b""
        if p != -1 and 1 <= len(tail) <= 4 and all(c in _HEX for c in tail):
            seg_end = p + 2
        else:
            seg_end = max(6, body_end - 4)
        if declared is not None and declared != seg_end - 6:
            report(LengthMismatch(declared, seg_end - 6, position=base + 2))
    seg = data[6:seg_end]
    crc_text = data[seg_end:body_end]
    if len(seg) > MAX_SEGMENT:
        report(PacketTooLong(len(seg), MAX_SEGMENT, position=base + 2))

    # --- decode (§1) ---
    try:
        text = seg.decode("utf-8")
    except UnicodeDecodeError as exc:
        report(BadEncoding(position=base + 6 + exc.start))
        text = seg.decode("utf-8", errors="replace")
    ascii_text = text.isascii()

    def at(i: int) -> int:
        """Byte position in the packet of character index ``i`` of the data segment."""
        return base + 6 + (i if ascii_text else len(text[:i].encode("utf-8")))

    # --- MN early: a configured CRC variant is per device (§6a) ---
    mmn = re.search(r"(?:^|;)MN=([^;]*)", text)
    mn_for_crc = mmn.group(1) if mmn else None

    # --- CRC (§6, §6a) ---
    crc_pos = base + seg_end
    expected = crc16(seg)
    received: int | None = None
    if len(crc_text) == 4 and all(c in _HEX for c in crc_text):
        received = int(crc_text, 16)
        if crc_text != crc_text.upper():
            ctx.note("crc_lowercase", f"CRC 使用小写十六进制“{crc_text.decode()}”（标准规定大写发送；接收不区分大小写）", crc_pos)
    elif 1 <= len(crc_text) <= 3 and all(c in _HEX for c in crc_text):
        # Some loggers drop leading zeros (§6a; the issue asks lenient mode to recover it).
        # Without device configuration this is accepted (lenient only, as a deviation) only
        # when the value, zero-padded back to 4 digits, IS the §6 CRC: restoring zeros is not
        # a different algorithm, so no variant is being guessed.  Anything else stays an error.
        received = int(crc_text, 16)
        if received == expected:
            why = f"缺少前导零；补足为 {expected:04X} 后与按数据段计算的 CRC 一致"
        else:
            why = "缺少前导零"
        report(BadCrcField(bytes(crc_text), position=crc_pos, reason=why))
    else:
        report(BadCrcField(bytes(crc_text), position=crc_pos))
    variant = "hj212"
    if received != expected:
        configured = (crc_variants or {}).get(mn_for_crc or "") if lenient else None
        if configured and configured != "hj212" and received == CRC_VARIANTS[configured](seg):
            variant = configured
            ctx.note(
                "crc_variant",
                f"CRC 按设备配置的非标准算法“{configured}”校验通过（不符合 HJ 212 附录 A）",
                crc_pos,
            )
        elif lenient and accept_bad_crc:
            report(CrcMismatch(expected, received, position=crc_pos))
        else:
            raise CrcMismatch(expected, received, position=crc_pos)

    # --- split head / CP (§3, §5) ---
    cp_at = text.find("CP=&&")
    area_start: int
    if cp_at != -1 and (cp_at == 0 or text[cp_at - 1] == ";"):
        head = text[: max(cp_at - 1, 0)]
        area_start = cp_at + 5
    else:
        cp_at = text.find("CP=")
        if cp_at != -1 and (cp_at == 0 or text[cp_at - 1] == ";"):
            report(BadCpSyntax("CP 应以“CP=&&”开始", position=at(cp_at)))
            head = text[: max(cp_at - 1, 0)]
            area_start = cp_at + 3
            while area_start < len(text) and text[area_start] == "&":
                area_start += 1
        else:
            report(MissingField("CP", position=at(len(text))))
            head = text
            area_start = len(text)
    if text.endswith("&&") and len(text) - 2 >= area_start:
        area_end = len(text) - 2
    else:
        if area_start < len(text) or cp_at != -1:
            report(BadCpSyntax("CP 缺少结尾“&&”", position=at(len(text))))
        area_end = len(text)
        while area_end > area_start and text[area_end - 1] == "&":
            area_end -= 1
    cp_len = len(text[cp_at:].encode("utf-8")) if cp_at != -1 else 0
    if cp_len > MAX_CP:
        report(PacketTooLong(cp_len, MAX_CP, what="CP 指令参数", position=at(cp_at)))

    # --- head fields (Table 3) ---
    values: dict[str, str] = {}
    pos: dict[str, int] = {}
    last_rank = -1
    i = 0
    if head:
        for piece in head.split(";"):
            name, eq, value = piece.partition("=")
            here = at(i)
            i += len(piece) + 1
            if not piece:
                report(BadField("(空)", None, "多余的“;”", position=here))
                continue
            if not eq:
                report(BadField(piece, None, "缺少“=”", position=here))
                continue
            if name not in _FIELD_ORDER:
                report(BadField(name, value, "未知字段", position=here))
                continue
            if name in values:
                report(BadField(name, value, "字段重复，保留第一次的值", position=here))
                continue
            rank = _FIELD_ORDER.index(name)
            if rank < last_rank:
                report(BadField(name, value, "字段顺序不符合标准表 3", position=here))
            last_rank = max(last_rank, rank)
            values[name] = value
            pos[name] = here + len(name) + 1
    _check_fields(values, report, pos)

    def as_int(name: str) -> int | None:
        v = values.get(name)
        return int(v) if v is not None and _is_num(v) else None

    flag = as_int("Flag")
    if flag is not None and flag > 255:
        flag = None

    # --- CP area ---
    area = text[area_start:area_end]
    # §5 tolerates spaces after the opening "&&" ("CP=&& &&"); a key never starts with a
    # space, and trailing spaces belong to the last value unless the area is blank.
    lead = len(area) - len(area.lstrip(" "))
    area = area[lead:]
    invalid: dict[str, str] = {}
    cp, layout = parse_cp_area(area, offset=lambda k: at(area_start + lead + k), report=report, invalid=invalid)

    # --- time fields (§5.1, §11) ---
    for name in TIME_FIELDS:
        v = cp.get(name)
        if v is None or _is_time(v):
            continue
        fixed = normalise_time(v)
        k = area.find(name + "=")
        where = at(area_start + lead + k + len(name) + 1) if k != -1 else None
        report(BadDataTime(v, field=name, position=where))
        if fixed is not None:
            ctx.note("datatime_normalised", f"{name}=“{v}” 按 {fixed} 读取", where, name)

    packet = Packet(
        values.get("QN"),
        values.get("ST"),
        values.get("CN"),
        values.get("PW"),
        values.get("MN"),
        flag,
        cp,
        as_int("PNUM"),
        as_int("PNO"),
        values.get("RF"),
        layout,
        crc_variant=variant,
        invalid=invalid,
    )

    # --- codes (§7, §8, §12; extendable tables) ---
    unknown = _unknown_codes(packet)
    if strict_codes:
        for err in unknown:
            report(err)
    elif lenient:
        ctx.deviations.extend(e.to_deviation() for e in unknown)
    packet.deviations = tuple(ctx.deviations)
    return packet
