"""Assessment schemes as data (JSON and Excel) and their clear errors (assessment-bulletin.md §2)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from openpyxl import Workbook

from qingshan.assessment import scheme as sch
from qingshan.standards.assessment_score import SchemeError, assess


def test_packaged_schemes_load_and_sum_to_100():
    for name in ("anhui_example", "datong_2026_demo"):
        s = sch.from_dict(sch.packaged(name))
        assert sum((i.weight for i in s.items), Fraction(0)) == 100
    anhui = sch.from_dict(sch.packaged("anhui_example"))
    assert [i.weight for i in anhui.items][:4] == [6, 5, 6, 5] and len(anhui.items) == 23


def test_e3_through_the_json_scheme():
    # E3 on the packaged §2.3 scheme: full marks except items 1, 2, 3, 5, 13 → 92.98 优秀
    s = sch.from_dict(sch.packaged("anhui_example"))
    inputs = {}
    for it in s.items:
        if it.type == "manual":
            inputs[it.id] = {"manual": str(it.weight)}
        elif it.type == "binary":
            inputs[it.id] = {"attained": True}
        elif it.type == "proportion":
            inputs[it.id] = {"n_ok": 4, "n": 4}
        elif it.type == "deduct_pct_over":
            inputs[it.id] = {"e": 900, "e_t": 1000}
        elif it.type == "linear":
            inputs[it.id] = {"x": 95, "t": 90, "b": 80}
    inputs["1"] = {"1a": {"x": 60}, "1b": {"x": 25}}
    inputs["2"] = {"x": 34, "t": 33, "b": 36}
    inputs["3"] = {"n_ok": 11, "n": 12}
    inputs["5"] = {"e": 1030, "e_t": 1000}
    inputs["13"] = {"x": 1}
    a = assess(s, "某县", inputs)
    assert a.score == Fraction(5579, 60) and a.grade == "优秀"


def _write(tmp_path, data) -> str:
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(p)


def test_bad_scheme_files(tmp_path):
    base = sch.packaged("anhui_example")
    short = dict(base, items=base["items"][:-1])
    with pytest.raises(SchemeError, match="之和应为 100，实际为 98"):
        sch.load(_write(tmp_path, short))
    dup = dict(base, items=base["items"][:-1] + [dict(base["items"][0], weight="2")])
    with pytest.raises(SchemeError, match="考核项 1 重复"):
        sch.load(_write(tmp_path, dup))
    bad_num = dict(base, items=[dict(base["items"][0], weight="六")] + base["items"][1:])
    with pytest.raises(SchemeError, match="不是数值"):
        sch.load(_write(tmp_path, bad_num))
    (tmp_path / "x.json").write_text("{", encoding="utf-8")
    with pytest.raises(SchemeError, match="JSON"):
        sch.load(tmp_path / "x.json")
    with pytest.raises(SchemeError, match=".json 或 .xlsx"):
        sch.load(__file__)


def test_excel_scheme(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "考核项"
    ws.append(["编号", "名称", "分值", "计分类型", "方向", "参数", "上级编号"])
    ws.append(["1", "水", 60, "parts", "ge", "", ""])
    ws.append(["1a", "Ⅰ—Ⅲ类", 30, "linear", "ge", "b=20;t=70", "1"])
    ws.append(["1b", "劣Ⅴ类", 30, "linear", "le", "b=40;t=20", "1"])
    ws.append(["2", "执法", 40, "deduct_per_unit", "le", "k=2;t=0", ""])
    v = wb.create_sheet("否决项")
    v.append(["编号", "名称", "效果"])
    v.append(["V1", "数据造假", "fail"])
    st = wb.create_sheet("设置")
    st.append(["项目", "值"])
    st.append(["名称", "测试方案"])
    st.append(["等次分数线", "90/80/60"])
    p = tmp_path / "s.xlsx"
    wb.save(p)
    s = sch.load(p)
    assert s.name == "测试方案" and [i.id for i in s.items] == ["1", "2"] and len(s.items[0].parts) == 2
    a = assess(s, "某县", {"1": {"1a": {"x": 70}, "1b": {"x": 20}}, "2": {"x": 3}}, vetoes={"V1": False})
    assert a.score == 60 + 34
    ws.append(["2", "重复", 1, "binary", "ge", "", ""])
    wb.save(p)
    with pytest.raises(SchemeError, match="重复"):
        sch.load(p)


def test_unknown_item_in_inputs():
    s = sch.from_dict(sch.packaged("anhui_example"))
    with pytest.raises(SchemeError, match="方案中没有考核项 99"):
        assess(s, "某县", {"99": {"manual": 1}})
