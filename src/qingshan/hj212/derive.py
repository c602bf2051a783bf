"""Values derived from stored HJ 212 data packets: one long frame of exact values with periods.

Pure functions over polars frames (no I/O). Input is the ``hj212_data`` index joined with the
raw archive: a frame with columns ``raw_id, mn, cn, datatime, raw`` (``raw`` the packet bytes
as received; the values are read from them with the codec, so the archive is their single
source).

* :func:`flatten` — one row per (packet, factor, field), value exact in micro-units
  (:func:`qingshan.exact.scaled_from_str`, hj212.md §5.1: numbers are kept as received text),
  the factor's ``-Flag`` on every row of that factor, and ``raw_id`` so every value traces to
  its packet in the raw archive.
* :func:`with_period` — the period each value covers, hj212.md §11: 2011/2021 are instants;
  2051 minute, 2061 hour and 2031/2041 day values are labelled by the **start** of the period
  by default (``datatime_label="start"``, UNCONFIRMED) or by its end (``"end"``).
* :func:`valid_mask` — the single data-flag policy of hj212.md §9.3.
* :func:`aggregate` — period means of valid values, exact (rational ``{num, den}``), with the
  per-flag exclusion counts §9.3 requires and the aggregated flag of Appendix C
  (hj212.md §9.3 "Aggregated flags").

References
----------
.. [1] ../shared/standards/hj212.md §5 (CP grammar, data types), §9.3 (data flags and the
       statistics policy), §11 (DataTime semantics, ``datatime_label``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import polars as pl

from qingshan import exact
from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.packet import parse

#: hj212.md §9.3 — default ``statistics_valid_flags``.
DEFAULT_VALID_FLAGS = frozenset({"N"})

LONG_SCHEMA = {
    "raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"),
    "factor": pl.String, "field": pl.String, "text": pl.String, "value": pl.Int64, "flag": pl.String,
}


def flatten(records: pl.DataFrame) -> pl.DataFrame:
    """Data packets → long frame ``raw_id, mn, cn, datatime, factor, field, text, value, flag``.

    ``records`` may carry ``received_at``: the receive order for value-level deduplication
    (else ``raw_id`` order, which the gateway's writer allocates in commit order).

    ``value`` is the exact micro-unit integer of ``text`` (null when the text is not a number,
    e.g. a ``-Flag`` letter is not carried as a row). ``flag`` is the factor's ``-Flag`` letter,
    null when absent (hj212.md §9.3: then the value does not enter statistics by default).
    """
    rows: list[tuple] = []
    order = ["received_at", "raw_id"] if "received_at" in records.columns else ["raw_id"]
    for raw_id, mn, cn, dt, raw in records.sort(order).select("raw_id", "mn", "cn", "datatime", "raw").iter_rows():
        # Lenient: the gateway accepted this packet already; a tolerated deviation must not
        # hide its values here.
        try:
            factors = parse(raw, lenient=True).values_2017  # 2005 codes → 2017 (§12.4), so limits match
        except HJ212Error:  # one record that does not parse (any more) never aborts the rest
            continue
        for code, fields in factors.items():
            flag = fields.get("Flag")
            for field, text in fields.items():
                if field in ("Flag", "EFlag", "SampleTime", "Info", "SN"):
                    continue
                rows.append((raw_id, mn, cn, dt, code, field, text, flag))
    frame = pl.DataFrame(rows, schema=[(k, v) for k, v in LONG_SCHEMA.items() if k != "value"], orient="row")
    # hj212.md §10.5 rule 7: a resend split differently (P5 + P8, then the same hour unsplit)
    # has other dedup keys, so both are stored; at value level one (MN, CN, DataTime, factor)
    # is one value — the first received keeps it (rules 5 and 7; rows are in receive order),
    # with all its fields: a factor's Avg, Cou … and its Flag are one report of the period and
    # qualify each other, so they are never mixed from two packets. The values table
    # ``hj212_value`` keeps the same value (first committed). Values without DataTime are
    # never deduplicated (§10.5 item 4).
    key = ["mn", "cn", "datatime", "factor"]
    timed = frame.filter(pl.col("datatime").is_not_null())
    timed = timed.filter(pl.col("raw_id") == pl.col("raw_id").first().over(key))
    frame = pl.concat([timed, frame.filter(pl.col("datatime").is_null())]).sort("raw_id", maintain_order=True)
    return frame.with_columns(value=exact.scaled_from_str(pl.col("text"))).select(list(LONG_SCHEMA))


def with_period(frame: pl.DataFrame, datatime_label: str = "start", min_interval_minutes: int = 10
                ) -> pl.DataFrame:
    """Add ``period_start``/``period_end`` per hj212.md §11.

    Parameters
    ----------
    datatime_label : {"start", "end"}
        Whether DataTime of 2051/2061/2031/2041 is the start (default) or the end of the period
        (hj212.md §11, setting ``datatime_label``, UNCONFIRMED). May also be a column name of
        ``frame`` holding the label per row (per-device override).
    min_interval_minutes : int
        Length of a 2051 period [min] (the device's ``MinInterval``, hj212.md §5.2).
    """
    if datatime_label in ("start", "end"):
        label = pl.lit(datatime_label)
    else:
        label = pl.col(datatime_label)
    dt = pl.col("datatime")
    length = (
        pl.when(pl.col("cn") == "2051").then(pl.duration(minutes=min_interval_minutes))
        .when(pl.col("cn") == "2061").then(pl.duration(hours=1))
        .when(pl.col("cn").is_in(["2031", "2041"])).then(pl.duration(days=1))
        .otherwise(pl.duration(seconds=0))
    )
    start = pl.when(label == "end").then(dt - length).otherwise(dt)
    return frame.with_columns(period_start=start, period_end=start + length)


def valid_mask(flag: pl.Expr | str = "flag", statistics_valid_flags: Iterable[str] = DEFAULT_VALID_FLAGS,
               statistics_missing_flag_valid: bool = False) -> pl.Expr:
    """hj212.md §9.3: a value enters means and statistics iff its flag is in
    ``statistics_valid_flags`` (default ``{"N"}``; only ``T`` and ``S`` may be added), or it has
    no flag and ``statistics_missing_flag_valid`` is true (default false).

    ``S`` values additionally need an audit mark in the store; this package has no audit
    marks yet, so ``S`` is refused here rather than silently admitted.
    """
    allowed = set(statistics_valid_flags)
    if not allowed <= {"N", "T", "S"} or "N" not in allowed:
        raise ValueError("statistics_valid_flags 只能是 {N} 加上 T 和/或 S（hj212.md §9.3）")
    if "S" in allowed:
        raise ValueError("S 需人工审核标记方可参与统计（hj212.md §9.3），本存储尚无审核标记")
    f = pl.col(flag) if isinstance(flag, str) else flag
    return pl.when(f.is_null()).then(pl.lit(statistics_missing_flag_valid)).otherwise(f.is_in(sorted(allowed)))


def aggregate(frame: pl.DataFrame, every: str, source_kind: str, field: str = "Rtd",
              statistics_valid_flags: Iterable[str] = DEFAULT_VALID_FLAGS,
              statistics_missing_flag_valid: bool = False) -> pl.DataFrame:
    """Period means of one field (e.g. real-time ``Rtd`` → hour) with exclusions and flags.

    Returns one row per (mn, factor, period): ``period_start`` (start label), ``mean``
    (exact rational of the valid values, null if none), ``n_valid``, ``n_total``,
    ``excluded`` (JSON ``{flag: count}``, hj212.md §9.3 "every mean reports how many values it
    excluded, per flag"), and ``flag`` per Appendix C (hj212.md §9.3):

    * ``source_kind="water"``: abnormal (``D``) if **any** value in the period is abnormal;
    * ``source_kind="gas"``: ``N`` if **≥ 75 %** of the values are normal, otherwise ``D``.

    ``every`` is a polars duration string (``"1h"``, ``"10m"``, ``"1d"``); periods are labelled
    by their start (hj212.md §11 default).
    """
    if source_kind not in ("gas", "water"):
        raise ValueError("source_kind 应为 gas 或 water")
    f = frame.filter(pl.col("field") == field).with_columns(
        ok=valid_mask("flag", statistics_valid_flags, statistics_missing_flag_valid) & pl.col("value").is_not_null(),
        period_start=pl.col("datatime").dt.truncate(every),
    )
    g = f.group_by("mn", "factor", "period_start").agg(
        total=pl.col("value").filter(pl.col("ok")).cast(pl.Int128).sum(),
        n_valid=pl.col("ok").sum().cast(pl.Int64),
        n_total=pl.len().cast(pl.Int64),
        bad_flags=pl.col("flag").filter(~pl.col("ok")).fill_null("<none>"),
    )
    share_ok = pl.col("n_valid") * 4 >= pl.col("n_total") * 3  # ≥ 75 %, exact
    flag = (pl.when(share_ok).then(pl.lit("N")).otherwise(pl.lit("D")) if source_kind == "gas"
            else pl.when(pl.col("n_valid") == pl.col("n_total")).then(pl.lit("N")).otherwise(pl.lit("D")))
    g = g.with_columns(
        mean=pl.when(pl.col("n_valid") > 0).then(
            exact.rational(pl.col("total"), pl.col("n_valid").cast(pl.Int128) * exact.SCALE)),
        flag=flag,
        excluded=pl.col("bad_flags").map_elements(
            lambda xs: json.dumps({k: xs.to_list().count(k) for k in sorted(set(xs.to_list()))}),
            return_dtype=pl.String),
    )
    return g.select("mn", "factor", "period_start", "mean", "n_valid", "n_total", "excluded", "flag").sort(
        "mn", "factor", "period_start")
