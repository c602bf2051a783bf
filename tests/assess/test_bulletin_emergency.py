"""Bulletin B's 重污染天气应对 section reads the emergency domain through its seam
(qingshan.targets.sources.emergency): an orange alert of March 2026 and its final verification."""

from __future__ import annotations

from datetime import datetime

import pytest
from emergency_support import build_scenario

from qingshan.bulletin import service
from qingshan.targets.sources import emergency


@pytest.fixture(scope="module")
def march_alert(_demo_file, tmp_path_factory):
    import shutil

    p = tmp_path_factory.mktemp("bulletin-emergency") / "demo.db"
    shutil.copyfile(_demo_file, p)
    url = f"sqlite:///{p}"
    assert emergency.read(url, "2026-03") is None  # no emergency data yet: 暂无数据
    build_scenario(url, datetime(2026, 3, 10))  # orange 03-10 00:00 – 03-12 00:00, E2 fails SO2
    return url


def test_seam_gives_the_months_alert_and_the_counts(march_alert):
    s = emergency.read(march_alert, "2026-03")
    assert s.episodes == (emergency.AlertEpisode("橙色", "2026-03-10", "2026-03-12"),)
    assert (s.enterprises_checked, s.enterprises_failed) == (2, 1)
    assert emergency.read(march_alert, "2026-02") == emergency.EmergencySummary("2026-02", (), 0, 0)


def test_bulletin_b_section_shows_the_figures(march_alert):
    b = service.build(march_alert, "work", "2026-03")
    sec = next(x for x in b.sections if x.title == "重污染天气应对")
    assert not sec.no_data
    assert sec.paragraphs == ["3月：橙色预警 2026-03-10至2026-03-12；核查企业2家，未落实减排措施1家。"]
