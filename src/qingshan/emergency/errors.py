"""Errors of the emergency domain: per-row import errors (Chinese, file/row/field/reason).

Every error is a :mod:`qingshan.core.errors` class, so the web maps it by what went wrong (one
table, :data:`qingshan.web.errors.HTTP_STATUS`): a refused request or file is
:class:`~qingshan.core.errors.ValidationFailed` (HTTP 422, with one entry per row and field), a
missing alert, list or table version :class:`~qingshan.core.errors.NotFound` (404). They stay
``ValueError`` subclasses for the CLI and the callers that catch bad input that way.
"""

from __future__ import annotations

from qingshan.core import errors as core_errors
from qingshan.core.errors import RowError


class EmergencyError(core_errors.ValidationFailed, ValueError):
    """A request the domain refuses; the message (Chinese) says why. Nothing was written."""


class ImportRefused(EmergencyError):
    """A file refused as a whole (all-or-nothing): ``row_errors`` lists every problem found
    (``errors``: the same as JSON-ready dicts with their Chinese ``message``)."""

    def __init__(self, message: str, errors: list[RowError]):
        super().__init__(message, [{**e.as_dict(), "message": str(e)} for e in errors])
        self.row_errors = errors

    def __str__(self) -> str:
        head = self.message
        return head + "".join(f"\n  {e}" for e in self.row_errors[:50]) + (
            f"\n  ……另有 {len(self.row_errors) - 50} 处" if len(self.row_errors) > 50 else "")


class NotFound(core_errors.NotFound, EmergencyError):
    """The referenced alert, list, enterprise or table version does not exist."""
