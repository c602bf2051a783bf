"""``qingshan air aqi FILE --format cnemc -o OUT.csv``: the real-time AQI of every station-hour.

Output: one row per input station-hour, columns ``stationcode,timepoint,aqi,primary_pollutant,
level``. ``aqi`` is empty when it cannot be published (air-aqi.md §10); ``primary_pollutant``
uses the CNEMC labels comma-joined for ties (§7), empty when the AQI is ≤ 50. The edition
follows each hour's natural day unless ``--edition`` is given (§0).

Input formats:

* ``cnemc`` — the CNEMC archive CSV (:mod:`qingshan.ingest.cnemc_format`; O3 1-h is the column
  labelled ``o3_24h``, §8.2a);
* ``long`` — CSV ``stationcode,timepoint,pollutant,value`` with one row per value; pollutant
  codes ``so2, no2, co, o3, pm10, pm25`` (also ``pm2_5``, ``PM2.5`` …, and the optional
  ``so2_24h``, ``o3_8h``), µg/m³ and CO mg/m³; ``timepoint`` is the hour end.

The lead mounts :func:`aqi_command` as ``app.command("aqi")`` in ``qingshan.air.cli``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

import polars as pl
import typer

from qingshan.ingest.cnemc_format import read_cnemc
from qingshan.standards.hj633 import realtime_aqi

OUTPUT_COLUMNS = ("stationcode", "timepoint", "aqi", "primary_pollutant", "level")

_LONG_ALIASES = {
    "so2": "so2", "no2": "no2", "co": "co", "o3": "o3", "pm10": "pm10", "pm25": "pm25",
    "pm2_5": "pm25", "pm2.5": "pm25", "so2_24h": "so2_24h", "o3_8h": "o3_8h",
    "pm10_24h": "pm10_24h", "pm25_24h": "pm25_24h", "pm2_5_24h": "pm25_24h",
}
_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code=1)


def _read_long(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    raw = raw.rename({c: c.strip().lstrip("\ufeff").lower() for c in raw.columns})
    need = ("stationcode", "timepoint", "pollutant", "value")
    missing = [c for c in need if c not in raw.columns]
    if missing:
        _fail(f"{path}：long 格式的表头缺少列 {', '.join(missing)}（需要 stationcode,timepoint,pollutant,value）")
    raw = raw.with_row_index("row", offset=2).with_columns(
        pl.col("pollutant").str.strip_chars().str.to_lowercase().replace_strict(_LONG_ALIASES, default=None).alias("code"),
        pl.coalesce([pl.col("timepoint").str.strip_chars().str.to_datetime(f, strict=False) for f in _TIME_FORMATS]).alias("t"),
    )
    bad = raw.filter(pl.col("code").is_null() | pl.col("t").is_null())
    if bad.height:
        r = bad.row(0, named=True)
        what = f"未知的污染物 {r['pollutant']!r}" if r["code"] is None else f"无法识别的时间 {r['timepoint']!r}"
        _fail(f"{path} 第 {r['row']} 行：{what}（共 {bad.height} 行有误，未写出任何结果）")
    dup = raw.filter(pl.struct("stationcode", "t", "code").is_duplicated())
    if dup.height:
        r = dup.row(0, named=True)
        _fail(f"{path} 第 {r['row']} 行：站点 {r['stationcode']} 在 {r['timepoint']} 的 {r['pollutant']} 重复出现")
    wide = raw.pivot(on="code", index=["stationcode", "t"], values="value", aggregate_function=None)
    return wide.rename({"t": "timepoint"}).sort("stationcode", "timepoint", maintain_order=True)


def aqi_command(
    file: Path = typer.Argument(..., help="输入文件（CSV）"),
    format: str = typer.Option("cnemc", "--format", "-f", help="输入格式：cnemc（CNEMC 存档）或 long（长表）"),
    output: Path = typer.Option(..., "--output", "-o", help="输出 CSV 文件"),
    edition: Optional[str] = typer.Option(None, "--edition", help="标准版本 2012 或 2026；默认按每小时所属自然日确定"),
    include_o3_8h: bool = typer.Option(False, "--include-o3-8h", help="实时 AQI 计入臭氧8小时滑动平均（2013—2017 年数据，仅 2012 版）"),
    archive_o3_8h_column: str = typer.Option("o3_8h_24h", "--archive-o3-8h-column", help="CNEMC 存档中作为臭氧8小时滑动平均的列"),
) -> None:
    """计算每个站点小时的实时 AQI（HJ 633），输出 stationcode,timepoint,aqi,primary_pollutant,level。"""
    if not file.is_file():
        _fail(f"找不到输入文件：{file}")
    fmt = format.strip().lower()
    try:
        if fmt == "cnemc":
            frame = read_cnemc(file, archive_o3_8h_column=archive_o3_8h_column)  # type: ignore[arg-type]
        elif fmt == "long":
            frame = _read_long(file)
        else:
            _fail(f"未知的输入格式：{format!r}（可选 cnemc、long）")
            return
    except (pl.exceptions.PolarsError, UnicodeDecodeError, ValueError) as exc:
        _fail(f"{file}：无法读取（{exc}）")
        return
    if frame.height and frame["timepoint"].null_count():
        row = int(frame["timepoint"].is_null().arg_max()) + 2
        _fail(f"{file} 第 {row} 行：timepoint 为空或不是有效时间")
    try:
        out = realtime_aqi(frame, edition=edition, hourly_include_o3_8h=include_o3_8h, time_column="timepoint")  # type: ignore[arg-type]
    except ValueError as exc:
        _fail(f"{file}：{exc}")
        return
    result = out.select(
        pl.col("stationcode"),
        pl.col("timepoint").dt.strftime("%Y-%m-%dT%H:%M:%S"),
        pl.col("aqi"),
        # empty (no quotes) when there is none, as in the CNEMC files
        pl.col("primary_pollutant").cast(pl.Utf8).replace("", None),
        pl.col("level"),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # write next to the target and rename: a failed run never leaves a half-written file
    fd, tmp = tempfile.mkstemp(prefix=".aqi-", suffix=".csv", dir=output.parent)
    os.close(fd)
    try:
        result.write_csv(tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    n_aqi = result["aqi"].is_not_null().sum()
    typer.echo(f"已写出 {output}：{result.height} 个站点小时，其中 {n_aqi} 个有 AQI")
