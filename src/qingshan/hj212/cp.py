"""The CP data area (``CP=&&…&&``): grammar, parsing and formatting (hj212.md §5).

The data area is a sequence of ``key=value`` items separated by ``;`` (different items)
or ``,`` (values of the same item).  It is kept as an ordered flat mapping key → value
(values are the strings as received) plus the separator string ("layout") so that a packet
rebuilds byte for byte.

Keys are ``name`` (letters only, e.g. ``DataTime``) or ``code-suffix`` (e.g. ``a21026-Rtd``,
split at the **first** ``-``).  A value starting with ``//`` is log text (``i11001-Info``,
§9.4): it ends at the first later ``//`` directly followed by ``;``, ``,`` or the end of the
area (hj212.md §5, UNCONFIRMED end rule, README item 38) and may contain ``;``, ``,`` and
``&``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Callable

from .errors import BadCpSyntax, HJ212Error

__all__ = [
    "parse_cp_area",
    "format_cp_area",
    "default_layout",
    "split_key",
    "nested_values",
]

_KEY = r"(?:[A-Za-z0-9]+-[A-Za-z]+|[A-Za-z]+)"
#: bytes.translate deletion table keeping only "=" and the separators: the skeleton of an
#: area, e.g. "=;=,=" — the parser's fast path checks it alternates "=" / separator.
ONLY_SKELETON = bytes(c for c in range(256) if c not in b";,=")
KEY_RE = re.compile(_KEY)
_LOOSE_KEY = re.compile(r"[^=;,&]+")


def split_key(key: str) -> tuple[str, str | None]:
    """``"a21026-Rtd"`` → ``("a21026", "Rtd")``; ``"DataTime"`` → ``("DataTime", None)`` (§5: first ``-``)."""
    code, dash, suffix = key.partition("-")
    return (code, suffix) if dash else (key, None)


def nested_values(cp: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per-factor view ``{code: {suffix: value}}`` of the ``code-suffix`` items of ``cp``."""
    out: dict[str, dict[str, str]] = {}
    for key, value in cp.items():
        code, dash, suffix = key.partition("-")
        if dash:
            d = out.get(code)
            if d is None:
                out[code] = {suffix: value}
            else:
                d[suffix] = value
    return out


def default_layout(keys: Iterable[str]) -> str:
    """Separators the standard's examples use: ``,`` between items of the same factor code,
    ``;`` otherwise (e.g. ``DataTime=…;a21026-Rtd=9,a21026-Flag=N;a21004-Rtd=…``)."""
    seps = []
    prev: str | None = None
    for n, key in enumerate(keys):
        code, dash, _ = key.partition("-")
        cur = code if dash else None
        if n:
            seps.append("," if (cur is not None and cur == prev) else ";")
        prev = cur
    return "".join(seps)


def format_cp_area(cp: Mapping[str, str], layout: str | None = None) -> str:
    """The text between ``CP=&&`` and ``&&``; ``layout`` (one separator per gap) or the default."""
    if not cp:
        return ""
    keys = list(cp)
    if layout is None or len(layout) != len(keys) - 1 or layout.strip(";,"):
        layout = default_layout(keys)
    parts = [f"{keys[0]}={cp[keys[0]]}"]
    for sep, key in zip(layout, keys[1:]):
        parts.append(sep)
        parts.append(f"{key}={cp[key]}")
    return "".join(parts)


def log_text_end(area: str, start: int) -> int:
    """Index just after the closing ``//`` of log text opened at ``start``, or -1."""
    k = area.find("//", start + 2)
    n = len(area)
    while k != -1:
        after = k + 2
        if after == n or area[after] in ";,":
            return after
        k = area.find("//", k + 1)
    return -1


def parse_cp_area(
    area: str,
    *,
    offset: Callable[[int], int],
    report: Callable[[HJ212Error], None],
) -> tuple[dict[str, str], str]:
    """Parse a CP data area item by item, reporting every deviation from the §5 grammar.

    Parameters
    ----------
    area : str
        The text between ``CP=&&`` and the closing ``&&`` (already stripped of the
        tolerated surrounding spaces).
    offset : callable
        Maps an index in ``area`` to the byte position in the packet (for messages).
    report : callable
        Called with each :class:`~qingshan.hj212.errors.HJ212Error`; raises in strict mode,
        records a deviation in lenient mode.

    Returns
    -------
    (dict, str)
        Ordered key → value mapping (first occurrence of a repeated key wins) and the layout
        (separator between consecutive kept items).
    """
    cp: dict[str, str] = {}
    seps: list[str] = []
    pending_sep: str | None = None
    i = 0
    n = len(area)
    while i < n:
        # --- key ---
        m = KEY_RE.match(area, i)
        if m is not None and m.end() < n and area[m.end()] == "=":
            key = m.group()
            j = m.end() + 1
        else:
            if area[i] in ";,":
                if area[i] == ";" and i == n - 1:
                    break  # trailing ';' is tolerated (§5)
                report(BadCpSyntax("空的数据项", position=offset(i)))
                i += 1
                continue
            lm = _LOOSE_KEY.match(area, i)
            eq = lm.end() if lm is not None else i
            if eq < n and area[eq] == "=":
                key = area[i:eq]
                report(BadCpSyntax(f"数据项名称“{key}”不符合规则（字母，或 编码-后缀）", position=offset(i), field=key))
                j = eq + 1
            else:
                end = eq
                report(BadCpSyntax(f"数据项“{area[i:end]}”缺少“=”", position=offset(i)))
                # Skip to the next separator; nothing usable in this item.
                while end < n and area[end] not in ";,":
                    end += 1
                i = end + 1 if end < n else n
                if end < n and pending_sep is None:
                    pending_sep = area[end]
                continue
        # --- value ---
        if area.startswith("//", j):
            end = log_text_end(area, j)
            if end == -1:
                report(BadCpSyntax(f"{key} 的日志文本缺少结尾“//”", position=offset(j), field=key))
                end = n
        else:
            end = j
            while end < n and area[end] not in ";,":
                end += 1
            amp = area.find("&", j, end)
            if amp != -1:
                report(BadCpSyntax(f"{key} 的取值中含有“&”", position=offset(amp), field=key))
        value = area[j:end]
        if key in cp:
            report(BadCpSyntax(f"数据项 {key} 重复出现，保留第一次的值", position=offset(i), field=key))
        else:
            if cp:
                seps.append(pending_sep or ";")
            cp[key] = value
        pending_sep = None
        if end < n:
            sep = area[end]
            if sep not in ";,":  # only reachable after unterminated log text handling
                report(BadCpSyntax(f"“{sep}”处应为分隔符“;”或“,”", position=offset(end)))
            if sep == ";" and end == n - 1:
                break
            if end == n - 1:
                report(BadCpSyntax("CP 以“,”结尾", position=offset(end)))
            pending_sep = sep
            i = end + 1
        else:
            i = n
    return cp, "".join(seps)
