"""``qingshan air aqi`` through Typer's CliRunner on a small app of our own."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from qingshan.air.aqi_cli import aqi_command


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()
    a.command("aqi")(aqi_command)
    a.command("other")(lambda: None)  # two commands: "aqi" stays a sub-command
    return a


def test_cnemc_file(app, cnemc_dir: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["aqi", str(cnemc_dir / "2022-07-15T16.csv"), "--format", "cnemc", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "stationcode,timepoint,aqi,primary_pollutant,level"
    got = pl.read_csv(out, infer_schema=False)
    src = pl.read_csv(cnemc_dir / "2022-07-15T16.csv", infer_schema=False)
    assert got.height == src.height == 1685
    j = got.join(src.select("stationcode", "aqi", "primarypollutant"), on="stationcode", suffix="_pub")
    pub = j.filter(pl.col("aqi_pub").is_not_null())
    assert (pub["aqi"] == pub["aqi_pub"]).all()
    assert (pub["primary_pollutant"].fill_null("") == pub["primarypollutant"].fill_null("")).all()
    assert '"颗粒物(PM10),细颗粒物(PM2.5),臭氧1小时"' in text  # row 2386A, quoted tie
    row = got.filter(pl.col("stationcode") == "2386A").row(0, named=True)
    assert row["timepoint"] == "2022-07-15T16:00:00" and row["level"] == "2"


def test_long_format_and_edition(app, tmp_path: Path):
    src = tmp_path / "long.csv"
    # E7 (air-aqi.md §14) as long rows, hour 2026-03-01 00:00 (edition 2012) and 01:00 (2026)
    rows = ["stationcode,timepoint,pollutant,value"]
    for t in ("2026-03-01T00:00:00", "2026-03-01T01:00:00"):
        for p, v in (("so2", "12"), ("no2", "35"), ("co", "0.8"), ("o3", "215"), ("pm10", "68"), ("PM2.5", "30")):
            rows.append(f"S1,{t},{p},{v}")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(app, ["aqi", str(src), "--format", "long", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pl.read_csv(out, infer_schema=False)
    assert got["aqi"].to_list() == ["108", "108"]
    assert got["primary_pollutant"].to_list() == ["臭氧1小时", "臭氧"]
    assert got["level"].to_list() == ["3", "3"]
    res = CliRunner().invoke(app, ["aqi", str(src), "--format", "long", "--edition", "2026", "-o", str(out)])
    assert pl.read_csv(out, infer_schema=False)["primary_pollutant"].to_list() == ["臭氧", "臭氧"]


def test_errors_leave_no_output(app, tmp_path: Path):
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(app, ["aqi", str(tmp_path / "nope.csv"), "-o", str(out)])
    assert res.exit_code == 1 and "找不到输入文件" in res.output and not out.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("stationcode,timepoint,pollutant,value\nS1,2022-01-01T01:00:00,xyz,3\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["aqi", str(bad), "--format", "long", "-o", str(out)])
    assert res.exit_code == 1 and "第 2 行" in res.output and "xyz" in res.output and not out.exists()
    res = CliRunner().invoke(app, ["aqi", str(bad), "--format", "xml", "-o", str(out)])
    assert res.exit_code == 1 and "未知的输入格式" in res.output
