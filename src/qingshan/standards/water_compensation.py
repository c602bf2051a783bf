"""Surface-water section attainment and ecological compensation (地表水跨界断面生态补偿).

assessment-bulletin.md §1.5 (Shanxi's scheme since 2010, revised 2013 [S14]; the city scheme of
晋城, 晋市水防办〔2020〕5号, in E4 [S30]).

* **Attainment**: a section meets its target when its class is no worse than the target class
  (``section_target_class``); a dry (断流) or unsampled section is 未监测/缺测: no class, no
  charge, out of every denominator, and it breaks a reward run.
* **Exceedance multiple against the target class**: ``m = (C − S_t)/S_t`` with S_t the limit of
  the section's **target** class (not water.md §4's Class Ⅲ), C the monthly evaluation value
  (water.md §8: exact mean rounded once); m exact, no charge when C ≤ S_t. The tier uses the
  unrounded m (E4: 0.585).
* **Tiers** (``comp_tiers``): bounds m ≤ 0.5, (0.5, 1], (1, 5], (5, 10], > 10; amounts entered per
  scheme (province → city, city → county): the 2013 text gives only the bounds and a 50万–300万
  span (UNCONFIRMED).
* ``comp_items`` (default COD, NH3-N; UNCONFIRMED), ``comp_section_rule`` (``"max_item"``
  default: a section pays once, at the tier of its worst item; ``"sum_items"``).
* **Rewards** (``comp_rewards``, 2013, UNCONFIRMED reading): non-overlapping blocks of 3 attaining
  months counted from the first month of each unbroken run within a calendar year, paid in the
  block's third month; 12 attaining months pay the all-year reward in December on top; YoY
  from failing to meeting; a class crossed after meeting it.

Amounts are 万元 (exact Fraction).

References
----------
.. [1] assessment-bulletin.md §1.5, §7, §8 item 3–4, E4; water.md §3, §4, §8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

SectionRule = Literal["max_item", "sum_items"]

#: default ``comp_items`` (2013 scheme): 化学需氧量, 氨氮
COMP_ITEMS: tuple[str, ...] = ("cod", "nh3n")
#: water classes in order (GB 3838): 1 Ⅰ … 5 Ⅴ, 6 劣Ⅴ
CLASS_NAMES = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}


@dataclass(frozen=True)
class CompTiers:
    """Compensation tiers: upper bounds of m (the last tier open) and the amount of each (万元;
    None = not entered). ``status`` says whether the amounts come from a text that was read."""

    bounds: tuple[Fraction, ...] = (Fraction(1, 2), Fraction(1), Fraction(5), Fraction(10))
    amounts: tuple[Fraction | None, ...] = (None, None, None, None, None)
    source: str = "山西省地表水跨界断面生态补偿考核方案（2013 修订）[S14]：只读到档界与 50万—300万 的范围"
    status: str = "UNCONFIRMED"

    def __post_init__(self) -> None:
        if len(self.amounts) != len(self.bounds) + 1:
            raise ValueError("补偿档位的金额个数应比档界个数多 1")
        if list(self.bounds) != sorted(self.bounds):
            raise ValueError("补偿档界应递增")


def target_exceedance_multiple(c: Fraction | str, target_limit: Fraction | str, *, higher_is_better: bool = False
                               ) -> Fraction | None:
    """m = (C − S_t)/S_t against the target-class limit, exact; None when C meets S_t.

    ``higher_is_better`` (DO): not charged by the compensation scheme; water.md §4 computes no
    multiple for DO, pH or water temperature — callers leave them out.
    """
    if higher_is_better:
        raise ValueError("溶解氧、pH、水温不计算超标倍数（water.md §4）")
    C, S = Fraction(str(c)), Fraction(str(target_limit))
    if S <= 0:
        raise ValueError("目标类别限值应为正数")
    return (C - S) / S if C > S else None


def tier_index(m: Fraction, tiers: CompTiers) -> int:
    """0-based tier of an exact m > 0 (bounds inclusive above: 0.5 < m ≤ 1 is tier 1)."""
    for i, b in enumerate(tiers.bounds):
        if m <= b:
            return i
    return len(tiers.bounds)


def tier_amount(m: Fraction | None, tiers: CompTiers) -> Fraction:
    """Amount (万元) for one multiple; 0 when m is None (attained)."""
    if m is None:
        return Fraction(0)
    i = tier_index(m, tiers)
    a = tiers.amounts[i]
    if a is None:
        raise ValueError(f"补偿档位第 {i + 1} 档（超标倍数 {float(m):.3f}）的金额未录入（comp_tiers）")
    return Fraction(a)


def section_compensation(items: Mapping[str, tuple[Fraction | str, Fraction | str]], tiers: CompTiers, *,
                         comp_items: Sequence[str] = COMP_ITEMS, comp_section_rule: SectionRule = "max_item"
                         ) -> tuple[Fraction, dict[str, Fraction]]:
    """A section's monthly compensation: ``items`` = {item: (C, S_t)} of the assessed items.

    Returns (amount 万元, {item: exact multiple} of the charged items).
    """
    if comp_section_rule not in ("max_item", "sum_items"):
        raise ValueError(f"未知的 comp_section_rule：{comp_section_rule!r}（可选 max_item、sum_items）")
    mult = {}
    for k in comp_items:
        if k in items:
            m = target_exceedance_multiple(*items[k])
            if m is not None:
                mult[k] = m
    if not mult:
        return Fraction(0), {}
    if comp_section_rule == "max_item":
        return tier_amount(max(mult.values()), tiers), mult
    return sum((tier_amount(m, tiers) for m in mult.values()), Fraction(0)), mult


def attains(section_class: int | None, target_class: int) -> bool | None:
    """Class no worse than the target; None for 未监测/缺测 (no class)."""
    if section_class is None:
        return None
    return section_class <= target_class


@dataclass(frozen=True)
class RewardAmounts:
    """2013 reward amounts (万元) as read: 3 consecutive months 10, all year 100, YoY from failing
    to meeting 100, a class crossed after meeting 50 (the rest of the list was cut off)."""

    block_of_three: Fraction = Fraction(10)
    all_year: Fraction = Fraction(100)
    yoy_to_attained: Fraction = Fraction(100)
    class_crossed: Fraction = Fraction(50)
    status: str = "UNCONFIRMED"


def run_rewards(attained: Sequence[bool | None], amounts: RewardAmounts = RewardAmounts()) -> list[Fraction]:
    """Monthly rewards of one section over a calendar year (index 0 = January).

    Blocks of three attaining months counted from the first month of each unbroken run, paid in
    the block's third month; a None (未监测/缺测) or False breaks the run; twelve attaining months
    add the all-year reward in December.
    """
    if len(attained) > 12:
        raise ValueError("一年最多 12 个月")
    out = [Fraction(0)] * len(attained)
    run = 0
    for i, a in enumerate(attained):
        run = run + 1 if a is True else 0
        if run and run % 3 == 0:
            out[i] += amounts.block_of_three
    if len(attained) == 12 and all(a is True for a in attained):
        out[11] += amounts.all_year
    return out


def annual_rewards(prev_class: int | None, cur_class: int | None, target_class: int,
                   amounts: RewardAmounts = RewardAmounts()) -> Fraction:
    """Annual items on annual classes: failing last year → meeting this year; and, for a section
    that met its target last year, each class crossed (improved) this year (UNCONFIRMED reading)."""
    if prev_class is None or cur_class is None:
        return Fraction(0)
    total = Fraction(0)
    if prev_class > target_class >= cur_class:
        total += amounts.yoy_to_attained
    elif prev_class <= target_class and cur_class < prev_class:
        total += amounts.class_crossed * (prev_class - cur_class)
    return total


__all__ = [
    "CLASS_NAMES",
    "COMP_ITEMS",
    "CompTiers",
    "RewardAmounts",
    "SectionRule",
    "annual_rewards",
    "attains",
    "run_rewards",
    "section_compensation",
    "target_exceedance_multiple",
    "tier_amount",
    "tier_index",
]
