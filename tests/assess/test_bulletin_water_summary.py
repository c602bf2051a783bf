"""Bulletin B §4.3 item 2 (issue 11 review): the 水环境 section prints, under Table B1, 优良比例
and the 劣Ⅴ count against their targets (§3.5) and the county CWQI and ΔCWQI ranks by §1.2 when
``water_rank_method="cwqi"`` (§1.5).

Expected values are worked out here from the inputs by the spec's rules; the CWQI of a section
with S4's data, 4.8912, is water.md §10's (tests/water_testdata.py).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document
from sqlalchemy.orm import Session

from qingshan.bulletin import service, work_bulletin
from qingshan.store.migrate import upgrade
from qingshan.targets.sources import water as water_source
from qingshan.water.importer import import_frame
from qingshan.water.registry import add_section, set_target
from qingshan.water.store import WaterStore
from water_testdata import S4, W1, W2, frame

from assess_demo import MONTH_TEXT

NAMES = {"140213": "平城区", "140215": "云州区", "140221": "阳高县"}  # display order


@pytest.fixture(scope="module")
def water_url(tmp_path_factory):
    """Four assessed sections, target Ⅲ, March 2026 data (water.md §10's examples):
    S1 = W1 (Ⅳ) and S3 = W2 (劣Ⅴ) in 云州区, S4 = S4 (Ⅱ) in 阳高县, S5 = S4 (Ⅱ) in 平城区 with March
    2025 data (W1) as its only same-period result."""
    url = f"sqlite:///{tmp_path_factory.mktemp('b1sum') / 'water.db'}"
    upgrade(url)
    store = WaterStore(url)
    with Session(store.engine) as s:
        for code, county in (("S1", "140215"), ("S3", "140215"), ("S4", "140221"), ("S5", "140213")):
            add_section(s, code=code, name=f"断面{code}", river="桑干河", county_code=county, control_level="国考")
            set_target(s, code, 2026, 3)
        s.commit()
    rows = [(c, datetime(2026, 3, 10), v) for c, v in (("S1", W1), ("S3", W2), ("S4", S4), ("S5", S4))]
    rows.append(("S5", datetime(2025, 3, 10), W1))
    import_frame(frame(rows), store, source="lab", kind="lab", label="test")
    store.close()
    return url


def test_b1_summary_shares_against_targets(water_url):
    """§3.5 on the 1—3月 classes: 4 sections evaluated, Ⅰ–Ⅲ: S4 and S5 (Ⅱ) = 2, share 2/4 = 50.0 %;
    target 75.0 %: ⌈75.0·4/100⌉ = 3 sections needed, 3 − 2 = 1 more. 劣Ⅴ: S3 alone, 1 > target 0."""
    sec = work_bulletin.water_section(water_url, "2026-03", NAMES, None, good_target="75.0", worse_target="0")
    assert sec.paragraphs[0] == (
        "1—3月，全市参与评价的考核断面4个（未监测、缺测断面不计），其中Ⅰ—Ⅲ类水质断面2个，优良水体比例为50.0%，"
        "年度目标75.0%，尚需1个断面达到Ⅰ—Ⅲ类；劣Ⅴ类水质断面1个（断面S3），年度目标不超过0个，未达到目标。")
    # a target the share meets: ⌈50.0·4/100⌉ = 2 ≤ 2; 劣Ⅴ target 1: 1 ≤ 1
    sec = work_bulletin.water_section(water_url, "2026-03", NAMES, None, good_target="50.0", worse_target="1")
    assert "年度目标50.0%，已达到目标" in sec.paragraphs[0] and "年度目标不超过1个，达到目标" in sec.paragraphs[0]


def test_b1_summary_ranks_units_on_cwqi_and_its_change(water_url):
    """§1.5 (``water_rank_method="cwqi"``) and §1.2: 平城区 and 阳高县 each have one section with S4's
    data, CWQI 4.8912 (water.md §10), a tie for 1st (competition ranking: 云州区 is 3rd — its two
    sections W1 7.5453 and W2 13.2650 average far above). ΔCWQI needs both periods: only 平城区 has
    a 2025 result, so it is 1st and the other two are 数据不足 (rank n_rankable + 1 under "last")."""
    sec = work_bulletin.water_section(water_url, "2026-03", NAMES, None)
    cwqi, change = sec.paragraphs[1], sec.paragraphs[2]
    assert cwqi.startswith("1—3月各县（区）城市水质指数（CWQI）由好到差依次为："
                           "平城区（4.8912，并列第1）、阳高县（4.8912，并列第1）、云州区（")
    assert cwqi.endswith("，第3）。")
    assert change.startswith("与上年同期相比，CWQI变化率由好到差依次为：平城区（-")  # 4.8912 < 7.5453: a decrease
    assert change.endswith("%，第1）、云州区（数据不足）、阳高县（数据不足）。")
    # "shanxi_2017" (§1.5) is not implementable: no ranks, and the section says so
    sec = work_bulletin.water_section(water_url, "2026-03", NAMES, None, water_rank_method="shanxi_2017")
    assert len(sec.paragraphs) == 2 and "无法实施" in sec.paragraphs[1]


def _section(code, ytd, name=None):
    return water_source.SectionMonth(code, name or f"断面{code}", "140213", "桑干河", "国", 3, ytd, ytd, 1, None, "ok")


def test_work_bulletin_prints_the_water_summary(demo_url, demo_ctx, monkeypatch):
    """The work bulletin passes the city's water targets (demo: 优良 75.0 %, 劣Ⅴ 0) and the §7
    settings to the section, and the lines reach the .docx and the HTML (one model).
    1—3月 classes Ⅱ, Ⅲ, Ⅳ, 劣Ⅴ: share 2/4 = 50.0 %, ⌈75.0·4/100⌉ − 2 = 1 more; 劣Ⅴ 1 > 0."""
    w = water_source.WaterMonth("2026-03", (_section("A", 2), _section("B", 3), _section("C", 4), _section("D", 6, "甲断面")),
                                (water_source.UnitIndex("140213", "3.0000", "-1.50"),
                                 water_source.UnitIndex("140214", "2.5000", "2.00"),
                                 water_source.UnitIndex("140215", None, None)))
    monkeypatch.setattr(water_source, "read", lambda url, month, **kw: w)
    b = service.build(demo_url, "work", MONTH_TEXT, issued=date(2026, 4, 5), ctx=demo_ctx)
    sec = next(s for s in b.sections if s.title == "水环境")
    line = "年度目标75.0%，尚需1个断面达到Ⅰ—Ⅲ类；劣Ⅴ类水质断面1个（甲断面），年度目标不超过0个，未达到目标。"
    assert sec.paragraphs[0].endswith(line)
    # CWQI ascending: 云冈区 2.5000 1st, 平城区 3.0000 2nd, 云州区 no value: 数据不足;
    # ΔCWQI ascending: 平城区 −1.50 % 1st, 云冈区 +2.00 % 2nd
    assert sec.paragraphs[1].endswith("云冈区（2.5000，第1）、平城区（3.0000，第2）、云州区（数据不足）。")
    assert sec.paragraphs[2].endswith("平城区（-1.50%，第1）、云冈区（+2.00%，第2）、云州区（数据不足）。")
    html = service.render_html(b)
    assert line in html and "云冈区（2.5000，第1）" in html
    doc = Document(io.BytesIO(service.render_docx(b)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert line in text and "平城区（-1.50%，第1）" in text
