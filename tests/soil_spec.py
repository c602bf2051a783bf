"""Read the limit tables of soil-waste.md (the spec, typed from the official PDFs) so the
packaged tables can be checked against it row by row."""

from __future__ import annotations

from pathlib import Path


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = text.find("\n### ", start + len(heading))
    nxt2 = text.find("\n## ", start + len(heading))
    ends = [e for e in (nxt, nxt2) if e != -1]
    return text[start: min(ends) if ends else len(text)]


def table_rows(block: str) -> list[list[str]]:
    """Data rows of the first markdown table in ``block`` (header and rule dropped)."""
    rows = []
    lines = [ln for ln in block.splitlines() if ln.startswith("|")]
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        rows.append(cells)
    return rows


def spec_text(shared_dir: Path) -> str:
    return (shared_dir / "standards" / "soil-waste.md").read_text(encoding="utf-8")


def clean(v: str) -> str:
    return v.replace("ᵃ", "").strip()
