"""``qingshan sources …``: register enterprises, outlets, monitoring devices and their limits.

The gateway (``qingshan hj212 serve``) reads devices and limits from the same database, and
picks up a device registered while it runs.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.config import database_url
from qingshan.sources import registry
from qingshan.sources.limits import limit_set_ids, limit_table
from qingshan.sources.models import Device, Enterprise, Outlet
from qingshan.store import migrate
from qingshan.store.db import make_engine

app = typer.Typer(no_args_is_help=True, help="污染源登记：企业、排放口、监测设备与排放限值")
console = Console()


def _session() -> Session:
    url = database_url()
    migrate.upgrade(url)
    return Session(make_engine(url))


def _fail(message: str) -> None:
    console.print(f"[red]错误：{message}[/red]")
    raise typer.Exit(1)


def _enterprise(s: Session, uscc: str) -> Enterprise:
    ent = s.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if ent is None:
        _fail(f"未登记统一社会信用代码为“{uscc}”的企业（先用 qingshan sources enterprise 登记）")
    return ent


@app.command("enterprise")
def enterprise(
    name: str = typer.Argument(..., help="企业名称"),
    uscc: str = typer.Option(..., "--uscc", help="统一社会信用代码（18 位，校验码按 GB 32100 检查）"),
    industry: Optional[str] = typer.Option(None, "--industry", help="行业"),
    county: Optional[str] = typer.Option(None, "--county", help="所在区县 GB/T 2260 代码"),
) -> None:
    """登记企业（已登记的信用代码不重复登记）。"""
    with _session() as s:
        try:
            ent = registry.add_enterprise(s, name, uscc, industry, county)
        except registry.RegistryError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"企业已登记：{ent.name}（{ent.uscc}）")


@app.command("outlet")
def outlet(
    uscc: str = typer.Argument(..., help="企业的统一社会信用代码"),
    code: str = typer.Argument(..., help="排放口编号"),
    kind: str = typer.Option(..., "--kind", help="gas（废气）或 water（废水）"),
    name: str = typer.Option(..., "--name", help="排放口名称"),
    lon: Optional[float] = typer.Option(None, "--lon"),
    lat: Optional[float] = typer.Option(None, "--lat"),
    limit_set: Optional[str] = typer.Option(None, "--limits", help="套用的限值集（见 qingshan sources limit-sets）"),
) -> None:
    """登记排放口，可同时套用一个限值集。"""
    with _session() as s:
        ent = _enterprise(s, uscc)
        try:
            out = registry.add_outlet(s, ent, code, kind, name, lon, lat)
            n = len(registry.apply_limit_set(s, out, limit_set)) if limit_set else 0
        except (registry.RegistryError, KeyError, ValueError) as exc:
            _fail(str(exc.args[0]) if exc.args else str(exc))  # nothing committed
        s.commit()
        console.print(f"排放口已登记：{ent.name} / {out.code} {out.name}" + (f"，限值 {n} 项（{limit_set}）" if n else ""))


@app.command("device")
def device(
    mn: str = typer.Argument(..., help="设备唯一标识 MN"),
    password: str = typer.Option(..., "--password", help="访问密码 PW（6 个字符；只保存其 Argon2 散列）"),
    st: str = typer.Option(..., "--st", help="系统编码 ST，如 31（废气）、32（废水）"),
    uscc: Optional[str] = typer.Option(None, "--uscc", help="所属企业的统一社会信用代码"),
    outlet_code: Optional[str] = typer.Option(None, "--outlet", help="所属排放口编号"),
    version: int = typer.Option(1, "--version", help="协议版本：0 = HJ/T 212—2005，1 = 2017，2 = 2025"),
    datatime_label: str = typer.Option("start", "--datatime-label", help="DataTime 标注时段的 start 或 end（hj212.md §11）"),
    strict: bool = typer.Option(False, "--strict/--lenient", help="严格模式：任何偏离标准的报文都拒收"),
    crc_variant: Optional[str] = typer.Option(None, "--crc-variant", help="该设备已知使用的非标准 CRC（modbus、modbus_swapped）"),
) -> None:
    """登记或更新监测设备（数采仪）。"""
    with _session() as s:
        out = None
        if outlet_code is not None:
            if uscc is None:
                _fail("指定排放口时须同时给出 --uscc")
            ent = _enterprise(s, uscc)
            out = s.scalar(select(Outlet).where(Outlet.enterprise_id == ent.id, Outlet.code == outlet_code))
            if out is None:
                _fail(f"企业“{ent.name}”没有编号为“{outlet_code}”的排放口")
        try:
            dev = registry.add_device(s, mn, password, st, out, version, datatime_label, strict, crc_variant)
        except registry.RegistryError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"设备已登记：{dev.mn}（ST={dev.st}，{'严格' if dev.strict else '宽松'}模式）")


@app.command("list")
def list_sources() -> None:
    """列出已登记的企业、排放口与设备。"""
    with _session() as s:
        table = Table("企业", "信用代码", "排放口", "设备 MN", "ST", "模式")
        outlets = {o.id: o for o in s.scalars(select(Outlet))}
        ents = {e.id: e for e in s.scalars(select(Enterprise))}
        seen: set[int] = set()
        for d in s.scalars(select(Device).order_by(Device.mn)):
            o = outlets.get(d.outlet_id) if d.outlet_id else None
            e = ents.get(o.enterprise_id) if o else None
            if o:
                seen.add(o.id)
            table.add_row(e.name if e else "—", e.uscc if e else "—", f"{o.code} {o.name}" if o else "—",
                          d.mn, d.st, "严格" if d.strict else "宽松")
        for o in outlets.values():
            if o.id not in seen:
                e = ents[o.enterprise_id]
                table.add_row(e.name, e.uscc, f"{o.code} {o.name}", "—", "—", "—")
        console.print(table)


@app.command("limit-sets")
def limit_sets() -> None:
    """列出随软件提供的排放限值集（每行注明标准与条款）。"""
    t = limit_table()
    table = Table("限值集", "因子", "限值", "单位", "基准", "标准与条款")
    for r in t.iter_rows(named=True):
        table.add_row(r["set_id"], f"{r['factor']} {r['factor_name']}", str(r["limit_value"]), r["unit"],
                      str(r["basis"]), f"{r['standard']} {r['clause']}")
    console.print(table)
    console.print("限值集：" + "、".join(limit_set_ids()))
