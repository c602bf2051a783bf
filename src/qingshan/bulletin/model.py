"""The bulletin as plain data: what the .docx writer and the HTML renderer draw, and what a
published bulletin's snapshot freezes (assessment-bulletin.md §4, §5).

Every cell is text as published (rounded once, half-even, by the rule that produced it); chart
data are the published figures. A :class:`Bulletin` round-trips through canonical JSON
(:func:`to_json`/:func:`from_json`), so a snapshot regenerates byte-identical documents.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

NO_DATA = "暂无数据"
_NUMERALS = "一二三四五六七八九十"


def section_number(i: int) -> str:
    """一、二 … 十、十一 … for section i (1-based)."""
    if i <= 10:
        return _NUMERALS[i - 1]
    return "十" + _NUMERALS[i - 11] if i < 20 else str(i)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Chart:
    key: str  # composite_bar | pm25_monthly | aqi_days
    title: str
    data: dict


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    no_data: bool = False  # the section's source is not in the platform yet: 「暂无数据」
    editable: bool = False  # Bulletin B §4.3 item 8: pre-filled, edited before publishing


@dataclass
class Bulletin:
    kind: str  # air | work
    month: str  # YYYY-MM
    title: str
    issuer: str
    date_text: str  # 2026年11月5日
    doc_date: str  # ISO date: the documents' fixed core-properties date
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # settings, statuses, demo flag, state


def to_json(b: Bulletin) -> str:
    """Canonical JSON (sorted keys, no whitespace variation): the snapshot text."""
    return json.dumps(asdict(b), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def from_json(text: str) -> Bulletin:
    d = json.loads(text)
    secs = []
    for s in d["sections"]:
        secs.append(Section(s["title"], s["paragraphs"], [Table(**t) for t in s["tables"]],
                            [Chart(**c) for c in s["charts"]], s["no_data"], s["editable"]))
    return Bulletin(d["kind"], d["month"], d["title"], d["issuer"], d["date_text"], d["doc_date"], secs,
                    d["notes"], d["meta"])


__all__ = ["Bulletin", "Chart", "NO_DATA", "Section", "Table", "from_json", "section_number", "to_json"]
