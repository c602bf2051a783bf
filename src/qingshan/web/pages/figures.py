"""The air figures the pages show, cached and (when slow) computed in the background.

The figures themselves come from :mod:`qingshan.air.queries` (which calls the one report builder
:func:`qingshan.air.report.build_report`); this module only decides how long a page may reuse
them and keeps slow ones off the request thread:

* the latest-hour table and the registry are reused for a minute, refreshed by one request
  while the others get the previous value (no stampede when a popular entry expires);
* a 1—N月 evaluation and a year calendar read up to two years of hours (seconds on SQLite):
  the page renders at once and says "正在计算…", htmx polls the fragment, one background thread
  per key computes it; results are kept 10 minutes, the hourly frames 2 minutes (shared by the
  calendar, the evaluation and the edition switch).

:data:`INLINE` = True computes in the request (tests); :func:`settle` waits for the threads in
flight (scripts, the benchmark).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from qingshan.air import queries
from qingshan.air.report import Report
from qingshan.air.settings import fully_under
from qingshan.core.labels import STAGE_SHORT
from qingshan.core.results import Result

log = logging.getLogger(__name__)

#: Limit regimes offered by the edition switch (GB 3095—2012; GB 3095—2026 stage 1 / stage 2).
STAGES: dict[str, str] = STAGE_SHORT
#: Seconds the latest-hour table is reused (data arrive hourly; every page shows it).
AIR_NOW_TTL = 60.0
#: Compute slow figures in the request thread instead of in the background (tests, scripts).
INLINE = False
PENDING = object()

_CACHE: dict[Any, tuple[float, Any]] = {}
_KEY_LOCKS: dict[Any, threading.Lock] = {}
_RUNNING: dict[Any, threading.Thread] = {}
_LOCK = threading.Lock()


def parse_stage(value: str | None) -> str | None:
    """Edition switch value: ``2012``, ``2026-1``, ``2026-2`` or None (by the data's date)."""
    return value if value in STAGES else None


def cached(key: Any, ttl: float, compute: Any) -> Any:
    """The value of ``key`` if younger than ``ttl`` seconds, else ``compute()`` (and keep it)."""
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (now, value)
    return value


def fresh_or_stale(key: Any, ttl: float, compute: Any) -> Any:
    """Like :func:`cached`, one computation per key at a time: while a value is refreshed, other
    requests get the previous one; only the very first request of a key waits for it."""
    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    with _LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    if hit is not None:
        if not lock.acquire(blocking=False):
            return hit[1]  # someone is refreshing it
    else:
        lock.acquire()
    try:
        hit = _CACHE.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]
        value = compute()
        _CACHE[key] = (time.monotonic(), value)
        return value
    finally:
        lock.release()


def background(key: Any, ttl: float, compute: Any) -> Any:
    """The cached value of ``key``, or :data:`PENDING` while a background thread computes it."""
    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    if INLINE:
        return cached(key, ttl, compute)

    def run() -> None:
        try:
            value = compute()
        except Exception as exc:  # noqa: BLE001 - a thread has no caller to raise to: log and show it
            log.exception("background computation %s failed", key)
            value = f"计算出错（{type(exc).__name__}），详见服务器日志"
        _CACHE[key] = (time.monotonic(), value)
        with _LOCK:
            _RUNNING.pop(key, None)

    with _LOCK:
        if key not in _RUNNING:
            t = threading.Thread(target=run, name=f"qingshan-pages-{key[0]}", daemon=True)
            _RUNNING[key] = t
            t.start()
    return PENDING


def settle(timeout: float = 60.0) -> None:
    """Wait for the background computations in flight (for scripts)."""
    deadline = time.monotonic() + timeout
    while True:
        with _LOCK:
            threads = list(_RUNNING.values())
        if not threads:
            return
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            return


def clear_cache() -> None:
    _CACHE.clear()


class CachedAirData(queries.AirData):
    """:class:`~qingshan.air.queries.AirData` whose registry (60 s) and hourly frames (120 s)
    are shared between requests."""

    def registry(self) -> pl.DataFrame:
        return fresh_or_stale(("registry", self.url), 60.0, super().registry)

    def hourly(self, codes: list[str] | None, start: date, end: date) -> pl.DataFrame:
        key = ("hourly", self.url, tuple(codes) if codes else None, start, end)
        return cached(key, 120.0, lambda: super(CachedAirData, self).hourly(codes, start, end))


_DATA: dict[str, CachedAirData] = {}


def air_data(url: str) -> CachedAirData:
    data = _DATA.get(url)
    if data is None:
        data = _DATA[url] = CachedAirData(url)
    return data


def _pending(out: Any) -> Result | None:
    if out is PENDING:
        return Result(reason="正在计算…", meta={"pending": True})
    if isinstance(out, str):
        return Result(reason=out)
    return None


def stations(url: str) -> Result:
    return queries.stations(air_data(url))


#: Observation sources that are synthetic demo values (``qingshan.demo.synthetic.SOURCE``; the web
#: sits below the demo and cannot import it — tests/web/browser/test_pages.py checks they agree).
DEMO_SOURCES = ("synthetic-demo",)


def _air_now(url: str) -> Result:
    now = queries.air_now(air_data(url))
    if now.rows:
        times = [r["time"] for r in now.rows]
        counts = air_data(url).store.counts(start=min(times), end=max(times), sources=list(DEMO_SOURCES))
        demo = set(counts["station_code"].to_list()) if not counts.is_empty() else set()
        for r in now.rows:
            r["demo"] = r["code"] in demo
        now.meta["demo"] = bool(demo)
        now.meta["demo_note"] = ("演示数据：以下数值由系统合成，用于演示，不是监测结果；站点名称与位置为真实站点。"
                                 if demo else "")
    return now


def air_now(url: str) -> Result:
    """The latest hour of every station; rows whose values are synthetic demo values carry
    ``demo`` = True and ``meta["demo"]`` says so for the page (TEAM rule 7: labelled wherever shown)."""
    return fresh_or_stale(("air_now", url), AIR_NOW_TTL, lambda: _air_now(url))


def hourly_series(url: str, codes: list[str] | None, hours: int = 72) -> Result:
    return queries.hourly_series(air_data(url), codes, hours)


def daily_aqi(url: str, codes: list[str] | None, start: date, end: date, stage: str | None = None,
              *, group: str | None = None, area: str | None = None) -> Result:
    settings = fully_under(stage, end)
    key = ("daily", url, tuple(codes) if codes else None, start, end, settings.aqi_edition, group, area)
    out = background(key, 600.0, lambda: queries.daily_aqi(air_data(url), codes, start, end, settings,
                                                          group=group, area=area))
    waiting = _pending(out)
    return out if waiting is None else waiting


def report(url: str, year: int, month_to: int, stage: str | None) -> Report | Result:
    """The 1—N月 report (city and counties) under the edition switch, or a pending/empty Result."""
    start, end = queries.ytd(year, month_to)
    settings = fully_under(stage, end)
    out = background(("evaluation", url, start, end, stage), 600.0,
                     lambda: queries.period_report(air_data(url), year, month_to, settings))
    waiting = _pending(out)
    return out if waiting is None else waiting


def period_evaluation(url: str, year: int, month_to: int, stage: str | None = None, county: str | None = None,
                      home: Path | None = None) -> Result:
    """The 1—N月 table of the city (with this year's targets from ``home``) or of a county."""
    rep = report(url, year, month_to, stage)
    if isinstance(rep, Result):
        return rep
    targets = queries.air_targets(year, home) if home is not None and county is None else {}
    return queries.period_rows(rep, county, targets)


def county_ranking(url: str, year: int, month_to: int, stage: str | None = None) -> Result:
    rep = report(url, year, month_to, stage)
    if isinstance(rep, Result):
        return rep
    synthetic = any("演示" in (s["name"] or "") for s in stations(url).rows)
    return queries.county_rows(rep, synthetic_note=synthetic)
