"""Per-row checks shared by the importers: values, duplicates (messages in Chinese)."""

from __future__ import annotations

import re

import polars as pl

from qingshan import exact

#: Cell texts that mean "no value" in bureau exports (not an error, just missing).
MISSING_MARKERS = frozenset({"", "-", "--", "—", "——", "/", "na", "n/a", "nan", "null", "none", "无", "缺测", "#n/a"})

_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING_MARKERS


def check_value(text: str | None) -> tuple[int | None, str | None]:
    """Cell text → (micro-units, None) or (None, reason); missing → (None, None).

    Exact: the decimal text is converted with :func:`qingshan.exact.scaled_from_str`.
    A negative concentration is rejected (air-aqi.md §1: never a value).
    """
    if is_missing(text):
        return None, None
    t = text.strip()
    if not _NUM_RE.match(t):
        return None, f"数值「{t}」不是数字"
    micro = pl.select(exact.scaled_from_str(pl.lit(t))).item()
    if micro is None:
        return None, f"数值「{t}」不是数字"
    if micro < 0:
        return None, f"浓度为负数（{t}），不是有效值"
    return micro, None


def values_micro(texts: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Vectorised :func:`check_value`: (micro Int64, reason Utf8) per cell."""
    s = texts.cast(pl.Utf8).str.strip_chars()
    frame = pl.DataFrame({"t": s})
    out = frame.select(
        missing=pl.col("t").is_null() | pl.col("t").str.to_lowercase().is_in(list(MISSING_MARKERS)),
        micro=exact.scaled_from_str(pl.col("t")),
        t=pl.col("t"),
    ).select(
        micro=pl.when(~pl.col("missing") & (pl.col("micro") >= 0)).then(pl.col("micro")),
        reason=pl.when(pl.col("missing"))
        .then(None)
        .when(pl.col("micro").is_null())
        .then(pl.format("数值「{}」不是数字", pl.col("t")))
        .when(pl.col("micro") < 0)
        .then(pl.format("浓度为负数（{}），不是有效值", pl.col("t"))),
    )
    return out["micro"], out["reason"]


def check_columns(frame: pl.DataFrame, columns: list[str]) -> dict[str, tuple[pl.Series, pl.Series]]:
    """:func:`values_micro` for several text columns in one pass (one polars query)."""
    exprs = []
    for c in columns:
        t = pl.col(c).cast(pl.Utf8).str.strip_chars()
        missing = t.is_null() | t.str.to_lowercase().is_in(list(MISSING_MARKERS))
        micro = exact.scaled_from_str(t)
        exprs.append(pl.when(~missing & (micro >= 0)).then(micro).alias(f"m_{c}"))
        exprs.append(
            pl.when(missing)
            .then(None)
            .when(micro.is_null())
            .then(pl.format("数值「{}」不是数字", t))
            .when(micro < 0)
            .then(pl.format("浓度为负数（{}），不是有效值", t))
            .alias(f"r_{c}")
        )
    out = frame.select(exprs) if exprs else pl.DataFrame()
    return {c: (out[f"m_{c}"], out[f"r_{c}"]) for c in columns}
