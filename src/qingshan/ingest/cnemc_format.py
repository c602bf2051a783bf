"""Column mapping of the CNEMC hourly archive format (../shared/data/cnemc/), as data.

The archive (HeQinWill/CNEMC) labels two ozone columns the wrong way round. Verified on 8,029
real 2022 station-hours (air-aqi.md §8.2a, E7):

* ``o3_24h`` holds the **current 1-hour O3** → our ``o3``;
* ``o3`` holds a running 24-h maximum of the 1-hour O3 → ``o3_max_24h`` (not used by the AQI);
* by analogy (UNCONFIRMED), ``o3_8h_24h`` is the current 8-h moving average → ``o3_8h``, and
  ``o3_8h`` a running maximum → ``o3_8h_max``. Setting ``archive_o3_8h_column`` (default
  ``"o3_8h_24h"``) picks the column taken as the 8-h moving average; the other one becomes
  ``o3_8h_max``.

``timepoint`` is the hour-end label T in Beijing time (air-evaluation.md §3, ``hour_label`` =
``"end"`` for this source). Concentrations are kept exact: parsed from their text into
``exact.RATIONAL`` structs (µg/m³; CO mg/m³); empty, non-numeric or negative text → null.
Validation with per-row messages is the importer's job (:mod:`qingshan.ingest.cnemc`).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping

import polars as pl

from qingshan import exact

#: Archive column → our column, for the non-concentration fields.
META_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "stationcode": "stationcode",
        "timepoint": "timepoint",
        "area": "area",
        "positionname": "positionname",
        "longitude": "longitude",
        "latitude": "latitude",
        "aqi": "published_aqi",
        "primarypollutant": "published_primary",
    }
)

#: Archive column → our concentration column (air-aqi.md §8.2a). The two O3 8-h entries are
#: those of the default ``archive_o3_8h_column="o3_8h_24h"``.
CONCENTRATION_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "so2": "so2",
        "so2_24h": "so2_24h",
        "no2": "no2",
        "no2_24h": "no2_24h",
        "co": "co",
        "co_24h": "co_24h",
        "pm10": "pm10",
        "pm10_24h": "pm10_24h",
        "pm2_5": "pm25",
        "pm2_5_24h": "pm25_24h",
        "o3_24h": "o3",  # swapped label: the current 1-h O3 (verified, §8.2a)
        "o3": "o3_max_24h",  # running 24-h maximum, not used
        "o3_8h_24h": "o3_8h",  # swapped by analogy (UNCONFIRMED): current 8-h moving average
        "o3_8h": "o3_8h_max",  # running maximum, not used
    }
)

#: Output column order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "stationcode",
    "timepoint",
    "area",
    "positionname",
    "longitude",
    "latitude",
    "published_aqi",
    "published_primary",
    "so2",
    "no2",
    "co",
    "o3",
    "pm10",
    "pm25",
    "so2_24h",
    "no2_24h",
    "co_24h",
    "o3_8h",
    "pm10_24h",
    "pm25_24h",
    "o3_max_24h",
    "o3_8h_max",
)

_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


def column_mapping(archive_o3_8h_column: Literal["o3_8h_24h", "o3_8h"] = "o3_8h_24h") -> dict[str, str]:
    """Archive concentration column → our column, for the chosen O3 8-h column."""
    if archive_o3_8h_column not in ("o3_8h_24h", "o3_8h"):
        raise ValueError(f"archive_o3_8h_column 只能是 o3_8h_24h 或 o3_8h，而不是 {archive_o3_8h_column!r}")
    m = dict(CONCENTRATION_COLUMNS)
    if archive_o3_8h_column == "o3_8h":
        m["o3_8h"], m["o3_8h_24h"] = "o3_8h", "o3_8h_max"
    return m


def read_cnemc(
    path_or_frame: str | Path | pl.DataFrame,
    *,
    archive_o3_8h_column: Literal["o3_8h_24h", "o3_8h"] = "o3_8h_24h",
) -> pl.DataFrame:
    """Read a CNEMC archive file (or a frame of its text columns) into the engine's columns.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A UTF-8 CSV of the archive format, or a frame with its columns (any dtype; text is
        parsed exactly). Columns are matched by name (case-insensitive); absent ones are null.
    archive_o3_8h_column : {"o3_8h_24h", "o3_8h"}
        The archive column taken as the current O3 8-h moving average (air-aqi.md §8.2a,
        UNCONFIRMED).

    Returns
    -------
    DataFrame
        ``stationcode``, ``timepoint`` (Datetime, hour end, naive Beijing time), ``area``,
        ``positionname``, ``longitude``, ``latitude`` (Float64), ``published_aqi`` (Int64),
        ``published_primary`` (Utf8, "" when empty), then the concentrations as exact
        ``exact.RATIONAL`` structs: ``so2, no2, co, o3, pm10, pm25`` (1-h),
        ``so2_24h, no2_24h, co_24h, pm10_24h, pm25_24h`` (24-h moving averages), ``o3_8h``
        (8-h moving average), ``o3_max_24h``, ``o3_8h_max`` (running maxima, not used).
        One row per input row, same order.
    """
    if isinstance(path_or_frame, pl.DataFrame):
        raw = path_or_frame
    else:
        raw = pl.read_csv(path_or_frame, infer_schema=False, encoding="utf8")
    raw = raw.rename({c: c.strip().lstrip("\ufeff").lower() for c in raw.columns})
    mapping = column_mapping(archive_o3_8h_column)
    exprs: list[pl.Expr] = []

    def text(col: str) -> pl.Expr:
        if col not in raw.columns:
            return pl.lit(None, dtype=pl.Utf8)
        return pl.col(col).cast(pl.Utf8).str.strip_chars()

    for src, dst in META_COLUMNS.items():
        t = text(src)
        if dst == "timepoint":
            e = pl.coalesce([t.str.to_datetime(f, strict=False) for f in _TIME_FORMATS])
        elif dst in ("longitude", "latitude"):
            e = t.cast(pl.Float64, strict=False)
        elif dst == "published_aqi":
            e = t.cast(pl.Int64, strict=False)
        elif dst == "published_primary":
            e = t.fill_null("")
        else:
            e = t
        exprs.append(e.alias(dst))
    for src, dst in mapping.items():
        if src in raw.columns and isinstance(raw.schema[src], pl.Struct):
            e = exact.as_rational(pl.col(src), raw.schema[src])
        else:
            e = exact.as_rational(text(src), pl.Utf8)
        exprs.append(e.alias(dst))
    return raw.select(exprs).select(OUTPUT_COLUMNS)
