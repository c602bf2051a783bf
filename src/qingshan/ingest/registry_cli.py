"""``qingshan stations``: list, edit and import the station registry."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="监测站点登记：查看、修改、导入", no_args_is_help=True)
console = Console()


def _registry():
    from qingshan.store.registry import StationRegistry

    return StationRegistry()


@app.command("list")
def list_(
    city: str | None = typer.Option(None, "--city", help="城市名称或代码，如 大同市 或 140200"),
    all_: bool = typer.Option(False, "--all", help="包括已停用的站点"),
) -> None:
    """列出已登记的站点。"""
    with _registry() as reg:
        frame = reg.stations_frame(city, include_inactive=all_)
    t = Table(title=f"站点（{frame.height} 个）")
    for col in ("编码", "名称", "城市", "区县", "经度", "纬度", "对照点"):
        t.add_column(col)
    for r in frame.iter_rows(named=True):
        t.add_row(
            r["code"], r["name"], f"{r['city_name'] or ''} {r['city_code'] or ''}".strip(),
            f"{r['county_name'] or ''} {r['county_code'] or ''}".strip(),
            "" if r["lon"] is None else f"{r['lon']:.4f}", "" if r["lat"] is None else f"{r['lat']:.4f}",
            "是" if r["is_control"] else "",
        )
    console.print(t)


@app.command("set")
def set_(
    code: str = typer.Argument(..., help="站点编码"),
    name: str | None = typer.Option(None, "--name"),
    city_name: str | None = typer.Option(None, "--city-name"),
    city_code: str | None = typer.Option(None, "--city-code"),
    county_name: str | None = typer.Option(None, "--county-name"),
    county_code: str | None = typer.Option(None, "--county-code", help="GB/T 2260 区县代码；名称从区划表补全"),
    lon: float | None = typer.Option(None, "--lon"),
    lat: float | None = typer.Option(None, "--lat"),
    control: bool | None = typer.Option(None, "--control/--no-control", help="是否对照点"),
    kind: str | None = typer.Option(None, "--kind", help="national | provincial | local"),
    active: bool | None = typer.Option(None, "--active/--inactive"),
    notes: str | None = typer.Option(None, "--notes"),
) -> None:
    """修改一个站点的登记信息。"""
    from qingshan.store.registry import RegistryError

    with _registry() as reg:
        try:
            rec = reg.set(
                code, name=name, city_name=city_name, city_code=city_code, county_name=county_name,
                county_code=county_code, lon=lon, lat=lat, is_control=control, kind=kind, active=active, notes=notes,
            )
        except RegistryError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(code=1) from None
    console.print(f"已更新 {rec['code']} {rec['name']}：区县 {rec['county_name'] or '—'}（{rec['county_code'] or '—'}）")


def _kind_of(path: Path) -> str:
    from qingshan.textcodec import decode_bytes

    with path.open("rb") as fh:
        first_line = fh.readline(65536)  # whole line: a cut multi-byte character would not decode
    text, _ = decode_bytes(first_line)
    header = {h.strip().lower() for h in next(csv.reader([text.strip()]), [])}
    if {"timepoint", "stationcode"} <= header:
        return "cnemc"
    if "stationcode" in header and ({"district_code", "county_code"} & header):
        return "mapping"
    if {"code", "name"} <= header:
        return "divisions"
    return "unknown"


@app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="CNEMC 文件、站点-区县对照表或区划表"),
    city: str | None = typer.Option(None, "--city", help="CNEMC 文件只登记该城市的站点；对照表的城市名称"),
) -> None:
    """登记站点：从 CNEMC 小时文件、air_stations.csv 格式的区县对照表或 divisions.csv 格式的区划表。"""
    from qingshan.ingest.cnemc import cnemc_stations
    from qingshan.ingest.writer import FileRefused
    from qingshan.store.registry import RegistryError
    from qingshan.textcodec import EncodingError

    with _registry() as reg:
        for f in files:
            kind = _kind_of(f)
            try:
                if kind == "cnemc":
                    new, upd = reg.register(cnemc_stations(f, city=city), source="cnemc")
                    console.print(f"{f.name}：新登记 {new} 个站点，更新 {upd} 个")
                elif kind == "mapping":
                    n, skipped = reg.assign_from_mapping(f, city_name=city)
                    console.print(f"{f.name}：已为 {n} 个站点指定区县" + (f"；无法登记：{', '.join(skipped)}" if skipped else ""))
                elif kind == "divisions":
                    n = reg.load_divisions(f, city_name=city)
                    console.print(f"{f.name}：已写入 {n} 个行政区划")
                else:
                    console.print(f"[red]{f.name}：无法识别的文件格式（需要 CNEMC 小时文件、站点对照表或区划表）[/red]")
                    raise typer.Exit(code=1)
            except (FileRefused, EncodingError, RegistryError) as exc:
                console.print(f"[red]{f.name}：{exc}[/red]")
                raise typer.Exit(code=1) from None
