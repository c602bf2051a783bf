"""Bulletin B's CO2-intensity target row reads the carbon domain through its seam
(``qingshan.targets.sources.carbon``; assessment-bulletin.md §3.5, carbon.md §8.4).

The row is :func:`qingshan.targets.tracking.other_targets`' ``co2_intensity`` entry, which
:mod:`qingshan.bulletin.work_bulletin` prints as ``[label, target, actual, status, source]`` in the
table 「水环境与碳排放强度目标」 of section 3 (目标任务完成情况).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from qingshan.carbon.report import co2_intensity_status
from qingshan.core import clock
from qingshan.demo.carbon import build_carbon_demo
from qingshan.store.db import make_engine
from qingshan.targets.sources import carbon as carbon_src
from qingshan.targets.store import TargetStore
from qingshan.targets.tracking import NO_DATA, other_targets

END = date(2026, 3, 31)  # Bulletin B of 2026-03 is drawn as of the month's end, issued 2026-04-05
ISSUED = datetime(2026, 4, 5, 9)


def _co2_row(url: str):
    store = TargetStore(url)
    try:
        targets = store.targets(END.year)
    finally:
        store.close()
    return next(o for o in other_targets(url, END, targets, "140200") if o.indicator == "co2_intensity")


def test_bulletin_b_co2_row_shows_the_carbon_figure(demo_copy):
    with clock.frozen(ISSUED):
        before = _co2_row(demo_copy)
        assert (before.actual, before.status) == ("—", NO_DATA)  # carbon not there yet: 暂无数据
        engine = make_engine(demo_copy)
        build_carbon_demo(engine)  # the labelled carbon demo: balance and GDP by quarter, the 17 % plan
        row = _co2_row(demo_copy)
        with Session(engine) as s:
            # on 2026-04-05 the latest period of 2026 that is over is 1—3月 (carbon.md §8.4, YTD project rule)
            st = co2_intensity_status(s, 2026, as_of=ISSUED.date(), months=3)
        engine.dispose()
    assert st.basis == "ytd_estimate" and st.r is not None and st.status in ("green", "yellow", "red")
    assert row.label == "单位GDP二氧化碳排放降低率" and row.target == "3.9"  # the demo target of the targets domain
    assert row.actual == st.r
    assert row.status == {"green": "进度正常", "yellow": "进度滞后", "red": "完成困难"}[st.status]
    # (the row's 依据 column is the target's document; the seam's own ``source`` follows)

    # the seam takes the latest period of the year that is over on the bureau's date
    with clock.frozen(datetime(2026, 2, 20, 9)):
        assert carbon_src.read(demo_copy, 2026) is None  # no quarter of 2026 is over yet
    with clock.frozen(datetime(2026, 11, 29, 9)):
        seam = carbon_src.read(demo_copy, 2026)
    assert seam is not None and seam.year == 2026 and "1—9月" in seam.source  # the year itself is not over
    assert "演示" in seam.source and "UNCONFIRMED" in seam.source
    with clock.frozen(datetime(2027, 1, 5, 9)):
        year = carbon_src.read(demo_copy, 2026)
    assert year is not None and "按全年核算" in year.source
    with Session(make_engine(demo_copy)) as s:
        full = co2_intensity_status(s, 2026, as_of=date(2027, 1, 5))
    assert (year.r_pub, year.R_pub, year.status) == (full.r, full.R, full.status)


def test_seam_is_none_without_carbon_data(demo_url):
    assert carbon_src.read(demo_url, 2026) is None
