"""The water demo builder on a fresh SQLite store, and its 1—N月 printout."""

from __future__ import annotations

from datetime import date

import polars as pl
from rich.console import Console

from qingshan.demo.water import SECTIONS, build_water_demo, render_water_summary, synthetic_series
from qingshan.standards import gb3838
from qingshan.water.registry import sections_frame, targets
from qingshan.water.store import WaterStore


def test_build_water_demo_fresh_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    summary = build_water_demo(url)
    assert summary.sections == 12 and summary.demo_sections == 6 and summary.targets == 24
    with WaterStore(url) as st:
        secs = sections_frame(st.engine)
        n = st.count()
        batches = st.batches()
        assert n == summary.observations
        # every invented section is labelled in its name and flagged; the real names are FACTS.md's
        invented = secs.filter(pl.col("demo"))
        assert all("演示" in x for x in invented["name"].to_list())
        assert set(secs.filter(~pl.col("demo"))["name"]) == {"固定桥", "利仁皂", "大白登", "宣家塔", "五一桥", "洗马庄"}
        assert all("演示假设" in x for x in secs.filter(~pl.col("demo"))["notes"].to_list())
        assert secs.filter(pl.col("control_level") == "国考").height == 8  # FACTS.md §4.2: 8 national sections in 2025
        assert batches["kind"].to_list() == ["demo"] and "合成" in batches["file_name"][0]
        assert targets(st.engine, 2026).height == 12
        # every observation carries the synthetic source
        assert st.observations(sources=["demo"]).height == n
    again = build_water_demo(url)  # re-running duplicates nothing
    with WaterStore(url) as st:
        assert st.count() == again.observations == n


def test_series_is_deterministic_and_has_the_episode():
    a = synthetic_series()
    assert a.equals(synthetic_series())
    ep = a.filter((pl.col("section_code") == "DT-D1") & (pl.col("item") == "nh3n") & (pl.col("time").dt.year() == 2026)
                  & pl.col("time").dt.month().is_in([2, 3, 4]))
    assert ep.height == 3 and (ep["value_nano"] > 2 * 10**9).all()
    assert a.filter(pl.col("nd")).height > 0  # some non-detects with their limits
    assert (a.filter(pl.col("nd"))["dl_nano"].is_not_null()).all()
    assert {s["code"] for s in SECTIONS} == set(a["section_code"].unique())


def test_render_ytd_summary(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    build_water_demo(url)
    console = Console(record=True, width=200)
    report = render_water_summary(console, url, 2026, 4)
    text = console.export_text()
    assert report.period == "2026年1—4月" and report.demo
    assert "含演示/合成数据" in text and "十里河（演示断面）" in text
    assert [r.name for r in report.worse_than_v] == ["十里河（演示断面）"]
    assert report.worse_than_v[0].class_ == gb3838.WORSE_THAN_V and report.worse_than_v[0].attained is False
    assert report.city.cwqi is not None and len(report.counties) == 9
    assert report.start == date(2026, 1, 1) and report.end == date(2026, 5, 1)
    # 洗马庄 missed petroleum in 2026-07 only: January–April is complete
    assert not report.notes
    july = render_water_summary(Console(record=True, width=200), url, 2026, 7)
    assert not any("洗马庄" in n for n in july.notes)  # a 1—N月 mean still has petroleum from other months
