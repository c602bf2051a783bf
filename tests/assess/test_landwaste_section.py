"""Bulletin B's 净土与固体废物 section reads the soil and solid-waste seams
(qingshan.targets.sources.soil / .waste, connected to the landwaste report builders): with the
spec's worked examples stored it prints their figures (soil-waste.md §7 E1–E3), not 「暂无数据」."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qingshan.bulletin import service
from qingshan.landwaste.waste import ledger
from qingshan.store.db import make_engine
from landwaste_data import e3_rows, enterprises, soil_e1_e2, workbook

MONTH_TEXT = "2026-03"  # the assess demo's bulletin month (conftest.py)


def test_work_bulletin_shows_soil_and_waste_figures(demo_copy, tmp_path):
    eng = make_engine(demo_copy)
    with Session(eng) as s:
        enterprises(s)
        soil_e1_e2(s, tmp_path)
        # the E3 plant's month, dated March 2026 so that it falls in the bulletin's 1—3月
        assert not ledger.import_ledger(s, workbook(tmp_path / "e3.xlsx", rows=e3_rows("2026-03"), recv=None)).errors
        s.commit()
    eng.dispose()
    b = service.build(demo_copy, "work", MONTH_TEXT, issued=date(2026, 4, 5))
    land = next(sec for sec in b.sections if sec.title == "净土与固体废物")
    assert not land.no_data
    # E1 安全利用类 (As 28 > 25), E2 S-1 between S2 and I2, S-2 benzene 45 > I2 40
    assert land.paragraphs[0] == "土壤：评价样品3个，超过风险筛选值3个，超过风险管制值1个。"
    # E3 plant: G = 58 271.0 t, R_u = 52370/60371 = 86.75 %; no manifest in January–March
    assert land.paragraphs[1] == "固体废物：一般工业固体废物产生量58271吨，综合利用率86.75%；危险废物转移联单0份，超期0份。"
    docx = service.render_docx(b)
    from docx import Document
    import io

    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "综合利用率86.75%" in text and "超过风险管制值1个" in text
