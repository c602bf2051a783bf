"""Every setting of an air evaluation in one frozen, documented object.

:func:`qingshan.air.evaluation.evaluate` takes an :class:`EvaluationSettings` instead of some thirty
keywords; the CLI (``qingshan air report``), the pages, the API and the demo build theirs from
the same presets, so the same question gets the same answer everywhere.

Presets
-------
:data:`DEFAULT`
    The specification's defaults (air-evaluation.md §12): limits and ranking denominators of
    the stage in force at the period end, each daily AQI under its own day's edition, the
    change rate against the same period last year with the base period's own stage.
:data:`STAGE2_TODAY`
    Today's air judged by the final GB 3095—2026 limits (stage 2, in force nationwide from
    2031-01-01) with every daily AQI under HJ 633—2026: "how far are we from 2031?".
:func:`fully_under`
    The edition switch of the pages and ``--edition`` of the CLI: one edition for everything
    (limits, S_i and every daily AQI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan.standards import city_ranking, city_series, gb3095, hj663
from qingshan.standards.editions import LimitStage, edition_of_stage, parse_stage, stage_for_day


@dataclass(frozen=True)
class EvaluationSettings:
    """Settings of :func:`qingshan.air.evaluation.evaluate` (air-evaluation.md §0, §12).

    Editions (§0)
    -------------
    stage : {"2012", "2026-1", "2026-2"}, optional
        Limits and ranking denominators S_i only (§0 (b)); default the stage in force at the
        period end (``straddle_limits``). It does **not** change the edition of the daily AQIs.
    aqi_edition : {"2012", "2026"}, optional
        Fixes the HJ 633 edition of every daily AQI (and so the good-days ratio). Default None:
        each daily AQI follows ``straddle_daily_aqi`` (§0 (a)).
    straddle_limits : {"period_end", …}
        Stage of a period that straddles 2026-03-01 (UNCONFIRMED, §0 (b)); see
        :func:`qingshan.standards.city_ranking.stage_for_period`.
    straddle_daily_aqi : {"own_day", "period_end"}
        Edition of each daily AQI without ``aqi_edition`` (UNCONFIRMED, §0 (a)).
    change_base_stage : {"own", "current"}
        Stage of the base period (same period last year) of the change rate. ``"own"`` (the
        spec: §0 (b), §9 Step 5 — a 2025 base divides by the 2012 S_i; with an explicit
        ``stage`` both periods use it). ``"current"`` is a **project addition**: the base is
        re-evaluated with the current stage so ΔI measures the air, not the change of S_i
        (air-2026-revision.md §4).

    Stations and daily series (§3, §4, §7; :func:`qingshan.standards.city_series.city_daily`)
    ------------------------------------------------------------------------------------
    station_list, include_control, kinds, city_min_valid_stations, city_o3_method,
    mda8_exception_limit, daily_include_o3_1h, round_before_iaqi.

    Period evaluation (§6, §8, §10; :mod:`qingshan.standards.hj663`)
    ----------------------------------------------------------------
    grade (limit class, 2), period_validity, annual_requires_percentile, dust_days,
    dust_exclusion, exceptional_days, exceptional_events, precision,
    three_year_moving_average (**UNCONFIRMED** — HJ 663—2026 text not obtained; calendar years
    only, adds ``<stat>_3y``).

    Ranking (§9; :mod:`qingshan.standards.city_ranking`)
    ----------------------------------------------------
    compare_last_year, weights, ranking_denominators, change_rate_input,
    deterioration_requires_increase.
    """

    stage: LimitStage | None = None
    aqi_edition: Literal["2012", "2026"] | None = None
    straddle_limits: city_ranking.StraddleLimits = "period_end"
    straddle_daily_aqi: city_ranking.StraddleDailyAqi = "own_day"
    change_base_stage: Literal["own", "current"] = "own"
    # stations and daily series
    station_list: Sequence[str] | None = None
    include_control: bool = False
    kinds: Sequence[str] | Literal["all"] | None = None
    city_min_valid_stations: int = 1
    city_o3_method: city_series.CityO3Method = "series"
    mda8_exception_limit: int = 160
    daily_include_o3_1h: bool = True
    round_before_iaqi: bool = True
    # period evaluation
    grade: int = 2
    period_validity: gb3095.PeriodValidity = "monthly_minimum"
    annual_requires_percentile: bool = True
    dust_days: pl.DataFrame | None = None
    dust_exclusion: hj663.DustExclusion = "none"
    exceptional_days: pl.DataFrame | None = None
    exceptional_events: hj663.DustExclusion = "none"
    precision: Mapping[str, int] | None = None
    three_year_moving_average: bool = False
    # ranking
    compare_last_year: bool = True
    weights: Mapping[str, int | Fraction] | None = None
    ranking_denominators: Mapping[str, Mapping[str, int | Fraction | str]] | None = None
    change_rate_input: city_ranking.ChangeRateInput = "published"
    deterioration_requires_increase: bool = True

    def __post_init__(self) -> None:
        if self.stage is not None:
            object.__setattr__(self, "stage", parse_stage(self.stage))
        if self.aqi_edition is not None:
            edition = str(self.aqi_edition).strip()
            if edition not in ("2012", "2026"):
                raise ValueError(f"未知的 aqi_edition：{self.aqi_edition!r}（可选 2012、2026）")
            object.__setattr__(self, "aqi_edition", edition)
        if self.straddle_daily_aqi not in ("own_day", "period_end"):
            raise ValueError(f"未知的 straddle_daily_aqi：{self.straddle_daily_aqi!r}（可选 own_day、period_end）")
        if self.change_base_stage not in ("own", "current"):
            raise ValueError(f"未知的 change_base_stage：{self.change_base_stage!r}（可选 own、current）")

    def with_(self, **changes) -> EvaluationSettings:
        """A copy with some settings changed (unknown names raise ``TypeError``)."""
        return replace(self, **changes)

    @property
    def fixed(self) -> bool:
        """Whether one edition was chosen for everything (see :func:`fully_under`)."""
        return self.stage is not None and self.aqi_edition is not None


DEFAULT = EvaluationSettings()
STAGE2_TODAY = EvaluationSettings(stage="2026-2", aqi_edition="2026")
PRESETS: dict[str, EvaluationSettings] = {"default": DEFAULT, "stage2-today": STAGE2_TODAY}


def resolve_stage(edition: str | None, end: date) -> LimitStage | None:
    """An edition switch value → limit stage: None → by date; ``2026`` → the GB 3095—2026 stage
    in force at ``end`` (stage 1 before 2031); ``2012``/``2026-1``/``2026-2`` as given."""
    if edition is None or str(edition).strip() == "":
        return None
    e = str(edition).strip()
    if e == "2026":
        s = stage_for_day(end)
        return "2026-1" if s == "2012" else s
    return parse_stage(e)


def fully_under(edition: str | None, end: date, base: EvaluationSettings = DEFAULT) -> EvaluationSettings:
    """``base`` evaluated wholly under ``edition`` (limits, S_i **and** every daily AQI), as the
    edition switch and ``qingshan air report --edition`` ask; ``None`` keeps ``base`` (by date)."""
    stage = resolve_stage(edition, end)
    if stage is None:
        return base
    return base.with_(stage=stage, aqi_edition=edition_of_stage(stage))
