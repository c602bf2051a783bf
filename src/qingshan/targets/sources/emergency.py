"""Seam to the heavy-pollution emergency domain (air-emergency.md §1, §4) for Bulletin B."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlertEpisode:
    level: str  # 黄色 | 橙色 | 红色
    start: str  # YYYY-MM-DD
    end: str


@dataclass(frozen=True)
class EmergencySummary:
    month: str
    episodes: tuple[AlertEpisode, ...]
    enterprises_checked: int
    enterprises_failed: int  # VERIFY-1 failures (air-emergency.md §4.2)


def read(url: str | None, month: str) -> EmergencySummary | None:
    return None
