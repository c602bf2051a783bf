"""One file's import, whatever its format: inspect, skip if unchanged, parse in chunks, check
plausibility, stage, resolve duplicates, publish — or roll everything back.

The parsers (:mod:`qingshan.ingest.cnemc`, :mod:`qingshan.ingest.table`) turn a file into
:class:`Chunk` objects; :func:`run_import` does the rest through
:class:`qingshan.store.staging.StagedImport` (bounded transactions, undo records; see there for
exactly when a file is all-or-nothing). Other domains' importers can reuse :func:`run_import`
with their own parser, or :class:`ImportSettings`, :class:`Chunk` and the result types alone.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from qingshan.config import plausibility_file
from qingshan.ingest.checks import micro_text
from qingshan.ingest.plausibility import ABOVE_RANGE_FLAG, Bound, PlausibilityBounds, classify
from qingshan.ingest.pollutants import POLLUTANT_LABELS
from qingshan.ingest.result import ImportFailed, ImportResult, IssueKind, RowError
from qingshan.ingest.source_file import FileInfo, inspect_file
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry
from qingshan.store.staging import (
    DEFAULT_CHUNK,
    AcrossFiles,
    DuplicateGroup,
    StagedImport,
    StoredConflict,
    WithinFile,
    find_previous,
    options_text,
    record_skipped,
    recover_abandoned,
)
from qingshan.textcodec import EncodingError, detect_encoding

log = logging.getLogger(__name__)


class FileRefused(ValueError):
    """The whole file cannot be imported (header, encoding, not a workbook…); Chinese message."""

    def __init__(self, reason: str, row: int | None = None):
        super().__init__(reason)
        self.row = row


@dataclass(frozen=True)
class ImportSettings:
    """How an import treats duplicates, conflicts, implausible values and re-imports."""

    #: several rows of one file for one key with different values (default: none imported)
    within_file: WithinFile = WithinFile.REJECT
    #: a value that differs from another file's stored value (default: replace it, reported)
    across_files: AcrossFiles = AcrossFiles.REPLACE
    #: plausibility bounds; None: the built-in defaults with :func:`qingshan.config.plausibility_file`
    bounds: PlausibilityBounds | None = None
    #: import even when the same file (SHA-256) was imported before with the same options
    force: bool = False
    #: accept a last line that does not end with a line break (otherwise it may be cut: refused)
    trust_last_line: bool = False
    #: values per transaction (qingshan.store.staging)
    chunk_values: int = DEFAULT_CHUNK

    def resolved_bounds(self) -> PlausibilityBounds:
        return self.bounds if self.bounds is not None else PlausibilityBounds.load(plausibility_file())

    def fingerprint(self, bounds: dict[str, Bound]) -> dict:
        """The settings that change what a file stores (part of the re-import check)."""
        digest = hashlib.sha256(repr(sorted((k, b.flag_above, b.reject_above) for k, b in bounds.items())).encode())
        return {"within_file": str(self.within_file), "across_files": str(self.across_files),
                "trust_last_line": self.trust_last_line, "bounds": digest.hexdigest()[:16]}


@dataclass
class Chunk:
    """One parsed piece of a file, ready to stage."""

    rows_read: int = 0
    rows_rejected: int = 0
    values_rejected: int = 0
    #: ``row, field, station_code, time, pollutant, value`` (Int64 micro-units), ``flag``
    observations: pl.DataFrame | None = None
    #: ``row, station_code, time, aqi, primary_pollutant`` (CNEMC)
    published: pl.DataFrame | None = None
    #: stations to register first: ``code, name[, city_name, lon, lat]``
    stations: pl.DataFrame | None = None
    issues: list[RowError] = field(default_factory=list)

    def reject_row(self, issue: RowError) -> None:
        self.issues.append(issue)
        self.rows_rejected += 1

    def reject_value(self, issue: RowError, *, whole_row: bool = False) -> None:
        self.issues.append(issue)
        self.values_rejected += 1
        if whole_row:
            self.rows_rejected += 1


class Parser(Protocol):
    #: one value per row (long tables): a refused value refuses its row. Known after the header.
    one_value_per_row: bool

    def chunks(self, info: FileInfo, encoding: str) -> Iterator[Chunk]: ...


def apply_bounds(chunk: Chunk, bounds: dict[str, Bound], file: str, *, value_rejects_row: bool) -> int:
    """Flag (``T``) values above the analyser range, reject absurd ones; returns the number flagged.

    See :mod:`qingshan.ingest.plausibility` for the bounds and why.
    """
    obs = chunk.observations
    if obs is None or obs.is_empty():
        return 0
    v = obs.with_columns(classify(obs, bounds))
    if v["verdict"].null_count() == v.height:
        return 0
    flagged = 0
    for row, fld, pol, val, flag, verdict, limit in v.filter(pl.col("verdict").is_not_null()).select(
        "row", "field", "pollutant", "value", "flag", "verdict", "limit"
    ).iter_rows():
        b = bounds[pol]
        label, unit = POLLUTANT_LABELS.get(pol, pol), b.unit
        if verdict == "reject":
            chunk.reject_value(RowError(
                file, row, fld,
                f"{label} {micro_text(val)} {unit} 超出可信上限 {micro_text(limit)} {unit}，不可能是分析仪读数"
                f"（多为单位或录入错误），未导入",
            ), whole_row=value_rejects_row)
        else:
            flagged += 1
            keep = flag not in (None, "N")
            chunk.issues.append(RowError(
                file, row, fld,
                f"{label} {micro_text(val)} {unit} 超出分析仪量程上限 {micro_text(limit)} {unit}（{b.basis}），"
                + (f"保留原标记 {flag}，不参与统计" if keep else f"已标记 {ABOVE_RANGE_FLAG}（超测上限），不参与统计"),
                IssueKind.FLAGGED,
            ))
    chunk.observations = v.filter(pl.col("verdict").is_null() | (pl.col("verdict") == "flag")).with_columns(
        flag=pl.when((pl.col("verdict") == "flag") & (pl.col("flag").is_null() | (pl.col("flag") == "N")))
        .then(pl.lit(ABOVE_RANGE_FLAG)).otherwise(pl.col("flag"))
    ).drop("verdict", "limit")
    return flagged


def _hour(t) -> str:
    return f"{t:%Y-%m-%d %H:%M}"


def describe_duplicates(file: str, result: ImportResult, *, by_pollutant: bool, row_counts: bool
                        ) -> Callable[[DuplicateGroup], Iterable[dict]]:
    """Messages for rows of one file sharing a key (and the counts they change)."""

    def describe(g: DuplicateGroup) -> Iterable[dict]:
        listed = "、".join(str(r) for r in g.rows)
        label = POLLUTANT_LABELS.get(g.pollutant or "", g.pollutant or "")
        out = []
        if not g.identical:
            result.values_rejected += g.dropped_values
        for r, fld in zip(g.rows, g.fields, strict=True):
            if r == g.kept_row:
                continue
            if g.identical:
                kind = IssueKind.SKIPPED
                reason = (f"与第 {g.rows[0]} 行重复（站点 {g.station_code} {_hour(g.time)} {label}，数值相同），已跳过"
                          if by_pollutant else f"与第 {g.rows[0]} 行重复（同一站点同一小时，内容相同），已跳过")
            else:
                kind = IssueKind.REJECTED
                what = (f"站点 {g.station_code} {_hour(g.time)} {label} 有多个不同数值（第 {listed} 行）"
                        if by_pollutant else f"站点 {g.station_code} 在 {_hour(g.time)} 有多行且内容不同（第 {listed} 行）")
                reason = what + ("，均未导入" if g.kept_row is None else f"，按设置只导入第 {g.kept_row} 行，本行未导入")
            if row_counts:
                result.rows_rejected += 1
            issue = RowError(file, r, fld if by_pollutant else None, reason, kind)
            result.add(issue)
            out.append(issue.as_issue())
        return out

    return describe


def describe_conflicts(file: str, result: ImportResult) -> Callable[[StoredConflict], Iterable[dict]]:
    """Messages for values that differ from another file's stored value."""

    def text(value, flag, primary, aqi: bool) -> str:
        if aqi:
            return f"{value if value is not None else '空'}" + (f"（首要污染物 {primary}）" if primary else "")
        return f"{micro_text(value)}" + (f"（标记 {flag}）" if flag else "")

    def describe(c: StoredConflict) -> Iterable[dict]:
        aqi = c.pollutant is None
        label = "发布的 AQI" if aqi else POLLUTANT_LABELS.get(c.pollutant, c.pollutant)
        old = text(c.old_value, c.old_flag, c.old_primary, aqi)
        new = text(c.value, c.flag, c.primary_pollutant, aqi)
        where = f"站点 {c.station_code} {_hour(c.time)} {label}"
        if c.replaced:
            issue = RowError(file, c.row, c.field, f"{where} 与已存数值不同：原为 {old}（批次 {c.old_batch}），"
                             f"已替换为本文件的 {new}", IssueKind.REPLACED)
        else:
            result.values_rejected += 1
            issue = RowError(file, c.row, c.field, f"{where} 与已存数值不同：已存 {old}（批次 {c.old_batch}），"
                             f"本文件为 {new}；按设置保留已存数值，本值未导入", IssueKind.KEPT)
        result.add(issue)
        return [issue.as_issue()]

    return describe


def database_failure(exc: SQLAlchemyError | sqlite3.Error) -> str:
    """A database error as a user reads it (the driver's English text goes to the log only).

    ``sqlite3.Error`` comes from the SQLite stage's scratch file (qingshan.store.staging)."""
    orig = str(getattr(exc, "orig", None) or exc).lower()
    if "locked" in orig or "busy" in orig:
        what = "数据库正被其他程序写入，等待 30 秒后仍未获得写入权限"
    elif "disk" in orig or "full" in orig or "no space" in orig:
        what = "磁盘已满或读写出错"
    elif isinstance(exc, DBAPIError) and exc.connection_invalidated:
        what = "与数据库的连接中断"
    elif "constraint" in orig or "unique" in orig or "foreign key" in orig:
        what = "数据与数据库中已有记录冲突"
    else:
        what = "数据库出错"
    return f"写入数据库失败（{what}），本文件未导入任何数据，已写入的部分已撤销；请稍后重试，详细错误见日志"


def run_import(
    path: str | Path,
    store: ObservationStore | None,
    *,
    url: str | None,
    kind: str,
    source: str,
    settings: ImportSettings,
    options: dict,
    make_parser: Callable[[StationRegistry], Parser],
    by_pollutant: bool,
    register: bool,
    workbook: bool = False,
) -> ImportResult:
    """Import one file; see the module doc. Raises :class:`ImportFailed` when nothing was kept.

    ``by_pollutant``: duplicates are keyed per pollutant (tables) or per station-hour row (CNEMC);
    ``register``: stations the parser lists are registered; ``workbook``: an .xlsx (no text
    encoding to detect).
    """
    own = store is None
    store = store or ObservationStore(url)
    path = Path(path)
    result = ImportResult(path=path, kind=kind)
    try:
        bounds = dict(settings.resolved_bounds().for_source(source))
        opts = {**options, **settings.fingerprint(bounds)}
        staged = StagedImport(store, kind=kind, source=source, file_name=str(path), options=opts,
                              chunk=settings.chunk_values)

        def refuse(reason: str, row: int | None = None):
            issue = RowError(path.name, row, None, reason)
            result.add(issue)
            result.status = "failed"
            try:
                staged.fail([issue.as_issue()], rows_read=result.rows_read)
                result.batch_id = staged.batch_id
            except (SQLAlchemyError, sqlite3.Error):  # the database itself is unusable: ImportFailed still tells
                log.exception("could not record the refused file %s", path)
            result.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
            raise ImportFailed(result, reason)

        try:
            info = inspect_file(path)
        except OSError:
            refuse("无法读取文件（不存在、无权限或正被其他程序占用）")
        result.sha256 = staged.sha256 = info.sha256
        recover_abandoned(store)
        if info.size == 0:
            refuse("文件为空（0 字节），没有表头也没有数据")
        if not settings.force:
            prev = find_previous(store, sha256=info.sha256, kind=kind, options=options_text(source, opts))
            if prev is not None:
                result.status = "skipped"
                result.previous_batch = prev["id"]
                result.encoding = prev["encoding"]
                result.rows_read, result.rows_kept, result.rows_rejected = (
                    prev["rows_read"], prev["rows_kept"], prev["rows_rejected"])
                result.batch_id = record_skipped(store, kind=kind, file_name=str(path), sha256=info.sha256,
                                                 encoding=prev["encoding"], options=options_text(source, opts),
                                                 previous=prev)
                return result
        if workbook:
            encoding = "xlsx"
        else:
            try:
                encoding = detect_encoding(path)
            except EncodingError as exc:
                result.encoding = None
                refuse(str(exc))
        result.encoding = staged.encoding = encoding
        registry = StationRegistry(store.url, auto_migrate=False, engine=store.engine)

        def register_stations(frame: pl.DataFrame, conn) -> list[str]:
            before = registry.codes(conn)
            registry.register(frame, source=source, conn=conn)
            return [c for c in frame["code"].unique(maintain_order=True).to_list() if c not in before]

        staged.open()
        result.batch_id = staged.batch_id
        try:
            parser = make_parser(registry)
            for chunk in parser.chunks(info, encoding):
                result.values_flagged += apply_bounds(chunk, bounds, path.name,
                                                      value_rejects_row=parser.one_value_per_row)
                result.rows_read += chunk.rows_read
                result.rows_rejected += chunk.rows_rejected
                result.values_rejected += chunk.values_rejected
                for issue in chunk.issues:
                    result.add(issue)
                staged.stage(observations=chunk.observations, published=chunk.published, stations=chunk.stations,
                             issues=[i.as_issue() for i in chunk.issues],
                             register=register_stations if register else None)
            staged.resolve_duplicates(
                by_pollutant=by_pollutant, policy=settings.within_file,
                describe=describe_duplicates(path.name, result, by_pollutant=by_pollutant,
                                             row_counts=parser.one_value_per_row or not by_pollutant),
            )
            result.values_written = staged.publish(policy=settings.across_files,
                                                   describe=describe_conflicts(path.name, result))
            result.rows_kept = result.rows_read - result.rows_rejected
            result.stations_registered = len(staged.new_stations)
            staged.finish(rows_read=result.rows_read, rows_kept=result.rows_kept, rows_rejected=result.rows_rejected,
                          values_written=result.values_written, values_flagged=result.values_flagged,
                          values_rejected=result.values_rejected)
        except FileRefused as exc:
            refuse(str(exc), exc.row)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            log.exception("import of %s failed in the database", path)
            result.values_written = result.stations_registered = 0
            refuse(database_failure(exc))
        except BaseException:  # not a user error: undo what was written, then let it propagate
            result.status = "failed"
            try:
                staged.fail([{"row": None, "field": None, "reason": "导入时发生内部错误，本文件未导入任何数据，已写入的部分已撤销"}],
                            rows_read=result.rows_read)
            except (SQLAlchemyError, sqlite3.Error):
                log.exception("could not roll back %s", path)
            raise
        result.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        return result
    finally:
        if own:
            store.close()
