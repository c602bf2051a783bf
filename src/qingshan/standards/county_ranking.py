"""Ranking a set of county-level units on one indicator, with ties and the top/bottom-N lists.

Implements assessment-bulletin.md §1.2 (the algorithm behind Shanxi's monthly county ranking,
§1.1, and the best/worst lists of a prefecture's bulletin, §4.2):

1. a unit is *rankable* when every statistic its published value is built from is valid
   (air-evaluation.md §4.3); the caller passes ``None`` for an unrankable unit;
2. rankable units get competition ranks (1, 2, 2, 4) on the **published** value;
3. unrankable units (``unrankable_policy``, default ``"last"``, UNCONFIRMED beyond the 2018
   statement [S5]) all share rank n_rankable + 1 and are flagged 数据不足 (``"exclude"``: no rank,
   and they do not count in n);
4. a tie group of rank r with k members occupies positions r … r+k−1;
5. top-N list: every group with r ≤ N, best first;
6. bottom-N list: every group whose last position r+k−1 ≥ n−N+1, worst first, leaving out the
   groups already in the top list; both lists may exceed N names (E5);
7. reference comparison: 好于/差于/与…持平 the reference value (``unit_average_reference``,
   default ``"city_value"``; ``"unit_mean"``: the mean of the rankable units' published values,
   rounded half-even to the indicator's precision; UNCONFIRMED).

Values are exact (``Fraction``); ``higher_is_better`` is True for the good-days ratio only.
Inside a tie group names follow the input order (the ``units`` display order).

Project choice (not in the spec): unrankable units are never listed in the **top** list; under
``"last"`` they can appear in the bottom list, as the 2018 rule treats them as the worst.

References
----------
.. [1] assessment-bulletin.md §1.1, §1.2, §4.2, E5; Shanxi county rankings 2019-09 [S4] and
       2020-06 [S3]; the 2018 data-quality rule [S5].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

UnrankablePolicy = Literal["last", "exclude"]
AverageReference = Literal["city_value", "unit_mean"]

#: flag of an unrankable unit (§1.2 rule 3, §4.2 formats)
INSUFFICIENT = "数据不足"


@dataclass(frozen=True)
class Ranked:
    """One unit's place: ``rank`` None only under ``"exclude"`` for an unrankable unit."""

    code: str
    value: Fraction | None
    rank: int | None
    rankable: bool

    @property
    def flag(self) -> str | None:
        return None if self.rankable else INSUFFICIENT


@dataclass(frozen=True)
class TieGroup:
    """Units sharing one rank; ``members`` in display order."""

    rank: int
    members: tuple[str, ...]
    rankable: bool = True

    @property
    def last_position(self) -> int:
        return self.rank + len(self.members) - 1


def _check_policy(unrankable_policy: str) -> None:
    if unrankable_policy not in ("last", "exclude"):
        raise ValueError(f"未知的 unrankable_policy：{unrankable_policy!r}（可选 last、exclude）")


def rank_units(
    values: Mapping[str, Fraction | int | str | None],
    *,
    higher_is_better: bool = False,
    unrankable_policy: UnrankablePolicy = "last",
) -> list[Ranked]:
    """Competition ranks of ``values`` (published values; ``None`` = unrankable), §1.2 rules 1–3.

    Parameters
    ----------
    values : mapping code → published value, in display order
        Composite index, PM2.5, ΔI ascending; the good-days ratio with ``higher_is_better``.
    unrankable_policy : {"last", "exclude"}
        ``"last"`` (default): unrankable units share rank n_rankable + 1; ``"exclude"``: no rank.

    Returns
    -------
    list of :class:`Ranked`, in the input (display) order.
    """
    _check_policy(unrankable_policy)
    vals = {str(k): (None if v is None else Fraction(str(v)) if not isinstance(v, Fraction) else v)
            for k, v in values.items()}
    ok = [v for v in vals.values() if v is not None]
    out = []
    for code, v in vals.items():
        if v is None:
            rank = len(ok) + 1 if unrankable_policy == "last" else None
            out.append(Ranked(code, None, rank, False))
            continue
        better = sum(1 for w in ok if (w > v if higher_is_better else w < v))
        out.append(Ranked(code, v, better + 1, True))
    return out


def tie_groups(ranked: Sequence[Ranked]) -> list[TieGroup]:
    """Groups of equal rank, best first; members in display order (unranked units left out)."""
    by_rank: dict[tuple[int, bool], list[str]] = {}
    for r in ranked:
        if r.rank is not None:
            by_rank.setdefault((r.rank, r.rankable), []).append(r.code)
    return [TieGroup(rank, tuple(m), ok) for (rank, ok), m in sorted(by_rank.items(), key=lambda kv: kv[0][0])]


def counted(ranked: Sequence[Ranked]) -> int:
    """n of rule 6: every unit under ``"last"`` (all have a rank), the rankable ones otherwise."""
    return sum(1 for r in ranked if r.rank is not None)


def top_bottom(ranked: Sequence[Ranked], top_n: int = 10, bottom_n: int | None = None
               ) -> tuple[list[TieGroup], list[TieGroup]]:
    """Top-N and bottom-N lists with ties (§1.2 rules 4–6; E5).

    ``top_n``/``bottom_n`` (§7): 10 for the provincial list, 3 in a prefecture's bulletin text.
    Returns (top groups best first, bottom groups worst first).
    """
    bottom_n = top_n if bottom_n is None else bottom_n
    if top_n < 0 or bottom_n < 0:
        raise ValueError("top_n、bottom_n 不能为负数")
    groups = tie_groups(ranked)
    n = counted(ranked)
    top = [g for g in groups if g.rankable and g.rank <= top_n]
    bottom = [g for g in reversed(groups) if g.last_position >= n - bottom_n + 1 and g not in top]
    return top, bottom


def reference_value(
    ranked: Sequence[Ranked],
    city_value: Fraction | None,
    *,
    decimals: int,
    unit_average_reference: AverageReference = "city_value",
) -> Fraction | None:
    """The reference of rule 7: the city's published value (default) or the mean of the rankable
    units' published values rounded half-even to ``decimals`` (``"unit_mean"``; UNCONFIRMED)."""
    if unit_average_reference == "city_value":
        return city_value
    if unit_average_reference != "unit_mean":
        raise ValueError(f"未知的 unit_average_reference：{unit_average_reference!r}（可选 city_value、unit_mean）")
    vals = [r.value for r in ranked if r.rankable and r.value is not None]
    if not vals:
        return None
    return Fraction(round(sum(vals, Fraction(0)) / len(vals), decimals))


@dataclass(frozen=True)
class Comparison:
    better: tuple[str, ...]
    worse: tuple[str, ...]
    equal: tuple[str, ...]


def compare_to_reference(ranked: Sequence[Ranked], reference: Fraction | None, *,
                         higher_is_better: bool = False) -> Comparison:
    """Units 好于 / 差于 / 与…持平 the reference (rule 7), each in display order; unrankable
    units and a missing reference give no comparison."""
    better, worse, equal = [], [], []
    if reference is None:
        return Comparison((), (), ())
    for r in ranked:
        if not r.rankable or r.value is None:
            continue
        if r.value == reference:
            equal.append(r.code)
        elif (r.value > reference) == higher_is_better:
            better.append(r.code)
        else:
            worse.append(r.code)
    return Comparison(tuple(better), tuple(worse), tuple(equal))


__all__ = [
    "INSUFFICIENT",
    "AverageReference",
    "Comparison",
    "Ranked",
    "TieGroup",
    "UnrankablePolicy",
    "compare_to_reference",
    "counted",
    "rank_units",
    "reference_value",
    "tie_groups",
    "top_bottom",
]
