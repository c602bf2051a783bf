"""Import CNEMC hourly station files (the public archive format of ../shared/data/cnemc/).

Format (SOURCE.md): UTF-8 CSV, header ``timepoint, stationcode, longitude, latitude, area,
positionname, primarypollutant, aqi, pm10, pm10_24h, pm2_5, pm2_5_24h, o3, o3_24h, o3_8h,
o3_8h_24h, no2, no2_24h, so2, so2_24h, co, co_24h``; columns are matched by name, in any order.

What is stored
    The six hourly values SO₂, NO₂, CO, O₃, PM₁₀, PM₂.₅, exactly, as observations of source
    ``cnemc`` with no flag (CNEMC published values carry none, air-evaluation.md §4.3).
    **O₃ 1-h is the column labelled ``o3_24h``** (air-aqi.md §8.2a: the archive's O₃ labels are
    swapped; ``o3`` is a running 24-h maximum). The column mapping is the shared table
    :data:`qingshan.ingest.cnemc_format.CONCENTRATION_COLUMNS` (the one ``read_cnemc`` and the
    AQI engine use) restricted to the six hourly values, :data:`HOURLY_COLUMNS`. Moving averages (``*_24h``, ``o3_8h*``) are
    derived quantities, not observations, and are not stored. The published ``aqi`` and
    ``primarypollutant`` go to the ``air_published_aqi`` table.
Time
    ``timepoint`` is T, the hour end (air-evaluation.md §3, ``hour_label="end"`` for CNEMC).
Validation (per row, 1-based row numbers as in a spreadsheet, header = row 1)
    wrong column count, empty station code, bad time, duplicate station-hours (identical: the
    later rows are skipped; conflicting: every row of that station-hour is rejected), unknown
    station (unless ``register_stations``) → the row is rejected. A non-numeric or negative
    concentration → that value is rejected, the row's other values are kept.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from qingshan import exact
from qingshan.ingest import checks
from qingshan.ingest.encoding import EncodingError, decode_bytes
from qingshan.ingest.result import ImportFailed, ImportResult, RowError
from qingshan.ingest.times import TimeParseError, parse_hour
from qingshan.ingest.writer import commit, record_failure, sha256_of
from qingshan.ingest.cnemc_format import CONCENTRATION_COLUMNS
from qingshan.store.models_air import POLLUTANTS
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry

SOURCE = "cnemc"
REQUIRED = ("timepoint", "stationcode", "positionname", "area", "longitude", "latitude")

#: archive column → pollutant code of the store (air-aqi.md §8.2a: O₃ 1-h is ``o3_24h``).
#: Taken from the shared mapping table of :mod:`qingshan.ingest.cnemc_format` (the AQI engine
#: reads the same table), restricted to the six hourly observations.
HOURLY_COLUMNS: dict[str, str] = {
    src: dst for src, dst in CONCENTRATION_COLUMNS.items() if dst in POLLUTANTS
}


def _read_records(path: Path, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    text, encoding = decode_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    for i, rec in enumerate(reader, start=1):
        if header is None:
            header = [h.strip().lstrip("\ufeff").lower() for h in rec]
            continue
        if not any(c.strip() for c in rec):
            continue  # blank line
        records.append((i, rec))
    return header or [], records, encoding


def parse_cnemc(
    path: str | Path,
    data: bytes,
    *,
    known_codes: set[str],
    register_stations: bool = False,
    city: str | None = None,
) -> tuple[ImportResult, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Validate a CNEMC file. Returns (result, observations wide, published AQI, stations)."""
    path = Path(path)
    name = path.name
    result = ImportResult(path=path, kind="cnemc", sha256=sha256_of(data))
    try:
        header, records, result.encoding = _read_records(path, data)
    except EncodingError as exc:
        result.status = "failed"
        result.errors.append(RowError(name, None, None, str(exc)))
        raise ImportFailed(result, str(exc)) from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        reason = f"不是 CNEMC 小时数据文件：表头缺少列 {', '.join(missing)}"
        result.status = "failed"
        result.errors.append(RowError(name, 1, None, reason))
        raise ImportFailed(result, reason)
    ncol = len(header)
    idx = {h: i for i, h in enumerate(header)}
    result.rows_read = len(records)

    rejected: set[int] = set()
    errors: list[RowError] = []
    good: list[tuple[int, list[str], object]] = []
    seen: dict[tuple[str, object], tuple[int, tuple[str, ...]]] = {}
    groups: dict[tuple[str, object], list[int]] = {}
    conflicts: set[tuple[str, object]] = set()
    hours: dict[str, object] = {}
    for row, rec in records:
        if len(rec) != ncol:
            errors.append(RowError(name, row, None, f"列数不符：表头 {ncol} 列，此行 {len(rec)} 列"))
            rejected.add(row)
            continue
        code = rec[idx["stationcode"]].strip()
        if city is not None and rec[idx["area"]].strip() != city:
            result.rows_read -= 1  # outside the requested city: not part of this import
            continue
        if not code:
            errors.append(RowError(name, row, "stationcode", "站点编码为空"))
            rejected.add(row)
            continue
        try:
            stamp = rec[idx["timepoint"]]
            t = hours.get(stamp)
            if t is None:  # a file holds few distinct hours: parse each once
                t = hours[stamp] = parse_hour(stamp, "end")
        except TimeParseError as exc:
            errors.append(RowError(name, row, "timepoint", str(exc)))
            rejected.add(row)
            continue
        key = (code, t)
        content = tuple(c.strip() for c in rec)
        if key in seen:
            first_row, first_content = seen[key]
            groups[key].append(row)
            if content == first_content and key not in conflicts:
                errors.append(RowError(name, row, None, f"与第 {first_row} 行重复（同一站点同一小时，内容相同），已跳过"))
                rejected.add(row)
            else:
                conflicts.add(key)
            continue
        seen[key] = (row, content)
        groups[key] = [row]
        if code not in known_codes and not register_stations:
            errors.append(
                RowError(name, row, "stationcode", f"站点编码 {code} 未登记（可先登记站点，或导入时加 --register-stations）")
            )
            rejected.add(row)
            continue
        good.append((row, rec, t))
    for key in conflicts:
        rows = groups[key]
        listed = "、".join(str(r) for r in rows)
        for r in rows:
            if r in rejected:
                # an identical copy flagged before the conflict showed up: one message is enough
                errors[:] = [e for e in errors if not (e.row == r and "重复" in e.reason)]
            errors.append(
                RowError(name, r, None, f"站点 {key[0]} 在 {key[1]:%Y-%m-%d %H:%M} 有多行且内容不同（第 {listed} 行），均未导入")
            )
            rejected.add(r)
    good = [g for g in good if g[0] not in rejected]

    cols = header
    text = pl.DataFrame([g[1] for g in good], schema={c: pl.Utf8 for c in cols}, orient="row") if good else pl.DataFrame(schema={c: pl.Utf8 for c in cols})
    rows_s = pl.Series("row", [g[0] for g in good], pl.Int64)
    times = pl.Series("time", [g[2] for g in good], pl.Datetime("us"))
    # field-level checks on the raw text: a non-numeric or negative value is rejected alone
    checked = checks.check_columns(text, [c for c in (*HOURLY_COLUMNS, "aqi") if c in text.columns])
    aqi_checked = checked.pop("aqi", None)
    # exact micro-units from the text (the same exact.scaled_from_str the shared reader uses)
    values = pl.DataFrame(
        {
            pol: checked[col][0] if col in checked else pl.Series(pol, [None] * text.height, pl.Int64)
            for col, pol in HOURLY_COLUMNS.items()
        }
    )
    for col, pol in HOURLY_COLUMNS.items():
        if col not in checked:
            continue
        reason = checked[col][1]
        bad = reason.is_not_null()
        for r, why in zip(rows_s.filter(bad).to_list(), reason.filter(bad).to_list(), strict=True):
            errors.append(RowError(name, r, col, why))
        values = values.with_columns(pl.when(~bad).then(pl.col(pol)).alias(pol))
    # micro-units → exact rationals (an Int64 column would be read as whole units by the store)
    values = values.select(exact.rational(pl.col(p), exact.SCALE).alias(p) for p in values.columns)
    obs = pl.concat(
        [pl.DataFrame({"station_code": text["stationcode"].str.strip_chars(), "time": times}), values], how="horizontal"
    )
    aqi_micro, aqi_reason = aqi_checked if aqi_checked is not None else (None, None)
    if aqi_reason is not None:
        bad = aqi_reason.is_not_null()
        for r, why in zip(rows_s.filter(bad).to_list(), aqi_reason.filter(bad).to_list(), strict=True):
            errors.append(RowError(name, r, "aqi", why))
    published = pl.DataFrame(
        {
            "station_code": obs["station_code"],
            "time": times,
            "aqi": (aqi_micro // 1_000_000) if aqi_micro is not None else pl.Series([None] * len(good), dtype=pl.Int64),
            "primary_pollutant": text["primarypollutant"].str.strip_chars().replace("", None)
            if "primarypollutant" in text.columns
            else pl.Series([None] * len(good), dtype=pl.Utf8),
        }
    )
    stations = pl.DataFrame(
        {
            "code": obs["station_code"],
            "name": text["positionname"].str.strip_chars(),
            "city_name": text["area"].str.strip_chars().replace("", None),
            "lon": text["longitude"].str.strip_chars().cast(pl.Float64, strict=False),
            "lat": text["latitude"].str.strip_chars().cast(pl.Float64, strict=False),
        }
    )
    errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    result.errors = errors
    result.rows_rejected = len(rejected)
    result.rows_kept = len(good)
    return result, obs, published, stations


def import_cnemc(
    path: str | Path,
    store: ObservationStore | None = None,
    *,
    register_stations: bool = False,
    city: str | None = None,
    url: str | None = None,
) -> ImportResult:
    """Validate and import one CNEMC file in one transaction; see the module doc."""
    own = store is None
    store = store or ObservationStore(url)
    registry = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    try:
        data = Path(path).read_bytes()
        try:
            result, obs, published, stations = parse_cnemc(
                path, data, known_codes=registry.codes(), register_stations=register_stations, city=city
            )
        except ImportFailed as exc:  # the whole file is refused: say so in import_batches too
            record_failure(store, exc.result, str(exc))
            raise
        return commit(
            result,
            store,
            observations=obs,
            source=SOURCE,
            registry=registry if register_stations else None,
            stations=stations,
            published_aqi=published,
        )
    finally:
        if own:
            store.close()
