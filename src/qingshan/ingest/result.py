"""What an import reports: per-row and per-value issues (Chinese, with file/row/field) and counts.

These types are the importers' public interface, meant to be reused by every domain's importer
(water, carbon, soil): an importer fills an :class:`ImportResult`, each problem is a
:class:`RowError` of an :class:`IssueKind`, and :meth:`ImportResult.summary` gives the
:class:`ImportSummary` that ``qingshan import … --format json`` prints for automation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from qingshan.core import errors as core_errors


class IssueKind(StrEnum):
    """What happened to the row or value an issue is about."""

    REJECTED = "rejected"  #: not imported (a row, or one value of it)
    FLAGGED = "flagged"  #: imported with a flag that keeps it out of statistics (e.g. T, above range)
    SKIPPED = "skipped"  #: an identical copy of an earlier row of the file; the first one is imported
    REPLACED = "replaced"  #: imported, replacing a different value another file had stored
    KEPT = "kept"  #: not imported: another file's different stored value is kept (policy ``keep``)


@dataclass(frozen=True)
class RowError(core_errors.RowError):
    """One issue about a row or value (:class:`qingshan.core.errors.RowError`) and what
    happened to it: the air importers also report values flagged, skipped or replaced."""

    kind: IssueKind = IssueKind.REJECTED

    def as_issue(self) -> dict:
        """The row for ``import_errors``."""
        return {"row": self.row, "field": self.field, "reason": self.reason, "kind": str(self.kind)}


#: At most this many issues are kept in memory per file (all of them go to ``import_errors``).
KEEP_ISSUES = 10_000


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
    values_flagged: int = 0
    values_rejected: int = 0
    stations_registered: int = 0
    batch_id: int | None = None
    #: an earlier successful batch of the same file (SHA-256) with the same options
    previous_batch: int | None = None
    status: str = "ok"  # ok | skipped | failed
    #: the first :data:`KEEP_ISSUES` issues; ``issue_counts`` counts all of them by kind
    errors: list[RowError] = field(default_factory=list)
    issue_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")

    @property
    def issues_total(self) -> int:
        return sum(self.issue_counts.values())

    def add(self, issue: RowError) -> None:
        k = str(issue.kind)
        self.issue_counts[k] = self.issue_counts.get(k, 0) + 1
        if len(self.errors) < KEEP_ISSUES:
            self.errors.append(issue)

    def summary(self, issues: list[RowError] | None = None) -> ImportSummary:
        """The machine-readable summary; ``issues`` defaults to the ones kept in memory."""
        return ImportSummary(
            file=str(self.path), kind=self.kind, status=self.status, encoding=self.encoding, sha256=self.sha256,
            batch_id=self.batch_id, previous_batch=self.previous_batch, rows_read=self.rows_read,
            rows_imported=self.rows_kept, rows_rejected=self.rows_rejected, values_written=self.values_written,
            values_flagged=self.values_flagged, values_rejected=self.values_rejected,
            stations_registered=self.stations_registered, issue_counts=dict(self.issue_counts),
            issues=[IssueModel(row=e.row, field=e.field, kind=str(e.kind), reason=e.reason)
                    for e in (self.errors if issues is None else issues)],
        )


class IssueModel(BaseModel):
    """One rejected, flagged, skipped, replaced or kept row or value (reason in Chinese)."""

    row: int | None
    field: str | None
    kind: str
    reason: str


class ImportSummary(BaseModel):
    """One file's import, as ``qingshan import … --format json`` prints it."""

    file: str
    kind: str
    status: str  #: ok | skipped (same file and options imported before) | failed (nothing written)
    encoding: str | None
    sha256: str | None
    batch_id: int | None
    previous_batch: int | None
    rows_read: int
    rows_imported: int
    rows_rejected: int
    values_written: int
    values_flagged: int
    values_rejected: int
    stations_registered: int
    issue_counts: dict[str, int]
    issues: list[IssueModel]


class ImportReport(BaseModel):
    """Every file of one ``qingshan import`` command."""

    ok: bool
    files: list[ImportSummary]


class ImportFailed(RuntimeError):
    """The file could not be imported at all (nothing of it was written)."""

    def __init__(self, result: ImportResult, message: str):
        super().__init__(message)
        self.result = result
