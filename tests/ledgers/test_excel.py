"""Excel import/export in the bureaus' layout; imports all-or-nothing with row-level errors."""

from __future__ import annotations

import io
import time

import pytest

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from qingshan.ledgers.models import LedgerItem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(rows, title_row=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "督察反馈问题"
    if title_row:
        ws.append(["大同市督察反馈问题整改台账"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["序号", "问题描述", "责任单位", "配合单位", "整改时限", "督察类别", "督察轮次", "整改措施", "状态"]


def _count(backend) -> int:
    with backend["factory"]() as s:
        return s.scalar(select(func.count()).select_from(LedgerItem))


def _import(client, content, kind="inspection", name="台账.xlsx"):
    return client.post("/api/ledgers/import", data={"kind": kind}, files={"file": (name, content, XLSX)})


def test_valid_sheet_imports_every_row(backend, clients):
    rows = [HEAD,
            [1, "Excel导入：某县城污水直排问题", "阳高县", "大同市水务局、大同市生态环境局", "2031-06-30", "中央", "第二轮", "建设截污管网", "整改中"],
            [2, "Excel导入：某矿区扬尘问题", "左云县", None, "2031年3月31日", "省级", "第一轮", "覆盖抑尘", None],
            [None, None, None, None, None, None, None, None, None]]  # blank rows are ignored
    r = _import(clients["staff"], _sheet(rows))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    items = clients["staff"].get("/api/ledgers?kind=inspection&q=Excel导入").json()["items"]
    by_title = {i["title"]: i for i in items}
    first = by_title["Excel导入：某县城污水直排问题"]
    assert first["lead_unit"]["code"] == "140221"
    assert [u["name"] for u in first["units"]] == ["大同市水务局", "大同市生态环境局"]
    assert by_title["Excel导入：某矿区扬尘问题"]["deadline"] == "2031-03-31"
    assert first["fields"]["measures"] == "建设截污管网"


def test_malformed_sheet_reports_each_row_and_imports_nothing(backend, clients):
    rows = [HEAD,
            [1, "正确的一行", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None],
            [2, "", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None],  # row 4: title empty
            [3, "日期错", "阳高县", None, "明年六月", "中央", "第二轮", "措施", None],  # row 5
            [4, "单位错", "大同县", None, "2031-06-30", "中央", "第二轮", "措施", None],  # row 6: abolished 2018
            [5, "类别错", "阳高县", None, "2031-06-30", "市级", "第二轮", "措施", None],  # row 7
            [6, "状态错", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", "完成了"]]  # row 8
    before = _count(backend)
    r = _import(clients["staff"], _sheet(rows))
    assert r.status_code == 422
    body = r.json()
    assert "未导入任何数据" in body["detail"]
    where = {(e["row"], e["column"]) for e in body["errors"]}
    assert where == {(4, "问题描述"), (5, "整改时限"), (6, "责任单位"), (7, "督察类别"), (8, "状态")}
    msgs = " ".join(e["message"] for e in body["errors"])
    assert "第 6 行「责任单位」：单位「大同县」不存在" in msgs
    assert "第 5 行「整改时限」" in msgs
    assert _count(backend) == before  # nothing half-imported, not even the good row


def test_header_problems_and_non_excel_files(backend, clients):
    before = _count(backend)
    r = _import(clients["staff"], _sheet([["序号", "问题描述", "责任单位", "截至日期"], [1, "x", "阳高县", "2030-01-01"]]))
    assert r.status_code == 422
    msgs = [e["message"] for e in r.json()["errors"]]
    assert any("未知表头「截至日期」" in m for m in msgs)
    assert any("缺少必填列「督察类别」" in m for m in msgs)
    r = _import(clients["staff"], b"%PDF-1.4 not a sheet", name="台账.xlsx")
    assert r.status_code == 422 and "不是有效的 Excel" in r.json()["detail"]
    r = _import(clients["staff"], _sheet([["随便"], ["x"]]))
    assert r.status_code == 422 and "找不到表头「问题描述」" in r.json()["detail"]
    assert _count(backend) == before


def test_duplicate_codes_in_file_and_in_ledger(backend, clients, make_item):
    existing = make_item("inspection")
    head = ["编号"] + HEAD[1:]
    rows = [head,
            ["DC-X-1", "甲", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None],
            ["DC-X-1", "乙", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None],
            [existing["code"], "丙", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None]]
    r = _import(clients["staff"], _sheet(rows, title_row=False))
    assert r.status_code == 422
    msgs = [e["message"] for e in r.json()["errors"]]
    assert any("第 3 行「编号」" in m and "与第 2 行重复" in m for m in msgs)
    assert any("第 4 行「编号」" in m and "已存在" in m for m in msgs)


def test_export_layout_chinese_headers_one_row_per_item(backend, clients, make_item):
    item = make_item("hazard", title="=HYPERLINK(\"http://evil\",\"点我\")")
    r = clients["leader"].get("/api/ledgers/export?kind=hazard")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["环境风险隐患"]
    assert "大同市环境风险隐患台账" in ws.cell(1, 1).value
    headers = [c.value for c in ws[2]]
    assert headers[:8] == ["序号", "编号", "隐患名称", "责任单位", "配合单位", "整治时限", "状态", "是否逾期"]
    assert {"隐患类型", "所在位置", "经度", "纬度", "隐患等级", "最近巡查日期", "整治措施"} <= set(headers)
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    total = clients["staff"].get("/api/ledgers?kind=hazard&limit=1").json()["total"]
    assert len(rows) == total
    mine = next(row for row in rows if row[1] == item["code"])
    assert mine[2] == item["title"]  # formula-looking text stays text
    cell = next(c for c in ws.iter_rows(min_row=3) if c[1].value == item["code"])[2]
    assert cell.data_type == "s"
    assert mine[3] == "平城区" and mine[6] == "待整治" and mine[7] == "否"


def test_formula_cells_are_refused_by_row_and_column(backend, clients):
    """A formula has no value an importer can trust (files not written by Excel carry no cached
    result: read as empty, it used to give a misleading 必填 error)."""
    before = _count(backend)
    rows = [HEAD,
            [1, "公式测试：正常行", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None],
            [2, '=CONCAT("某矿区", "扬尘问题")', "左云县", None, "2031-03-31", "省级", "第一轮", "=H3", None]]
    r = _import(clients["staff"], _sheet(rows))
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(4, "问题描述"), (4, "整改措施")}
    assert all("不接受公式" in e["message"] for e in errors)
    assert "第 B 列" in errors[0]["message"] and not any("必填" in e["message"] for e in errors)
    assert _count(backend) == before


def test_closed_or_verified_state_cannot_be_imported(backend, clients):
    before = _count(backend)
    rows = [HEAD,
            [1, "状态测试：已销号", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", "已销号"],
            [2, "状态测试：已现场核查", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", "已现场核查"],
            [3, "状态测试：申请销号", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", "申请销号"]]
    r = _import(clients["staff"], _sheet(rows))
    assert r.status_code == 422, r.text
    assert {(e["row"], e["column"]) for e in r.json()["errors"]} == {(3, "状态"), (4, "状态")}
    assert _count(backend) == before
    ok = _import(clients["staff"], _sheet([HEAD, rows[3]]))
    assert ok.status_code == 200 and ok.json()["imported"] == 1


def test_reading_stops_at_the_row_limit(backend, clients, monkeypatch):
    from openpyxl.worksheet import _read_only

    from qingshan.ledgers import excel

    monkeypatch.setattr(excel, "MAX_IMPORT_ROWS", 5)
    read = [0]
    original = _read_only.ReadOnlyWorksheet._cells_by_row

    def counting(self, *a, **kw):
        for row in original(self, *a, **kw):
            read[0] += 1
            yield row

    monkeypatch.setattr(_read_only.ReadOnlyWorksheet, "_cells_by_row", counting)
    rows = [HEAD] + [[i, f"行数测试{i}", "阳高县", None, "2031-06-30", "中央", "第二轮", "措施", None] for i in range(200)]
    before = _count(backend)
    r = _import(clients["staff"], _sheet(rows))
    assert r.status_code == 422 and "超过 5 行" in r.json()["detail"], r.text
    assert read[0] < 30  # header search (10) + header and 6 data rows — not the 200 rows of the sheet
    assert _count(backend) == before


def _bomb(content: bytes, part: str, payload: bytes) -> bytes:
    """``content`` (an .xlsx) with ``part`` replaced by ``payload``, deflated."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = payload if info.filename == part else src.read(info.filename)
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_zip_bomb_is_refused_before_parsing(backend, clients, monkeypatch):
    """Issue 9 item 8: a ~100 KB .xlsx holding one 100 MiB string used to be parsed in full
    before being refused. The ZIP directory's uncompressed sizes are checked first."""
    from qingshan.ledgers import excel

    small = _sheet([HEAD, [1, "问题", "平城区", "", "2030-01-01", "中央", "第二轮", "措施", ""]])
    # the sheet itself with one inline string of 100 MiB in A3
    huge = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="3"><c r="A3" t="inlineStr"><is><t>' + b"A" * (100 * 1024 * 1024)
            + b"</t></is></c></row></sheetData></worksheet>")
    bomb = _bomb(small, "xl/worksheets/sheet1.xml", huge)
    assert len(bomb) < 200 * 1024

    def parse(*a, **kw):
        raise AssertionError("the workbook was parsed before its size was checked")

    monkeypatch.setattr(excel, "load_workbook", parse)
    before = _count(backend)
    # through the service: the test app's upload limit (64 KiB) is below the bomb's 100 KB
    from qingshan.core.audit import SYSTEM
    from qingshan.core.errors import ValidationFailed
    from qingshan.core.org import User

    with backend["factory"]() as db:
        staff = db.scalar(select(User).where(User.username == "t_staff"))
        started = time.perf_counter()
        with pytest.raises(ValidationFailed, match="解压后.*未导入任何数据"):
            excel.import_items(db, SYSTEM, staff, "inspection", bomb, filename="炸弹.xlsx")
        assert time.perf_counter() - started < 1.0  # nothing was inflated
    assert _count(backend) == before


def test_too_many_cells_are_refused_before_parsing(backend, clients, monkeypatch):
    from qingshan.ledgers import excel

    rows = [HEAD] + [[i, f"问题{i}", "平城区", "", "2030-01-01", "中央", "第二轮", "措施", ""] for i in range(60)]
    content = _sheet(rows)
    monkeypatch.setattr(excel, "MAX_CELLS", 500)  # 61 rows × 9 columns + the title > 500

    def parse(*a, **kw):
        raise AssertionError("the workbook was parsed before its cells were counted")

    monkeypatch.setattr(excel, "load_workbook", parse)
    r = _import(clients["staff"], content)
    assert r.status_code == 422 and "500 个单元格" in r.json()["detail"]
