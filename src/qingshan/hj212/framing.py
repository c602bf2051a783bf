"""Sans-I/O stream decoder for HJ 212 over TCP (hj212.md §1, §2, §B.9 item 5).

One :class:`StreamDecoder` per TCP connection.  Feed it whatever ``recv()`` returned; it
returns the events completed by those bytes::

    decoder = StreamDecoder()
    for event in decoder.feed(chunk):
        if isinstance(event, PacketReceived):
            ...  event.packet, event.raw
        else:  # FrameError
            ...  event.error (a typed HJ212Error), event.raw

Framing is on ``##`` + the 4-digit length (§1: never on line breaks alone), so several
packets in one read and packets split across reads both work.  Recovery rules:

- bytes before ``##`` are garbage: reported (``GarbageBytes``) unless they are only
  whitespace, and skipped (resynchronisation on the next ``##``);
- a length field that is not 4 digits, or over the segment limit: error, resync after ``##``;
- a frame is complete when its declared length has arrived and is followed by ``\\r\\n``.
  A line break inside the data (log text ``//…//`` may hold one, §5) never ends a frame by
  itself;
- when the bytes at the declared end are not ``\\r\\n`` (wrong length, 3-digit CRC …), the
  frame ends at a line break past the declared end, at a line break directly followed by the
  next header (``##`` + 4 digits + a field name), or at a line break that ends the received
  bytes right after ``&&`` + CRC digits (the peer waits for our reply).  The parser then
  reports the mismatch (strict: error event; lenient: deviation);
- a frame shorter than declared that is followed by the next header is cut there instead of
  swallowing the next packet; disabled with ``binary_cp=True`` (SM4 ciphertext may contain
  any byte, §B.9 item 5: frame by the length field only);
- a frame that does not end within ``max_frame`` bytes: ``FrameOverflow``, resync.

The buffer of a connection never holds more than ``max_frame`` bytes of one frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import BadCpSyntax, BadLengthField, FrameOverflow, GarbageBytes, HJ212Error, PacketTooLong
from .packet import MAX_PACKET, MAX_SEGMENT, Packet, parse

__all__ = [
    "StreamDecoder",
    "PacketReceived",
    "FrameError",
    "Event",
    "sm4_ecb",
    "decrypt_frame",
    "encrypt_frame",
    "is_encrypted_cn",
]


@dataclass(frozen=True, slots=True)
class PacketReceived:
    """A complete packet, parsed.  ``raw`` is the frame exactly as received (for the archive)."""

    packet: Packet
    raw: bytes


@dataclass(frozen=True, slots=True)
class FrameError:
    """Bytes that did not make a packet: ``error`` says why, ``raw`` holds them (for the archive).

    ``offset`` is the stream offset of ``raw[0]`` on this connection.  ``error.position`` is a
    stream offset for the decoder's own errors (garbage, length field, overflow) and an
    offset inside ``raw`` for errors raised by parsing a frame.
    """

    error: HJ212Error
    raw: bytes
    offset: int = 0


Event = Union[PacketReceived, FrameError]

_WS = b" \t\r\n\x00"


#: The start of the next packet: "##" + 4 length digits + the first field name (QN in 2017
#: and 2025; a 2005-style packet may start with another Table 3 field).  A bare "##" is not
#: enough: log text may contain it (§5).
_HEADER = re.compile(rb"##[0-9]{4}(?:QN|ST|CN|PW|MN|Flag)=")
#: What a frame ends with: the closing "&&" of CP, the CRC (1–4 hex digits, maybe followed by
#: blanks), the line break.
_FRAME_END = re.compile(rb"&&[0-9A-Fa-f]{1,4}[ \t]*\r?\n\Z")


def _next_header(buf: bytearray, start: int, stop: int) -> int:
    m = _HEADER.search(buf, start, stop)
    return -1 if m is None else m.start()


def _ends_like_frame(buf: bytearray, start: int, after: int) -> bool:
    return _FRAME_END.search(buf, max(start, after - 12), after) is not None


class StreamDecoder:
    """Incremental HJ 212 frame decoder for one connection.

    Parameters
    ----------
    lenient : bool
        Passed to :func:`~qingshan.hj212.parse` (see there).
    max_frame : int
        Largest frame accepted, in bytes (default 1036, §2).  A larger declared length or
        an unterminated frame beyond it is an error followed by resynchronisation.
    binary_cp : bool
        The peer sends SM4 ciphertext as raw bytes (HJ 212—2025 ``sm4_wire_form=binary``):
        frame strictly by the length field.
    parse_options : mapping
        Extra keyword arguments for :func:`~qingshan.hj212.parse` (``strict_codes``,
        ``crc_variants``, ``accept_bad_crc``).
    parse_packets : bool
        False: emit raw frames only (``PacketReceived.packet`` is None).
    sm4_key : bytes, optional
        16-byte SM4 key of an encrypting HJ 212—2025 device: frames of CN 2000–2999, 1014
        and 3020 are decrypted (:func:`decrypt_frame`) before parsing; ``raw`` stays the
        received (encrypted) frame.
    sm4_wire_form : {"binary", "printed"}
        How the ciphertext travels (UNCONFIRMED, README item 40; default ``binary``).
        ``binary`` frames by the length field only; ``printed`` raises the default
        ``max_frame`` to 8192 bytes (the printed form is about five times longer).
    """

    def __init__(
        self,
        *,
        lenient: bool = False,
        max_frame: int = MAX_PACKET,
        binary_cp: bool = False,
        parse_options: Mapping | None = None,
        parse_packets: bool = True,
        sm4_key: bytes | None = None,
        sm4_wire_form: str = "binary",
    ):
        if max_frame < 12:
            raise ValueError("max_frame must be at least 12 bytes")
        if sm4_wire_form not in ("binary", "printed"):
            raise ValueError(f"sm4_wire_form 只能为 binary 或 printed，而不是 {sm4_wire_form!r}")
        if sm4_key is not None and len(sm4_key) != 16:
            raise ValueError("SM4 密钥必须为 16 字节")
        self.sm4_key = sm4_key
        self.sm4_wire_form = sm4_wire_form
        if sm4_key is not None and sm4_wire_form == "printed" and max_frame == MAX_PACKET:
            max_frame = 8192
        self.lenient = lenient
        self.max_frame = max_frame
        self.binary_cp = binary_cp or (sm4_key is not None and sm4_wire_form == "binary")
        self.parse_options = dict(parse_options or {})
        self.parse_packets = parse_packets
        self._buf = bytearray()
        self._pos = 0  # start of unconsumed bytes in _buf
        self._offset = 0  # stream offset of _buf[0], for positions in messages

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame (bounded by ``max_frame``)."""
        return len(self._buf) - self._pos

    def feed(self, data: bytes) -> list[Event]:
        """Add received bytes; return the events they complete (possibly none)."""
        self._buf += data
        events: list[Event] = []
        try:
            while self._step(events):
                pass
        finally:
            # Compact once per read, not once per frame (several frames per read are common).
            if self._pos:
                del self._buf[: self._pos]
                self._offset += self._pos
                self._pos = 0
        return events

    def close(self) -> list[Event]:
        """End of stream: whatever is still buffered becomes an error event."""
        events: list[Event] = []
        rest = bytes(self._buf[self._pos :])
        pos = self._offset + self._pos
        self._buf.clear()
        self._offset = pos + len(rest)
        self._pos = 0
        if rest.strip(_WS):
            if rest.startswith(b"##"):
                events.append(self._frame_event(rest))
            else:
                events.append(FrameError(GarbageBytes(rest, position=pos), rest, pos))
        return events

    # -- internals ---------------------------------------------------------------

    def _frame_event(self, frame: bytes) -> Event:
        if not self.parse_packets:
            return PacketReceived(None, frame)  # type: ignore[arg-type]
        try:
            plain = frame
            if self.sm4_key is not None:
                m = _CN_IN_HEADER.search(frame, 0, 120)
                if m is not None and is_encrypted_cn(m.group(1).decode()):
                    plain = decrypt_frame(frame, self.sm4_key, wire_form=self.sm4_wire_form)
            return PacketReceived(parse(plain, lenient=self.lenient, **self.parse_options), frame)
        except HJ212Error as err:
            return FrameError(err, frame, self._offset + self._pos - len(frame))

    def _emit(self, events: list[Event], stop: int) -> bool:
        """Hand ``_buf[_pos:stop]`` to the parser and move past it."""
        frame = bytes(self._buf[self._pos : stop])
        self._pos = stop  # before parsing: _frame_event derives the frame's offset from it
        events.append(self._frame_event(frame))
        return True

    def _step(self, events: list[Event]) -> bool:
        """Consume at most one frame (or one run of garbage); False when more bytes are needed."""
        buf = self._buf
        pos = self._pos
        size = len(buf)
        if pos >= size:
            return False
        start = buf.find(b"##", pos)
        if start != pos:
            # Garbage up to the next header; keep a trailing '#' (half of the next header).
            cut = (size - 1 if buf.endswith(b"#") else size) if start == -1 else start
            if cut <= pos:
                return False
            junk = bytes(buf[pos:cut])
            self._pos = cut
            if junk.strip(_WS):
                events.append(FrameError(GarbageBytes(junk, position=self._offset + pos), junk, self._offset + pos))
            return start != -1
        if size - pos < 6:
            return False
        lf = bytes(buf[pos + 2 : pos + 6])
        if not lf.isdigit():
            return self._resync(events, BadLengthField(lf, position=self._offset + pos + 2))
        declared = int(lf)
        limit = self.max_frame - 12 if self.lenient else min(MAX_SEGMENT, self.max_frame - 12)
        if declared > limit:
            return self._resync(events, PacketTooLong(declared, limit, position=self._offset + pos + 2))
        end = pos + declared + 12
        if size >= end and buf[end - 2 : end] == b"\r\n":
            return self._emit(events, end)
        if self.binary_cp:
            # SM4 ciphertext may hold any byte: trust the length field only (§B.9 item 5).
            if size < end:
                return False
            nl = buf.find(b"\r\n##", pos + 6)
            return self._emit(events, nl + 2 if nl != -1 else end)
        # The frame is still arriving, or its length field disagrees with the data.  §1: frame
        # on "##" + length, not on line breaks — §5 log text (//…//) may hold CR LF and "##".
        # So a line break before the declared end only ends the frame when it is followed by
        # the next header, or when it ends the buffer right after what a frame ends with
        # ("&&" + CRC digits: the peer sent a wrong length and now waits for our reply); a
        # break past the declared end ends it (the length field was too small).
        nxt = _next_header(buf, pos + 2, size)
        horizon = min(size if nxt == -1 else nxt, pos + self.max_frame)
        k = buf.find(b"\n", pos + 6, horizon)
        while k != -1:
            after = k + 1
            if after >= end or after == nxt or (after == size and _ends_like_frame(buf, pos + 6, after)):
                return self._emit(events, after)
            k = buf.find(b"\n", after, horizon)
        if nxt != -1 and nxt - pos <= self.max_frame:
            return self._emit(events, nxt)
        if size - pos >= self.max_frame:
            return self._resync(events, FrameOverflow(size - pos, self.max_frame, position=self._offset + pos))
        return False

    def _resync(self, events: list[Event], err: HJ212Error) -> bool:
        """Report ``err`` and skip to the next ``##`` after the current one."""
        buf, pos = self._buf, self._pos
        nxt = buf.find(b"##", pos + 1)  # "###0101…": the real header starts one byte later
        if nxt == -1:
            cut = len(buf) - 1 if buf.endswith(b"#") else len(buf)
        else:
            cut = nxt
        cut = max(cut, pos + 1)
        raw = bytes(buf[pos:cut])
        self._pos = cut
        events.append(FrameError(err, raw, self._offset + pos))
        return True


# --------------------------------------------------------------------------------------------
# HJ 212—2025 CP encryption (§B.3, §B.9 item 5, vectors §B.10): SM4-ECB, no padding, over the
# whole 16-byte blocks of the bytes between "CP=&&" and the closing "&&"; a shorter tail stays
# plaintext; the CRC and the length field are those of the plaintext segment.  It is byte-level
# work that must happen after framing and before any text decoding, hence this module.
# SM4 itself (GB/T 32907—2016) comes from the maintained ``cryptography`` library
# (``algorithms.SM4``, OpenSSL's implementation); tests check the GB/T 32907 vector and the
# official §B.10 vectors through this function.


def sm4_ecb(data: bytes, key: bytes, *, decrypt: bool) -> bytes:
    """SM4-ECB over the whole 16-byte blocks of ``data``; a shorter tail is returned as is (§B.3)."""
    if len(key) != 16:
        raise ValueError("SM4 密钥必须为 16 字节")
    whole = len(data) - len(data) % 16
    cipher = Cipher(algorithms.SM4(key), modes.ECB())
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data[:whole]) + op.finalize() + data[whole:]


#: Commands whose CP is encrypted by an encrypting 2025 device (§B.3, §6.4.4).
def is_encrypted_cn(cn: str) -> bool:
    return cn.isdigit() and (2000 <= int(cn) <= 2999 or cn in ("1014", "3020"))


_CN_IN_HEADER = re.compile(rb";CN=([0-9]{4});")
_PRINTED = re.compile(rb"\{((?:0[xX][0-9A-Fa-f]{2}(?:,0[xX][0-9A-Fa-f]{2})*)?)\}")


def _cp_region(frame: bytes, seg_end: int) -> tuple[int, int]:
    start = frame.find(b"CP=&&", 6, seg_end)
    if start == -1 or frame[seg_end - 2 : seg_end] != b"&&" or start + 5 > seg_end - 2:
        raise BadCpSyntax("加密报文中找不到 CP=&&…&& 区域", position=start if start != -1 else None)
    return start + 5, seg_end - 2


def decrypt_frame(frame: bytes, key: bytes, *, wire_form: str = "binary") -> bytes:
    """The plaintext frame of an SM4-encrypted HJ 212—2025 packet (§B.9 item 5).

    ``wire_form="binary"`` (default, UNCONFIRMED, README item 40): the ciphertext bytes stand
    in the CP region and the frame is delimited by the length field.  ``"printed"``: the
    region is ASCII ``{0xE4,0x3E,…}`` followed by the plaintext tail; the frame ends at its
    CR LF.  The result keeps the received length field and CRC; :func:`parse` then checks both
    against the plaintext.
    """
    if wire_form == "binary":
        lf = frame[2:6]
        if not lf.isdigit():
            raise BadLengthField(bytes(lf))
        seg_end = 6 + int(lf)
        a, b = _cp_region(frame, seg_end)
        return frame[:a] + sm4_ecb(frame[a:b], key, decrypt=True) + frame[b:]
    if wire_form == "printed":
        seg_end = len(frame) - 6  # 4 CRC characters + CR LF
        a, b = _cp_region(frame, seg_end)
        m = _PRINTED.match(frame, a, b)
        if m is None:
            raise BadCpSyntax("加密报文的 CP 不是 {0x..,0x..} 形式", position=a)
        cipher = bytes(int(h, 16) for h in m.group(1).split(b",")) if m.group(1) else b""
        if len(cipher) % 16:
            raise BadCpSyntax(f"密文 {len(cipher)} 字节，不是 16 的整数倍", position=a)
        return frame[:a] + sm4_ecb(cipher, key, decrypt=True) + frame[m.end() : b] + frame[b:]
    raise ValueError(f"sm4_wire_form 只能为 binary 或 printed，而不是 {wire_form!r}")


def encrypt_frame(frame: bytes, key: bytes, *, wire_form: str = "binary") -> bytes:
    """Encrypt the CP region of a plaintext frame built by :func:`~qingshan.hj212.build`
    (the CRC and length stay those of the plaintext, §B.3 Appendix A.2).  For simulators and tests."""
    seg_end = 6 + int(frame[2:6])
    a, b = _cp_region(frame, seg_end)
    region = frame[a:b]
    whole = len(region) - len(region) % 16
    cipher = sm4_ecb(region[:whole], key, decrypt=False)
    if wire_form == "binary":
        return frame[:a] + cipher + region[whole:] + frame[b:]
    if wire_form == "printed":
        printed = b"{" + b",".join(b"0x%02X" % c for c in cipher) + b"}"
        return frame[:a] + printed + region[whole:] + frame[b:]
    raise ValueError(f"sm4_wire_form 只能为 binary 或 printed，而不是 {wire_form!r}")
