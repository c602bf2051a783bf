"""Conformance on real data: CNEMC surface-water real-time records (../shared/data/water/).

Every published class whose deciding value is not on a class limit must be reproduced by the
single-factor rule of GB 3838—2002 (water.md §1, §3), with the file's lake and reservoir sections
given as lakes (sections-2026-08-26.csv). Rows whose class hinges on a value sitting exactly on a
limit (``limit_tie``) are counted; their published class must be ours or the class on the
limit's worse side. The same must hold for the system's other export (Roman numerals, ``--`` for
no data, no 抓取年份 column) and for a GBK copy.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.standards import gb3838
from qingshan.standards.water_values import nano_of_text
from qingshan.water.classify_file import OUTPUT_COLUMNS, classify_cnemc, read_water_bodies

FILE = "cnemc_realtime_2026-08-26_1300.csv"
SECTIONS = "sections-2026-08-26.csv"
ROMAN = {"1": "Ⅰ", "2": "Ⅱ", "3": "Ⅲ", "4": "Ⅳ", "5": "Ⅴ", "6": "劣Ⅴ", "-1": "--"}
COLS = {"ph": "pH(无量纲)", "do": "溶解氧(mg/L)", "codmn": "高锰酸盐指数(mg/L)", "nh3n": "氨氮(mg/L)", "tp": "总磷(mg/L)"}


@pytest.fixture(scope="module")
def water_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "water"


@pytest.fixture(scope="module")
def bodies(water_dir: Path) -> dict[str, str]:
    return read_water_bodies(water_dir / SECTIONS)


def _worse_side(raw: dict, lake: bool) -> int:
    """Worst class any item could have if its displayed value stood for one just beyond a limit."""
    out = 0
    for code, col in COLS.items():
        t = raw[col]
        if t == "--":
            continue
        frame = pl.DataFrame({"n": [nano_of_text(t)]})
        out = max(out, frame.select(gb3838.class_expr(pl.col("n"), code, lake, worse_side=True)).item())
    return out


def _check(result, raw_rows, bodies) -> tuple[int, int, int]:
    assert len(result.rows) == len(raw_rows)
    published = ties = 0
    for ours, raw in zip(result.rows, raw_rows, strict=True):
        assert ours["section"] == raw["断面名称"] and ours["time"] == raw["监测时间"]  # input order
        pub = gb3838.parse_class(raw["水质类别"])
        if pub is None:
            assert ours["class"] == ""  # "-1": no data at all
            continue
        published += 1
        if ours["limit_tie"] == "true":
            ties += 1
            lake = gb3838.is_lake(bodies.get(raw["断面名称"], "river"))
            assert pub in (ours["class_int"], _worse_side(raw, lake)), raw
        else:
            assert ours["class_int"] == pub, (raw, ours)
    return len(raw_rows), published, ties


def test_every_published_class_reproduced(water_dir, bodies):
    raw = list(csv.DictReader(io.StringIO((water_dir / FILE).read_text("utf-8"))))
    result = classify_cnemc(water_dir / FILE, water_bodies=bodies)
    n, published, ties = _check(result, raw, bodies)
    n_pub, equal, n_ties, bad = result.agreement()
    print(f"{FILE}: {n} rows, {published} published, equal {equal}, limit ties {ties}, other disagreements {len(bad)}")
    assert (n, published, equal, ties, bad) == (367, 366, 366, 1, [])
    assert result.coding == "numeric" and result.errors == []
    assert result.water_bodies == {"river": 360, "lake": 6, "reservoir": 1}


def test_lakes_need_the_sections_file(water_dir):
    """SOURCE.md: without the water-body types some lake rows are graded with the river TP column."""
    raw = list(csv.DictReader(io.StringIO((water_dir / FILE).read_text("utf-8"))))
    result = classify_cnemc(water_dir / FILE, water_bodies={})
    wrong = {r["section"] for r, x in zip(result.rows, raw, strict=True)
             if x["水质类别"] != "-1" and r["class_int"] != int(x["水质类别"])}
    print(f"graded as rivers: {len(wrong)} published classes missed: {sorted(wrong)}")
    assert wrong and wrong <= set(read_water_bodies(water_dir / SECTIONS))


def _roman_copy(src: Path, dst: Path, encoding: str = "utf-8") -> list[dict]:
    raw = list(csv.DictReader(io.StringIO(src.read_text("utf-8"))))
    header = [h for h in raw[0] if h != "抓取年份"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in raw:
        w.writerow([ROMAN[r[h]] if h == "水质类别" else r[h] for h in header])
    dst.write_bytes(buf.getvalue().encode(encoding))
    return [dict(r, 水质类别=ROMAN[r["水质类别"]]) for r in raw]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_roman_coding_export(water_dir, bodies, tmp_path, encoding):
    dst = tmp_path / f"roman-{encoding}.csv"
    raw = _roman_copy(water_dir / FILE, dst, encoding)
    result = classify_cnemc(dst, water_bodies=bodies, year=2026)
    assert result.coding == "roman" and result.errors == []
    n, published, ties = _check(result, raw, bodies)
    assert (n, published, ties) == (367, 366, 1)
    assert result.encoding == ("UTF-8" if encoding == "utf-8" else "GB18030")


def test_cli_output_columns_and_order(water_dir, tmp_path):
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["water", "classify", str(water_dir / FILE), "--format", "cnemc",
                                   "--sections", str(water_dir / SECTIONS), "-o", str(out), "--no-registry"])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert tuple(rows[0]) == OUTPUT_COLUMNS
    assert len(rows) == 368
    raw = list(csv.DictReader(io.StringIO((water_dir / FILE).read_text("utf-8"))))
    labels = {str(k): v for k, v in gb3838.CLASS_LABELS.items()} | {"-1": ""}
    same = sum(1 for r, x in zip(rows[1:], raw, strict=True) if r[2] == labels[x["水质类别"]])
    assert same == 367
    assert "与文件中发布的类别一致 366/366" in res.output
    first = dict(zip(OUTPUT_COLUMNS, rows[1], strict=True))
    assert first == {"section": "鼓楼外大街", "time": "08-26 13:00", "class": "Ⅳ", "main_pollutants": "溶解氧",
                     "items_evaluated": "pH、溶解氧、高锰酸盐指数、氨氮、总磷", "limit_tie": "false"}
