"""Forecast files from the forecast centre: parsing with per-row errors, and the forecast store.

A forecast file (CSV or Excel) has one row per city × 24-h block: ``city, block_start, aqi``
and optionally ``primary_pollutant`` and ``cause`` (air-emergency.md §1.1); Chinese headers
(城市, 时段起点/日期, AQI, 首要污染物, 成因) are accepted. Several cities may share a file. The same
layout carries an observed series (kind ``observed``).

Per-row rules (§1.1):

* ``block_start`` ISO 8601 (a date alone is 00:00), Beijing time unless it carries an offset;
* ``aqi`` an integer 0–500, a range "a–b" enters as b (``aqi_range_value``); a blank is a missing
  block; other text is reported and the block is missing;
* a repeated (city, block_start) rejects that city's forecast;
* gaps in a city's blocks (per alignment) are reported as warnings and are missing blocks
  (the level is then a lower bound, flagged ``incomplete``, §1.3).

:func:`parse_forecast` never raises for bad rows: it returns the usable frame, the errors and the
warnings. :func:`import_forecast` is all-or-nothing: any row error refuses the file and nothing is
written; a file already imported (same SHA-256) is not imported twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.emergency.errors import ImportRefused, NotFound, RowError
from qingshan.emergency.models import ForecastBatch, ForecastBlock
from qingshan.standards.alert_levels import DAY, block_aqi_from_steps, parse_aqi, parse_cause, parse_primary
from qingshan.xlsxcheck import package_problem

BEIJING = timezone(timedelta(hours=8))
HEADERS = {
    "city": ("city", "城市", "城市名称", "城市代码"),
    "block_start": ("block_start", "时段起点", "起始时间", "日期", "date", "预报日期", "时段开始"),
    "aqi": ("aqi", "AQI", "预报AQI", "空气质量指数"),
    "primary_pollutant": ("primary_pollutant", "首要污染物", "primary"),
    "cause": ("cause", "成因", "污染成因"),
}
MAX_ROWS = 100_000
FRAME_SCHEMA = {"city": pl.String, "block_start": pl.Datetime("us"), "aqi": pl.Int64, "aqi_text": pl.String,
                "primary": pl.List(pl.String), "cause": pl.String, "row": pl.Int64}


@dataclass
class ForecastParse:
    """What a forecast file holds: the usable blocks and what was wrong with the rest."""

    file: str
    sha256: str
    frame: pl.DataFrame  # FRAME_SCHEMA; rejected cities removed; bad AQI → missing block
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rejected_cities: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def cities(self) -> list[str]:
        return sorted(self.frame["city"].unique().to_list())


def parse_block_start(value: Any) -> datetime:
    """§1.1: ISO 8601, Beijing time unless it carries an offset; a date alone is 00:00."""
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    else:
        s = str(value or "").strip().replace("/", "-")
        if not s:
            raise ValueError("为空")
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        try:
            t = datetime.fromisoformat(s)
        except ValueError:
            raise ValueError(f"“{value}”不是 ISO 8601 日期时间（如 2026-12-01 或 2026-12-01T06:00+08:00）") from None
    if t.tzinfo is not None:
        t = t.astimezone(BEIJING).replace(tzinfo=None)
    if t.second or t.microsecond:
        raise ValueError(f"“{value}”应为整点或整分")
    if not 1900 <= t.year <= 2100:
        raise ValueError(f"“{value}”的年份应在 1900—2100 之间")
    return t


def _rows_from_csv(content: bytes) -> list[list[str]]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused("文件编码无法识别（应为 UTF-8 或 GB18030）", [])
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_from_xlsx(content: bytes, filename: str = "文件") -> list[list[Any]]:
    if (problem := package_problem(content, filename)) is not None:  # before openpyxl inflates anything
        raise ImportRefused(problem, [RowError(filename, None, None, problem)])
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ImportRefused(f"{filename}：无法读取 Excel 文件（{type(exc).__name__}）",
                            [RowError(filename, None, None, "不是有效的 .xlsx 文件")]) from None
    ws = wb.worksheets[0]
    out = []
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if i > MAX_ROWS + 20:
            break
        out.append(list(row))
    wb.close()
    return out


def _header_map(header: list[Any], file: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for j, h in enumerate(header):
        name = str(h or "").strip()
        for key, names in HEADERS.items():
            if name in names or name.lower() in names:
                cols.setdefault(key, j)
    missing = [k for k in ("city", "block_start", "aqi") if k not in cols]
    if missing:
        raise ImportRefused(f"{file}：缺少列 {', '.join(missing)}（表头应含 city,block_start,aqi[,primary_pollutant][,cause]）",
                            [RowError(file, 1, m, "缺少该列") for m in missing])
    return cols


def parse_forecast(content: bytes, filename: str, *, aqi_range_value: str = "upper",
                   refuse_on_error: bool = False) -> ForecastParse:
    """Parse a forecast (or observed) file; bad rows become errors, never exceptions.

    Raises :class:`ImportRefused` only when the file as a whole is unreadable (encoding, header).

    ``refuse_on_error`` says what the caller does with the errors, so that each message states
    only what really happens to the row: False (``emergency level``) — the rest of the file is
    used, an unreadable AQI is a missing block (§1.3) and a city with a repeated block is dropped
    (§1.1), and the messages say so; True (:func:`import_forecast`, all-or-nothing) — any error
    refuses the whole file, so the messages say only what is wrong with the row.
    """
    sha = hashlib.sha256(content).hexdigest()
    is_excel = filename.lower().endswith((".xlsx", ".xlsm"))
    rows = _rows_from_xlsx(content, filename) if is_excel else _rows_from_csv(content)
    # header: the first row naming a city column
    h = next((i for i, r in enumerate(rows[:10]) if any(str(c or "").strip() in HEADERS["city"] for c in r)), None)
    if h is None:
        raise ImportRefused(f"{filename}：找不到表头（应含 city 或 城市 列）", [RowError(filename, 1, None, "找不到表头")])
    cols = _header_map(rows[h], filename)
    errors: list[RowError] = []
    out: list[tuple] = []
    seen: dict[tuple[str, datetime], int] = {}
    rejected: set[str] = set()
    n = 0
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        if not any(str(c or "").strip() for c in r):
            continue
        n += 1
        if n > MAX_ROWS:
            errors.append(RowError(filename, i, None, f"行数超过上限 {MAX_ROWS}，其余未读"))
            break
        cell = lambda k: r[cols[k]] if k in cols and cols[k] < len(r) else None  # noqa: E731
        city = str(cell("city") or "").strip()
        if not city:
            errors.append(RowError(filename, i, "city", "城市为空"))
            continue
        try:
            start = parse_block_start(cell("block_start"))
        except ValueError as exc:
            errors.append(RowError(filename, i, "block_start", f"时段起点{exc}"))
            continue
        if (city, start) in seen:
            repeated = f"城市“{city}”的时段 {start:%Y-%m-%d %H:%M} 与第 {seen[(city, start)]} 行重复"
            errors.append(RowError(filename, i, "block_start",
                                   f"{repeated}（§1.1）" if refuse_on_error else f"{repeated}，该城市的预报不予采用（§1.1）"))
            rejected.add(city)
            continue
        seen[(city, start)] = i
        raw_aqi = cell("aqi")
        aqi, problem = parse_aqi(raw_aqi, aqi_range_value)
        if problem:
            # §1.3: an unreadable AQI is a missing block — but only where the file is used at all
            errors.append(RowError(filename, i, "aqi", problem if refuse_on_error else f"{problem}；该时段按缺失处理（§1.3）"))
        primary, problem = parse_primary(cell("primary_pollutant"))
        if problem:
            errors.append(RowError(filename, i, "primary_pollutant", problem))
        cause, problem = parse_cause(cell("cause"))
        if problem:
            errors.append(RowError(filename, i, "cause", problem))
        text = None if raw_aqi is None else str(raw_aqi).strip()[:40]
        out.append((city, start, aqi, text, list(primary) if primary is not None else None, cause, i))
    frame = pl.DataFrame(out, schema=FRAME_SCHEMA, orient="row") if out else pl.DataFrame(schema=FRAME_SCHEMA)
    frame = frame.filter(~pl.col("city").is_in(sorted(rejected)))
    warnings = _gaps(frame, filename)
    return ForecastParse(filename, sha, frame.sort("city", "block_start"), errors, warnings, sorted(rejected), n)


STEP_HEADERS = {"city": HEADERS["city"], "step_start": ("step_start", "时间", "起始时间", "时段起点", "time"),
                **{p: (p, p.upper(), p.replace("pm25", "PM2.5")) for p in ("pm25", "pm10", "so2", "no2", "co", "o3_8h")}}


def parse_concentration_forecast(content: bytes, filename: str, step_hours: int) -> ForecastParse:
    """A forecast of concentrations in steps of ``step_hours`` (e.g. 6-h or hourly means) →
    24-h blocks at every alignment whose AQI is the HJ 633 daily AQI of the block's means (§1.1,
    :func:`qingshan.standards.alert_levels.block_aqi_from_steps`). Columns ``city, step_start``
    and any of ``pm25, pm10, so2, no2, co, o3_8h`` (µg/m³, CO mg/m³). Bad cells are row errors."""
    sha = hashlib.sha256(content).hexdigest()
    rows = _rows_from_xlsx(content, filename) if filename.lower().endswith((".xlsx", ".xlsm")) else _rows_from_csv(content)
    if not rows:
        raise ImportRefused(f"{filename}：文件为空", [])
    head = [str(c or "").strip() for c in rows[0]]
    cols = {k: head.index(n) for k, names in STEP_HEADERS.items() for n in names if n in head}
    if "city" not in cols or "step_start" not in cols or len(cols) < 3:
        raise ImportRefused(f"{filename}：表头应含 city、step_start 和至少一种污染物浓度列（pm25、pm10 …）",
                            [RowError(filename, 1, None, "表头不全")])
    errors: list[RowError] = []
    out, seen = [], {}
    pols = [k for k in cols if k not in ("city", "step_start")]
    for i, r in enumerate(rows[1:], start=2):
        if not any(str(c or "").strip() for c in r):
            continue
        city = str(r[cols["city"]] or "").strip()
        try:
            t = parse_block_start(r[cols["step_start"]])
        except ValueError as exc:
            errors.append(RowError(filename, i, "step_start", f"时间{exc}"))
            continue
        if (city, t) in seen:
            errors.append(RowError(filename, i, "step_start", f"与第 {seen[(city, t)]} 行重复"))
            continue
        seen[(city, t)] = i
        vals = {}
        for p in pols:
            v = r[cols[p]] if cols[p] < len(r) else None
            text = None if v is None or str(v).strip() == "" else str(v).strip()
            if text is not None and not re.fullmatch(r"\d+(\.\d+)?", text):
                errors.append(RowError(filename, i, p, f"浓度“{text}”不是非负数"))
                text = None
            vals[p] = text
        out.append({"city": city, "step_start": t, **vals})
    if not out:
        raise ImportRefused(f"{filename}：没有数据行", errors)
    steps = pl.DataFrame(out, schema={"city": pl.String, "step_start": pl.Datetime("us"),
                                      **{p: pl.String for p in pols}})
    blocks = block_aqi_from_steps(steps, step_hours)
    frame = (blocks.select("city", "block_start", "aqi", aqi_text=pl.col("aqi").cast(pl.String),
                           primary=pl.col("primary_pollutants"), cause=pl.lit(None, pl.String), row=pl.lit(0, pl.Int64))
             .cast(FRAME_SCHEMA)) if blocks.height else pl.DataFrame(schema=FRAME_SCHEMA)
    return ForecastParse(filename, sha, frame.sort("city", "block_start"), errors, _gaps(frame, filename), [], len(out))


def _gaps(frame: pl.DataFrame, filename: str) -> list[RowError]:
    """§1.3: blocks missing between a city's first and last block of one alignment."""
    out = []
    for (city,), g in frame.group_by(["city"], maintain_order=True):
        starts = sorted(g["block_start"].to_list())
        by_al: dict[tuple[int, int], list[datetime]] = {}
        for t in starts:
            by_al.setdefault((t.hour, t.minute), []).append(t)
        for al in sorted(by_al):
            ts = by_al[al]
            t, have = ts[0], set(ts)
            while t <= ts[-1]:
                if t not in have:
                    out.append(RowError(filename, None, "block_start",
                                        f"城市“{city}”缺少 {t:%Y-%m-%d %H:%M} 起的 24 小时时段，按缺失处理，预警级别为下限（§1.3）"))
                t += DAY
    return out


@dataclass
class ForecastImport:
    batch_id: int
    kind: str
    run_time: datetime
    rows: int
    cities: list[str]
    warnings: list[RowError]
    previous: bool = False  # the same file was imported before: nothing written


def import_forecast(session: Session, content: bytes, filename: str, *, run_time: datetime, kind: str = "forecast",
                    source: str | None = None, demo: bool = False, aqi_range_value: str = "upper",
                    step_hours: int | None = None) -> ForecastImport:
    """Store one forecast run (all-or-nothing). Any row error refuses the file: nothing is written.

    ``step_hours``: the file holds concentrations in steps of that many hours
    (:func:`parse_concentration_forecast`); default: block AQIs (:func:`parse_forecast`).
    """
    if kind not in ("forecast", "observed"):
        raise ValueError("kind 应为 forecast 或 observed")
    if step_hours is not None and (step_hours < 1 or 24 % step_hours):
        raise ImportRefused(f"{filename}：逐时段预报的时段小时数应整除 24（1、2、3、4、6、8、12、24），而非 {step_hours}",
                            [RowError(filename, None, "step_hours", "应整除 24")])
    p = (parse_concentration_forecast(content, filename, step_hours) if step_hours
         else parse_forecast(content, filename, aqi_range_value=aqi_range_value, refuse_on_error=True))
    if p.errors:
        raise ImportRefused(f"{filename}：{len(p.errors)} 处错误，整个文件未导入", p.errors)
    if p.frame.is_empty():
        raise ImportRefused(f"{filename}：没有数据行", [RowError(filename, None, None, "没有数据行")])
    prev = session.scalar(select(ForecastBatch).where(ForecastBatch.kind == kind, ForecastBatch.sha256 == p.sha256))
    if prev is not None:
        return ForecastImport(prev.id, kind, prev.run_time, prev.n_rows, p.cities, p.warnings, previous=True)
    batch = ForecastBatch(kind=kind, filename=filename[:255], sha256=p.sha256, run_time=run_time, source=source,
                          n_rows=p.frame.height, n_cities=len(p.cities),
                          warnings=[w.as_dict() for w in p.warnings], demo=demo)
    session.add(batch)
    session.flush()
    session.add_all([
        ForecastBlock(batch_id=batch.id, city=r["city"], block_start=r["block_start"], aqi=r["aqi"],
                      aqi_text=r["aqi_text"], primary=",".join(r["primary"]) if r["primary"] is not None else None,
                      cause=r["cause"], row=r["row"])
        for r in p.frame.iter_rows(named=True)
    ])
    session.flush()
    return ForecastImport(batch.id, kind, run_time, p.frame.height, p.cities, p.warnings)


def import_forecast_file(session: Session, path: Path, **kw) -> ForecastImport:
    return import_forecast(session, Path(path).read_bytes(), Path(path).name, **kw)


def batch_frame(session: Session, batch_id: int, city: str | None = None) -> pl.DataFrame:
    """A stored run as the frame :func:`qingshan.standards.alert_levels.evaluate_forecast` takes."""
    if session.get(ForecastBatch, batch_id) is None:
        raise NotFound(f"预报批次 {batch_id} 不存在")
    q = select(ForecastBlock).where(ForecastBlock.batch_id == batch_id).order_by(ForecastBlock.city,
                                                                                  ForecastBlock.block_start)
    if city:
        q = q.where(ForecastBlock.city == city)
    rows = [(b.city, b.block_start, b.aqi, b.aqi_text, b.primary.split(",") if b.primary is not None else None,
             b.cause, b.row) for b in session.scalars(q)]
    return pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row") if rows else pl.DataFrame(schema=FRAME_SCHEMA)


def latest_batch(session: Session, kind: str = "forecast", at: datetime | None = None) -> ForecastBatch | None:
    q = select(ForecastBatch).where(ForecastBatch.kind == kind).order_by(ForecastBatch.run_time.desc(),
                                                                         ForecastBatch.id.desc())
    if at is not None:
        q = q.where(ForecastBatch.run_time <= at)
    return session.scalars(q.limit(1)).first()
