"""``qingshan bulletin``: write the two monthly bulletins (.docx and HTML), review, publish, regenerate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="月度通报：空气质量通报、重点工作通报（Word 与 HTML）及审核发布", no_args_is_help=True)


def _write(kind: str, month: str, output: Path, html_out: Path | None, issued: str | None) -> None:
    from qingshan.bulletin import service
    from qingshan.bulletin.workflow import WorkflowError
    from qingshan.targets.context import NoUnitsError
    from qingshan.targets.store import TargetsError

    if output.suffix.lower() != ".docx":
        raise typer.BadParameter("-o 应为 .docx 文件")
    try:
        day = date.fromisoformat(issued) if issued else None
    except ValueError:
        raise typer.BadParameter(f"--date 应为 YYYY-MM-DD，收到 {issued!r}") from None
    console = Console(stderr=True)
    try:
        with console.status(f"生成 {month} {service.KINDS[kind]}…"):
            b = service.build(None, kind, month, issued=day)
            paths = service.write_files(b, docx_path=output, html_path=html_out)
    except (NoUnitsError, TargetsError, WorkflowError, ValueError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    state = b.meta.get("state", "draft")
    typer.echo(f"已生成（{'已发布，按快照重新生成' if state == 'published' else '草稿'}）：")
    for p in paths:
        typer.echo(f"  {p}")


@app.command("air")
def air_cmd(month: str = typer.Option(..., "--month", help="通报月份 YYYY-MM"),
            output: Path = typer.Option(..., "-o", "--output", help="输出 .docx 文件"),
            html_out: Path = typer.Option(None, "--html", help="HTML 文件（默认与 .docx 同名）"),
            issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """M月及1—M月各县（区）环境空气质量状况通报。"""
    _write("air", month, output, html_out, issued)


@app.command("work")
def work_cmd(month: str = typer.Option(..., "--month", help="通报月份 YYYY-MM"),
             output: Path = typer.Option(..., "-o", "--output", help="输出 .docx 文件"),
             html_out: Path = typer.Option(None, "--html", help="HTML 文件（默认与 .docx 同名）"),
             issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """1—M月全市生态环境保护重点工作情况通报。"""
    _write("work", month, output, html_out, issued)


@app.command("remarks")
def remarks_cmd(month: str = typer.Option(..., "--month"), text: str = typer.Option(..., "--text")) -> None:
    """修改重点工作通报的“存在问题和下步要求”（仅草稿）。"""
    from qingshan.bulletin import service
    from qingshan.bulletin.workflow import WorkflowError

    try:
        service.set_remarks(None, month, text)
    except (WorkflowError, ValueError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("已保存。")


def _act(kind: str, month: str, action: str, issued: str | None = None) -> None:
    from qingshan.bulletin import service
    from qingshan.bulletin.workflow import WorkflowError

    try:
        info = service.act(None, kind, month, action, issued=date.fromisoformat(issued) if issued else None)
    except (WorkflowError, ValueError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{month} {service.KINDS[kind]}：{info.state_label}"
               + (f"（快照 SHA-256 {info.snapshot_sha256[:16]}…）" if info.snapshot_sha256 else ""))


@app.command("review")
def review_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """审核通过（草稿 → 已审核）。"""
    _act(kind, month, "review")


@app.command("return")
def return_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """退回修改（已审核 → 草稿）。"""
    _act(kind, month, "return")


@app.command("publish")
def publish_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month"),
                issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """签发（已审核 → 已发布）：冻结输入快照，之后按快照生成的文件逐字节相同。"""
    _act(kind, month, "publish", issued)


@app.command("verify")
def verify_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """按快照重新生成已发布的通报，核对与发布时逐字节相同。"""
    from qingshan.bulletin import service
    from qingshan.bulletin.workflow import WorkflowError

    try:
        _, _, same = service.regenerate(None, kind, month)
    except WorkflowError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("一致：按快照重新生成的 .docx 与 HTML 与发布时逐字节相同。" if same else "不一致：重新生成的文件与发布时不同！")
    if not same:
        raise typer.Exit(1)


__all__ = ["app"]
