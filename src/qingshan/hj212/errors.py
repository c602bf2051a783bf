"""Typed errors of the HJ 212 codec, and the :class:`Deviation` record of lenient parsing.

Every error says what is wrong and where: ``position`` is the 0-based **byte** offset in the
packet (``##`` is byte 0, the data segment starts at byte 6), ``field`` the field or CP key
concerned.  Messages (``str(err)``) are Simplified Chinese for users; attribute names are
English for code.  ``code`` is a stable machine-readable name, reused by :class:`Deviation`
so that a lenient deviation and the strict error it replaces carry the same code.

Clauses: hj212.md §2 (frame), §3 (fields), §4 (Flag), §5 (CP grammar), §6/§6a (CRC),
§10.4 (split packets), §11 (DataTime).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "HJ212Error",
    "FrameError",
    "BadHeader",
    "BadLengthField",
    "LengthMismatch",
    "PacketTooLong",
    "BadCrcField",
    "CrcMismatch",
    "BadTail",
    "BadEncoding",
    "BadField",
    "MissingField",
    "BadCpSyntax",
    "UnknownCode",
    "BadCpValue",
    "BadDataTime",
    "SplitPacketError",
    "GarbageBytes",
    "FrameOverflow",
    "Deviation",
]


def _where(position: int | None) -> str:
    return "" if position is None else f"（第 {position} 字节）"


class HJ212Error(ValueError):
    """Base of every HJ 212 codec error.

    Attributes
    ----------
    code : str
        Stable machine-readable name (also used as :attr:`Deviation.code`).
    position : int or None
        Byte offset in the packet (0 = the first ``#``), when known.
    field : str or None
        Field or CP key concerned, when there is one.
    """

    code = "hj212_error"

    def __init__(self, message: str, *, position: int | None = None, field: str | None = None):
        self.message = message
        self.position = position
        self.field = field
        super().__init__(message + _where(position))

    def to_deviation(self) -> Deviation:
        return Deviation(self.code, str(self), self.position, self.field)


class FrameError(HJ212Error):
    """Errors of the outer frame ``## LLLL … CCCC \\r\\n`` (hj212.md §2)."""

    code = "frame_error"


class BadHeader(FrameError):
    """The packet does not start with ``##``."""

    code = "bad_header"

    def __init__(self, found: bytes, *, position: int = 0):
        self.found = found
        super().__init__(f"包头错误：应为“##”，实际为 {found[:8]!r}", position=position)


class BadLengthField(FrameError):
    """The 4-character length field is not 4 decimal digits."""

    code = "bad_length_field"

    def __init__(self, raw: bytes, *, position: int = 2):
        self.raw = raw
        super().__init__(f"数据段长度字段错误：应为 4 位十进制数字，实际为 {raw!r}", position=position)


class LengthMismatch(FrameError):
    """Declared data-segment length differs from the actual byte count (§2)."""

    code = "length_mismatch"

    def __init__(self, declared: int, actual: int, *, position: int = 2):
        self.declared = declared
        self.actual = actual
        super().__init__(
            f"数据段长度不符：长度字段为 {declared:04d}，实际数据段为 {actual} 字节", position=position
        )


class PacketTooLong(FrameError):
    """Data segment over 1024 bytes, CP over 950, or a frame over the configured maximum (§2, §3)."""

    code = "packet_too_long"

    def __init__(self, length: int, limit: int, *, what: str = "数据段", position: int | None = 2):
        self.length = length
        self.limit = limit
        self.what = what
        super().__init__(f"{what}过长：{length} 字节，上限 {limit} 字节", position=position)


class BadCrcField(FrameError):
    """The CRC is not 4 hexadecimal digits (e.g. a dropped leading zero, §6a)."""

    code = "bad_crc_field"

    def __init__(self, raw: bytes, *, position: int | None = None, reason: str = ""):
        self.raw = raw
        detail = f"（{reason}）" if reason else ""
        super().__init__(f"CRC 字段错误：应为 4 位十六进制数字，实际为 {raw!r}{detail}", position=position)


class CrcMismatch(FrameError):
    """CRC of the data segment differs from the transmitted one (§6).

    ``expected`` is the CRC computed over the received data segment, ``actual`` the value the
    packet carries.
    """

    code = "crc_mismatch"

    def __init__(self, expected: int, actual: int | None, *, position: int | None = None):
        self.expected = expected
        self.actual = actual
        shown = "无法读取" if actual is None else f"{actual:04X}"
        super().__init__(f"CRC 校验错误：报文为 {shown}，按数据段计算应为 {expected:04X}", position=position)


class BadTail(FrameError):
    """The packet does not end with ``\\r\\n``."""

    code = "bad_tail"

    def __init__(self, found: bytes, *, position: int | None = None):
        self.found = found
        super().__init__(f"包尾错误：应为 \\r\\n，实际为 {found[-2:]!r}", position=position)


class BadEncoding(HJ212Error):
    """The data segment is not valid UTF-8 (§1)."""

    code = "bad_encoding"

    def __init__(self, *, position: int | None = None):
        super().__init__("数据段不是合法的 ASCII/UTF-8 文本", position=position)


class BadField(HJ212Error):
    """A data-segment field (QN, ST, CN, PW, MN, Flag, PNUM, PNO, RF) is malformed (§3)."""

    code = "bad_field"

    def __init__(self, field: str, value: str | None, reason: str, *, position: int | None = None):
        self.value = value
        self.reason = reason
        shown = "" if value is None else f"“{value}”"
        super().__init__(f"字段 {field}{shown} 错误：{reason}", position=position, field=field)


class MissingField(BadField):
    """A required field is absent."""

    code = "missing_field"

    def __init__(self, field: str, *, position: int | None = None):
        super().__init__(field, None, "缺少该字段", position=position)


class BadCpSyntax(HJ212Error):
    """The CP data area does not follow the grammar of §5."""

    code = "bad_cp_syntax"

    def __init__(self, reason: str, *, position: int | None = None, field: str | None = None):
        self.reason = reason
        super().__init__(f"CP 指令参数语法错误：{reason}", position=position, field=field)


class BadCpValue(HJ212Error):
    """A CP value breaks its field's rule: not ASCII outside log text (§1), not a number where
    Table 4 says numeric, a data flag that is not one letter (§9.3), a value out of its Table 4
    range (``RtdInterval`` 30–3600, ``MinInterval`` one of 1…30, ``SBxxx-RS`` 0–5 …), §5.2."""

    code = "bad_cp_value"

    def __init__(self, key: str, value: str, reason: str, *, position: int | None = None):
        self.key = key
        self.value = value
        self.reason = reason
        shown = value if len(value) <= 40 else value[:40] + "…"
        super().__init__(f"CP 数据项 {key}=“{shown}” 取值错误：{reason}", position=position, field=key)


class UnknownCode(HJ212Error):
    """An ST, CN or factor code not in the code tables (only raised when strict codes are asked)."""

    code = "unknown_code"

    def __init__(self, kind: str, value: str, *, position: int | None = None):
        self.kind = kind
        self.value = value
        names = {"ST": "系统编码 ST", "CN": "命令编码 CN", "factor": "监测因子编码"}
        super().__init__(f"未知的{names.get(kind, kind)}：{value}", position=position, field=kind)


class BadDataTime(HJ212Error):
    """A time field (DataTime, SystemTime, BeginTime, …) is not a valid ``YYYYMMDDhhmmss`` (§5.1, §11)."""

    code = "bad_datatime"

    def __init__(self, value: str, *, field: str = "DataTime", position: int | None = None):
        self.value = value
        super().__init__(
            f"时间字段 {field}=“{value}” 错误：应为 YYYYMMDDhhmmss 格式的有效时间", position=position, field=field
        )


class SplitPacketError(HJ212Error):
    """PNUM/PNO inconsistent with Flag bit D or with each other (§3, §4, §10.4)."""

    code = "split_packet"

    def __init__(self, reason: str, *, position: int | None = None, field: str | None = None):
        self.reason = reason
        super().__init__(f"拆分包错误：{reason}", position=position, field=field)


class GarbageBytes(FrameError):
    """Bytes outside any packet in a TCP stream (skipped while resynchronising on ``##``)."""

    code = "garbage"

    def __init__(self, data: bytes, *, position: int | None = None):
        self.data = data
        super().__init__(f"报文之间有 {len(data)} 字节无法识别的数据，已跳过：{data[:32]!r}", position=position)


class FrameOverflow(FrameError):
    """A frame that never terminates within the configured maximum size of a stream decoder."""

    code = "frame_overflow"

    def __init__(self, size: int, limit: int, *, position: int | None = None):
        self.size = size
        self.limit = limit
        super().__init__(f"报文超过 {limit} 字节仍未结束（已收 {size} 字节），已丢弃并重新同步", position=position)


@dataclass(frozen=True, slots=True)
class Deviation:
    """One non-conformity found (and worked around) by lenient parsing.

    ``code`` is the :attr:`HJ212Error.code` of the error strict parsing would raise, or one
    of the lenient-only notes (``crc_lowercase``, ``crc_variant``, ``unknown_code``,
    ``datatime_normalised``…, listed in docs/hj212-codec.md).
    """

    code: str
    message: str
    position: int | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "position": self.position, "field": self.field}
