"""地表水环境质量评价办法（试行）(环办〔2011〕22号): sections, rivers, lakes.

* :func:`classify` — vectorised section (or point) class by the single-factor method
  (单因子评价法, water.md §3) over a polars frame with one exact column per GB 3838 item: the
  class, the items evaluated and ``partial``, limit ties, the qualitative status and colour,
  TN (lakes and reservoirs) and faecal coliform classified apart (§2), exceedance multiples and
  the main pollution indicators (§4), and optionally the CWQI (:mod:`qingshan.standards.cwqi`).
* :func:`evaluate_section` — the same for one section, scalar, exact (reference and reports).
* :func:`proportion_status`, :func:`river_main_indicators`, :func:`evaluate_river` — rivers,
  basins and water systems (§5): the mean method below ``proportion_min_sections`` sections,
  the class-proportion method (G, D) from it on; main indicators by section exceedance rate.
* :func:`evaluate_lake` — lakes and reservoirs with several points (§6).
* :func:`river_trend`, :func:`section_trend` — change over time (§5, UNCONFIRMED).

Values are the §8 **evaluation values** (rounded once; pH unrounded) — the class is the class of
what is given; :mod:`qingshan.standards.water_statistics` produces them from raw results.
Raw real-time records of automatic stations are classified as they are: the national release
system grades its unrounded values (../shared/data/water/SOURCE.md).

Main pollution indicators of a section (§4): only when the class is worse than Ⅲ; candidates
are the items worse than Ⅲ; sorted by (priority item first, worse class first, larger exact
multiple first with items without a multiple after, Table 1 order); the first three are kept.
The exceedance multiple (C − S_Ⅲ)/S_Ⅲ uses the Class Ⅲ limit (lake TP 0.05), exact, published
with 2 decimals (UNCONFIRMED precision), e.g. ``氨氮(0.32)``.

Limit ties (water/SOURCE.md): a published value that sits exactly on a class limit may stand
for a true value just beyond it, so the source's class may be the worse one. ``limit_tie`` is
True where some evaluated item's value sits on a limit and the class on the limit's worse side
is worse than the section class (so the section class itself could differ).

References
----------
.. [1] 地表水环境质量评价办法（试行）, 环办〔2011〕22号.
.. [2] GB 3838—2002 Table 1 (:mod:`qingshan.standards.gb3838`).
.. [3] ../shared/standards/water.md §2–§6, §8, §10 (W1–W6), §11.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl

from qingshan import exact
from qingshan.standards import cwqi as cwqi_mod
from qingshan.standards import gb3838
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_statistics import evaluation_value, mean_of_means, ph_mean
from qingshan.standards.water_values import as_nano, nanos_from_floats

CLASS_DT = pl.Int8
_MASK_BIT = {c: i for i, c in enumerate(gb3838.ITEM_CODES)}
_I64_MAX = 2**63 - 1

# ============================================================================================
# scalar reference
# ============================================================================================


def status_of(c: int | None, settings: WaterSettings = DEFAULT_SETTINGS) -> tuple[str, str] | tuple[None, None]:
    """(水质状况, colour name) of a section class (water.md §3; colours UNCONFIRMED)."""
    if c is None:
        return None, None
    row = settings.rules.status_table[int(c)]
    return row["status"], row["colour"]


def exceedance_multiple(code: str, value: Fraction | str, water_body: str = "river") -> Fraction | None:
    """(C − S_Ⅲ)/S_Ⅲ when C > S_Ⅲ, exact (water.md §4); None for pH, DO, water temperature and
    values within Class Ⅲ.

    Examples
    --------
    >>> exceedance_multiple("nh3n", "1.32")
    Fraction(8, 25)
    """
    if code in gb3838.NO_MULTIPLE or code not in gb3838.EVALUATED_ITEMS:
        return None
    s = gb3838.ITEM[code].class_iii(gb3838.is_lake(water_body))
    v = Fraction(value)
    if s is None or v <= s:
        return None
    return (v - s) / s


@dataclass(frozen=True)
class SectionResult:
    """Evaluation of one section or point for one period (water.md §2–§4)."""

    class_: int | None
    items_evaluated: tuple[str, ...]
    partial: bool
    item_classes: Mapping[str, int]
    multiples: Mapping[str, Fraction]
    main_pollutants: tuple[str, ...]
    status: str | None
    colour: str | None
    tn_class: int | None
    fc_class: int | None
    limit_tie: bool

    @property
    def class_label(self) -> str:
        return gb3838.class_label(self.class_)

    def main_pollutants_label(self, decimals: int = 2) -> str:
        return pollutant_label(self.main_pollutants, self.multiples, decimals)


def pollutant_label(codes: Sequence[str], multiples: Mapping[str, Fraction], decimals: int = 2) -> str:
    """``氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)`` (water.md §4 wording; DO and pH by name)."""
    parts = []
    for c in codes:
        m = multiples.get(c)
        parts.append(gb3838.NAMES[c] + (f"({exact.fraction_to_str(m, decimals)})" if m is not None else ""))
    return "、".join(parts)


def main_pollutants(
    item_classes: Mapping[str, int],
    multiples: Mapping[str, Fraction],
    section_class: int | None,
    settings: WaterSettings = DEFAULT_SETTINGS,
) -> tuple[str, ...]:
    """The section's main pollution indicators (water.md §4 steps 1–5), at most three."""
    if section_class is None or section_class <= 3:
        return ()
    cands = [c for c, k in item_classes.items() if k > 3 and c in gb3838.EVALUATED_ITEMS]
    return tuple(sorted(cands, key=lambda c: pollutant_key(c, item_classes[c], multiples.get(c), settings))[:3])


def pollutant_key(code: str, item_class: int, multiple: Fraction | None,
                  settings: WaterSettings = DEFAULT_SETTINGS) -> tuple:
    """water.md §4 step 4, the order of candidate items (ascending): priority items first
    (``settings.priority``), worst class first, larger exact multiple first with items without a
    multiple (DO, pH) after those with one, Table 1 position last."""
    return (0 if code in settings.priority else 1, -item_class, (0, -multiple) if multiple is not None else (1, 0),
            gb3838.ITEM[code].position)


def _frac(v: Fraction | Decimal | str | int | float) -> Fraction:
    """Exact value; a float stands for its shortest decimal text (water.md §8)."""
    return Fraction(str(v)) if isinstance(v, (Decimal, float)) else Fraction(v)


def _worse_side_class(code: str, v: Fraction, lake: bool) -> int:
    it = gb3838.ITEM[code]
    lim = it.limits_for(lake)
    assert lim is not None
    if it.direction == "range":
        return 1 if lim[0] < v < lim[1] else gb3838.WORSE_THAN_V
    if it.direction == "ge":
        return 1 + sum(1 for x in lim if v <= x)
    return 1 + sum(1 for x in lim if v >= x)


def evaluate_section(
    values: Mapping[str, Fraction | Decimal | str | None],
    water_body: str = "river",
    settings: WaterSettings = DEFAULT_SETTINGS,
) -> SectionResult:
    """Single-factor evaluation of one section's evaluation values (scalar, exact).

    Examples
    --------
    >>> r = evaluate_section({"ph": "7.6", "do": "6.8", "codmn": "4.8", "nh3n": "1.32"})
    >>> r.class_label, r.main_pollutants_label()
    ('Ⅳ', '氨氮(0.32)')
    """
    lake = gb3838.is_lake(water_body)
    vals = {c: _frac(v) for c, v in values.items() if v is not None}
    classes = {c: gb3838.item_class(c, v, water_body) for c, v in vals.items() if c in gb3838.EVALUATED_ITEMS}
    classes = {c: k for c, k in classes.items() if k is not None}
    cls = max(classes.values()) if classes else None
    evaluated = tuple(c for c in gb3838.EVALUATED_ITEMS if c in classes)
    multiples = {c: m for c, v in vals.items() if (m := exceedance_multiple(c, v, water_body)) is not None}
    mains = main_pollutants(classes, multiples, cls, settings)
    status, colour = status_of(cls, settings)
    tie = cls is not None and any(_worse_side_class(c, vals[c], lake) > cls for c in classes)
    tn = gb3838.item_class("tn", vals["tn"], water_body) if (lake and "tn" in vals) else None
    fc = gb3838.item_class("fc", vals["fc"], water_body) if "fc" in vals else None
    partial = len(evaluated) < len(gb3838.EVALUATED_ITEMS) if settings.require_all_items else False
    return SectionResult(cls, evaluated, partial, classes, multiples, mains, status, colour, tn, fc, tie)


# ============================================================================================
# vectorised
# ============================================================================================


def _water_body_expr(frame: pl.DataFrame, water_body: str) -> pl.Expr | bool:
    if water_body in gb3838.WATER_BODIES:
        return gb3838.is_lake(water_body)
    if water_body not in frame.columns:
        raise ValueError(f"水体类型「{water_body}」既不是 river/lake/reservoir，也不是表中的列")
    bad = set(frame[water_body].drop_nulls().unique().to_list()) - set(gb3838.WATER_BODIES)
    if bad:
        raise ValueError(f"列 {water_body} 中有未知的水体类型：{'、'.join(sorted(map(str, bad)))}（应为 river、lake 或 reservoir）")
    return pl.col(water_body).is_in(["lake", "reservoir"]).fill_null(False)


def _max_factor(c: str) -> int:
    return max(gb3838.ratio_factor(c, False), gb3838.ratio_factor(c, True) if c == "tp" else 0)


def _caps() -> dict[str, int]:
    # largest nano value whose C·k (pH: its CWQI term, at most 60·|pH − 7|·10⁹) still sums
    # safely in Int64 over the 21 items (÷64 headroom)
    caps = {c: _I64_MAX // (_max_factor(c) * 64) for c in gb3838.EVALUATED_ITEMS if c not in ("ph", "do")}
    caps["ph"] = _I64_MAX // (gb3838.RATIO_DEN // 10**9 * 64)
    return caps


_CAP = _caps()


def nano_frame(frame: pl.DataFrame, items: Sequence[str]) -> pl.DataFrame:
    """Exact nano-units of each item column (``__n_<item>``, Int64); negative values are missing
    (a negative concentration or pH is never a result; the importers report them as errors).
    Float columns take the fast checked path of :func:`nanos_from_floats`."""
    floats = [c for c in items if frame.schema[c].is_float()]
    out = nanos_from_floats(frame, floats)
    others = [c for c in items if c not in floats]
    if others:
        out = pl.concat([out, frame.select([as_nano(pl.col(c), frame.schema[c]).alias(c) for c in others])],
                        how="horizontal") if floats else frame.select(
            [as_nano(pl.col(c), frame.schema[c]).alias(c) for c in others])
    return out.select([
        (pl.when(pl.col(c) >= 0).then(pl.col(c)) if c != "wt" else pl.col(c)).alias(f"__n_{c}") for c in items
    ])


def _worse_classes(code: str, lake: bool) -> dict[int, int]:
    """Each distinct limit (nano-units) of the item → the class just beyond it on its worse
    side (above for "≤", below for DO, outside the pH range)."""
    it = gb3838.ITEM[code]
    lim = gb3838.limits_nano(code, lake)
    out = {}
    for x in sorted(set(lim)):
        if it.direction == "range":
            out[x] = gb3838.WORSE_THAN_V
        elif it.direction == "ge":
            out[x] = 1 + sum(1 for y in lim if x <= y)
        else:
            out[x] = 1 + sum(1 for y in lim if y <= x)
    return out


def _tie_expr(n: Mapping[str, pl.Expr], ev: Sequence[str], lake: pl.Expr | bool) -> pl.Expr:
    """``limit_tie``: some evaluated value sits exactly on a limit whose worse-side class is
    worse than the row's class (water/SOURCE.md). The comparisons ``class < w`` are shared
    by all items."""
    below = {w: pl.col("class") < w for w in range(2, gb3838.WORSE_THAN_V + 1)}

    def on_limit(c: str, is_lake: bool) -> pl.Expr:
        pairs = [(x, w) for x, w in _worse_classes(c, is_lake).items() if w > 1]
        if not pairs:
            return pl.lit(False)
        chain = pl.when(n[c] == pairs[0][0]).then(below[pairs[0][1]])
        for x, w in pairs[1:]:
            chain = chain.when(n[c] == x).then(below[w])
        return chain.otherwise(pl.lit(False))

    terms = []
    for c in ev:
        if c == "tp" and isinstance(lake, pl.Expr):
            terms.append(pl.when(lake).then(on_limit(c, True)).otherwise(on_limit(c, False)))
        else:
            terms.append(on_limit(c, c == "tp" and bool(lake)))
    return pl.any_horizontal(terms).fill_null(False) if terms else pl.lit(False)


def classify(
    frame: pl.DataFrame,
    *,
    water_body: str = "river",
    settings: WaterSettings = DEFAULT_SETTINGS,
    items: Sequence[str] | None = None,
    labels: bool = True,
    cwqi: bool = False,
    keep_item_classes: bool = False,
) -> pl.DataFrame:
    """Single-factor class of every row (one section or point, one time or period).

    Parameters
    ----------
    frame : polars.DataFrame
        One column per GB 3838 item, named by its code (:data:`gb3838.ITEM_CODES`: ``ph``,
        ``do``, ``codmn``, ``cod``, ``bod5``, ``nh3n``, ``tp``, ``tn``, ``cu`` … ``fc``), values
        exact: text, integers, floats (taken as their shortest decimal text), polars Decimal, or
        :data:`qingshan.exact.RATIONAL` structs. Units: mg/L; pH none; faecal coliform count/L.
        Null = not measured. Other columns are passed through.
    water_body : {"river", "lake", "reservoir"} or a column name
        Selects the TP column (lakes and reservoirs: the lake column) and whether TN is
        classified apart (lakes and reservoirs only) — water.md §1, §2, §6.
    settings : WaterSettings
        ``priority_set``, ``require_all_items``, the rule tables (status, colours).
    items : sequence of str, optional
        Item columns to use (default: every column named by an item code).
    labels : bool, default True
        Add ``class_label``, ``status``, ``colour``, ``items_evaluated`` (list of codes) and
        ``main_pollutants_label``.
    cwqi : bool, default False
        Add ``cwqi`` — the exact section CWQI (rational ``{num, den}``; null unless all 21
        items are present, setting ``cwqi_missing_items="exclude_section"``) and
        ``cwqi_missing`` (number of the 21 items missing).
    keep_item_classes : bool, default False
        Add ``cls_<item>`` per item.

    Returns
    -------
    polars.DataFrame
        ``frame`` plus ``class`` (Int8 1–6, null when no item of the 21 has a value),
        ``n_evaluated``, ``items_mask`` (bit i = :data:`gb3838.ITEM_CODES` [i]), ``partial``,
        ``limit_tie``, ``tn_class``, ``fc_class``, ``main_pollutants`` (list of codes, at most
        three), ``rules_version``, ``rules_status`` and the optional columns above.
    """
    if items is None:
        items = [c for c in gb3838.ITEM_CODES if c in frame.columns]
    bad = [c for c in items if c not in gb3838.ITEM]
    if bad:
        raise ValueError(f"未知的水质项目列：{'、'.join(bad)}")
    lake = _water_body_expr(frame, water_body)
    ev = [c for c in gb3838.EVALUATED_ITEMS if c in items]
    work = pl.concat([frame, nano_frame(frame, items)], how="horizontal")
    if isinstance(lake, pl.Expr):
        work = work.with_columns(__lake=lake)
    lake_e: pl.Expr | bool = pl.col("__lake") if isinstance(lake, pl.Expr) else lake
    n = {c: pl.col(f"__n_{c}") for c in items}
    capped = [c for c in ev if c in _CAP]
    tops: dict[str, int | None] = {}
    if capped:
        tops = work.select([n[c].max().alias(c) for c in capped]).row(0, named=True)
        for c in capped:
            if tops[c] is not None and tops[c] > _CAP[c]:
                raise ValueError(f"{gb3838.NAMES[c]} 的数值过大（超出可精确计算的范围），请检查单位")
    cls = {c: gb3838.class_expr(n[c], c, lake_e).alias(f"__c_{c}") for c in ev}
    work = work.with_columns(*cls.values())
    c_ = {c: pl.col(f"__c_{c}") for c in ev}
    section = pl.max_horizontal(list(c_.values())) if ev else pl.lit(None, CLASS_DT)
    mask = pl.sum_horizontal(
        [c_[c].is_not_null().cast(pl.Int32) * (1 << _MASK_BIT[c]) for c in ev]
    ) if ev else pl.lit(0, pl.Int32)
    work = work.with_columns(
        section.cast(CLASS_DT).alias("class"),
        mask.cast(pl.Int32).alias("items_mask"),
    )
    work = work.with_columns(pl.col("items_mask").bitwise_count_ones().cast(CLASS_DT).alias("n_evaluated"))
    tie = _tie_expr(n, ev, lake_e)
    partial = (pl.col("n_evaluated") < len(gb3838.EVALUATED_ITEMS)) if settings.require_all_items else pl.lit(False)
    out_cols = [
        (tie & pl.col("class").is_not_null()).alias("limit_tie"),
        partial.alias("partial"),
    ]
    if "tn" in items:
        tn = gb3838.class_expr(n["tn"], "tn", False)
        tn = pl.when(lake_e).then(tn) if isinstance(lake_e, pl.Expr) else (tn if lake_e else pl.lit(None, CLASS_DT))
        out_cols.append(tn.cast(CLASS_DT).alias("tn_class"))
    else:
        out_cols.append(pl.lit(None, CLASS_DT).alias("tn_class"))
    out_cols.append(
        (gb3838.class_expr(n["fc"], "fc") if "fc" in items else pl.lit(None, CLASS_DT)).cast(CLASS_DT).alias("fc_class")
    )
    if cwqi:
        complete = {c: n[c] if c in n else pl.lit(None, pl.Int64) for c in gb3838.EVALUATED_ITEMS}
        out_cols.append(cwqi_mod.section_index_expr(
            complete, lake_e, complete=pl.col("n_evaluated") == len(gb3838.EVALUATED_ITEMS)).alias("cwqi"))
        out_cols.append((len(gb3838.EVALUATED_ITEMS) - pl.col("n_evaluated")).cast(CLASS_DT).alias("cwqi_missing"))
    work = work.with_columns(out_cols)
    # only items worse than Ⅲ somewhere in the frame can be main pollutants (usually a few)
    worst = work.select([c_[c].max().alias(c) for c in ev]).row(0, named=True) if ev else {}
    cand = [c for c in ev if (worst[c] or 0) > 3]
    fits = all(tops.get(c) is None or tops[c] * _max_factor(c) <= _RATIO_MAX
               for c in cand if c in tops and c not in gb3838.NO_MULTIPLE)
    if fits:
        work = _attach_main_pollutants(work, cand, n, lake_e, settings, labels)
    else:  # a value above ~150,000 × its Class Ⅲ limit: the sort-based path, exact as well
        work = _with_main_pollutants(work, cand, n, lake_e, settings, labels)
    version, status = settings.provenance("status", "priority_set")
    work = work.with_columns(rules_version=pl.lit(version), rules_status=pl.lit(status))
    if labels:
        stab = settings.rules.status_table
        work = work.with_columns(
            class_label=gb3838.class_label_expr(pl.col("class")),
            status=pl.col("class").replace_strict({k: v["status"] for k, v in stab.items()}, default=None, return_dtype=pl.Utf8),
            colour=pl.col("class").replace_strict({k: v["colour"] for k, v in stab.items()}, default=None, return_dtype=pl.Utf8),
        )
        # few distinct masks: decode each once and join (a list per row costs far more)
        masks = work.select(pl.col("items_mask").unique())
        decoded = masks.with_columns(items_evaluated=items_from_mask(pl.col("items_mask")))
        work = work.join(decoded, on="items_mask", how="left", maintain_order="left")
    if keep_item_classes:
        work = work.rename({f"__c_{c}": f"cls_{c}" for c in ev})
    return work.drop([c for c in work.columns if c.startswith("__")])


def _string_list(parts: Sequence[pl.Expr]) -> pl.Expr:
    """List of the non-null strings of ``parts`` (codes without commas), in order.

    Built through one joined string and a split: polars' ``concat_list`` costs several times
    more on millions of rows (bench/water_engine.py)."""
    joined = pl.concat_str(list(parts), separator=",", ignore_nulls=True)
    return joined.str.split(",").list.filter(pl.element() != "")


def items_from_mask(mask: pl.Expr) -> pl.Expr:
    """``items_mask`` → list of item codes in Table order."""
    return _string_list([pl.when((mask & (1 << _MASK_BIT[c])) != 0).then(pl.lit(c)) for c in gb3838.EVALUATED_ITEMS])


def _multiple_text(key: pl.Expr, decimals: int, wide: bool = True) -> pl.Expr:
    """(key − D)/D, half-even to ``decimals``, as text (key = C·k, D = RATIO_DEN). ``wide``:
    Int128 arithmetic; the fast path's keys are below 2⁵³, so Int64 holds key·100 there."""
    d = gb3838.RATIO_DEN
    units = exact.round_half_even(((key.cast(pl.Int128) if wide else key) - d) * 10**decimals, d)
    if decimals == 0:
        return units.cast(pl.Utf8)
    q = units // 10**decimals
    r = (units % 10**decimals).cast(pl.Utf8).str.zfill(decimals)
    return pl.format("{}.{}", q, r)

# The three main pollutants of every row without sorting: each candidate cell gets one Int64 key
# whose integer order is the §4 sort order —
#   bit 62: not a priority item | bits 59–61: 6 − class | bit 58: no multiple |
#   bits 5–57: 2⁵³ − 1 − C·k (larger multiple first; C·k = C/S_Ⅲ · RATIO_DEN, exact) |
#   bits 0–4: Table 1 position
# — and the first three are the three smallest keys (a partition of each row). Keys are
# unique per row (the position), so nothing ties. C/S_Ⅲ above 2⁵³/RATIO_DEN ≈ 150,000 does not
# fit: such frames take the long-form path (:func:`_with_main_pollutants`), exact as well.
_RATIO_BITS = 53
_RATIO_MAX = (1 << _RATIO_BITS) - 1
_NO_KEY = _I64_MAX  # above every key (bit 63 is never set)


def _ratio_expr(n: Mapping[str, pl.Expr], c: str, lake: pl.Expr | bool) -> pl.Expr:
    if c != "tp":
        return n[c] * gb3838.ratio_factor(c)
    if isinstance(lake, pl.Expr):
        return n[c] * pl.when(lake).then(gb3838.ratio_factor("tp", True)).otherwise(gb3838.ratio_factor("tp", False))
    return n[c] * gb3838.ratio_factor("tp", lake)


def _top3(keys: pl.DataFrame) -> list[np.ndarray]:
    """The three smallest keys of each row (:data:`_NO_KEY` = no candidate), ascending: a
    partition of each row (keys are unique within a row) and a sort of the three kept."""
    k = np.ascontiguousarray(keys.to_numpy())
    if k.shape[1] < 3:
        k = np.hstack([k, np.full((k.shape[0], 3 - k.shape[1]), _NO_KEY, np.int64)])
    top = np.partition(k, 2, axis=1)[:, :3] if k.shape[1] > 3 else k
    top = np.sort(top, axis=1)
    return [top[:, i] for i in range(3)]


def _key_exprs(ev: Sequence[str], n: Mapping[str, pl.Expr], lake: pl.Expr | bool,
               settings: WaterSettings) -> list[pl.Expr]:
    """One Int64 key per candidate cell (layout above); :data:`_NO_KEY` where the item is not
    worse than Ⅲ."""
    prio = settings.priority
    keys = []
    for c in ev:
        cls = pl.col(f"__c_{c}").cast(pl.Int64)
        head = (0 if c in prio else 1) * (1 << 62) + (6 - cls) * (1 << 59)
        if c in gb3838.NO_MULTIPLE:
            k = head + (1 << 58) + gb3838.ITEM[c].position
        else:
            k = head + (_RATIO_MAX - _ratio_expr(n, c, lake)) * 32 + gb3838.ITEM[c].position
        keys.append(pl.when(cls > 3).then(k).otherwise(_NO_KEY).alias(f"__k_{c}"))
    return keys


def _attach_main_pollutants(
    work: pl.DataFrame,
    ev: Sequence[str],
    n: Mapping[str, pl.Expr],
    lake: pl.Expr | bool,
    settings: WaterSettings,
    labels: bool,
) -> pl.DataFrame:
    """water.md §4 steps 1–5 for every row, ``ev`` being the items worse than Ⅲ somewhere.

    Only the rows worse than Ⅲ are worked on: their candidate keys (layout above) are computed
    by polars, the three smallest per row picked by :func:`_top3` (numpy), and the row's list of codes
    is one of the few distinct (first, second, third) combinations — decoded once each and
    gathered, instead of building a list of strings per row. Rows not worse than Ⅲ get ``[]``.
    """
    height = work.height
    rows = np.flatnonzero((work["class"] > 3).fill_null(False).to_numpy())
    if not ev or rows.size == 0:
        out = work.with_columns(main_pollutants=pl.lit([], pl.List(pl.Utf8)))
        return out.with_columns(main_pollutants_label=pl.lit("")) if labels else out
    narrow = [f"__c_{c}" for c in ev] + [f"__n_{c}" for c in ev if c not in gb3838.NO_MULTIPLE]
    if isinstance(lake, pl.Expr):
        narrow.append("__lake")
    sub = work.select(narrow)[rows]
    keys = sub.select(_key_exprs(ev, n, lake, settings))
    m = _top3(keys)
    pos = [np.where(x == _NO_KEY, 0, x % 32).astype(np.int32) for x in m]
    combo = (pos[0] << 10) | (pos[1] << 5) | pos[2]
    present = np.flatnonzero(np.bincount(combo, minlength=1 << 15))
    code_at = {gb3838.ITEM[c].position: c for c in ev}
    lists = [[code_at[p] for p in ((k >> 10) & 31, (k >> 5) & 31, k & 31) if p] for k in present.tolist()]
    lookup = np.zeros(1 << 15, np.int32)
    lookup[present] = np.arange(1, present.size + 1, dtype=np.int32)
    full = np.zeros(height, np.int32)
    full[rows] = lookup[combo]
    # one chunk: gathering from a chunked list column is ten times slower
    table = pl.Series("main_pollutants", [[], *lists], pl.List(pl.Utf8))
    out = work.with_columns(table.gather(full))
    if labels:
        ms = pl.DataFrame({f"__m{i}": pl.Series(x).scatter(np.flatnonzero(x == _NO_KEY), None)
                           for i, x in enumerate(m, start=1)})

        def label_of(k: pl.Expr) -> pl.Expr:
            name = (k % 32).replace_strict({gb3838.ITEM[c].position: gb3838.NAMES[c] for c in ev}, default=None,
                                           return_dtype=pl.Utf8)
            ratio = _RATIO_MAX - (k // 32) % (1 << _RATIO_BITS)
            nomult = (k // (1 << 58)) % 2 == 1
            return pl.when(k.is_null()).then(None).when(nomult).then(name).otherwise(
                pl.format("{}({})", name, _multiple_text(ratio, settings.multiple_decimals,
                                                          wide=settings.multiple_decimals > 2)))

        text = ms.select(pl.concat_str([label_of(pl.col(f"__m{i}")) for i in (1, 2, 3)], separator="、",
                                       ignore_nulls=True).fill_null(""))[:, 0]
        out = out.with_columns(pl.repeat("", height, dtype=pl.Utf8, eager=True).scatter(rows, text)
                               .alias("main_pollutants_label"))
    return out


def _with_main_pollutants(
    work: pl.DataFrame,
    ev: Sequence[str],
    n: Mapping[str, pl.Expr],
    lake: pl.Expr | bool,
    settings: WaterSettings,
    labels: bool,
) -> pl.DataFrame:
    """water.md §4: candidates in long form (only rows worse than Ⅲ, only items worse than Ⅲ),
    sorted by the spec's key, first three per row."""
    prio = settings.priority
    work = work.with_row_index("__row")
    narrow = ["__row", *[f"__c_{c}" for c in ev], *[f"__n_{c}" for c in ev if c not in gb3838.NO_MULTIPLE]]
    if isinstance(lake, pl.Expr):
        narrow.append("__lake")
    polluted = work.lazy().select(narrow + ["class"]).filter(pl.col("class") > 3).collect()
    parts = []
    for c in ev:
        if c in gb3838.NO_MULTIPLE:
            key = pl.lit(None, pl.Int64)
        elif c != "tp":
            key = n[c] * gb3838.ratio_factor(c)
        elif isinstance(lake, pl.Expr):
            key = n[c] * pl.when(lake).then(gb3838.ratio_factor("tp", True)).otherwise(gb3838.ratio_factor("tp", False))
        else:
            key = n[c] * gb3838.ratio_factor("tp", lake)
        parts.append(
            polluted.lazy().filter(pl.col(f"__c_{c}") > 3).select(
                "__row",
                item=pl.lit(c),
                prio=pl.lit(0 if c in prio else 1, pl.Int8),
                cls=pl.col(f"__c_{c}"),
                nomult=pl.lit(1 if c in gb3838.NO_MULTIPLE else 0, pl.Int8),
                key=key.cast(pl.Int64),
                pos=pl.lit(gb3838.ITEM[c].position, pl.Int8),
            )
        )
    empty_list = pl.lit([], pl.List(pl.Utf8))
    if not parts:
        work = work.with_columns(main_pollutants=empty_list)
        if labels:
            work = work.with_columns(main_pollutants_label=pl.lit(""))
        return work.drop("__row")
    cand = pl.concat(parts).sort(
        ["__row", "prio", "cls", "nomult", "key", "pos"],
        descending=[False, False, True, False, True, False],
        nulls_last=True,
    ).collect()
    top = cand.group_by("__row", maintain_order=True).head(3)
    if labels:
        name = pl.col("item").replace_strict(dict(gb3838.NAMES), return_dtype=pl.Utf8)
        lab = pl.when(pl.col("nomult") == 1).then(name).otherwise(
            pl.format("{}({})", name, _multiple_text(pl.col("key"), settings.multiple_decimals))
        )
        top = top.with_columns(__label=lab)
    agg = [pl.col("item").alias("main_pollutants")]
    if labels:
        agg.append(pl.col("__label").str.join("、").alias("main_pollutants_label"))
    lists = top.group_by("__row", maintain_order=True).agg(agg)
    work = work.join(lists, on="__row", how="left", maintain_order="left")
    work = work.with_columns(pl.col("main_pollutants").fill_null(empty_list))
    if labels:
        work = work.with_columns(pl.col("main_pollutants_label").fill_null(""))
    return work.drop("__row")


# ============================================================================================
# rivers, basins, water systems (§5) and lakes (§6)
# ============================================================================================


@dataclass(frozen=True)
class SectionMeans:
    """One section's (or point's) period result as the upper levels need it: the exact,
    unrounded means (pH: its unrounded mean, Decimal) and its own evaluation."""

    code: str
    means: Mapping[str, Fraction]
    ph: Decimal | None = None
    result: SectionResult | None = None
    name: str = ""

    def evaluation(self, water_body: str, settings: WaterSettings) -> SectionResult:
        if self.result is not None:
            return self.result
        return evaluate_section(evaluation_values(self.means, self.ph, settings), water_body, settings)


def evaluation_values(
    means: Mapping[str, Fraction], ph: Decimal | None, settings: WaterSettings = DEFAULT_SETTINGS
) -> dict[str, Fraction]:
    """Exact means → §8 evaluation values (rounded once); pH unrounded (§8 steps 4–5)."""
    out = {c: evaluation_value(c, m, settings) for c, m in means.items() if c != "ph" and m is not None}
    if ph is not None:
        out["ph"] = Fraction(str(ph))
    return out


def proportion_status(
    classes: Sequence[int], settings: WaterSettings = DEFAULT_SETTINGS
) -> tuple[str, str, Fraction, Fraction]:
    """断面水质类别比例法 (water.md §5, ≥ 5 sections): (status, colour, G %, D %), exact.

    G = share of sections in Ⅰ–Ⅲ, D = share in 劣Ⅴ, compared unrounded with the thresholds
    (setting ``heavy_pollution_rule`` for the disputed last row).

    Examples
    --------
    >>> proportion_status([2, 2, 3, 3, 3, 4, 5, 6])[:2]
    ('轻度污染', '黄色')
    """
    if not classes:
        raise ValueError("类别比例法至少需要一个断面")
    p = settings.rules.proportion
    n = len(classes)
    g = Fraction(100 * sum(1 for c in classes if c <= 3), n)
    d = Fraction(100 * sum(1 for c in classes if c == 6), n)
    heavy_g = p["polluted_g"] if settings.heavy_pollution_rule == "g_lt_75" else p["heavy_g_alternative"]
    stab = settings.rules.status_table
    if g >= p["excellent_g"]:
        k = 1
    elif g >= p["good_g"]:
        k = 3
    elif d >= p["heavy_d"] and g < heavy_g:
        k = 6
    elif d >= p["moderate_d"]:
        k = 5
    else:
        k = 4
    return stab[k]["status"], stab[k]["colour"], g, d


_POLLUTED = ("轻度污染", "中度污染", "重度污染")


def river_main_indicators(
    item_classes: Sequence[Mapping[str, int]],
    status: str,
    settings: WaterSettings = DEFAULT_SETTINGS,
) -> list[tuple[str, Fraction]]:
    """Main indicators of a river or basin (water.md §4): items ranked by section exceedance
    rate (sections worse than Ⅲ ÷ all sections × 100 %), descending, ties in Table 1 order,
    rate > 0 only, at most three; none when the status gate (``river_main_indicator_gate``)
    is ``polluted_only`` and the river is 优 or 良好."""
    if settings.river_main_indicator_gate == "polluted_only" and status not in _POLLUTED:
        return []
    total = len(item_classes)
    if total == 0:
        return []
    rates = []
    for c in gb3838.EVALUATED_ITEMS:
        k = sum(1 for s in item_classes if s.get(c, 0) > 3)
        if k:
            rates.append((c, Fraction(100 * k, total)))
    rates.sort(key=lambda t: (-t[1], gb3838.ITEM[t[0]].position))
    return rates[:3]


@dataclass(frozen=True)
class RiverResult:
    """A river, basin or water system (water.md §5)."""

    method: str  # "mean" (< proportion_min_sections) | "proportion"
    n_sections: int
    status: str
    colour: str
    class_: int | None = None  # mean method only
    values: Mapping[str, Fraction] = field(default_factory=dict)  # mean method: evaluation values
    g_share: Fraction | None = None
    d_share: Fraction | None = None
    main_indicators: tuple[tuple[str, Fraction], ...] = ()  # proportion method: (item, rate %)
    section_main_pollutants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # mean method
    partial: bool = False

    @property
    def class_label(self) -> str:
        return gb3838.class_label(self.class_)


def evaluate_river(
    sections: Sequence[SectionMeans],
    water_body: str = "river",
    settings: WaterSettings = DEFAULT_SETTINGS,
) -> RiverResult:
    """Evaluate a river, basin or water system from its sections (water.md §5).

    Fewer than ``proportion_min_sections`` (5): each item's exact section means are averaged
    (pH by ``ph_mean_method`` over the sections' unrounded pH means), rounded once and
    classified; main indicators are given per section (UNCONFIRMED). Otherwise the
    class-proportion method with main indicators by section exceedance rate.
    """
    if not sections:
        raise ValueError("河流评价至少需要一个断面")
    evaluations = [s.evaluation(water_body, settings) for s in sections]
    if len(sections) < settings.proportion_min_sections:
        means: dict[str, Fraction] = {}
        for c in gb3838.ITEM_CODES:
            if c == "ph":
                continue
            xs = [s.means[c] for s in sections if s.means.get(c) is not None]
            if xs:
                means[c] = mean_of_means(xs)
        phs = [s.ph for s in sections if s.ph is not None]
        ph = ph_mean(phs, settings.ph_mean_method) if phs else None
        values = evaluation_values(means, ph, settings)
        r = evaluate_section(values, water_body, settings)
        status, colour = status_of(r.class_, settings)
        return RiverResult(
            "mean", len(sections), status or "", colour or "", class_=r.class_, values=values,
            section_main_pollutants={s.code: e.main_pollutants for s, e in zip(sections, evaluations, strict=True)},
            partial=r.partial,
        )
    classes = [e.class_ for e in evaluations if e.class_ is not None]
    status, colour, g, d = proportion_status(classes, settings)
    mains = river_main_indicators([e.item_classes for e in evaluations if e.class_ is not None], status, settings)
    return RiverResult(
        "proportion", len(classes), status, colour, g_share=g, d_share=d, main_indicators=tuple(mains),
        partial=any(e.partial for e in evaluations),
    )


@dataclass(frozen=True)
class LakeResult:
    """A lake or reservoir from its points (water.md §6)."""

    n_points: int
    values: Mapping[str, Fraction]
    section: SectionResult

    @property
    def tn_class(self) -> int | None:
        return self.section.tn_class


def evaluate_lake(
    points: Sequence[SectionMeans], water_body: str = "lake", settings: WaterSettings = DEFAULT_SETTINGS
) -> LakeResult:
    """Several points: per-point exact means averaged over the points, rounded once, then the
    single-factor class with the lake TP column; TN classified apart (water.md §6)."""
    if not gb3838.is_lake(water_body):
        raise ValueError("湖库评价的水体类型应为 lake 或 reservoir")
    if not points:
        raise ValueError("湖库评价至少需要一个点位")
    means: dict[str, Fraction] = {}
    for c in gb3838.ITEM_CODES:
        if c == "ph":
            continue
        xs = [p.means[c] for p in points if p.means.get(c) is not None]
        if xs:
            means[c] = mean_of_means(xs)
    phs = [p.ph for p in points if p.ph is not None]
    ph = ph_mean(phs, settings.ph_mean_method) if phs else None
    values = evaluation_values(means, ph, settings)
    return LakeResult(len(points), values, evaluate_section(values, water_body, settings))


# ============================================================================================
# trend (§5, UNCONFIRMED)
# ============================================================================================

_STATUS_ORDER = ("优", "良好", "轻度污染", "中度污染", "重度污染")


def river_trend(
    g1: Fraction, d1: Fraction, g2: Fraction, d2: Fraction, settings: WaterSettings = DEFAULT_SETTINGS
) -> tuple[str, int]:
    """(无明显变化 | 有所变化 | 明显变化, direction +1 better / −1 worse / 0) from the change in
    percentage points ΔG − ΔD between two periods (water.md §5, UNCONFIRMED)."""
    delta = (g2 - g1) - (d2 - d1)
    lo, hi = settings.trend_thresholds
    size = abs(delta)
    word = "无明显变化" if size <= lo else ("有所变化" if size <= hi else "明显变化")
    direction = 0 if word == "无明显变化" else (1 if delta > 0 else -1)
    return word, direction


def section_trend(status_before: str, status_after: str) -> tuple[str, int]:
    """A single section: one status step is 有所变化, two or more 明显变化 (water.md §5)."""
    a, b = _STATUS_ORDER.index(status_before), _STATUS_ORDER.index(status_after)
    steps = abs(b - a)
    word = "无明显变化" if steps == 0 else ("有所变化" if steps == 1 else "明显变化")
    return word, (0 if steps == 0 else (1 if b < a else -1))
