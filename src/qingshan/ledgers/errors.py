"""Errors the ledger service raises; the web app maps them to HTTP (403/409/404/422)."""

from __future__ import annotations


class LedgerError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(LedgerError):
    """The user's role or unit may not do this (HTTP 403, audited)."""

    def __init__(self, message: str, object_type: str | None = "ledger_item", object_id=None):
        super().__init__(message)
        self.object_type = object_type
        self.object_id = object_id
        self.audited = False  # set once the refusal is in the audit trail


class Conflict(LedgerError):
    """Optimistic-concurrency conflict: the item changed since the client read it (HTTP 409)."""

    def __init__(self, message: str, object_id=None, current_version: int | None = None):
        super().__init__(message)
        self.object_id = object_id
        self.current_version = current_version


class NotFound(LedgerError):
    pass


class ValidationFailed(LedgerError):
    """Bad input; ``errors`` lists one Chinese message per field or Excel row."""

    status = 422

    def __init__(self, message: str, errors: list | None = None):
        super().__init__(message)
        self.errors = errors or []
