"""Shanxi's city-level air-quality reward and penalty (山西省城市环境空气质量改善奖惩方案).

assessment-bulletin.md §1.4 (trial 2017-10, revised 2019-01-24 [S9]; notices under the same
title reported for 2023 [S10]; ``city_money_scheme_version`` = the 2019 revision, UNCONFIRMED in
force in 2026). Amounts are 万元, exact, published with 2 decimals (§5).

* PM2.5, PM10, SO2 above the 考核基数: a difference ≤ 5 µg/m³ is charged 10万 per µg, a larger
  difference 20万 per µg; ``ug_tier_mode`` ``"marginal"`` (default: 20万 only on the excess over 5)
  or ``"whole"`` (UNCONFIRMED). The difference is of published integers; only > 0 is charged.
* SO2 at or below 30 µg/m³ is exempt since 2019 (60 before; ``so2_exemption``).
* The 考核基数 (``assessment_base``, UNCONFIRMED): ``"province_mean_same_period"`` (the mean of the
  11 cities' published values, rounded half-even to the indicator's precision, or entered as
  published) or ``"own_same_period_last_year"``.
* Composite index: ``composite_steps`` — (upper edge of the excess, 万元 per 0.1) pairs, each
  slice at its own rate, pro rata per 0.01; no default (UNCONFIRMED: must be entered).
* Rewards: entered as amounts per indicator (``reward_coefficients`` UNCONFIRMED).
* Net = Σ rewards − Σ deductions per month; 1–M月 = the sum of the monthly nets (UNCONFIRMED).
  The bulletin prints the province's published amount; the engine only checks it (E6).

References
----------
.. [1] assessment-bulletin.md §1.4, §7, E6; [S9], [S10], [S10'], [S11].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

UgTierMode = Literal["marginal", "whole"]
AssessmentBase = Literal["province_mean_same_period", "own_same_period_last_year"]

#: ≤ 5 µg at 10万 per µg, beyond at 20万 per µg (2019 revision, [S9])
UG_TIERS: tuple[tuple[int | None, Fraction], ...] = ((5, Fraction(10)), (None, Fraction(20)))
#: SO2 at or below this published mean is exempt (2019 revision; 60 before)
SO2_EXEMPTION_2019 = 30


def ug_deduction(difference: int | Fraction, *, ug_tier_mode: UgTierMode = "marginal",
                 tiers: Sequence[tuple[int | None, Fraction]] = UG_TIERS) -> Fraction:
    """Deduction (万元, positive) for a published-value difference above the base (µg/m³).

    >>> ug_deduction(7), ug_deduction(7, ug_tier_mode="whole"), ug_deduction(5)
    (Fraction(90, 1), Fraction(140, 1), Fraction(50, 1))
    """
    d = Fraction(difference)
    if d <= 0:
        return Fraction(0)
    if ug_tier_mode == "whole":
        for edge, rate in tiers:
            if edge is None or d <= edge:
                return d * rate
    if ug_tier_mode != "marginal":
        raise ValueError(f"未知的 ug_tier_mode：{ug_tier_mode!r}（可选 marginal、whole）")
    total, lower = Fraction(0), Fraction(0)
    for edge, rate in tiers:
        upper = d if edge is None else min(d, Fraction(edge))
        if upper > lower:
            total += (upper - lower) * rate
        if edge is None or d <= edge:
            break
        lower = Fraction(edge)
    return total


def pollutant_deduction(pollutant: str, value_pub: int | Fraction, base_pub: int | Fraction, *,
                        ug_tier_mode: UgTierMode = "marginal", so2_exemption: int = SO2_EXEMPTION_2019) -> Fraction:
    """Deduction for PM2.5, PM10 or SO2 (published period value vs the 考核基数)."""
    if pollutant not in ("pm25", "pm10", "so2"):
        raise ValueError(f"按微克扣缴只适用于 PM2.5、PM10、SO2，收到 {pollutant!r}")
    v = Fraction(value_pub)
    if pollutant == "so2" and v <= so2_exemption:
        return Fraction(0)
    return ug_deduction(v - Fraction(base_pub), ug_tier_mode=ug_tier_mode)


def province_mean(values: Sequence[int | Fraction | str], decimals: int) -> Fraction:
    """考核基数 under ``"province_mean_same_period"``: mean of the cities' published values,
    rounded half-even to the indicator's precision."""
    vals = [Fraction(str(v)) for v in values]
    if not vals:
        raise ValueError("计算全省平均需要至少一个城市的数值")
    return Fraction(round(sum(vals, Fraction(0)) / len(vals), decimals))


def composite_deduction(isum_pub: Fraction | str, base_pub: Fraction | str,
                        composite_steps: Sequence[tuple[Fraction | str | None, Fraction | str]] | None) -> Fraction:
    """Stepped deduction of the composite index above the base (万元).

    ``composite_steps``: (upper edge of the excess or None for the last slice, 万元 per 0.1);
    each slice at its own rate, pro rata per 0.01. UNCONFIRMED: no default; None raises.
    """
    if composite_steps is None:
        raise ValueError("综合指数扣缴的阶梯（composite_steps）未录入：省方案原文未读到，须按文件录入")
    excess = Fraction(str(isum_pub)) - Fraction(str(base_pub))
    if excess <= 0:
        return Fraction(0)
    total, lower = Fraction(0), Fraction(0)
    for edge, per_tenth in composite_steps:
        upper = excess if edge is None else min(excess, Fraction(str(edge)))
        if upper > lower:
            total += (upper - lower) * 10 * Fraction(str(per_tenth))
        if edge is None or excess <= Fraction(str(edge)):
            break
        lower = Fraction(str(edge))
    return total


def net_amount(rewards: Mapping[str, Fraction | str] | Sequence[Fraction | str],
               deductions: Mapping[str, Fraction | str] | Sequence[Fraction | str]) -> Fraction:
    """Net = Σ rewards − Σ deductions (万元, exact; E6: 10.25 + 6.34 + 17.29 − 13 = 522/25)."""
    r = rewards.values() if isinstance(rewards, Mapping) else rewards
    d = deductions.values() if isinstance(deductions, Mapping) else deductions
    return sum((Fraction(str(x)) for x in r), Fraction(0)) - sum((Fraction(str(x)) for x in d), Fraction(0))


@dataclass(frozen=True)
class AmountCheck:
    computed: Fraction
    published: Fraction
    matches: bool

    @property
    def difference(self) -> Fraction:
        return self.computed - self.published


def check_published(computed: Fraction, published: Fraction | str) -> AmountCheck:
    """The bulletin prints the province's amount; the recomputation only flags a difference
    (compared at the published precision, 0.01万元)."""
    p = Fraction(str(published))
    return AmountCheck(computed, p, Fraction(round(computed, 2)) == p)


__all__ = [
    "AmountCheck",
    "AssessmentBase",
    "SO2_EXEMPTION_2019",
    "UG_TIERS",
    "UgTierMode",
    "check_published",
    "composite_deduction",
    "net_amount",
    "pollutant_deduction",
    "province_mean",
    "ug_deduction",
]
