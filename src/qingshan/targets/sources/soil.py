"""Seam to the soil domain (soil-waste.md §2–§3) for Bulletin B's 净土 paragraph."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoilSummary:
    period_end: str  # YYYY-MM-DD
    samples_assessed: int
    samples_over_screening: int  # above the GB 15618 / GB 36600 screening values
    samples_over_intervention: int
    key_units_supervised: int  # 土壤污染重点监管单位
    notes: tuple[str, ...] = ()


def read(url: str | None, month: str) -> SoilSummary | None:
    return None
