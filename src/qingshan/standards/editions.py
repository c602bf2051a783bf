"""Which edition of the air standards applies to a value.

HJ 633—2026, GB 3095—2026 and HJ 663—2026 replace the 2012/2013 editions from 2026-03-01
(Beijing time). GB 3095—2026 has two stages: stage 1 (transitional limits) until 2030-12-31,
stage 2 from 2031-01-01.

Rules (air-aqi.md §0, air-evaluation.md §0 and §3):

* a daily value belongs to the edition of its natural day;
* an hourly value labelled T (end of hour) belongs to the edition of its natural day, the
  calendar date of T − 1 h. The hour labelled 2026-03-01T00:00 is therefore edition 2012 and
  the first edition-2026 hour is labelled 2026-03-01T01:00 (UNCONFIRMED for the real-time
  report of that boundary hour; callers may fix the edition);
* the edition is never inferred from the data values.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import polars as pl

Edition = Literal["2012", "2026"]
#: The limit regimes of GB 3095: the 2012 edition, and the 2026 edition's stages 1 and 2.
LimitStage = Literal["2012", "2026-1", "2026-2"]

EDITIONS: tuple[Edition, ...] = ("2012", "2026")
LIMIT_STAGES: tuple[LimitStage, ...] = ("2012", "2026-1", "2026-2")

SWITCH_DAY = date(2026, 3, 1)  # GB 3095—2026 / HJ 633—2026 / HJ 663—2026 in force
STAGE2_DAY = date(2031, 1, 1)  # GB 3095—2026 §4.4: final limits nationwide


def edition_for_day(day: date) -> Edition:
    return "2026" if day >= SWITCH_DAY else "2012"


def stage_for_day(day: date) -> LimitStage:
    if day >= STAGE2_DAY:
        return "2026-2"
    return "2026-1" if day >= SWITCH_DAY else "2012"


def natural_day(hour_end: datetime) -> date:
    """The natural day of an hour labelled by its end T: the date of T − 1 h (air-evaluation.md §3)."""
    return (hour_end - timedelta(hours=1)).date()


def edition_of_stage(stage: LimitStage) -> Edition:
    return "2012" if stage == "2012" else "2026"


def parse_edition(value: str | None) -> Edition | None:
    """Accept ``2012``/``2026`` and the stage names ``2026-1``/``2026-2`` (→ ``2026``)."""
    if value is None:
        return None
    v = str(value).strip()
    if v in EDITIONS:
        return v  # type: ignore[return-value]
    if v in ("2026-1", "2026-2"):
        return "2026"
    raise ValueError(f"未知的标准版本：{value!r}（可选 2012、2026、2026-1、2026-2）")


def parse_stage(value: str | None) -> LimitStage | None:
    if value is None:
        return None
    v = str(value).strip()
    if v in LIMIT_STAGES:
        return v  # type: ignore[return-value]
    if v == "2026":
        return "2026-1"
    raise ValueError(f"未知的限值阶段：{value!r}（可选 2012、2026-1、2026-2）")


def natural_day_expr(time: pl.Expr | str) -> pl.Expr:
    """Vectorised :func:`natural_day` for a Datetime column of hour-end labels."""
    t = pl.col(time) if isinstance(time, str) else time
    return (t - pl.duration(hours=1)).dt.date()


def edition_expr(day: pl.Expr) -> pl.Expr:
    """Vectorised :func:`edition_for_day` over a Date column (Utf8 result "2012"/"2026")."""
    return pl.when(day >= pl.lit(SWITCH_DAY)).then(pl.lit("2026")).otherwise(pl.lit("2012"))
