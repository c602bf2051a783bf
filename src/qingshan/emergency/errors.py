"""Errors of the emergency domain: per-row import errors (Chinese, file/row/field/reason)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file. ``row`` is 1-based as in a spreadsheet (header = row 1)."""

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

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "field": self.field, "reason": self.reason}


class EmergencyError(ValueError):
    """A request the domain refuses; the message (Chinese) says why. Nothing was written."""


class ImportRefused(EmergencyError):
    """A file refused as a whole (all-or-nothing): ``errors`` lists every problem found."""

    def __init__(self, message: str, errors: list[RowError]):
        super().__init__(message)
        self.errors = errors

    def __str__(self) -> str:
        head = super().__str__()
        return head + "".join(f"\n  {e}" for e in self.errors[:50]) + (
            f"\n  ……另有 {len(self.errors) - 50} 处" if len(self.errors) > 50 else "")


class NotFound(EmergencyError):
    """The referenced alert, list, enterprise or table version does not exist."""
