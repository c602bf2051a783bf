"""Import a bureau's long (or wide) hourly table, CSV or Excel (.xlsx), as bureaus export it.

Long layout: one value per row, columns (Chinese or English headers, any order)

=========  ==================================================================
station    站点 / 站点编码 / 站点名称 / 点位 / 测点 / station / station_code
time       时间 / 监测时间 / 日期时间 / 时段 / time / datetime / timepoint
pollutant  污染物 / 监测项目 / 项目 / 因子 / 指标 / pollutant / item
value      浓度 / 数值 / 监测值 / 值 / value / concentration
flag       标记 / 标识 / 数据标记 / 标志 / flag   (optional; HJ 212 flags, hj212.md §9.3)
=========  ==================================================================

Wide layout (no pollutant/value columns): ``station, time`` and one column per pollutant
(``SO2``, ``PM₂.₅``, ``细颗粒物`` … see :mod:`qingshan.ingest.pollutants`).

The station is matched by code first, then by its registered name (a name shared by several
stations must be given as a code). Units: µg/m³, CO mg/m³. ``hour_label`` says whether the
time column is the hour end (default, as CNEMC) or its start (T = start + 1 h,
air-evaluation.md §3). Cells such as ``—``, ``/``, ``NA`` or empty mean "no value" and are
not errors. Values are stored with source ``table``; without a flag column they carry no flag
(they enter statistics, like CNEMC published values), with one the flag is stored as given
(upper-case) and the hj212.md §9.3 policy applies to it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl

from qingshan.ingest import checks
from qingshan.ingest.encoding import EncodingError, decode_bytes
from qingshan.ingest.pollutants import POLLUTANT_LABELS, STORE_UNIT, normalise_pollutant, parse_unit
from qingshan.ingest.result import ImportFailed, ImportResult, RowError
from qingshan.ingest.times import TimeParseError, parse_hour
from qingshan.ingest.writer import commit, record_failure, sha256_of
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry

SOURCE = "table"

ALIASES = {
    "station": ("站点", "站点编码", "站点代码", "站点名称", "站名", "点位", "点位名称", "监测点位", "测点", "监测站",
                "station", "station_code", "stationcode", "code", "site"),
    "time": ("时间", "监测时间", "日期时间", "时段", "采样时间", "数据时间", "time", "datetime", "timepoint", "date_time"),
    "pollutant": ("污染物", "监测项目", "项目", "因子", "监测因子", "指标", "污染物名称", "pollutant", "item", "parameter"),
    "value": ("浓度", "数值", "监测值", "值", "浓度值", "小时值", "value", "concentration", "conc"),
    "flag": ("标记", "标识", "数据标记", "标志", "数据标识", "flag"),
    "unit": ("单位", "计量单位", "浓度单位", "unit", "units"),
}


def _norm_header(h) -> str:
    s = unicodedata.normalize("NFKC", str(h or "")).strip().lower()
    return s.split("(")[0].strip() if not normalise_pollutant(s) else s


def _cell_text(v) -> str | None:
    """Spreadsheet cell → text as a person reads it (floats in their shortest form)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return str(v)


def _to_store_unit(micro: int, unit: str | None, pol: str) -> tuple[int | None, str | None]:
    """Convert exactly to the store's unit (µg/m³; CO mg/m³). No unit stated = already so."""
    want = STORE_UNIT[pol]
    if unit is None or unit == want:
        return micro, None
    if unit == "mg":  # mg/m³ → µg/m³
        return micro * 1000, None
    if micro % 1000:  # µg/m³ → mg/m³ must stay within six decimals
        return None, f"{POLLUTANT_LABELS[pol]} 以 μg/m³ 给出，换算为 mg/m³ 后超过 6 位小数"
    return micro // 1000, None


def _read_rows(path: Path, data: bytes, sheet: str | None) -> tuple[list[tuple[int, list]], str]:
    """Every non-blank row with its 1-based row number as the user sees it, and the encoding."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb[sheet] if sheet else wb.worksheets[0]
            rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
        return [(i, r) for i, r in rows if any(c not in (None, "") for c in r)], "xlsx"
    if suffix in (".xls",):
        raise EncodingError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    text, encoding = decode_bytes(data)
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    return [(i, rec) for i, rec in enumerate(reader, start=1) if any(c.strip() for c in rec)], encoding


def _find_header(rows: list[tuple[int, list]]) -> int:
    """Index of the header row: the first of the first 10 rows naming a station and a time
    column (bureau exports often put a title such as "大同市空气质量小时数据" above it)."""
    for k, (_i, r) in enumerate(rows[:10]):
        roles, _p, _u = _map_header(r)
        if "station" in roles and "time" in roles:
            return k
    return 0


def _map_header(header: list) -> tuple[dict[str, int], dict[str, int], list[str]]:
    roles: dict[str, int] = {}
    pollutant_cols: dict[str, int] = {}
    unknown: list[str] = []
    alias = {a.lower(): role for role, names in ALIASES.items() for a in names}
    for i, h in enumerate(header):
        key = _norm_header(h)
        if not key:
            continue
        role = alias.get(key)
        if role == "station" and "station" in roles and any(w in key for w in ("编码", "代码", "code")):
            roles["station"] = i  # a code column beats a name column: names can be ambiguous
            continue
        if role and role not in roles:
            roles[role] = i
            continue
        pol = normalise_pollutant(h)
        if pol and pol not in pollutant_cols:
            pollutant_cols[pol] = i
            continue
        unknown.append(str(h))
    return roles, pollutant_cols, unknown


def parse_table(
    path: str | Path,
    data: bytes,
    *,
    station_codes: set[str],
    station_names: dict[str, list[str]],
    hour_label: str = "end",
    sheet: str | None = None,
) -> tuple[ImportResult, pl.DataFrame]:
    """Validate a table file. Returns (result, long observations frame)."""
    path = Path(path)
    name = path.name
    result = ImportResult(path=path, kind="table", sha256=sha256_of(data))

    def fail(reason: str, row: int | None = None):
        result.status = "failed"
        result.errors.append(RowError(name, row, None, reason))
        raise ImportFailed(result, reason)

    try:
        rows, result.encoding = _read_rows(path, data, sheet)
    except EncodingError as exc:
        fail(str(exc))
    except KeyError:
        fail(f"工作簿中没有名为「{sheet}」的工作表")
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook is a user error, not a crash
        fail(f"无法读取文件：{exc}")
    if not rows:
        fail("文件为空")
    h = _find_header(rows)
    header_row, header = rows[h][0], list(rows[h][1])
    if result.encoding == "xlsx":
        while header and header[-1] in (None, ""):
            header.pop()
    records = []
    for i, r in rows[h + 1 :]:
        if result.encoding == "xlsx":
            # cells beyond the header are layout unless they hold data (then: a column-count error)
            extra = [c for c in r[len(header) :] if c not in (None, "")]
            r = list(r[: len(header)]) + ["<extra>"] * len(extra)
        records.append((i, r))
    roles, pollutant_cols, _unknown = _map_header(header)
    long_layout = "pollutant" in roles and "value" in roles
    if "station" not in roles or "time" not in roles or not (long_layout or pollutant_cols):
        need = [z for z, k in (("站点", "station"), ("时间", "time")) if k not in roles]
        if not (long_layout or pollutant_cols):
            need.append("污染物+浓度（或各污染物列）")
        fail(f"表头缺少必需的列：{'、'.join(need)}（表头为：{'、'.join(str(c) for c in header)}）", header_row)
    ncol = len(header)
    result.rows_read = len(records)
    # a unit in a pollutant column's header (wide layout), e.g. "CO(μg/m³)"
    header_units = {ci: parse_unit(str(header[ci])) for ci in pollutant_cols.values()} if not long_layout else {}
    hname = {i: str(header[i]) for i in range(ncol)}

    errors: list[RowError] = []
    rejected: set[int] = set()
    hours: dict = {}
    pending: list[dict] = []  # one per value cell, before its text is parsed
    items: list[dict] = []  # one per valid value: row, station_code, time, pollutant, value, flag, field
    for row, rec in records:
        if len(rec) != ncol:
            errors.append(RowError(name, row, None, f"列数不符：表头 {ncol} 列，此行 {len(rec)} 列"))
            rejected.add(row)
            continue
        st_text = (_cell_text(rec[roles["station"]]) or "").strip()
        if not st_text:
            errors.append(RowError(name, row, hname[roles["station"]], "站点为空"))
            rejected.add(row)
            continue
        if st_text in station_codes:
            code = st_text
        elif len(station_names.get(st_text, [])) == 1:
            code = station_names[st_text][0]
        elif len(station_names.get(st_text, [])) > 1:
            errors.append(
                RowError(name, row, hname[roles["station"]],
                         f"站点名称「{st_text}」对应多个站点（{'、'.join(station_names[st_text])}），请改用站点编码")
            )
            rejected.add(row)
            continue
        else:
            errors.append(RowError(name, row, hname[roles["station"]], f"站点「{st_text}」未登记"))
            rejected.add(row)
            continue
        tcell = rec[roles["time"]]
        try:
            t = hours.get(tcell)
            if t is None:  # long tables repeat each hour once per station and pollutant
                t = parse_hour(tcell if isinstance(tcell, (datetime, date)) else _cell_text(tcell), hour_label)
                hours[tcell] = t
        except TimeParseError as exc:
            errors.append(RowError(name, row, hname[roles["time"]], str(exc)))
            rejected.add(row)
            continue
        flag = None
        if "flag" in roles:
            flag = (_cell_text(rec[roles["flag"]]) or "").strip().upper() or None
            if flag is not None and (len(flag) > 4 or not flag.isascii() or not flag.isalnum()):
                errors.append(RowError(name, row, hname[roles["flag"]], f"数据标记「{flag}」无效（应为 N、F、M、S、D、C、T、B 等字母）"))
                rejected.add(row)
                continue
        if long_layout:
            p_text = _cell_text(rec[roles["pollutant"]])
            pol = normalise_pollutant(p_text)
            if pol is None:
                errors.append(RowError(name, row, hname[roles["pollutant"]], f"未知污染物「{(p_text or '').strip()}」"))
                rejected.add(row)
                continue
            cells = [(pol, roles["value"])]
        else:
            cells = list(pollutant_cols.items())
        row_unit = None
        if "unit" in roles:
            u_text = (_cell_text(rec[roles["unit"]]) or "").strip()
            row_unit = parse_unit(u_text)
            if u_text and row_unit is None:
                errors.append(RowError(name, row, hname[roles["unit"]], f"无法识别的单位「{u_text}」（应为 μg/m³ 或 mg/m³）"))
                rejected.add(row)
                continue
        for pol, ci in cells:
            pending.append({"row": row, "station_code": code, "time": t, "pollutant": pol, "flag": flag,
                            "field": hname[ci], "unit": row_unit or header_units.get(ci), "text": _cell_text(rec[ci])})

    # every value text parsed exactly in one vectorised pass (not one query per cell)
    micros, reasons = checks.values_micro(pl.Series("t", [c["text"] for c in pending], dtype=pl.Utf8))
    for cell, micro, why in zip(pending, micros.to_list(), reasons.to_list(), strict=True):
        if micro is not None:
            micro, why = _to_store_unit(micro, cell["unit"], cell["pollutant"])
        if why:
            errors.append(RowError(name, cell["row"], cell["field"], why))
            if long_layout:
                rejected.add(cell["row"])
            continue
        if micro is None:
            continue
        items.append(cell | {"value": micro})

    # duplicates inside the file: identical → later copies skipped; conflicting → all rejected
    by_key: dict[tuple, list[dict]] = {}
    for it in items:
        by_key.setdefault((it["station_code"], it["time"], it["pollutant"]), []).append(it)
    keep: list[dict] = []
    for (code, t, pol), group in by_key.items():
        if len(group) == 1:
            keep.append(group[0])
            continue
        first = group[0]
        if all((g["value"], g["flag"]) == (first["value"], first["flag"]) for g in group):
            keep.append(first)
            for g in group[1:]:
                errors.append(RowError(name, g["row"], g["field"],
                                       f"与第 {first['row']} 行重复（站点 {code} {t:%Y-%m-%d %H:%M} {POLLUTANT_LABELS[pol]}，数值相同），已跳过"))
                if long_layout:
                    rejected.add(g["row"])
        else:
            listed = "、".join(str(g["row"]) for g in group)
            for g in group:
                errors.append(RowError(name, g["row"], g["field"],
                                       f"站点 {code} {t:%Y-%m-%d %H:%M} {POLLUTANT_LABELS[pol]} 有多个不同数值（第 {listed} 行），均未导入"))
                if long_layout:
                    rejected.add(g["row"])
    errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    result.errors = errors
    result.rows_rejected = len(rejected)
    result.rows_kept = result.rows_read - len(rejected)
    frame = pl.DataFrame(
        [{k: it[k] for k in ("station_code", "time", "pollutant", "value", "flag")} for it in keep],
        schema={"station_code": pl.Utf8, "time": pl.Datetime("us"), "pollutant": pl.Utf8, "value": pl.Int64, "flag": pl.Utf8},
        orient="row",
    )
    # values are micro-units already: hand them to the store as exact rationals
    frame = frame.with_columns(value=pl.struct(num=pl.col("value").cast(pl.Int128), den=pl.lit(1_000_000, dtype=pl.Int128)))
    return result, frame


def import_table(
    path: str | Path,
    store: ObservationStore | None = None,
    *,
    hour_label: str = "end",
    sheet: str | None = None,
    url: str | None = None,
) -> ImportResult:
    """Validate and import one table file in one transaction; see the module doc."""
    own = store is None
    store = store or ObservationStore(url)
    registry = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    try:
        data = Path(path).read_bytes()
        try:
            result, frame = parse_table(
                path, data, station_codes=registry.codes(), station_names=registry.names(),
                hour_label=hour_label, sheet=sheet,
            )
        except ImportFailed as exc:  # the whole file is refused: say so in import_batches too
            record_failure(store, exc.result, str(exc))
            raise
        return commit(result, store, observations=frame, source=SOURCE)
    finally:
        if own:
            store.close()
