"""What the soil, waste and ponds commands share: the database session, Chinese error output,
import summaries, and ``--format table|csv|json`` printing."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import Enum

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from qingshan.config import database_url
from qingshan.landwaste.sheets import LoadResult
from qingshan.store import migrate
from qingshan.store.db import make_engine

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def session() -> Session:
    url = database_url()
    migrate.upgrade(url)
    return Session(make_engine(url))


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]错误：{message}[/red]")
    raise typer.Exit(code)


def print_load_result(result: LoadResult, *, limit: int = 50) -> None:
    """Counts, then the per-row errors and notes (file, row, field, reason)."""
    state = "[green]完成[/green]" if result.ok else "[red]未导入[/red]"
    console.print(f"{result.file}：{state}；读取 {result.rows_read} 行，保留 {result.rows_kept} 行，拒绝 {result.rows_rejected} 行；"
                  f"新增 {result.inserted}，更正 {result.updated}，未变 {result.unchanged}")
    for label, items, colour in (("错误", result.errors, "red"), ("提示", result.notes, "yellow")):
        for e in items[:limit]:
            console.print(f"[{colour}]{label}[/{colour}] {e}")
        if len(items) > limit:
            console.print(f"[{colour}]……另有 {len(items) - limit} 条{label}[/{colour}]")


def emit(rows: Sequence[dict], columns: Sequence[tuple[str, str]], fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print rows as a Rich table (Chinese headers), CSV or JSON (keys) on stdout."""
    if fmt == OutputFormat.json:
        sys.stdout.write(json.dumps([{k: r.get(k) for k, _ in columns} for r in rows], ensure_ascii=False, indent=1, default=str))
        sys.stdout.write("\n")
        return
    if fmt == OutputFormat.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([k for k, _ in columns])
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k, _ in columns])
        sys.stdout.write(buf.getvalue())
        return
    table = Table(*[label for _, label in columns], title=title)
    for r in rows:
        table.add_row(*["" if r.get(k) is None else str(r.get(k)) for k, _ in columns])
    console.print(table)
