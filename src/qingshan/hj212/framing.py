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
- when the byte at the declared end is not ``\\r\\n`` (wrong length, 3-digit CRC …), the
  frame ends at the first ``\\r\\n`` (or lone ``\\n``) and is handed to the parser, which
  reports the length mismatch (strict: error event; lenient: deviation);
- a frame shorter than declared that is followed by the next packet (``\\r\\n##``) is cut
  there instead of swallowing the next packet; disabled with ``binary_cp=True`` (SM4
  ciphertext may contain any byte, §B.9 item 5: frame by the length field only);
- a frame that does not end within ``max_frame`` bytes: ``FrameOverflow``, resync.

The buffer of a connection never holds more than ``max_frame`` bytes of one frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from .errors import BadLengthField, FrameOverflow, GarbageBytes, HJ212Error, PacketTooLong
from .packet import MAX_PACKET, MAX_SEGMENT, Packet, parse

__all__ = ["StreamDecoder", "PacketReceived", "FrameError", "Event"]


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
        False: emit raw frames only (``PacketReceived.packet`` is None), e.g. to decrypt first.
    """

    def __init__(
        self,
        *,
        lenient: bool = False,
        max_frame: int = MAX_PACKET,
        binary_cp: bool = False,
        parse_options: Mapping | None = None,
        parse_packets: bool = True,
    ):
        if max_frame < 12:
            raise ValueError("max_frame must be at least 12 bytes")
        self.lenient = lenient
        self.max_frame = max_frame
        self.binary_cp = binary_cp
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
            return PacketReceived(parse(frame, lenient=self.lenient, **self.parse_options), frame)
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
        # The length field disagrees with the data, or the frame is still arriving.  HJ 212
        # text never holds a line break (§1) and a new header means the old frame is over, so:
        # a LF ends the frame when followed by the next header, by nothing yet (the peer waits
        # for our reply), or past the declared end; a '##' with no LF before it ends it too.
        nxt = buf.find(b"##", pos + 2)
        horizon = min(size if nxt == -1 else nxt, pos + self.max_frame)
        k = buf.find(b"\n", pos + 6, horizon)
        while k != -1:
            after = k + 1
            if after >= end or after == size or after == nxt:
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
