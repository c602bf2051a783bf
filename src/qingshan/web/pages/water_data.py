"""What the water pages and the water API share: the store per database, the evaluation period of
a request, and the cached figures.

The report (:func:`qingshan.water.report.build_report`) and the month × section grid read a year
of observations; pages get them from :func:`qingshan.web.pages.figures.background` (computed off
the request thread, the page polls), the API from the same cache (:func:`report_now`). Every write
through the web calls :func:`changed`, which is part of every cache key: this process recomputes
at once; other processes within :data:`TTL`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qingshan.core import clock
from qingshan.core.results import Result
from qingshan.store.models_air import Division
from qingshan.water import queries
from qingshan.water.report import WaterReport, build_report
from qingshan.water.store import WaterStore
from qingshan.web.pages import figures

#: What a section code in a URL may be (the registry refuses blanks, / \ ? # % and control characters)
CODE_PATTERN = r"^[^\x00-\x1f\x7f/\\?#%\s]+$"
#: Seconds a water report/grid is reused (data arrive monthly; writes here recompute at once).
TTL = 300.0
_GENERATION = [0]
_STORES: dict[str, WaterStore] = {}


def store_for(url: str) -> WaterStore:
    """One store (engine) per database, shared by the water pages and API."""
    st = _STORES.get(url)
    if st is None:
        st = _STORES[url] = WaterStore(url, auto_migrate=False)
    return st


def close_stores() -> None:
    """Dispose the stores' engines (tests that drop their database)."""
    for st in _STORES.values():
        st.close()
    _STORES.clear()


def changed() -> None:
    """A write through the web: cached water figures of this process are stale."""
    _GENERATION[0] += 1


def is_cumulative(scope: str, month: int) -> bool:
    """1—N月 is evaluated as a cumulative period (``ytd``), also 1—3月; 1—12月 is the year."""
    return scope == "ytd" and month < 12


def period(year: int | None, month: int | None, scope: str) -> tuple[int, int, date, date]:
    """(year, month, start, end) of 1—N月 (``ytd``) or of month N (``month``); by default the last
    complete month (in January: December of last year)."""
    today = clock.today()
    y = year or today.year
    if month is None:
        month = today.month - 1 if y == today.year else 12
        if month == 0:
            y, month = y - 1, 12
    end = date(y + (month == 12), month % 12 + 1, 1)
    start = date(y, 1, 1) if scope == "ytd" else date(y, month, 1)
    return y, month, start, end


def county_names(url: str) -> dict[str, str]:
    """GB/T 2260 code → name from the store's divisions table (reused ten minutes)."""

    def load() -> dict[str, str]:
        with store_for(url).engine.connect() as conn:
            return {c: n for c, n in conn.execute(select(Division.code, Division.name))}

    return figures.fresh_or_stale(("water-divisions", url), 600.0, load)


def _report_key(url: str, start: date, end: date, cumulative: bool) -> tuple:
    return ("water-report", url, start, end, cumulative, _GENERATION[0])


def _build(url: str, start: date, end: date, cumulative: bool) -> WaterReport:
    return build_report(store_for(url), start, end, county_names=county_names(url), cumulative=cumulative)


def _pending_or(out) -> Result | None:
    if out is figures.PENDING:
        return Result(reason="正在计算…", meta={"pending": True})
    if isinstance(out, str):
        return Result(reason=out)
    return None


def report(url: str, start: date, end: date, cumulative: bool = False) -> WaterReport | Result:
    """The report of ``[start, end)`` for a page, or a pending/empty Result."""
    out = figures.background(_report_key(url, start, end, cumulative), TTL, lambda: _build(url, start, end, cumulative))
    waiting = _pending_or(out)
    return out if waiting is None else waiting


def report_now(url: str, start: date, end: date, cumulative: bool = False) -> WaterReport:
    """The report of ``[start, end)`` computed in this request when not cached (the API)."""
    key = _report_key(url, start, end, cumulative)
    out = figures.fresh_or_stale(key, TTL, lambda: _build(url, start, end, cumulative))
    return out if isinstance(out, WaterReport) else _build(url, start, end, cumulative)


def grid(url: str, year: int, month: int) -> dict | Result:
    """Month × section classes of ``year`` up to ``month`` for a page, or a pending/empty Result."""
    out = figures.background(("water-grid", url, year, month, _GENERATION[0]), TTL,
                             lambda: queries.class_grid(store_for(url), year, month, county_names=county_names(url)))
    waiting = _pending_or(out)
    return out if waiting is None else waiting


def portal_panel(url: str, *, wait: bool = False) -> dict:
    """The public water panel: the report of the latest month with data before this month
    (``wait``: computed in this request when not cached, for the API)."""
    first = queries.latest_month(store_for(url), clock.today().replace(day=1))
    if first is None:
        return {"report": None, "reason": "尚无地表水监测数据"}
    start, end = queries.month_range(first)
    rep = report_now(url, start, end) if wait else report(url, start, end)
    if isinstance(rep, Result):
        return {"report": None, "reason": rep.reason, "pending": bool(rep.meta.get("pending"))}
    return {"report": rep, "reason": ""}
