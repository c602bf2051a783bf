"""The slow figures of the target and bulletin pages, cached like the air figures
(:mod:`qingshan.web.pages.figures`): the air context of a reporting date (one read of the
hours, shared by the leader view, both bulletins and the API), the tracking report and the
bulletin drafts.

A write that changes what a draft shows (a target, a manual input, the remarks, a workflow
step) calls :func:`changed`: the generation number in every key moves on, so no page shows a
draft older than the data it was built from; the context (the hours) is kept.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from qingshan.bulletin import service as bulletin_service
from qingshan.bulletin.model import Bulletin
from qingshan.core import clock
from qingshan.core.results import Result
from qingshan.targets.context import AirContext, NoUnitsError
from qingshan.targets.tracking import StatusReport, build_status
from qingshan.web.pages import figures

#: seconds a context (the hours of up to six years) is reused
TTL = 600.0
#: seconds a report or a draft is reused (ledger work also changes a draft; the generation
#: number covers the writes of these pages)
FIGURE_TTL = 120.0
_GENERATION: dict[str, int] = {}


def changed(url: str) -> None:
    """Targets, inputs, ledgers or an issue changed: drafts and reports are rebuilt on next view."""
    _GENERATION[url] = _GENERATION.get(url, 0) + 1


def _gen(url: str) -> int:
    return _GENERATION.get(url, 0)


def data_end() -> date:
    """The default reporting date: yesterday (Beijing), the last day whose hours can be complete."""
    return clock.today() - timedelta(days=1)


def context(url: str, end: date) -> AirContext:
    """The air context of ``end`` (one computation per key at a time; others wait for it)."""
    return figures.fresh_or_stale(("assess_ctx", url, end), TTL, lambda: AirContext.load(url, end))


def _status(url: str, d: date) -> StatusReport | Result:
    try:
        return build_status(url, d, ctx=context(url, d), with_trend=True)
    except NoUnitsError as exc:
        return Result(reason=str(exc))


def status(url: str, d: date, *, wait: bool = False) -> StatusReport | Result:
    """The leader view's report of day d, or a pending/empty :class:`Result`."""
    key = ("assess_status", url, d, _gen(url))
    out = figures.fresh_or_stale(key, FIGURE_TTL, lambda: _status(url, d)) if wait else \
        figures.background(key, FIGURE_TTL, lambda: _status(url, d))
    return _pending(out)


def _bulletin(url: str, kind: str, month: str) -> Bulletin | Result:
    try:
        info = bulletin_service.cli_issue(url, kind, month)
        ctx = None if info is not None and info.state != "draft" else context(url, bulletin_service.month_end(month))
        return bulletin_service.build(url, kind, month, ctx=ctx)
    except NoUnitsError as exc:
        return Result(reason=str(exc))


def bulletin(url: str, kind: str, month: str, *, wait: bool = False) -> Bulletin | Result:
    """The bulletin as the page shows it (the draft assembled now, or the frozen snapshot)."""
    key = ("bulletin", url, kind, month, _gen(url))
    out = figures.fresh_or_stale(key, FIGURE_TTL, lambda: _bulletin(url, kind, month)) if wait else \
        figures.background(key, FIGURE_TTL, lambda: _bulletin(url, kind, month))
    return _pending(out)


def _pending(out: Any):
    if out is figures.PENDING:
        return Result(reason="正在计算…", meta={"pending": True})
    if isinstance(out, str):  # a background failure, already logged
        return Result(reason=out)
    return out


__all__ = ["TTL", "bulletin", "changed", "context", "data_end", "status"]
