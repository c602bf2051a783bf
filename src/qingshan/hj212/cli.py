"""``qingshan hj212 …`` commands: ``parse`` (this module) and the gateway's
``serve``/``simulate``/``alarms``/``backfill`` (:mod:`qingshan.hj212.gateway_cli`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import HJ212Error
from .gateway_cli import alarms, backfill, serve, simulate
from .packet import parse as parse_packet

app = typer.Typer(help="HJ 212 污染源在线监控数据传输：报文解析与网关。", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """HJ 212—2017 报文工具。"""


#: The keys of one output line, exactly as issue 3 names them; ``--lenient`` adds "deviations".
KEYS = ("ok", "error", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno", "datatime", "values")


def _record(line: bytes, lineno: int, lenient: bool) -> dict[str, Any]:
    """One JSON line: the issue's keys only.

    ``error`` is ``"<ErrorClass>: 第 n 行：<message>"`` (the typed error's name first, so a
    consumer can dispatch on it without another key).  ``values`` holds the factor items
    (``code-suffix``) as received; the other CP items (DataTime, QnRtn, RtdInterval …) are
    not in the line: ``datatime`` carries DataTime normalised, the rest is
    ``Packet.cp`` in the Python API (docs/hj212-codec.md).
    """
    out: dict[str, Any] = dict.fromkeys(KEYS)
    out["ok"] = False
    out["values"] = {}
    if lenient:
        out["deviations"] = []
    try:
        p = parse_packet(line + b"\r\n", lenient=lenient)
    except HJ212Error as err:
        out["error"] = f"{type(err).__name__}: 第 {lineno} 行：{err}"
        return out
    out.update(
        ok=True, qn=p.qn, st=p.st, cn=p.cn, pw=p.pw, mn=p.mn, flag=p.flag, pnum=p.pnum, pno=p.pno,
        datatime=p.datatime, values=p.values,
    )  # fmt: skip
    if lenient:
        out["deviations"] = [d.as_dict() for d in p.deviations]
    return out


@app.command("parse")
def parse_cmd(
    file: Annotated[Path, typer.Argument(help="每行一个报文的文本文件（“-” 表示标准输入）", allow_dash=True)],
    lenient: Annotated[bool, typer.Option("--lenient", help="宽松模式：尽量读取不规范报文并列出偏差")] = False,
) -> None:
    """逐行解析 HJ 212 报文，每行输出一个 JSON 对象（JSON Lines）。"""
    if str(file) == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = file.read_bytes()
        except OSError as err:
            typer.echo(f"无法读取文件 {file}：{err.strerror}", err=True)
            raise typer.Exit(2) from None
    out = sys.stdout
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        out.write(json.dumps(_record(line, lineno, lenient), ensure_ascii=False) + "\n")
    out.flush()


app.command("serve")(serve)
app.command("simulate")(simulate)
app.command("alarms")(alarms)
app.command("backfill")(backfill)
