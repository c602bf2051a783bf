"""What an import reports: per-row errors (Chinese, with file/row/field) and counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RowError:
    """One rejected row or value. ``row`` is 1-based as in a spreadsheet (header = row 1)."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.field:
            where.append(f"字段「{self.field}」")
        return f"{'，'.join(where)}：{self.reason}"


@dataclass
class ImportResult:
    """Outcome of importing one file."""

    path: Path
    kind: str
    encoding: str | None = None
    sha256: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    values_written: int = 0
    stations_registered: int = 0
    batch_id: int | None = None
    #: an earlier successful batch of a file with the same SHA-256 (re-import: nothing duplicated)
    previous_batch: int | None = None
    status: str = "ok"  # ok | failed
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ImportFailed(RuntimeError):
    """The file could not be imported at all (nothing was written)."""

    def __init__(self, result: ImportResult, message: str):
        super().__init__(message)
        self.result = result
