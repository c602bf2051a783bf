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
from datetime import datetime
from typing import Callable

from .errors import BadCpSyntax, BadCpValue, HJ212Error

__all__ = [
    "parse_cp_area",
    "format_cp_area",
    "default_layout",
    "split_key",
    "nested_values",
    "value_problem",
    "NAME_RULES",
    "SUFFIX_RULES",
]

_KEY = r"(?:[A-Za-z0-9]+-[A-Za-z]+|[A-Za-z]+)"
#: bytes.translate deletion table keeping only "=" and the separators: the skeleton of an
#: area, e.g. "=;=,=" — the parser's fast path checks it alternates "=" / separator.
ONLY_SKELETON = bytes(c for c in range(256) if c not in b";,=" and 32 <= c < 127)
# (control bytes are kept too: they break the "=" / separator alternation, so an area holding
# one leaves the fast path for the slow one, which reports it under §1)
KEY_RE = re.compile(_KEY)
_LOOSE_KEY = re.compile(r"[^=;,&]+")


# ----------------------------------------------------------------------------- value rules
# §1: ASCII outside log text; §5.1 data types (Nn digits, N14.2 numbers); §5.2 Table 4 ranges;
# §9.3 data flags.  Each rule returns None (good) or the Chinese reason.  The tables below are
# the one place these rules live; build (check=True) and both parse paths apply them.

_NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
NUMBER_RE = re.compile(_NUM)
_DIGITS = re.compile(r"[0-9]+")


def _number(lo: float | None = None, hi: float | None = None) -> Callable[[str], str | None]:
    def rule(v: str) -> str | None:
        if not NUMBER_RE.fullmatch(v):
            return "应为数值（§5.1：可带符号和小数点的十进制数）"
        if lo is not None and not lo <= float(v) <= hi:  # range check only; the value stays text
            return f"应在 {lo:g}–{hi:g} 之间（§5.2 表 4）"
        return None

    return rule


def _integer(digits: int, lo: int | None = None, hi: int | None = None, allowed=None) -> Callable[[str], str | None]:
    def rule(v: str) -> str | None:
        if not (_DIGITS.fullmatch(v) and len(v) <= digits):
            return f"应为不超过 {digits} 位的十进制整数（§5.1 N{digits}）"
        n = int(v)
        if allowed is not None and n not in allowed:
            return f"应为 {'、'.join(str(a) for a in sorted(allowed))} 之一（§5.2 表 4）"
        if lo is not None and not lo <= n <= hi:
            return f"应在 {lo}–{hi} 之间（§5.2 表 4）"
        return None

    return rule


def _chars(n: int) -> Callable[[str], str | None]:
    def rule(v: str) -> str | None:
        return None if len(v) <= n else f"应不超过 {n} 个字符（§5.1 C{n}）"

    return rule


def _time14(v: str) -> str | None:
    if len(v) == 14 and v.isdigit():
        try:
            datetime.strptime(v, "%Y%m%d%H%M%S")
            return None
        except ValueError:
            pass
    return "应为 YYYYMMDDhhmmss 格式的有效时间（§5.1）"


def _hhmmss(v: str) -> str | None:
    if len(v) == 6 and v.isdigit() and int(v[:2]) < 24 and int(v[2:4]) < 60 and int(v[4:]) < 60:
        return None
    return "应为 hhmmss 格式的时刻（§5.2 表 4 N6）"


def _flag(v: str) -> str | None:
    # §9.3: Table 8 letters N F M S D C T B; "any other letter" (2005's P …) is stored as
    # received and treated as invalid by the statistics policy — so one letter is conforming.
    if len(v) == 1 and v.isascii() and v.isalpha():
        return None
    return "数据标记应为一个字母（§9.3 表 8：N、F、M、S、D、C、T、B 等）"


#: Table 4 (§5.2) rules of named CP fields.  The time fields DataTime, SystemTime, BeginTime,
#: EndTime and RestartTime are checked by the parser itself (it also normalises them, §11).
NAME_RULES: dict[str, Callable[[str], str | None]] = {
    "QnRtn": _integer(3),
    "ExeRtn": _integer(3),
    "RtdInterval": _integer(4, 30, 3600),
    "MinInterval": _integer(2, allowed=frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})),
    "OverTime": _integer(2, 1, 99),
    "ReCount": _integer(2, 1, 99),
    "VaseNo": _integer(2),
    "CstartTime": _hhmmss,
    "Ctime": _integer(2, 1, 24),
    "Stime": _integer(4, 1, 120),
    "PolId": _chars(6),
    "NewPW": _chars(6),
    "InfoId": _chars(6),
}

_ANY_NUMBER = _number()
#: Table 4 (§5.2) rules of ``code-suffix`` items, by suffix.
SUFFIX_RULES: dict[str, Callable[[str], str | None]] = {
    **dict.fromkeys(
        ("Rtd", "Min", "Avg", "Max", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "Cou", "Data", "DayData", "NightData"),
        _ANY_NUMBER,
    ),
    "Flag": _flag,
    "EFlag": _chars(4),
    "SampleTime": _time14,
    "SN": _chars(24),
    "RS": _integer(1, 0, 5),
    "RT": _number(0, 24),
}

_RULE_OF: dict[str, Callable[[str], str | None] | None] = {}


def rule_for(key: str) -> Callable[[str], str | None] | None:
    """The value rule of a CP key (cached: keys repeat from packet to packet), or None."""
    try:
        return _RULE_OF[key]
    except KeyError:
        pass
    code, dash, suffix = key.partition("-")
    rule = SUFFIX_RULES.get(suffix) if dash else NAME_RULES.get(key)
    if len(_RULE_OF) > 65536:
        _RULE_OF.clear()
    _RULE_OF[key] = rule
    return rule


def value_problem(key: str, value: str) -> str | None:
    """Why ``value`` breaks the rules for ``key`` (Chinese reason), or None when it conforms.

    §1: only log text (a value written ``//…//``, §5) may hold non-ASCII (UTF-8) characters;
    other values are printable ASCII.  Then the field's own rule (:data:`NAME_RULES`,
    :data:`SUFFIX_RULES`).  Keys without a rule (extendable tables, §14) only get the §1 check.
    """
    if not value.startswith("//") and not (value.isascii() and value.isprintable()):
        bad = next(c for c in value if not (c.isascii() and c.isprintable()))
        return f"含有非 ASCII 或不可打印字符“{bad}”（U+{ord(bad):04X}；§1：只有日志文本 //…// 可含中文）"
    rule = rule_for(key)
    return None if rule is None else rule(value)


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
    invalid: dict[str, str] | None = None,
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
    invalid : dict, optional
        When given, every value is checked with :func:`value_problem`; a bad one is reported
        (:class:`~qingshan.hj212.errors.BadCpValue`) and, if ``report`` returns, moved here
        (key → value as received) instead of into the result: lenient mode never passes a
        value on that breaks its field's rule.

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
        if invalid is not None and key not in cp:
            why = value_problem(key, value)
            if why is not None:
                report(BadCpValue(key, value, why, position=offset(j)))
                invalid.setdefault(key, value)
                key = ""  # dropped: neither kept nor counted as a duplicate
        if not key:
            pass
        elif key in cp:
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
