"""Status plus improvement score (现状 + 改善) of county-level units, and the money linked to it.

assessment-bulletin.md §1.3, the scheme of Taiyuan's 2019 county ranking ([S6], [S7]):
``Z = 0.16·A + 0.24·B + 0.24·C + 0.36·D`` — A the composite-index status, B its improvement
(ΔI), C the PM10 status, D the PM10 change rate; monthly +100/+80万元 to the first two and
−100/−50/−30万元 to the last three.

Generic form: ``Z_u = Σ_j (w_j/100) · s_j(u)`` over components j = (indicator, kind), kind
``status`` (the published period value) or ``improvement`` (the published change rate in %,
computed from published values and published with 1 decimal, :func:`change_rate`).

Settings (§7; all keyword parameters with the spec's defaults):

* ``score_weights`` — default :data:`TAIYUAN_2019` (16/24/24/36; UNCONFIRMED for Datong); Σ = 100;
* ``subscore_method`` — ``"minmax"`` (default, UNCONFIRMED) or ``"rank"``;
* ``score_decimals`` — 2 (UNCONFIRMED); Z is ranked on its published value;
* ``rank_money`` — :data:`RANK_MONEY_TAIYUAN_2019` (rewards by place from the top, penalties by
  place from the bottom, 万元);
* ``tie_money`` — ``"each_full"`` (default, UNCONFIRMED) or ``"split"``;
* ``unrankable_policy`` — as §1.2: ``"last"`` (the unit takes the bottom positions for money) or
  ``"exclude"`` (no money).

A unit is rankable for Z only if it is rankable on every component; otherwise s_j = 0 for every
j and it is left out of every min and max.

References
----------
.. [1] assessment-bulletin.md §1.3, §5 (precision), §7, E1.
.. [2] 太原环境空气质量改善奖惩方案 (2019) [S6]; 7月环境空气质量改善奖惩结果 [S7].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from qingshan.standards.county_ranking import UnrankablePolicy

SubscoreMethod = Literal["minmax", "rank"]
TieMoney = Literal["each_full", "split"]


@dataclass(frozen=True)
class Component:
    """One term of Z: ``indicator`` (a key of the unit values), ``kind`` (``status`` or
    ``improvement``), weight in percent, and whether a higher value is better."""

    indicator: str
    kind: Literal["status", "improvement"]
    weight: Fraction
    higher_is_better: bool = False

    @property
    def key(self) -> str:
        return self.indicator if self.kind == "status" else f"{self.indicator}_change"


#: Taiyuan 2019 (§1.3): A composite status 16, B composite improvement 24, C PM10 status 24,
#: D PM10 change 36 — UNCONFIRMED for Datong (``score_weights``).
TAIYUAN_2019: tuple[Component, ...] = (
    Component("composite", "status", Fraction(16)),
    Component("composite", "improvement", Fraction(24)),
    Component("pm10", "status", Fraction(24)),
    Component("pm10", "improvement", Fraction(36)),
)


@dataclass(frozen=True)
class RankMoney:
    """Amounts in 万元 by place: ``rewards[0]`` for 1st, …; ``penalties[0]`` for the last
    (bottom place 1), ``penalties[1]`` second-to-last, … (negative numbers)."""

    rewards: tuple[Fraction, ...]
    penalties: tuple[Fraction, ...]
    source: str = ""


RANK_MONEY_TAIYUAN_2019 = RankMoney(
    rewards=(Fraction(100), Fraction(80)),
    penalties=(Fraction(-100), Fraction(-50), Fraction(-30)),
    source="太原市环境空气质量改善奖惩方案（2019）[S6]",
)


def change_rate(current: Fraction | int | str | None, base: Fraction | int | str | None,
                decimals: int = 1) -> Fraction | None:
    """Published change rate in % from two **published** values: ``(cur − base)/base × 100``,
    rounded half-even to ``decimals`` (§1.3, air-evaluation.md §9 Step 5); None when either is
    missing or the base is 0."""
    if current is None or base is None:
        return None
    c, b = Fraction(str(current)), Fraction(str(base))
    if b == 0:
        return None
    return Fraction(round((c - b) / b * 100, decimals))


def check_weights(components: Sequence[Component]) -> None:
    total = sum((c.weight for c in components), Fraction(0))
    if total != 100:
        raise ValueError(f"评分权重之和应为 100，实际为 {total}")
    if any(c.weight < 0 for c in components):
        raise ValueError("评分权重不能为负数")


@dataclass
class ScoreRow:
    code: str
    subscores: dict[str, Fraction]
    z: Fraction | None  # exact
    z_pub: Fraction | None  # published (score_decimals)
    rank: int | None
    rankable: bool
    amount: Fraction = Fraction(0)  # 万元; positive reward, negative penalty
    place: str = ""  # e.g. "第1名", "倒数第1名"


@dataclass
class ScoreResult:
    rows: list[ScoreRow]
    components: tuple[Component, ...]
    settings: dict = field(default_factory=dict)

    def by_code(self) -> dict[str, ScoreRow]:
        return {r.code: r for r in self.rows}


def _subscores_minmax(vals: dict[str, Fraction], hib: bool) -> dict[str, Fraction]:
    best = max(vals.values()) if hib else min(vals.values())
    worst = min(vals.values()) if hib else max(vals.values())
    if worst == best:
        return {k: Fraction(100) for k in vals}
    return {k: 100 * (worst - x) / (worst - best) for k, x in vals.items()}


def _subscores_rank(vals: dict[str, Fraction], hib: bool) -> dict[str, Fraction]:
    n = len(vals)
    out = {}
    for k, x in vals.items():
        rank = 1 + sum(1 for y in vals.values() if (y > x if hib else y < x))
        out[k] = Fraction(100) if n == 1 else Fraction(100 * (n - rank), n - 1)
    return out


def score_units(
    values: Mapping[str, Mapping[str, Fraction | int | str | None]],
    *,
    score_weights: Sequence[Component] = TAIYUAN_2019,
    subscore_method: SubscoreMethod = "minmax",
    score_decimals: int = 2,
    rank_money: RankMoney = RANK_MONEY_TAIYUAN_2019,
    tie_money: TieMoney = "each_full",
    unrankable_policy: UnrankablePolicy = "last",
) -> ScoreResult:
    """Z, its rank and the money of each unit (§1.3; E1).

    Parameters
    ----------
    values : mapping code → {component key → published value}
        In display order. Keys: ``<indicator>`` for a status component, ``<indicator>_change``
        for an improvement component (published %, see :func:`change_rate`). ``None`` = not
        valid (the unit is then unrankable for Z).

    Returns
    -------
    :class:`ScoreResult`, rows in display order; ``amount`` in 万元.
    """
    comps = tuple(score_weights)
    check_weights(comps)
    if subscore_method not in ("minmax", "rank"):
        raise ValueError(f"未知的 subscore_method：{subscore_method!r}（可选 minmax、rank）")
    if tie_money not in ("each_full", "split"):
        raise ValueError(f"未知的 tie_money：{tie_money!r}（可选 each_full、split）")
    if unrankable_policy not in ("last", "exclude"):
        raise ValueError(f"未知的 unrankable_policy：{unrankable_policy!r}（可选 last、exclude）")
    conv = {str(u): {k: (None if v is None else Fraction(str(v))) for k, v in d.items()} for u, d in values.items()}
    rankable = [u for u, d in conv.items() if all(d.get(c.key) is not None for c in comps)]
    sub: dict[str, dict[str, Fraction]] = {u: {} for u in conv}
    for c in comps:
        vals = {u: conv[u][c.key] for u in rankable}
        if vals:
            fn = _subscores_minmax if subscore_method == "minmax" else _subscores_rank
            for u, s in fn(vals, c.higher_is_better).items():
                sub[u][c.key] = s
        for u in conv:
            sub[u].setdefault(c.key, Fraction(0))
    rows = []
    for u in conv:
        ok = u in rankable
        z = sum((c.weight / 100 * sub[u][c.key] for c in comps), Fraction(0)) if ok else None
        zp = None if z is None else Fraction(round(z, score_decimals))
        rows.append(ScoreRow(u, sub[u], z, zp, None, ok))
    pubs = [r.z_pub for r in rows if r.rankable]
    for r in rows:
        if r.rankable:
            r.rank = 1 + sum(1 for p in pubs if p > r.z_pub)
        elif unrankable_policy == "last":
            r.rank = len(pubs) + 1
    _assign_money(rows, rank_money, tie_money, unrankable_policy)
    settings = {"subscore_method": subscore_method, "score_decimals": score_decimals,
                "tie_money": tie_money, "unrankable_policy": unrankable_policy,
                "score_weights": [(c.indicator, c.kind, str(c.weight)) for c in comps],
                "rank_money": rank_money.source, "status": "UNCONFIRMED"}
    return ScoreResult(rows, comps, settings)


def _assign_money(rows: list[ScoreRow], money: RankMoney, tie_money: TieMoney, policy: str) -> None:
    counted = [r for r in rows if r.rank is not None]
    n = len(counted)
    # sort key: rankable by published Z descending; unrankable ("last") below every rankable
    def key(r: ScoreRow) -> tuple:
        return (0, -r.z_pub) if r.rankable else (1, 0)

    groups: dict[tuple, list[ScoreRow]] = {}
    for r in counted:
        groups.setdefault(key(r), []).append(r)
    ordered = [groups[k] for k in sorted(groups)]
    pos = 1
    paid: set[str] = set()
    placements: list[tuple[list[ScoreRow], int]] = []  # group, first position (from top)
    for g in ordered:
        placements.append((g, pos))
        pos += len(g)

    def amounts(table: tuple[Fraction, ...], places: range) -> list[Fraction]:
        return [table[p - 1] if 1 <= p <= len(table) else Fraction(0) for p in places]

    # rewards first (§1.3: a unit receives at most one amount; reward places are assigned first)
    for g, first in placements:
        if not g[0].rankable:
            continue
        if first > len(money.rewards):
            continue
        if tie_money == "each_full":
            each = [money.rewards[first - 1]] * len(g)
            share = each[0]
        else:
            share = Fraction(round(sum(amounts(money.rewards, range(first, first + len(g))), Fraction(0)) / len(g), 2))
        for r in g:
            r.amount, r.place = share, f"第{first}名"
            paid.add(r.code)
    for g, first in placements:
        last_pos = first + len(g) - 1
        bottom_first = n - last_pos + 1  # bottom place of the group's lowest member (last = 1)
        if bottom_first > len(money.penalties):
            continue
        if policy == "exclude" and not g[0].rankable:
            continue
        if tie_money == "each_full":
            share = money.penalties[bottom_first - 1]
        else:
            share = Fraction(round(sum(amounts(money.penalties, range(bottom_first, bottom_first + len(g))),
                                       Fraction(0)) / len(g), 2))
        for r in g:
            if r.code in paid:
                continue
            r.amount, r.place = share, f"倒数第{bottom_first}名"


def cumulative_amounts(monthly: Sequence[Mapping[str, Fraction]]) -> dict[str, Fraction]:
    """1–M月 amount of each unit = the sum of its monthly amounts (§1.4, UNCONFIRMED)."""
    out: dict[str, Fraction] = {}
    for m in monthly:
        for u, a in m.items():
            out[u] = out.get(u, Fraction(0)) + Fraction(a)
    return out


__all__ = [
    "Component",
    "RANK_MONEY_TAIYUAN_2019",
    "RankMoney",
    "ScoreResult",
    "ScoreRow",
    "SubscoreMethod",
    "TAIYUAN_2019",
    "TieMoney",
    "change_rate",
    "check_weights",
    "cumulative_amounts",
    "score_units",
]
