"""The one clock: Beijing time, "today" of the bureau, and the one loose-date parser.

Deadlines, reports and pages speak in calendar days of China Standard Time (UTC+8, no DST);
timestamps are stored as UTC. Every "now" and "today" in the package comes from here, so tests
can freeze it (:func:`frozen`) and a page computed at 23:59 UTC is not a day early.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

#: China Standard Time. A fixed offset: China has observed no daylight saving since 1991.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_source: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731 - replaced by frozen()
_lock = threading.Lock()


def now_utc() -> datetime:
    """Now, timezone-aware UTC (what the database stores)."""
    return _source().astimezone(timezone.utc)


def now_local() -> datetime:
    """Now in Beijing time, timezone-aware."""
    return _source().astimezone(BEIJING)


def today() -> date:
    """Today's calendar day in Beijing (deadlines, 1—N月 periods, "overdue")."""
    return now_local().date()


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as aware UTC (SQLite hands back naive values; everything stored is UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def to_local(value: datetime | str | None) -> datetime | None:
    """A stored UTC timestamp (aware, naive-UTC or ISO text) in Beijing time; None stays None."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value).astimezone(BEIJING)


def local_text(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``to_local`` formatted for people ("" for no value; unparsable text is shown as it is)."""
    try:
        local = to_local(value)
    except ValueError:
        return str(value)
    return "" if local is None else local.strftime(fmt)


_LOOSE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(value: Any) -> date:
    """A calendar date from a form, an API body or an Excel cell.

    Accepts ``date``/``datetime`` objects and the ways bureaus write dates: ``2024-06-30``,
    ``2024/6/30``, ``2024.6.30``, ``2024年6月30日``. Raises ``ValueError`` with a Chinese message.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = _LOOSE_DATE.fullmatch(text)
    if not m:
        raise ValueError("日期格式应为 YYYY-MM-DD（如 2024-06-30）或 2024年6月30日")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"「{text}」不是有效日期") from None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock at ``at`` (naive = Beijing time) for the duration of the block (tests).

    Process-wide: threads (the web server of the browser tests, background computations) see
    the frozen time too.
    """
    global _source
    fixed = at if at.tzinfo is not None else at.replace(tzinfo=BEIJING)
    with _lock:
        previous = _source
        _source = lambda: fixed  # noqa: E731
    try:
        yield
    finally:
        with _lock:
            _source = previous
