"""HJ 212 CRC16 ("ANSI CRC16" of HJ 212—2017 Appendix A; unchanged in HJ 212—2025 §A.1).

Reference: hj212.md §6 (exact algorithm, check values) and §6a (variants met in the field).

The HJ 212 routine is **not** CRC-16/MODBUS: step 3 of the appendix replaces the whole
register by ``(crc >> 8) ^ byte`` (the old low byte is discarded) before the eight
shift/xor-0xA001 rounds.  :func:`crc16_reference` is that pseudo-code, line for line; the
fast routine :func:`crc16` must equal it on every input (tests check this on random data).

Why the fast routine is exact and fast
--------------------------------------
After step 3 the register holds 8 bits, so the whole state between two bytes is the
register's high byte ``h``.  With ``T[x]`` the eight shift/xor rounds applied to ``x`` (the
usual reflected 0xA001 table, linear over GF(2)) and ``M(x) = T[x] >> 8``::

    h_k = M(h_{k-1} ^ b_k),   h_0 = 0xFF,   crc = T[h_{n-1} ^ b_n]

``M`` is linear and invertible with ``M**8 == identity`` (checked at import), so::

    h_{n-1} ^ b_n = M**((n-1) % 8)(0xFF)  ^  XOR_j M**(j % 8)(b_{n-j})

i.e. the bytes only need to be XOR-folded into eight lanes by their distance from the end
(big-integer XORs, done in C by CPython), then eight table look-ups finish the job.  This
runs several times faster than a byte loop in pure Python, with no C extension.
"""

from __future__ import annotations

__all__ = [
    "crc16",
    "crc16_reference",
    "crc16_modbus",
    "crc16_modbus_swapped",
    "format_crc",
    "CRC_VARIANTS",
]


def _rounds(x: int) -> int:
    """Eight shift/xor-0xA001 rounds of hj212.md §6 step 4 applied to ``x``."""
    crc = x
    for _ in range(8):
        lsb = crc & 1
        crc >>= 1
        if lsb:
            crc ^= 0xA001
    return crc


def crc16_reference(data: bytes) -> int:
    """HJ 212 CRC16 exactly as the pseudo-code of hj212.md §6 (slow; the test oracle).

    Parameters
    ----------
    data : bytes
        The data segment only (not ``##``, the length field, the CRC or ``\\r\\n``).

    Returns
    -------
    int
        16-bit CRC, transmitted as ``"%04X"`` (high byte first).
    """
    crc = 0xFFFF
    for b in data:
        crc = (crc >> 8) ^ b  # §6 step 3: high byte XOR next byte; old low byte discarded
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


_T = tuple(_rounds(x) for x in range(256))
_M = tuple(t >> 8 for t in _T)


def _power_tables() -> list[tuple[int, ...]]:
    powers = [tuple(range(256))]
    for _ in range(7):
        powers.append(tuple(_M[x] for x in powers[-1]))
    # The lane folding below is only valid because M has order 8.
    if tuple(_M[x] for x in powers[-1]) != powers[0]:  # pragma: no cover - mathematical fact
        raise AssertionError("HJ 212 CRC: M**8 is not the identity")
    return powers


_P = _power_tables()
# Lane j (the byte at distance j from the end, mod 8) sits at bits 8j of the folded word;
# pair tables look up two lanes at a time.
# Entry w = lo | hi << 8 is P[2k][lo] ^ P[2k+1][hi]; built row by row with bytes.translate
# (XOR by a constant is a byte translation), 64 KiB of bytes per table, fast to import.
_XOR = [bytes(i ^ c for i in range(256)) for c in range(256)]
_L0, _L1, _L2, _L3 = (
    b"".join(bytes(_P[2 * k]).translate(_XOR[_P[2 * k + 1][hi]]) for hi in range(256)) for k in range(4)
)
del _XOR
_INIT = tuple(_P[(r - 1) % 8][0xFF] for r in range(8))  # contribution of h_0 = 0xFF
#: _MASK[w]: the low w 64-bit words (enough for 2 KiB of data; longer inputs compute their mask).
_MASK = tuple((1 << (w << 6)) - 1 for w in range(129))


def _crc16_fold(data: bytes) -> int:
    """HJ 212 CRC16 of ``data`` (the data segment only), equal to :func:`crc16_reference`."""
    size = n = len(data)
    if not n:
        return 0xFFFF
    v = int.from_bytes(data, "big")
    # XOR the upper part onto the lower half, the half rounded up to whole 64-bit words so that
    # every byte keeps its distance from the end mod 8, until one word is left.
    while n > 8:
        w = (n + 15) >> 4
        v = (v >> (w << 6)) ^ (v & (_MASK[w] if w < 129 else (1 << (w << 6)) - 1))
        n = w << 3
    return _T[
        _L0[v & 0xFFFF] ^ _L1[(v >> 16) & 0xFFFF] ^ _L2[(v >> 32) & 0xFFFF] ^ _L3[v >> 48] ^ _INIT[size & 7]
    ]


try:  # optional C accelerator (setup.py ext_modules, optional=True); pure Python otherwise
    from qingshan.hj212._crc import crc16 as _crc16_c  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the install
    _crc16_c = None

crc16 = _crc16_c if _crc16_c is not None else _crc16_fold


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS (``crc ^= byte``), the wrong routine many 2005-era devices use (§6a).

    Only for diagnosing non-conforming devices; never the standard's verdict.
    """
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def crc16_modbus_swapped(data: bytes) -> int:
    """CRC-16/MODBUS with its two bytes swapped, another field variant (§6a)."""
    c = crc16_modbus(data)
    return ((c & 0xFF) << 8) | (c >> 8)


#: Variants a device may be configured with (hj212.md §6a).  ``hj212`` is the standard.
CRC_VARIANTS = {
    "hj212": crc16,
    "modbus": crc16_modbus,
    "modbus_swapped": crc16_modbus_swapped,
}


def format_crc(crc: int) -> bytes:
    """The 4 upper-case hex digits sent on the wire (§2: ``"%04X"``, uppercase on send)."""
    return b"%04X" % crc
