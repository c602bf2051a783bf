"""Surface-water data statistics: exact period means, non-detects, flags, the pH mean, rounding.

Implements water.md §3 ("Concentration for the evaluation period") and §8 (data handling), which
stand for 地表水环境质量监测数据统计技术规定（试行）(2020) and GB/T 8170—2008:

1. **Parse** — values arrive as exact nano-units (:mod:`qingshan.standards.water_values`); a
   non-detect (未检出) counts as half its detection limit (setting ``non_detect``, UNCONFIRMED).
2. **Select** — a value enters iff the single data-flag policy of hj212.md §9.3 admits it:
   its flag is in ``statistics_valid_flags`` (default {N}); a value without a flag enters when
   its source carries no flags (laboratory tables, CNEMC releases) or, for flagged sources
   (HJ 212), when ``statistics_missing_flag_valid``. Every mean reports its exclusions per flag.
3. **Average exactly** — the arithmetic mean as a rational; pH by the [H⁺] mean (setting
   ``ph_mean_method``, Decimal at 50 significant digits).
4. **Round once** — GB/T 8170 half-even to the §8 decimals table (versioned, UNCONFIRMED); a
   non-zero mean that would round to 0 keeps one significant figure. The result is the item's
   **evaluation value**. pH is never rounded for the class (§8 step 5): its unrounded mean is
   carried (nano-units, rounded to odd, and as a 40-digit decimal text for the next level).

Vectorised (:func:`period_means`) for the many raw values of sections and periods; scalar
(:func:`mean_of_means`, :func:`ph_mean`, :func:`evaluation_value`) for the few groups of the
upper levels (rivers with < 5 sections, lakes with several points).

References
----------
.. [1] ../shared/standards/water.md §3, §8 (order of operations, worked CODMn and pH examples).
.. [2] ../shared/standards/hj212.md §9.3 (the data-flag table).
.. [3] GB/T 8170—2008 §3.3 (round half to even).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

import polars as pl

from qingshan import exact
from qingshan.standards import gb3838
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_values import NANO, NANO_DIGITS, nano_from_rational, nano_of_fraction

PH_DIGITS = 50  # water.md §8: [H⁺] mean with decimal at 50 significant digits
PH_TEXT_DIGITS = 40  # unrounded pH mean carried to the next level as text

#: Sources whose values carry HJ 212 data flags (a missing flag is a deviation there).
FLAGGED_SOURCES: frozenset[str] = frozenset({"hj212"})

#: Long observation frame taken by :func:`period_means`.
LONG_SCHEMA: Mapping[str, pl.DataType] = {
    "item": pl.Utf8,
    "value_nano": pl.Int64,  # null for a non-detect
    "nd": pl.Boolean,  # below detection limit (未检出)
    "dl_nano": pl.Int64,  # detection limit, nano-units (required for a non-detect)
    "flag": pl.Utf8,
    "source": pl.Utf8,
}


# --- scalar pieces ----------------------------------------------------------------------------


def evaluation_value(code: str, mean: Fraction, settings: WaterSettings = DEFAULT_SETTINGS) -> Fraction:
    """Round an exact mean once, half-even, to the §8 decimals of ``code`` (water.md §8 step 4).

    A non-zero mean that rounds to 0 keeps one significant figure (§8).

    Examples
    --------
    >>> evaluation_value("codmn", (Fraction("3.7") + Fraction("4.4")) / 2)
    Fraction(4, 1)
    """
    d = settings.decimals[code]
    r = Fraction(round(mean, d))
    if r == 0 and mean != 0 and settings.keep_one_significant:
        k = d
        while abs(mean) * 10**k < 1:
            k += 1
        r = Fraction(round(mean, k))
    return r


@lru_cache(maxsize=65536)
def _h_of_ph(text: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PH_DIGITS
        return Decimal(10) ** -Decimal(text)


def ph_mean(values: Sequence[Decimal | Fraction | str], method: str = "hydrogen_ion") -> Decimal:
    """Mean pH (water.md §8): ``hydrogen_ion`` −log10(mean of 10^(−pH)) at 50 significant
    digits, or ``arithmetic``. All-equal inputs return that value exactly.

    Examples
    --------
    >>> round(ph_mean(["5.6", "6.4"]), 3)
    Decimal('5.837')
    >>> ph_mean(["5.6", "6.4"], "arithmetic")
    Decimal('6')
    """
    if not values:
        raise ValueError("pH 均值需要至少一个值")
    texts = [_dec_text(v) for v in values]
    with localcontext() as ctx:
        ctx.prec = PH_DIGITS
        if len(set(Decimal(t) for t in texts)) == 1:
            return Decimal(texts[0])
        if method == "arithmetic":
            f = sum((Fraction(t) for t in texts), Fraction(0)) / len(texts)
            return Decimal(f.numerator) / Decimal(f.denominator)
        if method != "hydrogen_ion":
            raise ValueError("ph_mean_method 只能是 hydrogen_ion 或 arithmetic")
        h = sum((_h_of_ph(t) for t in texts), Decimal(0)) / len(texts)
        return -h.log10()


def _dec_text(v: Decimal | Fraction | str) -> str:
    if isinstance(v, Fraction):
        with localcontext() as ctx:
            ctx.prec = PH_DIGITS
            return str(Decimal(v.numerator) / Decimal(v.denominator))
    return str(v)


def ph_text(x: Decimal) -> str:
    """An unrounded pH mean as a 40-significant-digit text (carried to the next level)."""
    with localcontext() as ctx:
        ctx.prec = PH_TEXT_DIGITS
        return str(+x)


def nano_of_decimal(x: Decimal) -> int:
    """Decimal → nano-units, rounded to odd beyond nine decimals (exact for shorter values)."""
    return nano_of_fraction(Fraction(x))


def mean_of_means(means: Sequence[Fraction]) -> Fraction:
    """Exact mean of exact, unrounded lower-level means (water.md §8 step 3)."""
    if not means:
        raise ValueError("均值需要至少一个值")
    return sum(means, Fraction(0)) / len(means)


# --- vectorised period means -----------------------------------------------------------------


def _valid_expr(settings: WaterSettings) -> pl.Expr:
    """hj212.md §9.3 as a polars predicate over ``flag`` and ``source``."""
    flagged = pl.col("source").is_in(sorted(FLAGGED_SOURCES))
    missing_ok = pl.lit(settings.statistics_missing_flag_valid) | ~flagged
    return (
        pl.when(pl.col("flag").is_null())
        .then(missing_ok)
        .otherwise(pl.col("flag").is_in(sorted(settings.statistics_valid_flags)))
    )


def _round_expr(sum2: pl.Expr, den: pl.Expr, decimals: int, keep_one_significant: bool) -> pl.Expr:
    """Half-even rounding of ``sum2/den`` (units) to ``decimals``; nano-units out (Int64)."""
    step = 10 ** (NANO_DIGITS - decimals)
    r = exact.round_half_even(sum2 * 10**decimals, den) * step
    if not keep_one_significant:
        return r.cast(pl.Int64)
    out = r
    # first decimal position k > decimals where the mean has a non-zero digit: round there
    for k in range(NANO_DIGITS, decimals, -1):
        rk = exact.round_half_even(sum2 * 10**k, den) * 10 ** (NANO_DIGITS - k)
        out = pl.when((r == 0) & (sum2 > 0) & (sum2 * 10**k >= den)).then(rk).otherwise(out)
    return out.cast(pl.Int64)


def period_means(
    long: pl.DataFrame,
    keys: Sequence[str],
    *,
    settings: WaterSettings = DEFAULT_SETTINGS,
    min_results: int = 1,
    count_months: bool = False,
) -> pl.DataFrame:
    """Exact period means and evaluation values per ``keys`` + item (water.md §3, §8).

    ``long`` has the ``keys`` columns plus :data:`LONG_SCHEMA` (``value_nano`` Int64 nano-units,
    ``nd``, ``dl_nano``, ``flag``, ``source``) and ``time`` when ``count_months``.

    Returns one row per (keys, item):

    ``n_total``     values of the period (all flags)
    ``n_valid``     values entering the mean (§9.3 policy)
    ``n_nd``        non-detects among them
    ``excluded``    JSON ``{flag: count}`` of the values left out (hj212.md §9.3)
    ``mean``        exact unrounded mean, :data:`qingshan.exact.RATIONAL` (pH: arithmetic)
    ``ph_exact``    pH only: the unrounded pH mean per ``ph_mean_method``, 40-digit text
    ``value_nano``  the evaluation value (rounded once per §8); pH: the unrounded mean
                    (nano-units, rounded to odd) — it decides the class (§8 step 5)
    ``published``   the evaluation value as published (pH with 0 decimals)
    ``sufficient``  the data requirement is met (``min_results`` values, or months with a
                    valid value when ``count_months``); otherwise ``value_nano`` is null
    """
    keys = list(keys)
    if long.is_empty():
        return pl.DataFrame(schema={**{k: long.schema.get(k, pl.Utf8) for k in keys}, **_OUT_SCHEMA})
    nd_value2 = {
        "half_dl": pl.col("dl_nano"),
        "dl": pl.col("dl_nano") * 2,
        "zero": pl.lit(0, pl.Int64),
    }[settings.non_detect]
    f = long.with_columns(
        _ok=_valid_expr(settings) & (pl.col("value_nano").is_not_null() | (pl.col("nd") & pl.col("dl_nano").is_not_null())),
        _v2=pl.when(pl.col("nd")).then(nd_value2).otherwise(pl.col("value_nano") * 2).cast(pl.Int128),
    )
    aggs = [
        pl.len().cast(pl.Int64).alias("n_total"),
        pl.col("_ok").sum().cast(pl.Int64).alias("n_valid"),
        (pl.col("_ok") & pl.col("nd")).sum().cast(pl.Int64).alias("n_nd"),
        pl.col("_v2").filter(pl.col("_ok")).sum().alias("_sum2"),
        pl.col("flag").filter(~pl.col("_ok")).fill_null("<无标记>").alias("_bad"),
    ]
    if count_months:
        aggs.append(pl.col("time").filter(pl.col("_ok")).dt.truncate("1mo").n_unique().cast(pl.Int64).alias("_months"))
    g = f.group_by([*keys, "item"], maintain_order=True).agg(aggs)
    if not count_months:
        g = g.with_columns(_months=pl.col("n_valid"))
    den = (pl.col("n_valid").cast(pl.Int128) * 2 * NANO)
    g = g.with_columns(
        sufficient=(pl.col("n_valid") > 0) & (pl.col("_months") >= min_results),
        mean=pl.when(pl.col("n_valid") > 0).then(exact.rational(pl.col("_sum2"), den)),
        excluded=pl.col("_bad").map_elements(_count_json, return_dtype=pl.Utf8),
    )
    # rounding per item (§8 step 4): one expression per distinct decimals value
    value = pl.lit(None, pl.Int64)
    for code in g["item"].unique().to_list():
        if code in settings.decimals:
            r = _round_expr(pl.col("_sum2"), den, settings.decimals[code], settings.keep_one_significant)
        else:  # no row in the §8 table (chlorophyll-a, Secchi depth …): carried unrounded (§7)
            r = nano_from_rational(pl.struct(num=pl.col("_sum2"), den=den))
        value = pl.when(pl.col("item") == code).then(r).otherwise(value)
    g = g.with_columns(value_nano=pl.when(pl.col("sufficient")).then(value), ph_exact=pl.lit(None, pl.Utf8))
    g = _ph_rows(g, f, keys, settings)
    g = g.with_columns(published=_published_expr(settings))
    return g.select(*keys, *_OUT_SCHEMA).cast(_OUT_SCHEMA)  # type: ignore[arg-type]


_OUT_SCHEMA: Mapping[str, pl.DataType] = {
    "item": pl.Utf8,
    "n_total": pl.Int64,
    "n_valid": pl.Int64,
    "n_nd": pl.Int64,
    "excluded": pl.Utf8,
    "mean": exact.RATIONAL,
    "ph_exact": pl.Utf8,
    "value_nano": pl.Int64,
    "published": pl.Utf8,
    "sufficient": pl.Boolean,
}


def _count_json(xs: pl.Series) -> str:
    vals = xs.to_list()
    return json.dumps({k: vals.count(k) for k in sorted(set(vals))}, ensure_ascii=False) if vals else "{}"


def _ph_rows(g: pl.DataFrame, f: pl.DataFrame, keys: list[str], settings: WaterSettings) -> pl.DataFrame:
    """pH groups: the unrounded pH mean per ``ph_mean_method`` (Decimal; few groups)."""
    if not (g["item"] == "ph").any():
        return g
    ph = (
        f.filter((pl.col("item") == "ph") & pl.col("_ok") & pl.col("value_nano").is_not_null())
        .group_by(keys, maintain_order=True)
        .agg(pl.col("value_nano").alias("_vals"))
    )
    texts, nanos = [], []
    for vals in ph["_vals"].to_list():
        m = ph_mean([Fraction(v, NANO) for v in vals], settings.ph_mean_method)
        texts.append(ph_text(m))
        nanos.append(nano_of_decimal(m))
    ph = ph.with_columns(
        pl.Series("_ph_exact", texts, pl.Utf8), pl.Series("_ph_nano", nanos, pl.Int64), item=pl.lit("ph")
    ).drop("_vals")
    g = g.join(ph, on=[*keys, "item"], how="left", nulls_equal=True)
    is_ph = pl.col("item") == "ph"
    return g.with_columns(
        value_nano=pl.when(is_ph).then(pl.when(pl.col("sufficient")).then(pl.col("_ph_nano"))).otherwise(pl.col("value_nano")),
        ph_exact=pl.when(is_ph).then(pl.col("_ph_exact")).otherwise(pl.col("ph_exact")),
    ).drop("_ph_exact", "_ph_nano")


def _published_expr(settings: WaterSettings) -> pl.Expr:
    """Evaluation value as text with the §8 decimals (pH: its unrounded mean rounded to 0)."""
    out = pl.lit(None, pl.Utf8)
    v = pl.col("value_nano")
    for code, d in settings.decimals.items():
        units = exact.round_half_even(v, 10 ** (NANO_DIGITS - d))
        if d == 0:
            txt = units.cast(pl.Utf8)
        else:
            q = units // 10**d
            r = (units % 10**d).cast(pl.Utf8).str.zfill(d)
            txt = pl.format("{}.{}", q, r)
        # a value kept to one significant figure has more decimals than the table: show them
        extra = (v % 10 ** (NANO_DIGITS - d)) != 0
        if code != "ph":
            fine = _fine_text(v)
            txt = pl.when(extra).then(fine).otherwise(txt)
        out = pl.when(pl.col("item") == code).then(txt).otherwise(out)
    out = pl.when(pl.col("item").is_in(list(settings.decimals))).then(out).otherwise(_fine_text(v))
    return pl.when(v.is_not_null()).then(out)


def _fine_text(v: pl.Expr) -> pl.Expr:
    """Nano-units → shortest decimal text (trailing zeros dropped)."""
    q = (v // NANO).cast(pl.Utf8)
    r = (v % NANO).cast(pl.Utf8).str.zfill(NANO_DIGITS).str.strip_chars_end("0")
    return pl.when(r == "").then(q).otherwise(pl.format("{}.{}", q, r))


def to_wide(means: pl.DataFrame, keys: Sequence[str], *, column: str = "value_nano") -> pl.DataFrame:
    """Long evaluation values → one row per ``keys`` with one exact column per item (rational
    ``{num, den}``), ready for :func:`qingshan.standards.water_evaluation.classify`."""
    keys = list(keys)
    if means.is_empty():
        return pl.DataFrame(schema={k: means.schema[k] for k in keys})
    if column == "mean":
        val = pl.col("mean")
    else:
        val = exact.rational(pl.col(column), NANO)
    wide = means.select(*keys, "item", _v=val).pivot(on="item", index=keys, values="_v", aggregate_function=None)
    order = [c for c in gb3838.ITEM_CODES if c in wide.columns]
    return wide.select(*keys, *order)


def exclusions(means: pl.DataFrame) -> dict[str, int]:
    """Total values excluded per flag over a frame of :func:`period_means` rows."""
    out: dict[str, int] = {}
    for text in means["excluded"].to_list():
        for k, v in json.loads(text or "{}").items():
            out[k] = out.get(k, 0) + int(v)
    return out


def ph_means_of(texts: Iterable[str], method: str) -> Decimal:
    """pH of an upper level from the lower levels' unrounded pH means (40-digit texts)."""
    return ph_mean([Decimal(t) for t in texts], method)
