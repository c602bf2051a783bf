"""§3.3: H_allow = H_max − H_so_far; H_allow < 0 → 「已无法完成」. Table A5 (Bulletin A, and the
city's row in Bulletin B §3) and ``qingshan targets status`` show the verdict, never a negative
allowance such as 3/5/-2 (issue 11 review)."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from qingshan.bulletin import air_bulletin
from qingshan.targets.cli import print_status
from qingshan.targets.tracking import AirStatus, StatusReport


def _heavy(name, target, so_far):
    """H_allow = H_max − H_so_far (§3.3) as air_status fills it."""
    st = AirStatus(name, name, False, heavy_target=str(target), heavy_so_far=so_far, heavy_allow=target - so_far)
    st.heavy_verdict = "" if target - so_far >= 0 else "已无法完成"
    return st


def test_a5_heavy_days_past_the_cap_is_not_achievable():
    """Cap 3 with 5 so far: H_allow = 3 − 5 = −2 < 0 → 已无法完成; cap 3 with 3: 0 left; 3 with 1: 2."""
    rows = [_heavy("甲县", 3, 5), _heavy("乙县", 3, 3), _heavy("丙县", 3, 1)]
    t = air_bulletin.targets_table(rows, ({}, {}))
    col = air_bulletin.A5_COLUMNS.index("重污染天数上限/已发生/剩余")
    assert [r[col] for r in t.rows] == ["3/5/已无法完成", "3/3/0", "3/1/2"]
    text = air_bulletin.target_text([_with_pm25(r) for r in rows], 3)
    assert "-2" not in text and "重污染天数已超过年度上限，已无法完成" in text
    assert "重污染天数剩余需控制在0天内" in text and "重污染天数剩余需控制在2天内" in text


def _with_pm25(st):
    st.pm25_R_exact, st.pm25_R, st.pm25_target, st.pm25_ytd = 30, "30", "30", "30"
    return st


def test_targets_status_table_heavy_days_past_the_cap():
    rep = StatusReport(date(2026, 3, 31), 2026, 275, [_heavy("甲县", 3, 5), _heavy("丙县", 3, 1)], [], {}, False)
    con = Console(record=True, width=250)
    print_status(con, rep)
    text = con.export_text()
    assert "3/5/已无法完成" in text and "3/1/2" in text and "/-2" not in text


def test_leader_view_heavy_days_past_the_cap():
    """The workspace's leader view shows the same verdict in the 剩余 column (it printed −2 beside
    the tag)."""
    from qingshan.web.deps import templates

    rep = StatusReport(date(2026, 3, 31), 2026, 275, [_heavy("甲县", 3, 5), _heavy("丙县", 3, 1)], [], {}, False)
    html = templates.env.get_template("targets/_leader.html").render(rep=rep, class_colours={}, class_labels={}, trend_options={}, sources=[])
    cells = [c.strip() for c in html.split('<td class="num">')]
    assert not any(c.startswith("-2") for c in cells)
    assert '<span class="tag overdue">已无法完成</span></td>' in html
    assert any(c.startswith("2</td>") for c in cells)  # 丙县: 3 − 1 = 2 left
