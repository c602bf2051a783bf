"""Seam to the solid-waste domain (soil-waste.md §4–§6) for Bulletin B's 固体废物 paragraph."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WasteSummary:
    period_end: str
    generated_t: str  # general industrial solid waste generated, t (exact text)
    utilisation_rate_pub: str | None  # soil-waste.md §4.3, 2 decimals; None = "—"
    hazardous_manifests: int
    manifests_overdue: int
    tailings_ponds_hazards_open: int
    notes: tuple[str, ...] = ()


def read(url: str | None, month: str) -> WasteSummary | None:
    return None
