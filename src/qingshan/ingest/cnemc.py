"""Import CNEMC hourly station files (the public archive format of ../shared/data/cnemc/).

Format (SOURCE.md): UTF-8 CSV, header ``timepoint, stationcode, longitude, latitude, area,
positionname, primarypollutant, aqi, pm10, pm10_24h, pm2_5, pm2_5_24h, o3, o3_24h, o3_8h,
o3_8h_24h, no2, no2_24h, so2, so2_24h, co, co_24h``; columns are matched by name, in any order.

What is stored
    The six hourly values SO₂, NO₂, CO, O₃, PM₁₀, PM₂.₅, exactly, as observations of source
    ``cnemc`` with no flag (CNEMC published values carry none, air-evaluation.md §4.3), except
    above an analyser's range, where they get ``T`` (:mod:`qingshan.ingest.plausibility`).
    **O₃ 1-h is the column labelled ``o3_24h``** (air-aqi.md §8.2a: the archive's O₃ labels are
    swapped; ``o3`` is a running 24-h maximum). The column mapping is the shared table
    :data:`qingshan.ingest.cnemc_format.CONCENTRATION_COLUMNS` (the one ``read_cnemc`` and the
    AQI engine use) restricted to the six hourly values, :data:`HOURLY_COLUMNS`. Moving averages
    (``*_24h``, ``o3_8h*``) are derived quantities, not observations, and are not stored. The
    published ``aqi`` and ``primarypollutant`` go to the ``air_published_aqi`` table.
Time
    ``timepoint`` is T, the hour end (air-evaluation.md §3, ``hour_label="end"`` for CNEMC).
Validation (per row, 1-based row numbers as in a spreadsheet, header = row 1)
    wrong column count, empty station code, bad time, unknown station (unless
    ``register_stations``), a last line cut off (no line break at the end of the file) → the
    row is rejected. A non-numeric, negative, too large or implausible concentration → that
    value is rejected, the row's other values are kept. Several rows for one station-hour: the
    rows are compared as a whole (stored values and published AQI); identical copies after the
    first are skipped, different ones follow :class:`qingshan.store.staging.WithinFile`.
Memory
    The file is read in chunks of :data:`qingshan.ingest.source_file.CHUNK_ROWS` rows; peak
    memory does not grow with the file (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from qingshan.ingest import checks
from qingshan.ingest.cnemc_format import CONCENTRATION_COLUMNS
from qingshan.ingest.result import ImportResult, RowError
from qingshan.ingest.source_file import UNTERMINATED_LAST_LINE, FileInfo, chunks, csv_records, inspect_file
from qingshan.ingest.times import TimeParseError, parse_hour
from qingshan.ingest.writer import Chunk, FileRefused, ImportSettings, run_import
from qingshan.store.models_air import POLLUTANTS
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry
from qingshan.textcodec import detect_encoding

SOURCE = "cnemc"
REQUIRED = ("timepoint", "stationcode", "positionname", "area", "longitude", "latitude")

#: archive column → pollutant code of the store (air-aqi.md §8.2a: O₃ 1-h is ``o3_24h``).
#: Taken from the shared mapping table of :mod:`qingshan.ingest.cnemc_format` (the AQI engine
#: reads the same table), restricted to the six hourly observations.
HOURLY_COLUMNS: dict[str, str] = {
    src: dst for src, dst in CONCENTRATION_COLUMNS.items() if dst in POLLUTANTS
}
#: HJ 633—2012 §4.1 / air-aqi.md §5.3: the AQI runs 0–500 and CNEMC never publishes above 500.
AQI_MAX = 500


class CnemcParser:
    """Parses one CNEMC file chunk by chunk (see the module doc)."""

    one_value_per_row = False  # a row holds six values and the published AQI

    def __init__(self, *, known_codes: set[str], register_stations: bool, city: str | None,
                 trust_last_line: bool):
        self.known = set(known_codes)
        self.register = register_stations
        self.city = city
        self.trust_last_line = trust_last_line
        self._hours: dict[str, object] = {}  # timepoint text → datetime or the reason it is not one

    def chunks(self, info: FileInfo, encoding: str) -> Iterator[Chunk]:
        records = csv_records(info.path, encoding)
        first = next(records, None)
        header = [h.strip().lstrip("\ufeff").lower() for h in first[1]] if first else []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise FileRefused(f"不是 CNEMC 小时数据文件：表头缺少列 {', '.join(missing)}", 1)
        for batch in chunks(records):
            yield self._chunk(batch, header, info)

    def _chunk(self, batch: list, header: list[str], info: FileInfo) -> Chunk:
        name = info.path.name
        idx = {h: i for i, h in enumerate(header)}
        ncol = len(header)
        out = Chunk()
        good: list[tuple[int, list[str]]] = []
        for row, rec, is_last in batch:
            out.rows_read += 1
            if is_last and not info.ends_with_newline and not self.trust_last_line:
                out.reject_row(RowError(name, row, None, UNTERMINATED_LAST_LINE))
            elif len(rec) != ncol:
                out.reject_row(RowError(name, row, None, f"列数不符：表头 {ncol} 列，此行 {len(rec)} 列"))
            else:
                good.append((row, rec))
        if not good:
            return out
        wanted = [c for c in (*REQUIRED, *HOURLY_COLUMNS, "aqi", "primarypollutant") if c in idx]
        cols = list(zip(*(rec for _, rec in good), strict=True))
        text = pl.DataFrame({c: pl.Series(c, cols[idx[c]], pl.Utf8) for c in wanted}).with_columns(
            pl.col(c).str.strip_chars() for c in wanted
        ).with_columns(row=pl.Series([r for r, _ in good], dtype=pl.Int64))
        if self.city is not None:  # rows of other cities are not part of this import at all
            inside = text["area"] == self.city
            out.rows_read -= int((~inside).sum())
            text = text.filter(inside)
        reasons: list[pl.Expr] = []
        # row-level checks, first failing one wins (one message per rejected row)
        times = self._times(text["timepoint"])
        text = text.with_columns(time=times["time"], _time_error=times["error"])
        unknown = ~pl.col("stationcode").is_in(list(self.known))
        reasons = [
            (pl.col("stationcode") == "", "stationcode", pl.lit("站点编码为空")),
            (pl.col("_time_error").is_not_null(), "timepoint", pl.col("_time_error")),
        ]
        if not self.register:
            reasons.append((unknown, "stationcode", pl.format(
                "站点编码 {} 未登记（可先登记站点，或导入时加 --register-stations）", pl.col("stationcode"))))
        verdict = pl.lit(None, dtype=pl.Utf8)
        field = pl.lit(None, dtype=pl.Utf8)
        for cond, f, why in reversed(reasons):
            verdict = pl.when(cond).then(why).otherwise(verdict)
            field = pl.when(cond).then(pl.lit(f)).otherwise(field)
        text = text.with_columns(_why=verdict, _field=field)
        bad = text.filter(pl.col("_why").is_not_null())
        for row, f, why in bad.select("row", "_field", "_why").iter_rows():
            out.reject_row(RowError(name, row, f, why))
        text = text.filter(pl.col("_why").is_null())
        if text.is_empty():
            return out
        if self.register:
            out.stations = text.unique(subset=["stationcode"], keep="first", maintain_order=True).select(
                code="stationcode", name="positionname", city_name=pl.col("area").replace("", None),
                lon=pl.col("longitude").cast(pl.Float64, strict=False),
                lat=pl.col("latitude").cast(pl.Float64, strict=False),
            )
            self.known.update(out.stations["code"].to_list())
        # values: exact micro-units from the text, or why not (one polars query)
        value_cols = [c for c in (*HOURLY_COLUMNS, "aqi") if c in text.columns]
        checked = checks.check_columns(text, value_cols)
        obs_parts = []
        for col, pol in HOURLY_COLUMNS.items():
            if col not in checked:
                continue
            micro, why = checked[col]
            part = text.select("row", "stationcode", "time").with_columns(value=micro, why=why)
            for row, r in part.filter(pl.col("why").is_not_null()).select("row", "why").iter_rows():
                out.reject_value(RowError(name, row, col, r))
            obs_parts.append(part.filter(pl.col("value").is_not_null()).select(
                "row", field=pl.lit(col), station_code="stationcode", time="time", pollutant=pl.lit(pol),
                value="value", flag=pl.lit(None, dtype=pl.Utf8),
            ))
        if obs_parts:
            out.observations = pl.concat(obs_parts)
        out.published = self._published(text, checked.get("aqi"), name, out)
        return out

    def _times(self, stamps: pl.Series) -> pl.DataFrame:
        """Timepoint texts → T; a file holds few distinct hours, each is parsed once."""
        for s in stamps.unique().to_list():
            if s not in self._hours:
                try:
                    self._hours[s] = parse_hour(s, "end")
                except TimeParseError as exc:
                    self._hours[s] = str(exc)
        ok = {k: v for k, v in self._hours.items() if not isinstance(v, str)}
        err = {k: v for k, v in self._hours.items() if isinstance(v, str)}
        return pl.DataFrame({
            "time": stamps.replace_strict(ok, default=None, return_dtype=pl.Datetime("us")),
            "error": stamps.replace_strict(err, default=None, return_dtype=pl.Utf8),
        })

    def _published(self, text: pl.DataFrame, aqi_checked, name: str, out: Chunk) -> pl.DataFrame:
        if aqi_checked is None:
            aqi = pl.Series("aqi", [None] * text.height, pl.Int64)
        else:
            micro, why = aqi_checked
            v = pl.DataFrame({"m": micro, "why": why, "raw": text["aqi"], "row": text["row"]}).with_columns(
                not_int=(pl.col("m") % 1_000_000) != 0, too_big=pl.col("m") > AQI_MAX * 1_000_000,
            )
            bad = v.filter(pl.col("why").is_not_null() | pl.col("not_int") | pl.col("too_big"))
            for row, w, raw, not_int, too_big in bad.select("row", "why", "raw", "not_int", "too_big").iter_rows():
                if w is not None:
                    out.reject_value(RowError(name, row, "aqi", w))
                elif not_int:
                    out.reject_value(RowError(name, row, "aqi", f"发布的 AQI「{raw}」不是整数（HJ 633：AQI 取整数）"))
                elif too_big:
                    out.reject_value(RowError(name, row, "aqi", f"发布的 AQI「{raw}」超出 0–{AQI_MAX}（HJ 633）"))
            aqi = v.select(pl.when(~pl.col("not_int") & ~pl.col("too_big")).then(pl.col("m") // 1_000_000))["m"]
        primary = (text["primarypollutant"].replace("", None) if "primarypollutant" in text.columns
                   else pl.Series([None] * text.height, dtype=pl.Utf8))
        return pl.DataFrame({"row": text["row"], "station_code": text["stationcode"], "time": text["time"],
                             "aqi": aqi, "primary_pollutant": primary})


def cnemc_stations(path: str | Path, *, city: str | None = None) -> pl.DataFrame:
    """The stations a CNEMC file names (``code, name, city_name, lon, lat``; first row of each),
    read in chunks. Raises :class:`FileRefused` or :class:`qingshan.textcodec.EncodingError`."""
    path = Path(path)
    parser = CnemcParser(known_codes=set(), register_stations=True, city=city, trust_last_line=True)
    frames = [c.stations for c in parser.chunks(inspect_file(path), detect_encoding(path)) if c.stations is not None]
    if not frames:
        return pl.DataFrame(schema={"code": pl.Utf8, "name": pl.Utf8, "city_name": pl.Utf8, "lon": pl.Float64,
                                    "lat": pl.Float64})
    return pl.concat(frames).unique(subset=["code"], keep="first", maintain_order=True)


def import_cnemc(
    path: str | Path,
    store: ObservationStore | None = None,
    *,
    register_stations: bool = False,
    city: str | None = None,
    url: str | None = None,
    settings: ImportSettings | None = None,
) -> ImportResult:
    """Validate and import one CNEMC file through the stage (all or nothing; see the module doc
    and :mod:`qingshan.store.staging`). An unchanged file imported before with the same options
    is skipped (``settings.force`` imports it again)."""
    settings = settings or ImportSettings()

    def parser(registry: StationRegistry) -> CnemcParser:
        return CnemcParser(known_codes=registry.codes(), register_stations=register_stations, city=city,
                           trust_last_line=settings.trust_last_line)

    return run_import(
        path, store, url=url, kind="cnemc", source=SOURCE, settings=settings,
        options={"city": city, "register_stations": register_stations},
        make_parser=parser, by_pollutant=False, register=register_stations,
    )
