"""Typed rows of the values table ``hj212_value`` from a parsed statistics packet (no I/O).

The statistics packets — CN 2051 minute, 2061 hour, 2031 day data (hj212.md §8 Table 9) — carry
per factor the fields ``Cou``, ``Min``, ``Avg``, ``Max``, ``ZsMin``, ``ZsAvg``, ``ZsMax`` and the
data flag ``Flag`` (§5.2 Table 4, §9.3). :func:`value_rows` turns a packet's
:attr:`~qingshan.hj212.packet.Packet.values_2017` (2005 codes already translated, §12.4) into one
tuple per factor; :func:`micro` converts each number **exactly** as
:func:`qingshan.exact.scaled_from_str` does (integers of 10⁻⁶ units; more than six decimals
rounded to odd), so a value read from the table equals the value the codec reads from the raw
packet (tested property). A number outside the 64-bit range, or text that is not a number, is
NULL here (a device can send 14 integer digits, §5.1 N14): the raw packet keeps the text, and no
received value can make the writer's transaction fail.

Real-time data (CN 2011) and the running-time days (2041) are not copied (module doc of
:mod:`qingshan.hj212.models`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: The statistics CNs copied into ``hj212_value`` (hj212.md §8 Table 9).
STATISTICS_CNS = frozenset({"2051", "2061", "2031"})
#: Packet field suffix → column of ``hj212_value`` (§5.2 Table 4), in column order.
FIELDS = {"Cou": "cou", "Min": "min", "Avg": "avg", "Max": "max", "ZsMin": "zs_min", "ZsAvg": "zs_avg",
          "ZsMax": "zs_max"}
COLUMNS = ("factor", *FIELDS.values(), "flag")

_INT64 = 2**63 - 1
_DECIMAL = re.compile(r"\s*([+-]?)([0-9]*)(?:\.([0-9]*))?\s*")


def micro(text: str | None) -> int | None:
    """Decimal text → integer micro-units, exactly as :func:`qingshan.exact.scaled_from_str`.

    ``"12.5"`` → 12 500 000; ``".5"``, ``"-3"``, ``"+4.25"``, ``"7."`` accepted; more than six
    decimals are rounded to odd at the sixth (every later rounding to ≤ 4 decimals and every
    comparison with a micro-representable limit is then that of the exact text). None for
    text that is not a number and for magnitudes beyond 2⁶³ − 1 micro-units.
    """
    if text is None:
        return None
    head, dot, tail = text.partition(".")
    if (head.isascii() and head.isdigit() and len(head) <= 13
            and (not tail or (tail.isascii() and tail.isdigit() and len(tail) <= 6))):
        # what devices send (hj212.md §5.1 N14.x): plain digits, at most six decimals — exact
        mag = int(head) * 1_000_000 + (int(tail + "0" * (6 - len(tail))) if tail else 0)
        return mag if mag <= _INT64 else None
    m = _DECIMAL.fullmatch(text)
    if m is None:
        return None
    sign, whole, frac = m.group(1), m.group(2), m.group(3)
    if not whole and not frac:
        return None  # "", ".", "+"
    frac = frac or ""
    if len(whole) > 13:
        return None  # ≥ 10¹³ units: beyond Int64 micro-units
    mag = int(whole or "0") * 1_000_000 + int((frac[:6] + "000000")[:6])
    if len(frac) > 6 and frac[6:].strip("0") and mag % 2 == 0:
        mag += 1  # sticky digits: round to odd
    if mag > _INT64:
        return None
    return -mag if sign == "-" else mag


def _printable(text: str, size: int) -> bool:
    return 0 < len(text) <= size and text.isascii() and text.isprintable()


def value_rows(values: Mapping[str, Mapping[str, str]]) -> list[tuple]:
    """One tuple per factor (:data:`COLUMNS` order) of a packet's per-factor fields.

    Only ``code-suffix`` items with at least one of :data:`FIELDS` or a ``Flag`` make a row; a
    factor code that is not 1–16 printable ASCII characters cannot be a real code (§12) and is
    skipped, so that no received text can make the writer's transaction fail.
    """
    out = []
    for code, fields in values.items():
        if not _printable(code, 16):
            continue
        nums = [micro(fields.get(sfx)) for sfx in FIELDS]
        flag = fields.get("Flag")
        if flag is not None and not _printable(flag, 4):
            flag = None  # not a flag letter (§9.3): counts as no flag, the raw packet keeps it
        if flag is None and not any(sfx in fields for sfx in FIELDS):
            continue
        out.append((code, *nums, flag))
    return out
