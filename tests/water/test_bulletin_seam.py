"""The bulletin's water seam (targets/sources/water.py) connected: Bulletin B's Table B1 shows the
water domain's figures.

Reference values are water.md §10's worked examples (W1, W2, S4 of W7, with the common
background), not our output: S2 (W2 data) is 劣Ⅴ with COD, NH3-N, TP 劣Ⅴ, BOD5 Ⅴ and CODMn Ⅳ;
against a Class Ⅲ target the multiples are (C − S)/S: NH3-N (2.6 − 1)/1 = 1.60, TP
(0.45 − 0.2)/0.2 = 1.25, COD (42 − 20)/20 = 1.10, BOD5 (7 − 4)/4 = 0.75, CODMn (9 − 6)/6 = 0.50,
listed in water.md §4's key order (worst class first, larger multiple first). S1 (W1) is Ⅳ with
NH3-N 1.32 over the Ⅲ limit 1.0 (0.32). S4 is Ⅱ and meets its target.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from qingshan.bulletin.work_bulletin import B1_COLUMNS, water_section
from qingshan.targets.sources import water as water_source
from qingshan.targets.store import TargetStore
from qingshan.water.importer import import_frame
from qingshan.water.registry import add_section, set_target
from qingshan.store.migrate import upgrade
from qingshan.water.store import WaterStore
from water_testdata import S4, W1, W2, frame

NAMES = {"140215": "云州区", "140221": "阳高县"}


@pytest.fixture(scope="module")
def sections(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('seam') / 'water.db'}"
    upgrade(url)
    store = WaterStore(url)
    with Session(store.engine) as s:
        for code, county, level in (("S1", "140215", "国考"), ("S2", "140215", "省考"), ("S4", "140221", "市考")):
            add_section(s, code=code, name=f"断面{code}", river="桑干河", county_code=county, control_level=level)
            set_target(s, code, 2026, 3)
        add_section(s, code="X9", name="未考核断面", river="桑干河", county_code="140215")  # no level, no target
        s.commit()
    rows = [(c, datetime(2026, 3, 10), v) for c, v in (("S1", W1), ("S2", W2), ("S4", S4))]
    rows += [("S2", datetime(2026, 1, 12), S4), ("S2", datetime(2025, 3, 10), S4)]  # earlier months, last year
    rows += [("X9", datetime(2026, 3, 10), W2)]
    import_frame(frame(rows), store, source="lab", kind="lab", label="test")
    yield store
    store.close()


def test_b1_shows_the_water_domains_figures(sections):
    url = sections.url
    sec = water_section(url, "2026-03", NAMES, None)
    assert not sec.no_data
    table = sec.tables[0]
    assert table.columns == B1_COLUMNS
    rows = {r[0]: r for r in table.rows}
    assert set(rows) == {"断面S1", "断面S2", "断面S4"}  # assessed sections only
    s2 = rows["断面S2"]
    assert s2[1:6] == ["云州区", "桑干河", "省", "Ⅲ", "劣Ⅴ"]
    # 1—3月: the exact mean of January (S4 data) and March (W2): NH3-N (0.21 + 2.6)/2 = 1.405 → 1.40 (Ⅳ),
    # TP (0.06 + 0.45)/2 = 0.255 → 0.255 (Ⅳ), COD 26.5 (Ⅳ), DO 5.95 → 6.0 (Ⅱ, 5.95 rounds half-even to 6.0)
    assert s2[6] == "Ⅳ（2次）"
    assert s2[7] == "否"
    assert s2[8] == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)、五日生化需氧量(0.75)、高锰酸盐指数(0.50)"
    assert s2[9] == "变差"  # last year 1—3月: S4 data only, Class Ⅱ
    assert rows["断面S1"][5:9] == ["Ⅳ", "Ⅳ（1次）", "否", "氨氮(0.32)"]
    assert rows["断面S4"][5:9] == ["Ⅱ", "Ⅱ（1次）", "是", "—"]
    assert table.notes[0].startswith("水质评价版本：") and "UNCONFIRMED" in table.notes[0]


def test_seam_units_from_unit_sections_and_their_cwqi(sections):
    ts = TargetStore(sections.url)
    ts.upsert_unit("140221", "阳高县", "县", 5, date(2026, 1, 1))
    ts.set_unit_sections("140221", ["S1", "S4"], date(2026, 1, 1))
    w = water_source.read(sections.url, "2026-03")
    by = {s.code: s for s in w.sections}
    assert by["S1"].unit_code == "140221" and by["S2"].unit_code == "140215" and by["S4"].unit_code == "140221"
    units = {u.unit_code: u for u in w.unit_cwqi}
    # 1—3月 CWQI of 140221 = mean of S1 (W1: 7.545294…) and S4 (4.891244…) = 6.218269… → 6.2183
    assert units["140221"].cwqi_pub == "6.2183"
    assert by["S2"].items_over[0].target_limit == "1" and by["S2"].items_over[0].value == "2.60"


def test_no_assessed_sections_is_no_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    assert water_source.read(url, "2026-03") is None
    assert water_section(url, "2026-03", NAMES, None).no_data
