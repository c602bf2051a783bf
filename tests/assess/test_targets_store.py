"""Targets store and Excel import: per-row Chinese errors, all-or-nothing, re-import changes
nothing; on SQLite and PostgreSQL (assessment-bulletin.md §0, §3.1, §5)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from qingshan.targets.excel import ImportFailed, import_workbook
from qingshan.targets.store import TargetsError, TargetStore


def _book(path, *, targets=None, units=None, stations=None, manual=None):
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {
        "单位": (["代码", "名称", "类型", "排序", "起始日期"], units if units is not None else [
            ["140200", "大同市", "市", 0, "2018-05-01"], ["140213", "平城区", "区", 1, "2018-05-01"],
            ["140271", "山西大同经济开发区", "开发区", 11, "2026-01-01"]]),
        "站点": (["单位代码", "站点代码", "起始日期"], stations if stations is not None else [
            ["140213", "1723A", "2026-01-01"], ["140213", "1724A", "2026-01-01"]]),
        "目标": (["年度", "单位代码", "指标", "目标值", "依据文件", "基准值"], targets if targets is not None else [
            [2026, "140200", "pm25", "27", "某文件〔2026〕1号", "28"], [2026, "140213", "good_ratio", "85.0", "某文件", None]]),
        "手工录入": (["月份", "类别", "单位代码", "时段", "指标", "数值", "文号", "日期"], manual if manual is not None else [
            ["2026-10", "province_city_rank", "140200", "ytd", "composite", "1", "晋环函〔2026〕1号", "2026-11-20"]]),
    }
    for name, (head, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(head)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_import_then_reimport_changes_nothing(store_url, tmp_path):
    st = TargetStore(store_url)
    try:
        s = import_workbook(st, _book(tmp_path / "t.xlsx"))
        assert (s.units, s.station_lists, s.targets, s.manual_inputs) == (3, 1, 2, 1)
        assert [u.name for u in st.units(date(2026, 6, 1))] == ["大同市", "平城区", "山西大同经济开发区"]
        assert st.unit_stations(date(2026, 6, 1)) == {"140213": ["1723A", "1724A"]}
        t = {x.indicator: x for x in st.targets(2026)}
        assert t["pm25"].value == "27" and t["pm25"].direction == "le" and t["pm25"].base_value == "28"
        assert t["good_ratio"].decimals == 1 and t["good_ratio"].direction == "ge"
        again = import_workbook(st, _book(tmp_path / "t.xlsx"))
        assert again.changed == 0
        assert len(st.targets(2026)) == 2 and len(st.manual_inputs("2026-10")) == 1
        # a new dated list closes the old one the day before
        st.set_unit_stations("140213", ["1723A"], date(2026, 7, 1))
        assert st.unit_stations(date(2026, 6, 30)) == {"140213": ["1723A", "1724A"]}
        assert st.unit_stations(date(2026, 7, 1)) == {"140213": ["1723A"]}
    finally:
        st.close()


def test_bad_rows_are_named_and_nothing_is_written(store_url, tmp_path):
    st = TargetStore(store_url)
    try:
        path = _book(tmp_path / "bad.xlsx", targets=[
            [2026, "140299", "pm25", "27", "文件"],          # unknown unit
            [2026, "140213", "pm25", "二十七", "文件"],       # not a number
            [2026, "140213", "ozone", "160", "文件"],        # unknown indicator
            [2026, "140200", "pm25", "27", "文件"],
            [2026, "140200", "pm25", "26", "文件"],          # duplicate
        ], stations=[["140213", "1723A", "2026-01-01"], ["140213", "1723A", "2026-01-01"]])
        with pytest.raises(ImportFailed) as exc:
            import_workbook(st, path)
        msgs = [str(e) for e in exc.value.errors]
        assert any("第 2 行" in m and "未知的单位 140299" in m for m in msgs)
        assert any("第 3 行" in m and "目标值" in m for m in msgs)
        assert any("第 4 行" in m and "未知的指标" in m for m in msgs)
        assert any("第 6 行" in m and "重复" in m for m in msgs)
        assert any("工作表“站点”第 3 行" in m and "重复" in m for m in msgs)
        assert all(m.startswith("bad.xlsx 工作表") for m in msgs)
        assert st.units() == [] and st.targets(2026) == []
    finally:
        st.close()


def test_store_checks(store_url):
    st = TargetStore(store_url)
    try:
        with pytest.raises(TargetsError, match="未知的单位"):
            st.upsert_target(2026, "140213", "pm25", "27", "文件")
        st.upsert_unit("140213", "平城区", "区", 1, date(2018, 5, 1))
        with pytest.raises(TargetsError, match="依据文件"):
            st.upsert_target(2026, "140213", "pm25", "27", " ")
        before, after = st.upsert_target(2026, "140213", "pm25", "27", "文件")
        assert before is None and after["value"] == "27"
        before, after = st.upsert_target(2026, "140213", "pm25", "26", "文件2")
        assert before["value"] == "27" and after["value"] == "26"
        with pytest.raises(TargetsError, match="YYYY-MM"):
            st.upsert_manual_input("2026-13", "province_city_rank", "140213", "ytd", "composite", "1", "文", date.today())
        with pytest.raises(TargetsError, match="6 位"):
            st.upsert_unit("1402", "x", "区", 1, date(2018, 5, 1))
    finally:
        st.close()


def test_not_a_workbook(store_url, tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("not excel")
    st = TargetStore(store_url)
    try:
        with pytest.raises(ImportFailed, match="无法作为 Excel 工作簿打开"):
            import_workbook(st, p)
    finally:
        st.close()
