"""The shape every read-side query hands to a page: rows, and when there are none, why.

A query answers with :class:`Result` so that a page can show "暂无数据：<reason>" for a real
empty state (no data yet, nothing overdue). A failure is not an empty state: queries raise, and
the web turns the error into a status (:mod:`qingshan.web.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """Rows for a page plus, when it is empty, the reason shown to the user (Chinese)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rows)
