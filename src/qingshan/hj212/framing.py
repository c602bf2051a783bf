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
    """Bytes that did not make a packet: ``error`` says why, ``raw`` holds them (for the archive)."""

    error: HJ212Error
    raw: bytes


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
        self._offset = 0  # stream offset of _buf[0], for positions in messages

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame (bounded by ``max_frame``)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        """Add received bytes; return the events they complete (possibly none)."""
        self._buf += data
        events: list[Event] = []
        while self._step(events):
            pass
        return events

    def close(self) -> list[Event]:
        """End of stream: whatever is still buffered becomes an error event."""
        events: list[Event] = []
        if self._buf:
            rest = bytes(self._buf)
            self._drop(len(rest))
            if rest.strip(_WS):
                if rest.startswith(b"##"):
                    events.append(self._frame_event(rest))
                else:
                    events.append(FrameError(GarbageBytes(rest, position=self._offset - len(rest)), rest))
        return events

    # -- internals ---------------------------------------------------------------

    def _drop(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n

    def _frame_event(self, frame: bytes) -> Event:
        if not self.parse_packets:
            return PacketReceived(None, frame)  # type: ignore[arg-type]
        try:
            return PacketReceived(parse(frame, lenient=self.lenient, **self.parse_options), frame)
        except HJ212Error as err:
            return FrameError(err, frame)

    def _step(self, events: list[Event]) -> bool:
        """Consume at most one frame (or one run of garbage); False when more bytes are needed."""
        buf = self._buf
        if not buf:
            return False
        start = buf.find(b"##")
        if start != 0:
            # Keep a trailing '#' that may be the first half of the next header.
            cut = len(buf) - (1 if buf.endswith(b"#") else 0) if start == -1 else start
            if cut <= 0:
                return False
            junk = bytes(buf[:cut])
            pos = self._offset
            self._drop(cut)
            if junk.strip(_WS):
                events.append(FrameError(GarbageBytes(junk, position=pos), junk))
            return start != -1
        if len(buf) < 6:
            return False
        lf = bytes(buf[2:6])
        if not lf.isdigit():
            return self._resync(events, BadLengthField(lf, position=self._offset + 2))
        declared = int(lf)
        limit = min(MAX_SEGMENT, self.max_frame - 12) if not self.lenient else self.max_frame - 12
        if declared > limit:
            return self._resync(events, PacketTooLong(declared, limit, position=self._offset + 2))
        end = declared + 12
        if len(buf) >= end and buf[end - 2 : end] == b"\r\n":
            frame = bytes(buf[:end])
            self._drop(end)
            events.append(self._frame_event(frame))
            return True
        if self.binary_cp:
            if len(buf) < end:
                return False
            # Declared end is not CR LF: the frame is broken; resync after its '##'.
            nl = buf.find(b"\r\n##", 6)
            cut = nl + 2 if nl != -1 else end
            frame = bytes(buf[:cut])
            self._drop(cut)
            events.append(self._frame_event(frame))
            return True
        # Length field disagrees with the data (or the frame is still incomplete): look for
        # the terminator.  HJ 212 text never contains a line break (§1), so a LF ends the
        # frame when it is followed by the next header, by nothing (the peer waits for our
        # reply), or lies past the declared end.
        search_to = min(len(buf), self.max_frame)
        k = buf.find(b"\n", 6, search_to)
        while k != -1:
            after = k + 1
            if after >= end or after == len(buf) or buf[after : after + 2] == b"##":
                frame = bytes(buf[:after])
                self._drop(after)
                events.append(self._frame_event(frame))
                return True
            k = buf.find(b"\n", after, search_to)
        if len(buf) >= self.max_frame:
            return self._resync(events, FrameOverflow(len(buf), self.max_frame, position=self._offset))
        nxt = buf.find(b"##", 2)
        if nxt != -1 and len(buf) >= end:
            # Past the declared end, no terminator, and another header follows: broken frame.
            frame = bytes(buf[:nxt])
            self._drop(nxt)
            events.append(self._frame_event(frame))
            return True
        return False

    def _resync(self, events: list[Event], err: HJ212Error) -> bool:
        """Report ``err`` and skip to the next ``##`` after the current one."""
        nxt = self._buf.find(b"##", 1)  # "###0101…": the real header starts at 1
        cut = nxt if nxt != -1 else len(self._buf)
        if nxt == -1 and self._buf.endswith(b"#"):
            cut -= 1
        cut = max(cut, 1)
        raw = bytes(self._buf[:cut])
        self._drop(cut)
        events.append(FrameError(err, raw))
        return True
