"""Public air-quality API.

>>> from qingshan.air import realtime_aqi, daily_aqi, evaluate, build_report, EvaluationSettings

The AQI functions live in :mod:`qingshan.standards.hj633`; the evaluation chain in
:mod:`qingshan.air.evaluation` with its settings in :mod:`qingshan.air.settings`; the one report
builder in :mod:`qingshan.air.report`; the read side (store → pages, API, CLI) in
:mod:`qingshan.air.queries`.
"""

from __future__ import annotations

from qingshan.air.evaluation import Evaluation, daily_series, evaluate, evaluate_daily, published_table, rank_counties
from qingshan.air.report import Report, build_report
from qingshan.air.settings import DEFAULT, PRESETS, STAGE2_TODAY, EvaluationSettings, fully_under
from qingshan.standards.hj633 import daily_aqi, iaqi, realtime_aqi

__all__ = [
    "DEFAULT",
    "PRESETS",
    "STAGE2_TODAY",
    "Evaluation",
    "EvaluationSettings",
    "Report",
    "build_report",
    "daily_aqi",
    "daily_series",
    "evaluate",
    "evaluate_daily",
    "fully_under",
    "iaqi",
    "published_table",
    "rank_counties",
    "realtime_aqi",
]
