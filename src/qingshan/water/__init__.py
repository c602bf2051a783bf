"""Surface water (地表水): sections, observations, evaluation, CWQI, reports.

>>> from qingshan.water import classify
>>> classify(frame, water_body="river")          # doctest: +SKIP

The computations are in :mod:`qingshan.standards` (``gb3838``, ``water_statistics``,
``water_evaluation``, ``water_trophic``, ``cwqi``); this package holds the domain: the section
registry (:mod:`.registry`), the store (:mod:`.store`), importers (:mod:`.importer`,
:mod:`.cnemc`, :mod:`.lab`, :mod:`.hj212`), period evaluation (:mod:`.evaluation`), the one
report builder (:mod:`.report`), the rectification evidence (:mod:`.evidence`) and the CLI.
"""

from __future__ import annotations

from qingshan.standards.water_evaluation import SectionResult, classify, evaluate_section
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings

__all__ = ["DEFAULT_SETTINGS", "SectionResult", "WaterSettings", "classify", "evaluate_section"]
