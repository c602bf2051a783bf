"""``qingshan hj212 …`` commands: ``parse`` (this module) and, when present, the gateway's
``serve``/``simulate``/``alarms`` (``qingshan.hj212.gateway_cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import HJ212Error
from .packet import parse as parse_packet

app = typer.Typer(help="HJ 212 污染源在线监控数据传输：报文解析与网关。", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """HJ 212—2017 报文工具。"""


def _record(line: bytes, lineno: int, lenient: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ok": False, "error": None, "qn": None, "st": None, "cn": None, "pw": None, "mn": None,
        "flag": None, "pnum": None, "pno": None, "datatime": None, "values": {}, "params": {},
    }  # fmt: skip
    try:
        p = parse_packet(line + b"\r\n", lenient=lenient)
    except HJ212Error as err:
        out["error"] = f"第 {lineno} 行：{err}"
        out["error_code"] = err.code
        return out
    out.update(
        ok=True, qn=p.qn, st=p.st, cn=p.cn, pw=p.pw, mn=p.mn, flag=p.flag, pnum=p.pnum, pno=p.pno,
        datatime=p.datatime,
    )  # fmt: skip
    # Factor items (code-suffix) go to "values"; the other CP items (DataTime, QnRtn,
    # RtdInterval …) to "params", so that nothing received is lost.
    values: dict[str, dict[str, str]] = {}
    params: dict[str, str] = {}
    for key, value in p.cp.items():
        code, dash, suffix = key.partition("-")
        if dash:
            values.setdefault(code, {})[suffix] = value
        else:
            params[key] = value
    out["values"] = values
    out["params"] = params
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


try:  # the gateway engineer's commands, written in parallel
    from qingshan.hj212.gateway_cli import alarms, serve, simulate  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the other module being present
    pass
else:  # pragma: no cover
    app.command("serve")(serve)
    app.command("simulate")(simulate)
    app.command("alarms")(alarms)
