"""``qingshan bulletin``: write the two monthly bulletins (.docx and HTML), review, publish, verify."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from qingshan.core.errors import DomainError

app = typer.Typer(help="月度通报：空气质量通报、重点工作通报（Word 与 HTML）及审核、签发", no_args_is_help=True)


def _issued(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"--date 应为 YYYY-MM-DD，收到 {text!r}") from None


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"错误：{getattr(exc, 'message', None) or exc}", err=True)
    return typer.Exit(1)


def _write(kinds: tuple[str, ...], month: str, *, out_dir: Path | None = None, output: Path | None = None,
           html_out: Path | None = None, issued: str | None = None) -> None:
    """Build and write ``kinds`` for ``month`` from one read of the data."""
    from qingshan.bulletin import service
    from qingshan.targets.context import NoUnitsError
    from qingshan.targets.store import TargetsError

    if output is not None and output.suffix.lower() != ".docx":
        raise typer.BadParameter("-o 应为 .docx 文件")
    day = _issued(issued)
    console = Console(stderr=True)
    written: list[tuple[str, list[Path]]] = []
    try:
        service.month_end(month)  # a bad month fails before any reading
        ctx = None
        with console.status(f"读取 {month} 及上年同期的空气质量数据…"):
            states = {k: (service.cli_issue(None, k, month) or None) for k in kinds}
            if any(s is None or s.state == "draft" for s in states.values()):
                ctx = service.load_context(None, month)
        for kind in kinds:
            with console.status(f"生成 {month} {service.KINDS[kind]}…"):
                b = service.build(None, kind, month, issued=day, ctx=ctx)
                paths = service.write_files(b, out_dir, docx_path=output, html_path=html_out)
            written.append((b.meta.get("state", "draft"), paths))
    except (NoUnitsError, TargetsError, DomainError, ValueError) as exc:
        raise _fail(exc) from None
    for state, paths in written:
        typer.echo({"published": "已生成（已发布，按快照重新生成）：", "reviewed": "已生成（已审核，按快照生成）："}
                   .get(state, "已生成（草稿）："))
        for p in paths:
            typer.echo(f"  {p}")


@app.command("air")
def air_cmd(month: str = typer.Option(..., "--month", help="通报月份 YYYY-MM"),
            output: Path = typer.Option(..., "-o", "--output", help="输出 .docx 文件"),
            html_out: Path = typer.Option(None, "--html", help="HTML 文件（默认与 .docx 同名）"),
            issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """M月及1—M月各县（区）环境空气质量状况通报。"""
    _write(("air",), month, output=output, html_out=html_out, issued=issued)


@app.command("work")
def work_cmd(month: str = typer.Option(..., "--month", help="通报月份 YYYY-MM"),
             output: Path = typer.Option(..., "-o", "--output", help="输出 .docx 文件"),
             html_out: Path = typer.Option(None, "--html", help="HTML 文件（默认与 .docx 同名）"),
             issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """1—M月全市生态环境保护重点工作情况通报。"""
    _write(("work",), month, output=output, html_out=html_out, issued=issued)


@app.command("both")
def both_cmd(month: str = typer.Option(..., "--month", help="通报月份 YYYY-MM"),
             out_dir: Path = typer.Option(Path("."), "-d", "--dir", help="输出目录"),
             issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """两份通报一起生成（只读取一次数据）：bulletin-air-YYYY-MM 与 bulletin-work-YYYY-MM 的 .docx 和 .html。"""
    _write(("air", "work"), month, out_dir=out_dir, issued=issued)


@app.command("remarks")
def remarks_cmd(month: str = typer.Option(..., "--month"), text: str = typer.Option(..., "--text")) -> None:
    """修改重点工作通报的“存在问题和下步要求”（仅草稿；空文本恢复自动生成的内容）。"""
    from qingshan.bulletin import service

    try:
        service.cli_set_remarks(None, month, text)
    except DomainError as exc:
        raise _fail(exc) from None
    typer.echo("已保存。")


def _act(kind: str, month: str, action: str, issued: str | None = None) -> None:
    from qingshan.bulletin import service
    from qingshan.targets.context import NoUnitsError

    day = _issued(issued)
    try:
        with Console(stderr=True).status("处理中…"):
            info = service.cli_transition(None, kind, month, action, issued=day)
    except (DomainError, NoUnitsError, ValueError) as exc:
        raise _fail(exc) from None
    typer.echo(f"{month} {service.KINDS[kind]}：{info.state_label}"
               + (f"（快照 SHA-256 {info.snapshot_sha256[:16]}…）" if info.snapshot_sha256 else ""))


@app.command("review")
def review_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """审核通过（草稿 → 已审核）：冻结本期通报的内容，签发时即为该内容。"""
    _act(kind, month, "review")


@app.command("return")
def return_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """退回修改（已审核 → 草稿）。"""
    _act(kind, month, "return")


@app.command("publish")
def publish_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month"),
                issued: str = typer.Option(None, "--date", help="落款日期 YYYY-MM-DD（默认今天）")) -> None:
    """签发（已审核 → 已发布）：保存 Word 与 HTML，在公众门户“信息公开”中公布；之后按快照生成的文件逐字节相同。"""
    _act(kind, month, "publish", issued)


@app.command("verify")
def verify_cmd(kind: str = typer.Argument(..., help="air 或 work"), month: str = typer.Option(..., "--month")) -> None:
    """按快照重新生成已发布的通报，核对与发布时逐字节相同。"""
    from qingshan.bulletin import service

    try:
        _, _, same = service.cli_regenerate(None, kind, month)
    except DomainError as exc:
        raise _fail(exc) from None
    typer.echo("一致：按快照重新生成的 .docx 与 HTML 与发布时逐字节相同。" if same else "不一致：重新生成的文件与发布时不同！")
    if not same:
        raise typer.Exit(1)


__all__ = ["app"]
