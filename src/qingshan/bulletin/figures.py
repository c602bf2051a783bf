"""Figures shared by both bulletins, all from the air engine through :class:`~qingshan.targets.
context.AirContext` and the §1 standards: the A1–A4 rows, the §1.2 rankings, the text lists,
the §1.3 county money (assessment-bulletin.md §1.2, §1.3, §4.2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from fractions import Fraction

import polars as pl

from qingshan.standards import county_ranking as rk
from qingshan.standards import gb3095
from qingshan.standards import improvement_score as imp
from qingshan.targets import air_link
from qingshan.targets.context import AirContext, PeriodAir
from qingshan.targets.store import ManualRow

DASH = "—"
POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")  # air-evaluation.md §9 Step 1 order
POLLUTANT_NAMES = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "pm25": "PM2.5", "co": "CO", "o3": "O3"}


@dataclass(frozen=True)
class BulletinSettings:
    """§7 settings the bulletins use (spec defaults)."""

    top_n: int = 3  # best/worst lists of the bulletin text (§4.2)
    unrankable_policy: rk.UnrankablePolicy = "last"
    unit_average_reference: rk.AverageReference = "city_value"
    subscore_method: imp.SubscoreMethod = "minmax"
    score_decimals: int = 2
    tie_money: imp.TieMoney = "each_full"
    score_period: str = "month"  # Z of month M against the same month last year ([S6], [S7])
    # §1.5 county water ranking: "cwqi" (water.md §9); "shanxi_2017" is UNCONFIRMED and not
    # implementable (its scoring table was not found), so it prints no ranks
    water_rank_method: str = "cwqi"
    issuer: str = "大同市生态环境局"

    def as_dict(self) -> dict:
        return asdict(self)


def F(text) -> Fraction | None:
    return None if text in (None, "") else Fraction(str(text))


def txt(v) -> str:
    return DASH if v in (None, "") else str(v)


def signed(v: Fraction | None, decimals: int = 1) -> str:
    if v is None:
        return DASH
    from qingshan import exact

    s = exact.fraction_to_str(v, decimals)
    return s if s.startswith("-") or v == 0 else "+" + s


def one(frame: pl.DataFrame, by: str, code: str) -> dict:
    rows = frame.filter(pl.col(by) == code).to_dicts() if frame.height else []
    return rows[0] if rows else {}


@dataclass
class UnitFigures:
    """One unit's published figures of a period and of the same period last year."""

    code: str
    name: str
    cur: dict
    base: dict
    rank_row: dict
    good_valid: bool
    good_valid_base: bool


def unit_figures(ctx: AirContext, per: PeriodAir) -> list[UnitFigures]:
    return [UnitFigures(u.code, u.name, one(per.units, air_link.UNIT_BY, u.code),
                        one(per.units_base, air_link.UNIT_BY, u.code), one(per.units_ranking, air_link.UNIT_BY, u.code),
                        per.good_valid.get(u.code, False), per.good_valid_base.get(u.code, False))
            for u in ctx.units]


def rankings(figs: list[UnitFigures], policy: rk.UnrankablePolicy) -> dict[str, list[rk.Ranked]]:
    """§1.2 rankings on the published values (composite, PM2.5, good-days ratio; both periods; changes)."""
    def good(f: UnitFigures, base: bool) -> Fraction | None:
        d, ok = (f.base, f.good_valid_base) if base else (f.cur, f.good_valid)
        return F(d.get("good_ratio_pub")) if ok else None

    out = {
        "composite": {f.code: F(f.cur.get("isum_pub")) for f in figs},
        "composite_base": {f.code: F(f.base.get("isum_pub")) for f in figs},
        "pm25": {f.code: F(f.cur.get("pm25_pub")) for f in figs},
        "pm25_base": {f.code: F(f.base.get("pm25_pub")) for f in figs},
        "composite_change": {f.code: F(f.rank_row.get("change_pub")) for f in figs},
        "pm25_change": {f.code: imp.change_rate(f.cur.get("pm25_pub"), f.base.get("pm25_pub")) for f in figs},
    }
    res = {k: rk.rank_units(v, unrankable_policy=policy) for k, v in out.items()}
    res["good"] = rk.rank_units({f.code: good(f, False) for f in figs}, higher_is_better=True, unrankable_policy=policy)
    res["good_base"] = rk.rank_units({f.code: good(f, True) for f in figs}, higher_is_better=True,
                                     unrankable_policy=policy)
    gchange = {}
    for f in figs:
        a, b = good(f, False), good(f, True)
        gchange[f.code] = None if a is None or b is None else a - b
    res["good_change"] = rk.rank_units(gchange, higher_is_better=True, unrankable_policy=policy)
    return res


def rank_text(ranked: list[rk.Ranked], code: str) -> str:
    """"5", a tie "并列3", an unrankable unit "数据不足" (§4.2 formats)."""
    by = {r.code: r for r in ranked}
    r = by.get(code)
    if r is None or r.rank is None:
        return DASH
    if not r.rankable:
        return rk.INSUFFICIENT
    tied = sum(1 for x in ranked if x.rank == r.rank and x.rankable) > 1
    return f"并列{r.rank}" if tied else str(r.rank)


def with_base(cur: str, base: str) -> str:
    return f"{cur}（{base}）"


def group_text(groups: list[rk.TieGroup], names: dict[str, str]) -> str:
    """Names joined with 、, a tie group as "X、Y（并列第2）"."""
    parts = []
    for g in groups:
        s = "、".join(names[m] for m in g.members)
        parts.append(s + (f"（并列第{g.rank}）" if len(g.members) > 1 else ""))
    return "、".join(parts)


def standard_gap(row: dict) -> str:
    """§4.2 item 4: exceedances of the 1–M月 statistics over Grade II of the period's stage."""
    stage = row.get("stage")
    if not stage:
        return DASH
    lim = gb3095.limits_for(stage, 2)
    keys = {"so2": ("so2", "annual"), "no2": ("no2", "annual"), "pm10": ("pm10", "annual"),
            "pm25": ("pm25", "annual"), "co": ("co", "daily"), "o3": ("o3", "8h")}
    over = []
    for p in POLLUTANTS:
        v = F(row.get(f"{p}_pub"))
        if v is None:
            return "数据不足"
        S = lim[keys[p]]
        if v > S:
            from qingshan import exact

            d = exact.fraction_to_str(v - S, 1 if p == "co" else 0)
            over.append(f"{POLLUTANT_NAMES[p]}超{d}{'毫克' if p == 'co' else '微克'}/立方米")
    return "、".join(over) if over else "达二级标准"


def manual_value(manual: list[ManualRow], kind: str, unit: str, period: str, indicator: str = "composite"
                 ) -> ManualRow | None:
    return next((m for m in manual if m.kind == kind and m.unit_code == unit and m.period == period
                 and m.indicator == indicator), None)


def county_money(ctx: AirContext, year: int, month: int, settings: BulletinSettings
                 ) -> tuple[dict[str, Fraction], dict[str, Fraction], imp.ScoreResult | None]:
    """§1.3 amounts (万元) of month M and cumulative 1–M (sum of the monthly amounts, UNCONFIRMED),
    with Z of month M against the same month last year (``score_period="month"``) or 1–M
    (``"ytd"``: the amounts are then those of the 1–M score)."""
    monthly: list[dict[str, Fraction]] = []
    last = None
    months = range(1, month + 1) if settings.score_period == "month" else [month]
    for m in months:
        a, b = air_link.month_period(year, m) if settings.score_period == "month" else (date(year, 1, 1),
                                                                                        air_link.month_period(year, m)[1])
        per = ctx.unit_period(a, b)
        vals = {}
        for f in unit_figures(ctx, per):
            vals[f.code] = {"composite": f.cur.get("isum_pub"), "composite_change": f.rank_row.get("change_pub"),
                            "pm10": f.cur.get("pm10_pub"),
                            "pm10_change": imp.change_rate(f.cur.get("pm10_pub"), f.base.get("pm10_pub"))}
        res = imp.score_units(vals, subscore_method=settings.subscore_method, score_decimals=settings.score_decimals,
                              tie_money=settings.tie_money, unrankable_policy=settings.unrankable_policy)
        monthly.append({r.code: r.amount for r in res.rows})
        last = res
    return monthly[-1], imp.cumulative_amounts(monthly), last


__all__ = ["BulletinSettings", "DASH", "UnitFigures", "county_money", "group_text", "manual_value", "one",
           "rank_text", "rankings", "signed", "standard_gap", "txt", "unit_figures", "with_base"]
