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
(upper-case) and the hj212.md §9.3 policy applies to it. A value above an analyser's range gets
``T`` and an absurd one is refused (:mod:`qingshan.ingest.plausibility`).

Excel specifics: a formula cell whose result the file does not hold (written by a program, never
recalculated in Excel) is reported, never read as empty; an empty station or time cell inside a
merged range says so (merged cells hold their value in the first cell only); a damaged workbook
is refused with a Chinese message. CSV: a last line without a line break may be cut and is
refused unless ``trust_last_line``.

Duplicates (same station, hour and pollutant in several rows) are resolved per value:
identical copies after the first are skipped, different ones follow
:class:`qingshan.store.staging.WithinFile`. The file is read in chunks; memory does not grow
with its size.
"""

from __future__ import annotations

import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import polars as pl

from qingshan import exact
from qingshan.ingest import checks
from qingshan.ingest.pollutants import POLLUTANT_LABELS, STORE_UNIT, normalise_pollutant, parse_unit
from qingshan.ingest.result import ImportResult, RowError
from qingshan.ingest.source_file import (
    UNTERMINATED_LAST_LINE,
    FileInfo,
    chunks,
    csv_records,
    sniff_delimiter,
)
from qingshan.ingest.times import TimeParseError, parse_hour
from qingshan.ingest.writer import Chunk, FileRefused, ImportSettings, run_import
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
_ROLE_LABEL = {"station": "站点", "time": "时间", "pollutant": "污染物", "unit": "单位", "flag": "数据标记"}

CORRUPT_WORKBOOK = "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名；请在 Excel 中打开后另存为 .xlsx 或 CSV 再导入"


class NoCachedValue:
    """An Excel formula cell whose result the file does not hold."""

    def __init__(self, formula: str):
        self.formula = formula

    def message(self) -> str:
        return (f"单元格是公式「{self.formula}」，但文件中没有保存计算结果（文件由程序生成、未在 Excel 中重新计算），"
                f"该值未导入；请在 Excel 中打开并保存后重新导入")


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
        if micro * 1000 > exact.MAX_SCALED:
            return None, f"{POLLUTANT_LABELS[pol]} 以 mg/m³ 给出，换算为 μg/m³ 后数值过大，超出可精确保存的范围"
        return micro * 1000, None
    if micro % 1000:  # µg/m³ → mg/m³ must stay within six decimals
        return None, f"{POLLUTANT_LABELS[pol]} 以 μg/m³ 给出，换算为 mg/m³ 后超过 6 位小数"
    return micro // 1000, None


def _map_header(header: list) -> tuple[dict[str, int], dict[str, int], list[str]]:
    roles: dict[str, int] = {}
    pollutant_cols: dict[str, int] = {}
    unknown: list[str] = []
    alias = {a.lower(): role for role, names in ALIASES.items() for a in names}
    for i, h in enumerate(header):
        if isinstance(h, NoCachedValue):
            continue
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


# --- Excel --------------------------------------------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _split_ref(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    return int(ref[len(letters):]), _col_index(letters)


def merged_ranges(path: Path, sheet: str | None) -> list[tuple[str, int, int, int, int]]:
    """``(ref, first_row, first_col, last_row, last_col)`` of every merged range of the sheet
    (1-based rows, 0-based columns), read from the sheet's XML without loading the sheet."""
    with zipfile.ZipFile(path) as z:
        wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
        sheets = wb.findall("m:sheets/m:sheet", _NS)
        chosen = next((e for e in sheets if e.get("name") == sheet), None) if sheet else (sheets[0] if sheets else None)
        if chosen is None:
            return []
        rid = chosen.get(f"{{{_NS['r']}}}id")
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next((e.get("Target") for e in rels.findall("rel:Relationship", _NS) if e.get("Id") == rid), None)
        if target is None:
            return []
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out = []
        with z.open(member) as fh:
            for _event, el in ElementTree.iterparse(fh):
                if el.tag == f"{{{_NS['m']}}}mergeCell":
                    ref = el.get("ref", "")
                    if ":" in ref:
                        a, b = ref.split(":", 1)
                        (r1, c1), (r2, c2) = _split_ref(a), _split_ref(b)
                        out.append((ref, r1, c1, r2, c2))
                elif el.tag == f"{{{_NS['m']}}}row":
                    el.clear()  # the cells themselves are not needed here
        return out


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int, list, bool]]:
    """Rows of the sheet with formula cells whose result is missing marked :class:`NoCachedValue`.

    Two read-only passes in step: one for the cached values, one for the formulas (openpyxl
    gives either, and an uncalculated formula is ``None`` in the first)."""
    from openpyxl import load_workbook

    values = load_workbook(path, read_only=True, data_only=True)
    formulas = load_workbook(path, read_only=True, data_only=False)
    try:
        if sheet is not None and sheet not in values.sheetnames:
            raise FileRefused(f"工作簿中没有名为「{sheet}」的工作表（有：{'、'.join(values.sheetnames)}）")
        wv = values[sheet] if sheet else values.worksheets[0]
        wf = formulas[sheet] if sheet else formulas.worksheets[0]
        for i, (rv, rf) in enumerate(zip(wv.iter_rows(values_only=True), wf.iter_rows(values_only=True)), start=1):
            cells = list(rv)
            for k, (v, f) in enumerate(zip(rv, rf)):
                if v is None and f is not None and (not isinstance(f, str) or f.startswith("=")):
                    cells[k] = NoCachedValue(f if isinstance(f, str) else "=" + str(getattr(f, "text", "") or ""))
            if any(c not in (None, "") for c in cells):
                yield i, cells, False
    finally:
        values.close()
        formulas.close()


def _guard_workbook(records: Iterator) -> Iterator:
    """Turn openpyxl's and zipfile's errors on a damaged workbook into one Chinese message."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        yield from records
    except (zipfile.BadZipFile, zlib.error, InvalidFileException, ElementTree.ParseError, KeyError, EOFError,
            ValueError, TypeError, AttributeError, IndexError) as exc:
        if isinstance(exc, FileRefused):
            raise
        raise FileRefused(CORRUPT_WORKBOOK) from exc


# --- parsing ------------------------------------------------------------------------------

class TableParser:
    """Parses one table file chunk by chunk (see the module doc)."""

    def __init__(self, *, station_codes: set[str], station_names: dict[str, list[str]], hour_label: str,
                 sheet: str | None, trust_last_line: bool):
        self.codes = station_codes
        self.names = station_names
        self.hour_label = hour_label
        self.sheet = sheet
        self.trust_last_line = trust_last_line
        self.merged: list[tuple[str, int, int, int, int]] = []
        self.one_value_per_row = False  # known once the header is read
        self._hours: dict = {}

    def chunks(self, info: FileInfo, encoding: str) -> Iterator[Chunk]:
        path = info.path
        if path.suffix.lower() == ".xls":
            raise FileRefused("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
        xlsx = encoding == "xlsx"
        if xlsx:
            records = _guard_workbook(_xlsx_records(path, self.sheet))
        else:
            records = csv_records(path, encoding, sniff_delimiter(path, encoding))
        head = list(islice(records, 10))
        if not head:
            raise FileRefused("文件没有任何内容（只有空行）")
        if xlsx:
            try:
                self.merged = merged_ranges(path, self.sheet)
            except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
                raise FileRefused(CORRUPT_WORKBOOK) from exc
        h = self._find_header(head)
        header_row, header = head[h][0], list(head[h][1])
        if xlsx:
            while header and header[-1] in (None, ""):
                header.pop()
        roles, pollutant_cols, _unknown = _map_header(header)
        long_layout = "pollutant" in roles and "value" in roles
        if "station" not in roles or "time" not in roles or not (long_layout or pollutant_cols):
            need = [z for z, k in (("站点", "station"), ("时间", "time")) if k not in roles]
            if not (long_layout or pollutant_cols):
                need.append("污染物+浓度（或各污染物列）")
            shown = "、".join(str(c) for c in header if c not in (None, ""))
            raise FileRefused(f"表头缺少必需的列：{'、'.join(need)}（表头为：{shown}）", header_row)
        self.long_layout = self.one_value_per_row = long_layout
        self.header, self.roles, self.pollutant_cols = header, roles, pollutant_cols
        # a unit in a pollutant column's header (wide layout), e.g. "CO(μg/m³)"
        self.header_units = {ci: parse_unit(str(header[ci])) for ci in pollutant_cols.values()} if not long_layout else {}
        for batch in chunks(chain(head[h + 1 :], records)):
            yield self._chunk(batch, info, xlsx)

    @staticmethod
    def _find_header(head: list) -> int:
        """The first of the first 10 rows naming a station and a time column (bureau exports
        often put a title such as "大同市空气质量小时数据" above it)."""
        for k, (_i, r, _last) in enumerate(head):
            roles, _p, _u = _map_header(list(r))
            if "station" in roles and "time" in roles:
                return k
        return 0

    def _merged_hint(self, row: int, col: int) -> str:
        for ref, r1, c1, r2, c2 in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                first = ref.split(":")[0]
                return f"：该单元格属于合并单元格 {ref}，合并后只有首格 {first} 有值；请取消合并并在每一行填写后重新导入"
        return ""

    def _chunk(self, batch: list, info: FileInfo, xlsx: bool) -> Chunk:
        name = info.path.name
        header, roles = self.header, self.roles
        ncol = len(header)
        hname = {i: str(header[i]) for i in range(ncol)}
        out = Chunk()
        pending: list[dict] = []  # one per value cell, before its text is parsed
        long_layout = self.long_layout
        for row, rec, is_last in batch:
            out.rows_read += 1
            if is_last and not xlsx and not info.ends_with_newline and not self.trust_last_line:
                out.reject_row(RowError(name, row, None, UNTERMINATED_LAST_LINE))
                continue
            if xlsx:
                # cells beyond the header are layout unless they hold data (then: a column-count error)
                extra = [c for c in rec[ncol:] if c not in (None, "")]
                rec = list(rec[:ncol]) + [None] * (ncol - len(rec)) + ["<extra>"] * len(extra)
            if len(rec) != ncol:
                out.reject_row(RowError(name, row, None, f"列数不符：表头 {ncol} 列，此行 {len(rec)} 列"))
                continue
            formula = next((roles[r] for r in ("station", "time", "pollutant", "unit", "flag")
                            if r in roles and isinstance(rec[roles[r]], NoCachedValue)), None)
            if formula is not None:
                out.reject_row(RowError(name, row, hname[formula], rec[formula].message()))
                continue
            sc = roles["station"]
            st_text = (_cell_text(rec[sc]) or "").strip()
            if not st_text:
                out.reject_row(RowError(name, row, hname[sc], "站点为空" + self._merged_hint(row, sc)))
                continue
            if st_text in self.codes:
                code = st_text
            elif len(self.names.get(st_text, [])) == 1:
                code = self.names[st_text][0]
            elif len(self.names.get(st_text, [])) > 1:
                out.reject_row(RowError(name, row, hname[sc],
                                        f"站点名称「{st_text}」对应多个站点（{'、'.join(self.names[st_text])}），请改用站点编码"))
                continue
            else:
                out.reject_row(RowError(name, row, hname[sc], f"站点「{st_text}」未登记"))
                continue
            tc = roles["time"]
            tcell = rec[tc]
            if tcell in (None, "") and self._merged_hint(row, tc):
                out.reject_row(RowError(name, row, hname[tc], "时间为空" + self._merged_hint(row, tc)))
                continue
            try:
                t = self._hours.get(tcell)
                if t is None:  # long tables repeat each hour once per station and pollutant
                    t = parse_hour(tcell if isinstance(tcell, (datetime, date)) else _cell_text(tcell), self.hour_label)
                    self._hours[tcell] = t
            except TimeParseError as exc:
                out.reject_row(RowError(name, row, hname[tc], str(exc)))
                continue
            flag = None
            if "flag" in roles:
                flag = (_cell_text(rec[roles["flag"]]) or "").strip().upper() or None
                if flag is not None and (len(flag) > 4 or not flag.isascii() or not flag.isalnum()):
                    out.reject_row(RowError(name, row, hname[roles["flag"]],
                                            f"数据标记「{flag}」无效（应为 N、F、M、S、D、C、T、B 等字母）"))
                    continue
            if long_layout:
                p_text = _cell_text(rec[roles["pollutant"]])
                pol = normalise_pollutant(p_text)
                if pol is None:
                    out.reject_row(RowError(name, row, hname[roles["pollutant"]], f"未知污染物「{(p_text or '').strip()}」"))
                    continue
                cells = [(pol, roles["value"])]
            else:
                cells = list(self.pollutant_cols.items())
            row_unit = None
            if "unit" in roles:
                u_text = (_cell_text(rec[roles["unit"]]) or "").strip()
                row_unit = parse_unit(u_text)
                if u_text and row_unit is None:
                    out.reject_row(RowError(name, row, hname[roles["unit"]],
                                            f"无法识别的单位「{u_text}」（应为 μg/m³ 或 mg/m³）"))
                    continue
            for pol, ci in cells:
                cell = rec[ci]
                if isinstance(cell, NoCachedValue):
                    out.reject_value(RowError(name, row, hname[ci], cell.message()), whole_row=long_layout)
                    continue
                pending.append({"row": row, "station_code": code, "time": t, "pollutant": pol, "flag": flag,
                                "field": hname[ci], "unit": row_unit or self.header_units.get(ci),
                                "text": _cell_text(cell)})
        # every value text parsed exactly in one vectorised pass (not one query per cell)
        micros, reasons = checks.values_micro(pl.Series("t", [c["text"] for c in pending], dtype=pl.Utf8))
        items = []
        for cell, micro, why in zip(pending, micros.to_list(), reasons.to_list(), strict=True):
            if micro is not None:
                micro, why = _to_store_unit(micro, cell["unit"], cell["pollutant"])
            if why:
                out.reject_value(RowError(name, cell["row"], cell["field"], why), whole_row=long_layout)
                continue
            if micro is not None:
                items.append((cell["row"], cell["field"], cell["station_code"], cell["time"], cell["pollutant"],
                              micro, cell["flag"]))
        out.observations = pl.DataFrame(
            items,
            schema={"row": pl.Int64, "field": pl.Utf8, "station_code": pl.Utf8, "time": pl.Datetime("us"),
                    "pollutant": pl.Utf8, "value": pl.Int64, "flag": pl.Utf8},
            orient="row",
        )
        return out


def import_table(
    path: str | Path,
    store: ObservationStore | None = None,
    *,
    hour_label: str = "end",
    sheet: str | None = None,
    url: str | None = None,
    settings: ImportSettings | None = None,
) -> ImportResult:
    """Validate and import one table file through the stage (all or nothing; see the module doc
    and :mod:`qingshan.store.staging`). An unchanged file imported before with the same options
    is skipped (``settings.force`` imports it again)."""
    if hour_label not in ("end", "start"):
        raise ValueError("hour_label must be 'end' or 'start'")
    settings = settings or ImportSettings()
    path = Path(path)

    def parser(registry: StationRegistry) -> TableParser:
        return TableParser(station_codes=registry.codes(), station_names=registry.names(), hour_label=hour_label,
                           sheet=sheet, trust_last_line=settings.trust_last_line)

    return run_import(
        path, store, url=url, kind="table", source=SOURCE, settings=settings,
        options={"hour_label": hour_label, "sheet": sheet}, make_parser=parser, by_pollutant=True,
        register=False, workbook=path.suffix.lower() in (".xlsx", ".xlsm", ".xls"),
    )
