"""Bulletins A and B: the numbers are the air engine's, the documents show every table and chart,
regeneration from a snapshot is byte-identical (assessment-bulletin.md §4, §5; issue items 3–4)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser

import polars as pl
import pytest
from docx import Document

from qingshan.air import evaluation as ev
from qingshan.air.report import build_report
from qingshan.air.settings import EvaluationSettings
from qingshan.bulletin import air_bulletin, service, work_bulletin
from qingshan.bulletin.model import NO_DATA, from_json, to_json
from qingshan.bulletin.workflow import WorkflowError
from qingshan.standards import city_series
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry
from qingshan.targets.store import TargetStore

from assess_demo import MONTH, MONTH_TEXT, YEAR

ISSUED = date(2026, 4, 5)


@pytest.fixture(scope="module")
def engine_inputs(demo_url):
    """The unit lists, registry and hours read directly (not through the bulletin's adapter)."""
    end = date(YEAR, MONTH, 31)
    st = TargetStore(demo_url)
    units = st.units(end, include_city=False)
    lists = st.unit_stations(end)
    st.close()
    reg = StationRegistry(demo_url).stations_frame("140200")
    rows = [{"code": c, "unit": u.code, "uname": u.name} for u in units for c in lists.get(u.code, [])]
    m = pl.DataFrame(rows)
    frame = reg.join(m, on="code").with_columns(county_code=pl.col("unit"), county_name=pl.col("uname")).drop("unit", "uname")
    obs = ObservationStore(demo_url)
    hourly = obs.hourly_frame(reg["code"].to_list(), datetime.combine(date(YEAR - 1, 1, 1), time(1)),
                              datetime.combine(end + timedelta(days=1), time(0)))
    obs.close()
    return units, m["code"].to_list(), frame, reg, hourly, city_series.StationDays.from_hourly(hourly)


@pytest.mark.parametrize("ytd", [False, True], ids=["A1-month", "A3-ytd"])
def test_table_a1_a3_cells_are_the_air_engines(engine_inputs, air_b, ytd):
    units, codes, frame, reg, hourly, days = engine_inputs
    end = date(YEAR, MONTH, 31)
    start = date(YEAR, 1, 1) if ytd else date(YEAR, MONTH, 1)
    u = ev.evaluate(days, frame, start, end, EvaluationSettings(station_list=codes), by="county_code")
    b0, b1 = ev.same_period_last_year(start, end)
    base = ev.evaluate_daily(u.daily, b0, b1, by="county_code")
    table = air_b.sections[1 if ytd else 0].tables[0]
    assert table.columns == air_bulletin.A1_COLUMNS
    assert len(table.rows) == len(units) + 1
    by_name = {r[0]: r for r in table.rows}
    per = {r["county_code"]: r for r in u.period.to_dicts()}
    rank = {r["county_code"]: r for r in u.ranking.to_dicts()}
    bas = {r["county_code"]: r for r in base.to_dicts()}
    n_checked = 0
    for unit in units:
        row, p, k, bp = by_name[unit.name], per[unit.code], rank[unit.code], bas[unit.code]
        assert row[1] == f"{p['isum_pub']}（{bp['isum_pub']}）"
        assert row[3:9] == [p[f"{x}_pub"] for x in ("so2", "no2", "pm10", "pm25", "co", "o3")]
        assert row[9] == f"{p['max_index_pub']}/{'、'.join(p['max_pollutants'])}"
        assert row[11] == p["good_ratio_pub"] and row[13] == str(p["n_heavy"])
        # every unit is rankable in the demo: the §1.2 competition ranks equal the engine's
        for cell, eng in ((row[2].split("（")[0], k["rank"]), (row[10], k["pm25_rank"]), (row[12], k["good_ratio_rank"])):
            assert cell.removeprefix("并列") == str(eng)
        n_checked += 1
    assert n_checked == 10
    # 全市: the air pages' one report builder (national stations), cell by cell
    rep = build_report(hourly, reg, "140200", start, end, counties=False)
    city = {r["indicator"]: r for r in rep.indicators()}
    crow = by_name["全市"]
    assert crow[3:9] == [city[x]["value"] for x in ("so2", "no2", "pm10", "pm25", "co", "o3")]
    assert crow[1] == f"{city['isum']['value']}（{city['isum']['base']}）"
    assert crow[11] == city["good_ratio"]["value"] and crow[13] == city["n_heavy"]["value"]
    # A2/A4: ΔI is the engine's change rate
    change = {r[0]: r for r in air_b.sections[1 if ytd else 0].tables[1].rows}
    for unit in units:
        cp = rank[unit.code]["change_pub"]
        assert change[unit.name][1].lstrip("+") == cp


def test_rank_cells_mark_ties(air_b):
    for sec in air_b.sections[:2]:
        rows = sec.tables[0].rows[:-1]
        ranks = [r[2].split("（")[0] for r in rows]
        plain = [x.removeprefix("并列") for x in ranks]
        for x, p in zip(ranks, plain):
            assert x.startswith("并列") == (plain.count(p) > 1)


def _docx_parts(data: bytes):
    doc = Document(io.BytesIO(data))
    return doc, len(doc.tables), len(doc.inline_shapes)


def test_air_docx_shows_every_table_and_chart(air_b):
    data = service.render_docx(air_b)
    doc, n_tables, n_images = _docx_parts(data)
    assert n_tables == 5 and n_images == 3
    assert [c.text for c in doc.tables[0].rows[0].cells] == air_bulletin.A1_COLUMNS
    assert [c.text for c in doc.tables[4].rows[0].cells] == air_bulletin.A5_COLUMNS
    assert len(doc.tables[0].rows) == 12  # header + 10 units + 全市
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "一、3月各县（区）环境空气质量状况" in text and "三、年度目标完成情况" in text
    assert "【演示】" in text
    assert doc.core_properties.created.date() == ISSUED
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 4, 5, 0, 0, 0)}
        assert sum(1 for n in z.namelist() if n.startswith("word/media/")) == 3


def test_work_docx_keeps_sections_without_data(work_b):
    data = service.render_docx(work_b)
    doc, n_tables, n_images = _docx_parts(data)
    titles = [s.title for s in work_b.sections]
    assert titles == ["环境质量", "水环境", "净土与固体废物", "重污染天气应对", "目标任务完成情况", "重点工作进展",
                      "督察整改", "执法监管", "奖惩情况", "存在问题和下步要求"]
    no_data = [s.title for s in work_b.sections if s.no_data]
    assert no_data == ["水环境", "净土与固体废物", "重污染天气应对"]  # their domains are not connected here
    paras = [p.text for p in doc.paragraphs]
    for t in no_data:
        i = next(k for k, p in enumerate(paras) if p.endswith(f"、{t}"))
        assert paras[i + 1] == NO_DATA
    # A3 short, A5 (city), water/CO2 targets, B2 and its counts, B3, B4, county money
    assert n_tables == 8
    assert work_b.sections[-1].editable and work_b.sections[-1].paragraphs


def _table(b, title):
    return next(t for s in b.sections for t in s.tables if t.title.startswith(title))


def test_b2_classes_the_demo_tasks_by_the_progress_rule(work_b):
    """§4.3 item 4 on d = 2026-03-31 (elapsed share 90/365 = 24.66 % from 1 January), the demo's
    tasks (qingshan.demo.assess): done; 29 % ≥ 24.66 % → 序时推进; 0 % → 滞后; due 3-16 → 逾期."""
    rows = {r[0]: r for r in _table(work_b, "表B2").rows}
    assert rows["演示：城区建筑工地扬尘在线监控全覆盖"][2:5] == ["2026-03-01", "已完成", "100"]
    assert rows["演示：县城集中供热管网改造"][1:5] == ["阳高县", "2026-12-31", "序时推进", "29"]
    assert rows["演示：御河沿线入河排污口排查整治"][3:5] == ["滞后", "0"]
    assert rows["演示：建成区散煤清零"][1:4] == ["大同市住房和城乡建设局", "2026-03-16", "逾期"]
    counts = {r[0]: r[1:] for r in _table(work_b, "各牵头单位").rows}
    assert counts["阳高县"] == ["0", "1", "0", "0", "1"]
    remarks = "".join(work_b.sections[-1].paragraphs)
    assert "演示：建成区散煤清零" in remarks and "天镇县督察整改问题1个" in remarks  # item 8 pre-filled


def test_b3_counts_inspection_problems_per_unit(work_b):
    """§4.3 item 5: 平城区 has one problem on schedule (26 % ≥ 24.66 %), 天镇县 one overdue (due
    3-21); the rate is completed/total with 1 decimal; department-only problems get their row."""
    rows = {r[0]: r for r in _table(work_b, "表B3").rows}
    assert rows["平城区"][1:] == ["1", "0", "1", "0", "0", "0.0"]
    assert rows["天镇县"][1:] == ["1", "0", "0", "0", "1", "0.0"]
    assert rows["广灵县"][1:] == ["0", "0", "0", "0", "0", "—"]
    assert "市直部门" in rows


def test_b4_counts_cases_by_filing_date_with_last_year(work_b):
    """§4.3 item 6 from the demo cases (qingshan.demo.assess): one row per unit, its 3月 and 1—3月
    counts of 2026 each with the same period of 2025 in brackets; fines summed exactly
    (5.5 + 12 = 17.50; + 2.3 = 19.80)."""
    t = _table(work_b, "表B4")
    assert t.columns == ["县（区）", *[f"{p}{m}（同期）" for p in ("3月", "1—3月") for m in work_bulletin.B4_MEASURES]]
    rows = {r[0]: r[1:] for r in t.rows}
    assert rows["平城区"] == ["2（1）", "17.50（8.00）", "1（0）", "0（0）", "0（0）",
                             "3（1）", "19.80（8.00）", "1（0）", "0（0）", "0（0）"]
    assert rows["云冈区"] == ["1（1）", "20.00（6.00）", "0（1）", "1（0）", "1（0）",
                             "1（2）", "20.00（9.00）", "0（1）", "1（0）", "1（0）"]


def test_b4_has_every_unit_and_both_periods(work_b):
    """§4.3 item 6: "per unit, M月 and 1–M月". The demo's only 浑源县 case was filed on 1月25日
    (3.2万元, 限产停产), none in 2025: its 3月 cells are zeros, its 1—3月 cells that case. 天镇县
    has no case in either year: a row of zeros, not a missing row. All ten units, in display order."""
    t = _table(work_b, "表B4")
    names = ["平城区", "云冈区", "云州区", "新荣区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县"]
    assert [r[0] for r in t.rows] == names
    rows = {r[0]: r[1:] for r in t.rows}
    zeros = ["0（0）", "0.00（0.00）", "0（0）", "0（0）", "0（0）"]
    assert rows["浑源县"] == zeros + ["1（0）", "3.20（0.00）", "0（0）", "1（0）", "0（0）"]
    assert rows["天镇县"] == zeros + zeros


class _Counter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1


def test_html_renders_tables_and_charts(air_b, work_b):
    for b, tables, imgs in ((air_b, 5, 3), (work_b, 8, 0)):
        h = service.render_html(b)
        c = _Counter()
        c.feed(h)
        assert c.tags.get("table") == tables and c.tags.get("img", 0) == imgs
        assert b.title in h
    assert NO_DATA in service.render_html(work_b)


def test_snapshot_round_trip_and_deterministic_rendering(air_b):
    assert from_json(to_json(air_b)) == air_b
    assert service.render_docx(air_b) == service.render_docx(from_json(to_json(air_b)))
    assert service.render_html(air_b) == service.render_html(air_b)


def test_publish_freezes_and_regenerates_byte_identical(demo_copy, air_b):
    with pytest.raises(WorkflowError, match="草稿"):
        service.cli_transition(demo_copy, "air", MONTH_TEXT, "publish")
    reviewed = service.cli_transition(demo_copy, "air", MONTH_TEXT, "review", bulletin=air_b)
    assert reviewed.state == "reviewed" and reviewed.snapshot_sha256 == service.sha256(to_json(air_b).replace(
        '"state":"draft"', '"state":"reviewed"'))
    info = service.cli_transition(demo_copy, "air", MONTH_TEXT, "publish", issued=date(2026, 4, 8))
    assert info.state == "published" and info.docx_sha256
    published = service.build(demo_copy, "air", MONTH_TEXT)
    # publishing signs what was reviewed: only the date changes
    assert published.sections == air_b.sections and published.date_text == "2026年4月8日"
    docx_1 = service.render_docx(published)
    # the stored data change after publication: the published bulletin does not
    st = TargetStore(demo_copy)
    st.upsert_target(YEAR, "140213", "pm25", "19", "测试修改")
    st.close()
    d, h, same = service.cli_regenerate(demo_copy, "air", MONTH_TEXT)
    assert same and d == docx_1 and service.sha256(d) == info.docx_sha256
    assert service.build(demo_copy, "air", MONTH_TEXT) == published
    with pytest.raises(WorkflowError, match="已发布"):
        service.cli_transition(demo_copy, "air", MONTH_TEXT, "review")


def test_remarks_are_editable_before_review(demo_copy, demo_ctx):
    service.cli_set_remarks(demo_copy, MONTH_TEXT, "各县（区）要对照问题清单逐项整改。")
    b = service.build(demo_copy, "work", MONTH_TEXT, issued=ISSUED, ctx=demo_ctx)
    assert b.sections[-1].paragraphs == ["各县（区）要对照问题清单逐项整改。"]
    assert b.meta["prefilled_remarks"]  # the pre-filled text stays available
    service.cli_transition(demo_copy, "work", MONTH_TEXT, "review", bulletin=b)
    with pytest.raises(WorkflowError):
        service.cli_set_remarks(demo_copy, MONTH_TEXT, "改")


def test_water_section_from_the_seam(demo_url, monkeypatch):
    from qingshan.standards.water_compensation import CompTiers
    from qingshan.targets.sources import water

    w = water.WaterMonth(MONTH_TEXT, (
        water.SectionMonth("S1", "郑庄", "140213", "某河", "省", 3, 4, 4, 3, 3, "ok",
                           (water.ItemOver("nh3n", "氨氮", "2.12", "1.0"),)),
        water.SectionMonth("S2", "洗马庄", "140223", "壶流河", "省", 3, None, None, 0, None, "dry"),
    ))
    monkeypatch.setattr(water, "read", lambda url, month: w)
    sec = work_bulletin.water_section(demo_url, MONTH_TEXT, {"140213": "平城区", "140223": "广灵县"},
                                      CompTiers(amounts=(None, None, 100, None, None)))
    r1, r2 = sec.tables[0].rows
    assert r1[7] == "否" and r1[8] == "氨氮(1.12)" and r1[9] == "变差" and r1[10] == "100.00"
    assert r2[7] == "未监测" and r2[10] == "—"


def test_monthly_chart_series_are_the_engines_monthly_values(engine_inputs, air_b):
    """The chart draws the city's monthly PM2.5 (this year and last) with the engine's two
    publication steps; each value equals the one report builder's for that month."""
    units, codes, frame, reg, hourly, days = engine_inputs
    chart = next(c for c in air_b.sections[2].charts if c.key == "pm25_monthly").data
    assert chart["months"] == [1, 2, 3]
    for year, series in ((YEAR, chart["this_year"]), (YEAR - 1, chart["last_year"])):
        for m, value in zip(chart["months"], series):
            start, end = ev.month_period(year, m)
            rep = build_report(hourly, reg, "140200", start, end, counties=False)
            assert value == {r["indicator"]: r for r in rep.indicators()}["pm25"]["value"], (year, m)
    # the 1—3月 path: base + (target − base)·τ, demo city target 23 from 25, at 3-31 (90/365)
    assert chart["path"][-1] == "24.5"
