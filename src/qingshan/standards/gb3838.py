"""GB 3838—2002 地表水环境质量标准, Table 1 (basic items): limits, directions, item classes.

Pure data and vectorised polars expressions; no I/O. Item values are exact nano-units
(:mod:`qingshan.standards.water_values`), limits are exact :class:`~fractions.Fraction` from the
text of the standard, and every comparison is an integer comparison.

Classes are integers 1–6 (6 = 劣Ⅴ), rendered Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ (water.md §11).

Direction semantics (water.md §1):

* ``le`` — the best class whose limit the value does not exceed; equal limits of adjacent
  classes resolve to the better class (COD 15 is Ⅰ); above the Ⅴ limit is 劣Ⅴ;
* ``ge`` — dissolved oxygen: the best class whose limit the value reaches (Class Ⅰ is
  ≥ 7.5 mg/L; the "90 % saturation" alternative is **not** used for the class);
* ``range`` — pH: 6 ≤ pH ≤ 9 is Class Ⅰ, anything else 劣Ⅴ (compared **unrounded**, §8 step 5);
* ``none`` — water temperature: reported, never classified.

Total phosphorus has a river and a lake/reservoir column; the water-body type is a property of
the section, not of the sample (§1 notes).

Item codes used throughout the water domain (Table 1 position in brackets):

=========  =====================  ====  =========  ===========================
code       item                   #     unit       role (water.md §2)
=========  =====================  ====  =========  ===========================
wt         水温                    1     °C         reported only
ph         pH                     2     —          one of the 21
do         溶解氧                  3     mg/L       one of the 21 (≥)
codmn      高锰酸盐指数            4     mg/L       one of the 21
cod        化学需氧量              5     mg/L       one of the 21
bod5       五日生化需氧量          6     mg/L       one of the 21
nh3n       氨氮                    7     mg/L       one of the 21
tp         总磷                    8     mg/L       one of the 21 (lake column)
tn         总氮                    9     mg/L       lakes/reservoirs, apart
cu … sulfide                      10–23 mg/L       the 21 (metals, others)
fc         粪大肠菌群              24    count/L    apart (rivers and lakes)
=========  =====================  ====  =========  ===========================

References
----------
.. [1] GB 3838—2002 地表水环境质量标准, Table 1 (read from page images of the official text).
.. [2] ../shared/standards/water.md §1 (limits, directions), §2 (the 21 items), §11.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan.standards.water_values import NANO

Direction = Literal["le", "ge", "range", "none"]
WaterBody = Literal["river", "lake", "reservoir"]
WATER_BODIES: tuple[str, ...] = ("river", "lake", "reservoir")
WATER_BODY_LABELS: Mapping[str, str] = {"river": "河流", "lake": "湖泊", "reservoir": "水库"}

STANDARD = "GB 3838—2002"
TABLE_VERSION = "GB3838-2002/Table1"
TABLE_STATUS = "confirmed"  # read from page images of the official standard (water.md header)

CLASS_LABELS: Mapping[int, str] = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
WORSE_THAN_V = 6


@dataclass(frozen=True)
class Item:
    """One row of GB 3838—2002 Table 1."""

    code: str
    name: str
    position: int  # Table 1 number (# column)
    unit: str
    direction: Direction
    #: limits of classes Ⅰ…Ⅴ (None for water temperature); for pH the range (6, 9)
    limits: tuple[Fraction, ...] | None
    #: Table 1 item 8, lake and reservoir column (TP only)
    lake_limits: tuple[Fraction, ...] | None = None

    def limits_for(self, lake: bool) -> tuple[Fraction, ...] | None:
        return self.lake_limits if (lake and self.lake_limits is not None) else self.limits

    def class_iii(self, lake: bool = False) -> Fraction | None:
        lim = self.limits_for(lake)
        return lim[2] if lim is not None and self.direction in ("le", "ge") else None


def _f(*texts: str) -> tuple[Fraction, ...]:
    return tuple(Fraction(t) for t in texts)


#: GB 3838—2002 Table 1, in Table order (water.md §1).
ITEMS: tuple[Item, ...] = (
    Item("wt", "水温", 1, "℃", "none", None),
    Item("ph", "pH", 2, "无量纲", "range", _f("6", "9")),
    Item("do", "溶解氧", 3, "mg/L", "ge", _f("7.5", "6", "5", "3", "2")),
    Item("codmn", "高锰酸盐指数", 4, "mg/L", "le", _f("2", "4", "6", "10", "15")),
    Item("cod", "化学需氧量", 5, "mg/L", "le", _f("15", "15", "20", "30", "40")),
    Item("bod5", "五日生化需氧量", 6, "mg/L", "le", _f("3", "3", "4", "6", "10")),
    Item("nh3n", "氨氮", 7, "mg/L", "le", _f("0.15", "0.5", "1.0", "1.5", "2.0")),
    Item("tp", "总磷", 8, "mg/L", "le", _f("0.02", "0.1", "0.2", "0.3", "0.4"),
         lake_limits=_f("0.01", "0.025", "0.05", "0.1", "0.2")),
    Item("tn", "总氮", 9, "mg/L", "le", _f("0.2", "0.5", "1.0", "1.5", "2.0")),
    Item("cu", "铜", 10, "mg/L", "le", _f("0.01", "1.0", "1.0", "1.0", "1.0")),
    Item("zn", "锌", 11, "mg/L", "le", _f("0.05", "1.0", "1.0", "2.0", "2.0")),
    Item("f", "氟化物", 12, "mg/L", "le", _f("1.0", "1.0", "1.0", "1.5", "1.5")),
    Item("se", "硒", 13, "mg/L", "le", _f("0.01", "0.01", "0.01", "0.02", "0.02")),
    Item("as", "砷", 14, "mg/L", "le", _f("0.05", "0.05", "0.05", "0.1", "0.1")),
    Item("hg", "汞", 15, "mg/L", "le", _f("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    Item("cd", "镉", 16, "mg/L", "le", _f("0.001", "0.005", "0.005", "0.005", "0.01")),
    Item("cr6", "铬（六价）", 17, "mg/L", "le", _f("0.01", "0.05", "0.05", "0.05", "0.1")),
    Item("pb", "铅", 18, "mg/L", "le", _f("0.01", "0.01", "0.05", "0.05", "0.1")),
    Item("cn", "氰化物", 19, "mg/L", "le", _f("0.005", "0.05", "0.2", "0.2", "0.2")),
    Item("phenol", "挥发酚", 20, "mg/L", "le", _f("0.002", "0.002", "0.005", "0.01", "0.1")),
    Item("petroleum", "石油类", 21, "mg/L", "le", _f("0.05", "0.05", "0.05", "0.5", "1.0")),
    Item("las", "阴离子表面活性剂", 22, "mg/L", "le", _f("0.2", "0.2", "0.2", "0.3", "0.3")),
    Item("sulfide", "硫化物", 23, "mg/L", "le", _f("0.05", "0.1", "0.2", "0.5", "1.0")),
    Item("fc", "粪大肠菌群", 24, "个/L", "le", _f("200", "2000", "10000", "20000", "40000")),
)
ITEM: Mapping[str, Item] = {it.code: it for it in ITEMS}
ITEM_CODES: tuple[str, ...] = tuple(it.code for it in ITEMS)
NAMES: Mapping[str, str] = {it.code: it.name for it in ITEMS}

#: water.md §2: the 21 items that take part in the class (Table 1 minus water temperature,
#: total nitrogen and faecal coliform), in Table order.
EVALUATED_ITEMS: tuple[str, ...] = tuple(c for c in ITEM_CODES if c not in ("wt", "tn", "fc"))
#: water.md §2: classified and reported apart from the class. TN only for lakes and reservoirs.
SEPARATE_ITEMS: tuple[str, ...] = ("tn", "fc")
#: water.md §4: no exceedance multiple for these (DO and pH; water temperature has no class)
NO_MULTIPLE: frozenset[str] = frozenset({"wt", "ph", "do"})

def _lcm_iii() -> int:
    from math import lcm

    out = 1
    for it in ITEMS:
        if it.direction != "le" or it.code not in EVALUATED_ITEMS:
            continue
        for lake in (False, True):
            s = it.class_iii(lake)
            if s is not None:
                out = lcm(out, int(s * NANO))
    return out


#: Common denominator (in nano-units) of the Class Ⅲ limits of the 19 "≤" items among the 21,
#: the lake TP column included: C/S_Ⅲ = C·k/RATIO_DEN with the integer k = RATIO_DEN/S_Ⅲ
#: (water.md §4 multiples, §9 CWQI(i)). Equals 6·10¹⁰.
RATIO_DEN: int = _lcm_iii()


def is_lake(water_body: str) -> bool:
    """Lakes and reservoirs share the lake TP column (water.md §1, §6)."""
    if water_body not in WATER_BODIES:
        raise ValueError(f"水体类型只能是 river、lake 或 reservoir，而不是「{water_body}」")
    return water_body in ("lake", "reservoir")


def limits_nano(code: str, lake: bool = False) -> tuple[int, ...]:
    lim = ITEM[code].limits_for(lake)
    if lim is None:
        raise ValueError(f"{NAMES[code]} 没有类别限值")
    return tuple(int(x * NANO) for x in lim)


def ratio_factor(code: str, lake: bool = False) -> int:
    """k with C/S_Ⅲ = C[nano]·k / RATIO_DEN (exact, water.md §4 multiple and §9 CWQI(i))."""
    s = ITEM[code].class_iii(lake)
    if s is None or ITEM[code].direction != "le" or code not in EVALUATED_ITEMS:
        raise ValueError(f"{NAMES[code]} 没有超标倍数")
    return RATIO_DEN // int(s * NANO)


# --- scalar reference (tests, reports) ---------------------------------------------------


def item_class(code: str, value: Fraction | str | int, water_body: str = "river") -> int | None:
    """Class (1–6) of one exact value of item ``code`` (water.md §1). None for water temperature.

    Examples
    --------
    >>> item_class("cod", "15")
    1
    >>> item_class("nh3n", "1.32")
    4
    >>> item_class("do", "6.8")
    2
    """
    it = ITEM[code]
    v = Fraction(value)
    if it.direction == "none":
        return None
    lim = it.limits_for(is_lake(water_body))
    assert lim is not None
    if it.direction == "range":
        return 1 if lim[0] <= v <= lim[1] else WORSE_THAN_V
    if it.direction == "ge":
        return 1 + sum(1 for x in lim if v < x)
    return 1 + sum(1 for x in lim if v > x)


def class_label(c: int | None) -> str:
    return "" if c is None else CLASS_LABELS[int(c)]


def parse_class(text: str) -> int | None:
    """A class as published: ``Ⅲ``, ``III``, ``3``, ``Ⅲ类``, ``劣Ⅴ``, ``劣V``, ``6`` … → 1–6;
    None for "no class" (``--``, ``-1``, empty). Raises ValueError for anything else."""
    t = (text or "").strip().replace("类", "").replace(" ", "")
    if t in ("", "--", "-", "—", "-1", "无", "/"):
        return None
    t = t.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III").replace("Ⅳ", "IV").replace("Ⅴ", "V")
    t = t.upper().replace("Ｉ", "I").replace("Ｖ", "V")
    table = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}
    if t not in table:
        raise ValueError(f"无法识别的水质类别「{text}」")
    return table[t]


# --- vectorised -----------------------------------------------------------------------------

_CLASS_DT = pl.Int8


def _class_for(v: pl.Expr, code: str, lake: bool, worse_side: bool) -> pl.Expr:
    """A when-chain "first class whose limit the value meets" (polars evaluates it faster than a
    count of exceeded limits; equal adjacent limits give the better class as the first match)."""
    it = ITEM[code]
    lim = limits_nano(code, lake)
    if it.direction == "range":
        lo, hi = lim
        inside = (v > lo) & (v < hi) if worse_side else (v >= lo) & (v <= hi)
        return pl.when(inside).then(pl.lit(1, _CLASS_DT)).otherwise(pl.lit(WORSE_THAN_V, _CLASS_DT))
    if it.direction == "ge":
        meets = [(v > x) if worse_side else (v >= x) for x in lim]
    else:
        meets = [(v < x) if worse_side else (v <= x) for x in lim]
    chain = pl.when(meets[0]).then(pl.lit(1, _CLASS_DT))
    for k, m in enumerate(meets[1:], start=2):
        chain = chain.when(m).then(pl.lit(k, _CLASS_DT))
    return chain.otherwise(pl.lit(WORSE_THAN_V, _CLASS_DT))


def class_expr(v: pl.Expr, code: str, lake: pl.Expr | bool = False, *, worse_side: bool = False) -> pl.Expr:
    """Class (Int8 1–6, null where ``v`` is null) of nano-unit values of item ``code``.

    ``lake`` (a Boolean expression or constant) picks the lake TP column row by row.
    ``worse_side=True`` gives the class of a value infinitesimally worse than ``v`` (above it
    for ``le``, below it for DO, outside the pH range at 6 or 9): the class a published value
    sitting exactly on a limit could also have had (limit ties, water/SOURCE.md).
    """
    it = ITEM[code]
    if it.direction == "none":
        raise ValueError(f"{it.name} 没有类别")
    if it.lake_limits is None or (isinstance(lake, bool) and not lake):
        out = _class_for(v, code, False, worse_side)
    elif isinstance(lake, bool):
        out = _class_for(v, code, True, worse_side)
    else:
        out = pl.when(lake).then(_class_for(v, code, True, worse_side)).otherwise(_class_for(v, code, False, worse_side))
    return pl.when(v.is_not_null()).then(out)


def class_label_expr(c: pl.Expr) -> pl.Expr:
    """Int class → Ⅰ … 劣Ⅴ (null stays null)."""
    return c.replace_strict({k: v for k, v in CLASS_LABELS.items()}, default=None, return_dtype=pl.Utf8)
