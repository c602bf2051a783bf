"""Hour stamps as bureaus write them → T, the end of the averaging hour (air-evaluation.md §3).

Accepted: ``2022-01-02 09:00[:00]``, ``2022-01-02T09:00:00``, ``2022/1/2 9:00``,
``2022年1月2日9时``, ``20220102090000``, ``2022-01-02 24:00`` (= next day 00:00, HJ 663's
"24时") and spreadsheet date-time cells. A stamp must be on the full hour. With
``hour_label="start"`` the stamp is the start of the hour and T = stamp + 1 h.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_PATTERNS = (
    re.compile(
        r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
        r"(?:[ T]*(?P<H>\d{1,2})(?:[:时点](?P<M>\d{1,2})?(?:[:分](?P<S>\d{1,2}(?:\.\d+)?)?秒?)?)?)?$"
    ),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})?(?P<S>\d{2})?$"),
)


class TimeParseError(ValueError):
    pass


def parse_hour(value, hour_label: str = "end") -> datetime:
    """One stamp → T (naive, Beijing time). Raises :class:`TimeParseError` (Chinese message)."""
    if hour_label not in ("end", "start"):
        raise ValueError("hour_label must be 'end' or 'start'")
    if isinstance(value, datetime):
        t = value.replace(tzinfo=None)
        if t.minute or t.second or t.microsecond:
            raise TimeParseError(f"时间不是整点：{t:%Y-%m-%d %H:%M:%S}")
    elif isinstance(value, date):
        raise TimeParseError(f"只有日期没有小时：{value:%Y-%m-%d}")
    else:
        text = str(value or "").strip()
        if not text:
            raise TimeParseError("时间为空")
        m = next((p.match(text) for p in _PATTERNS if p.match(text)), None)
        if m is None:
            raise TimeParseError(f"无法识别的时间：「{text}」")
        g = m.groupdict()
        if g["H"] is None:
            raise TimeParseError(f"只有日期没有小时：「{text}」")
        hour = int(g["H"])
        minute = int(g["M"] or 0)
        second = float(g["S"] or 0)
        if minute or second:
            raise TimeParseError(f"时间不是整点：「{text}」")
        try:
            day = datetime(int(g["y"]), int(g["m"]), int(g["d"]))
        except ValueError:
            raise TimeParseError(f"日期不存在：「{text}」") from None
        if hour > 24:
            raise TimeParseError(f"小时超出范围：「{text}」")
        t = day + timedelta(hours=hour)  # hour 24 = next day 00:00
    return t + timedelta(hours=1) if hour_label == "start" else t
