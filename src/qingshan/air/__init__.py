"""Public air-quality API.

>>> from qingshan.air import realtime_aqi, daily_aqi, evaluate

The functions live in the standards modules (:mod:`qingshan.standards.hj633` and friends) and in
:mod:`qingshan.air.evaluation`; they are imported on first use so that importing this package stays
cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "realtime_aqi": "qingshan.standards.hj633",
    "daily_aqi": "qingshan.standards.hj633",
    "iaqi": "qingshan.standards.hj633",
    "evaluate": "qingshan.air.evaluation",
    "evaluate_daily": "qingshan.air.evaluation",
    "daily_series": "qingshan.air.evaluation",
    "rank_counties": "qingshan.air.evaluation",
    "period_evaluation": "qingshan.air.evaluation",
    "county_ranking": "qingshan.air.evaluation",
    "published_table": "qingshan.air.evaluation",
    "build_report": "qingshan.air.report_cli",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qingshan.air' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
