"""Value checks shared by the importers (messages in Chinese)."""

from __future__ import annotations

import polars as pl

from qingshan import exact

#: Cell texts that mean "no value" in bureau exports (not an error, just missing).
MISSING_MARKERS = frozenset({"", "-", "--", "—", "——", "/", "na", "n/a", "nan", "null", "none", "无", "缺测", "#n/a"})


def micro_text(micro: int) -> str:
    """Micro-units → the shortest exact decimal text (for messages): 1000000 → "1", 62500000 → "62.5"."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), exact.SCALE)
    return f"{sign}{whole}" + (f".{frac:06d}".rstrip("0") if frac else "")

def values_micro(texts: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Cell texts → (micro-units Int64, reason Utf8) per cell; see :func:`check_columns`."""
    return check_columns(pl.DataFrame({"t": texts.cast(pl.Utf8)}), ["t"])["t"]


#: Full-width digits, point and signs as a Chinese input method types them → ASCII (the value is
#: the same number; other scripts' digits stay text and are refused as not a number).
FULL_WIDTH = list("０１２３４５６７８９．＋－")
ASCII = list("0123456789.+-")


def check_columns(frame: pl.DataFrame, columns: list[str]) -> dict[str, tuple[pl.Series, pl.Series]]:
    """Concentration texts → exact micro-units, or the reason they are not a value.

    One polars query for all ``columns``. Exact: :func:`qingshan.exact.scaled_from_str`. A
    missing marker gives (null, null); text that is not a decimal number, a number too large to
    hold exactly (more than 9,223,372,036,854.775807 units, :data:`qingshan.exact.MAX_SCALED`),
    or a negative value (air-aqi.md §1: never a concentration) gives (null, reason in Chinese).
    """
    if not columns:
        return {}
    # three passes, each expression built once: the parse is a long expression, and repeating it
    # inside when/then chains multiplied polars' planning time (several seconds per chunk)
    stripped = frame.select(
        pl.col(c).cast(pl.Utf8).str.strip_chars().str.replace_many(FULL_WIDTH, ASCII).alias(f"t_{c}") for c in columns)
    parsed = stripped.with_columns(
        e
        for c in columns
        for e in (
            exact.scaled_from_str(pl.col(f"t_{c}")).alias(f"v_{c}"),
            exact.text_exceeds_scale(pl.col(f"t_{c}")).alias(f"big_{c}"),
            (pl.col(f"t_{c}").is_null() | pl.col(f"t_{c}").str.to_lowercase().is_in(list(MISSING_MARKERS))).alias(f"miss_{c}"),
        )
    )
    exprs = []
    for c in columns:
        t, v, big, miss = pl.col(f"t_{c}"), pl.col(f"v_{c}"), pl.col(f"big_{c}"), pl.col(f"miss_{c}")
        exprs.append(pl.when(~miss & (v >= 0)).then(v).alias(f"m_{c}"))  # null when too large
        exprs.append(
            pl.when(miss)
            .then(None)
            .when(big)
            .then(pl.format("数值「{}」过大，超出可精确保存的范围（最大 9223372036854.775807），不是有效值", t))
            .when(v.is_null())
            .then(pl.format("数值「{}」不是数字", t))
            .when(v < 0)
            .then(pl.format("浓度为负数（{}），不是有效值", t))
            .alias(f"r_{c}")
        )
    out = parsed.select(exprs)
    return {c: (out[f"m_{c}"], out[f"r_{c}"]) for c in columns}
