"""HJ 212 (2017, with HJ/T 212—2005 and HJ 212—2025 peers): sans-I/O codec.

Public API: :func:`parse`, :func:`build`, :class:`Packet`, :mod:`.framing`
(``StreamDecoder``), :mod:`.responses`, :mod:`.errors`, :mod:`.codes`, :func:`crc16`.
See docs/hj212-codec.md and /work/shared/standards/hj212.md.
"""

from .crc import crc16
from .errors import Deviation, HJ212Error
from .packet import MAX_PACKET, MAX_SEGMENT, Packet, build, parse

__all__ = ["parse", "build", "Packet", "Deviation", "HJ212Error", "crc16", "MAX_PACKET", "MAX_SEGMENT"]
