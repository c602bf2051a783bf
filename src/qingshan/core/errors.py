"""The errors every domain raises, by what went wrong (never by HTTP status).

The web maps them to statuses in one table (:data:`qingshan.web.errors.HTTP_STATUS`); the CLI
prints their Chinese ``message``. A domain raises these (or subclasses) and gets the right
status on every page and route without code of its own.

:class:`RowError` is not raised: it is the one description of a rejected row or value of a file
a user handed us (every domain's importer reports its problems as a list of them).
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base: ``message`` is the Chinese text shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist (HTTP 404)."""


class PermissionDenied(DomainError):
    """The user's role or unit may not do this (HTTP 403; audited once: ``audited``)."""

    def __init__(self, message: str, object_type: str | None = "ledger_item", object_id=None):
        super().__init__(message)
        self.object_type = object_type
        self.object_id = object_id
        self.audited = False  # set once the refusal is in the audit trail


class Conflict(DomainError):
    """Optimistic-concurrency conflict: the object changed since the client read it (HTTP 409)."""

    def __init__(self, message: str, object_id=None, current_version: int | None = None,
                 object_type: str | None = "ledger_item"):
        super().__init__(message)
        self.object_id = object_id
        self.object_type = object_type
        self.current_version = current_version


class ValidationFailed(DomainError):
    """Bad input; ``errors`` lists one Chinese message per field or row (HTTP 422)."""

    def __init__(self, message: str, errors: list | None = None):
        super().__init__(message)
        self.errors = errors or []


class TooLarge(DomainError):
    """An upload or request over its size limit (HTTP 413)."""


class UnsupportedType(DomainError):
    """A file whose content is not an accepted type (HTTP 415)."""


@dataclass(frozen=True)
class RowError:
    """One rejected row or value of an imported file, said in Chinese with where it is. ``row``
    is 1-based as in a spreadsheet (header = row 1); ``field`` the column as the file names it."""

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
