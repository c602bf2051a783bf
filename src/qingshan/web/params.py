"""Validated request parameters: reuse these in every route instead of a bare ``int``/``str``.

A bare ``item_id: int`` accepts ``9223372036854775808``; the database driver then raises
``OverflowError`` (HTTP 500, and on SQLite a reset connection). ``year: int`` accepts ``0`` and
``99999`` and ``date(year, …)`` raises ``ValueError``. The types below bound every number to what
the store and the calendar can hold, so such input is refused with HTTP 422 and a Chinese message
(``qingshan.web.errors`` turns pydantic's error types into Chinese) before any route code runs::

    from qingshan.web.params import Id, IdQuery, Limit, Offset, YearQuery

    @router.get("/api/water/sections/{section_id}", response_model=SectionOut)
    def section(section_id: Id, user: InternalUser, db: SessionDep) -> dict: ...

    @router.get("/api/water/sections", response_model=list[SectionOut])
    def sections(user: InternalUser, db: SessionDep, unit: IdQuery = None, year: YearQuery = None,
                 limit: Limit = 100, offset: Offset = 0) -> list[dict]: ...

Path parameters: :data:`Id` (a database id), :data:`Code` (a short code: station, division,
tracking number). Query parameters: :data:`IdQuery`, :data:`YearQuery`, :data:`MonthQuery`,
:data:`DateQuery`, :data:`Limit`, :data:`Offset`, :data:`DaysQuery`, :data:`TextQuery`,
:data:`StageQuery`. Body
fields (pydantic models): :data:`IdField`, :data:`VersionField`, :data:`UnitRef`, :data:`BigInt`.
The bounds are module constants (:data:`MAX_ID`, :data:`MIN_YEAR`, :data:`MAX_YEAR`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

#: Largest id a BIGINT column (PostgreSQL) or SQLite INTEGER holds: 2^63 − 1.
MAX_ID = 2**63 - 1
#: Years a page or report may ask for: monitoring data in China start in the 2000s; 2100 leaves
#: room for targets. ``date(0, 1, 1)`` and ``date(99999, 1, 1)`` raise; these bounds never do.
MIN_YEAR = 2000
MAX_YEAR = 2100
#: Longest free-text query parameter (a keyword filter) [characters].
MAX_QUERY_TEXT = 100

# --- path parameters -------------------------------------------------------------------------
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号（正整数）")]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.-]+$",
                           description="代码（字母、数字）")]

# --- query parameters ------------------------------------------------------------------------
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="编号（正整数）")]
YearQuery = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description=f"年份（{MIN_YEAR}—{MAX_YEAR}）")]
MonthQuery = Annotated[int | None, Query(ge=1, le=12, description="月份（1—12）")]
DateQuery = Annotated[date | None, Query(description="日期 YYYY-MM-DD")]
Limit = Annotated[int, Query(ge=1, le=1000, description="每页条数（1—1000）")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="跳过条数")]
DaysQuery = Annotated[int, Query(ge=0, le=3660, description="天数")]
TextQuery = Annotated[str | None, Query(max_length=MAX_QUERY_TEXT, description="关键词")]
StageQuery = Annotated[str | None, Query(max_length=16, description="评价标准版本：2012、2026-1、2026-2")]

# --- body fields -----------------------------------------------------------------------------
BigInt = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
VersionField = Annotated[int, Field(ge=0, le=MAX_ID, description="读取时得到的版本号（防止覆盖他人修改）")]
#: A unit given by id, code or name (what the ledger API accepts).
UnitRef = IdField | Annotated[str, Field(max_length=100)]


def form_id(value: object) -> int | None:
    """An id typed into a form field (text), or None when it is not one a database can hold."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def in_id_range(value: object) -> bool:
    """Whether ``value`` is an int a database id column can hold (for ids read from forms)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
