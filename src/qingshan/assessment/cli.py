"""``qingshan assess``: score the county-level units of a year on a scheme (JSON or Excel)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from qingshan import exact


def assess(year: int = typer.Option(..., "--year", help="考核年度"),
           scheme_path: Path = typer.Option(..., "--scheme", help="考核方案（.json 或 .xlsx）"),
           inputs_path: Path = typer.Option(None, "--inputs", help="评分输入（.json 或 .xlsx）"),
           day: str = typer.Option(None, "--date", help="平台取数截止日期（默认该年12月31日）"),
           format: str = typer.Option("table", "--format", help="table 或 json")) -> None:  # noqa: A002
    """目标责任考核评分（assessment-bulletin.md §2.2）：各县（区）得分、等次与否决项。"""
    from qingshan.assessment import scheme as sch
    from qingshan.assessment.service import read_inputs, run
    from qingshan.standards.assessment_score import SchemeError

    try:
        scheme = sch.load(scheme_path)
        inputs = read_inputs(inputs_path) if inputs_path else {}
        d = date.fromisoformat(day) if day else None
        with Console(stderr=True).status("计算考核得分…"):
            results = run(None, year, scheme, inputs, day=d)
    except (SchemeError, ValueError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    if format == "json":
        typer.echo(json.dumps([{
            "unit": r.code, "name": r.name, "error": r.error, "platform_inputs": r.filled,
            "score": None if r.result is None else exact.fraction_to_str(r.result.score_pub, scheme.score_decimals),
            "grade": None if r.result is None else r.result.grade,
            "vetoes": [] if r.result is None else list(r.result.vetoes_triggered),
            "items": [] if r.result is None else [{"id": i.id, "name": i.name, "weight": str(i.weight),
                                                   "score": exact.fraction_to_str(i.score, 2)} for i in r.result.items],
        } for r in results], ensure_ascii=False, indent=1))
        return
    t = Table(title=f"{year}年{scheme.name}（{scheme.status}）")
    for c in ("县（区）", "得分", "等次", "否决项", "说明"):
        t.add_column(c)
    for r in results:
        if r.result is None:
            t.add_row(r.name, "—", "—", "", r.error or "")
        else:
            a = r.result
            t.add_row(r.name, exact.fraction_to_str(a.score_pub, scheme.score_decimals), a.grade,
                      "、".join(a.vetoes_triggered), "" if a.grade == a.grade_before_veto else f"否决前 {a.grade_before_veto}")
    Console().print(t)


__all__ = ["assess"]
