"""Alert levels (air-emergency.md §1): worked examples E1a and E1b, then the rules around them.

Reference values are typed in from the spec (§5), never read off our output.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from qingshan.standards import hj633
from qingshan.standards.alert_levels import (
    AlertSettings,
    AlertState,
    Block,
    Level,
    Notice,
    advance,
    block_aqi_from_steps,
    default_thresholds,
    effective_level,
    effective_timeline,
    evaluate_city,
    level_of_blocks,
    observed_trigger,
    parse_aqi,
    parse_primary,
    thresholds,
)
from qingshan.standards.emergency_tables import TableError, from_dict, packaged_version

D1 = datetime(2026, 12, 1)
RUN = datetime(2026, 11, 29, 16)  # forecast run two days ahead
T2024 = thresholds(packaged_version("alert_thresholds", "2024"))
T2019 = thresholds(packaged_version("alert_thresholds", "2019"))


def days(aqis, start=D1, primary=("PM2.5",)):
    return [Block(start + timedelta(days=i), a, primary) for i, a in enumerate(aqis)]


# ---- E1a ---------------------------------------------------------------------------------------

E1A_PM25 = [128, 165, 186, 262, 137, 95, 70]
E1A_AQI = [169, 215, 236, 312, 182, 132, 110]


def test_e1a_block_aqis_hj633_2026():
    f = pl.DataFrame({"pm25": E1A_PM25, "date": [D1.date() + timedelta(days=i) for i in range(7)]})
    assert hj633.daily_aqi(f)["aqi"].to_list() == E1A_AQI
    # under HJ 633—2012 d6 and d7 would be 125 and 94 (their PM2.5 IAQI: with only PM2.5 forecast,
    # d7's AQI is NA by air-aqi.md §10 — a forecast block AQI is then supplied as given, §1.1)
    assert hj633.daily_aqi(f, edition="2012")["iaqi_pm25"].to_list()[5:] == [125, 94]


def test_e1a_2024_red_2019_orange():
    assert level_of_blocks(E1A_AQI, T2024) == (Level.RED, "run200>=3+300")
    d = evaluate_city("大同市", days(E1A_AQI), RUN, settings=AlertSettings(alert_rules="2024"))
    assert d.level == Level.RED
    assert "orange: run150>=3" in d.record()["branch"] or d.branch == "run200>=3+300"
    assert level_of_blocks(E1A_AQI, T2019) == (Level.ORANGE, "run200>=3")
    legacy300 = AlertSettings(alert_rules="2019", legacy_orange_requires_300=True)
    assert evaluate_city("大同市", days(E1A_AQI), RUN, settings=legacy300).level == Level.ORANGE  # d4 > 300


def test_e1a_episode_issue_and_lift():
    d = evaluate_city("大同市", days(E1A_AQI), RUN)
    ep = d.episode
    assert (ep.start, ep.end) == (D1, D1 + timedelta(days=5))  # d1–d5
    assert ep.issue_by == D1 - timedelta(hours=24)
    assert not ep.late_issue
    assert ep.lift_at == D1 + timedelta(days=5)  # d6, d7 (132, 110): no run > 150 follows


def test_e1a_boundary_150_is_not_above_200():
    f = pl.DataFrame({"pm25": [150, 151], "date": [date(2026, 12, 1)] * 2})
    assert hj633.daily_aqi(f)["aqi"].to_list() == [200, 201]
    assert level_of_blocks([200], T2024)[0] == Level.NONE
    assert level_of_blocks([201], T2024) == (Level.YELLOW, "run200>=1")


# ---- E1b ---------------------------------------------------------------------------------------

E1B_STEPS = [20, 25, 180, 205, 220, 230, 215, 205, 190, 175, 30, 20]  # 6-h PM2.5 means, d1–d3


@pytest.fixture(scope="module")
def e1b_blocks():
    steps = pl.DataFrame({"city": ["大同市"] * 12, "step_start": [D1 + timedelta(hours=6 * i) for i in range(12)],
                          "pm25": E1B_STEPS})
    return block_aqi_from_steps(steps, 6)


def test_e1b_block_aqis(e1b_blocks):
    got = {(r["block_start"] - D1).total_seconds() / 3600: r["aqi"] for r in e1b_blocks.iter_rows(named=True)}
    assert got == {0: 144, 24: 268, 48: 140, 6: 208, 30: 260, 12: 259, 36: 246, 18: 268, 42: 200}
    # 107.5 rounds half-even to 108 → 1580/11 → 144; HJ 633—2012 natural days: 142, 268, 137
    steps = pl.DataFrame({"city": ["c"] * 12, "step_start": [D1 + timedelta(hours=6 * i) for i in range(12)],
                          "pm25": E1B_STEPS})
    old = block_aqi_from_steps(steps, 6, edition="2012").filter(pl.col("block_start").dt.hour() == 0)
    assert old["aqi"].to_list() == [142, 268, 137]


def _blocks_of(frame):
    return [Block(r["block_start"], r["aqi"], tuple(r["primary_pollutants"])) for r in frame.iter_rows(named=True)]


def test_e1b_alignment_levels_and_any_step(e1b_blocks):
    d = evaluate_city("大同市", _blocks_of(e1b_blocks), RUN)
    by_al = {}
    for r in d.runs:
        by_al[r.alignment] = max(by_al.get(r.alignment, Level.NONE), r.level)
    assert by_al == {"00:00": Level.YELLOW, "06:00": Level.ORANGE, "12:00": Level.ORANGE, "18:00": Level.YELLOW}
    assert d.level == Level.ORANGE
    nat = evaluate_city("大同市", _blocks_of(e1b_blocks), RUN, settings=AlertSettings(block_alignment="natural_day"))
    assert nat.level == Level.YELLOW and nat.ignored_rows == 6


def test_e1b_group_episode(e1b_blocks):
    d = evaluate_city("大同市", _blocks_of(e1b_blocks), RUN)
    assert len(d.episodes) == 1  # the four alignments' episodes overlap: one group
    ep = d.episode
    assert ep.alignment == "06:00" and ep.level == Level.ORANGE  # 06 h and 12 h tie; 06 h starts first
    assert (ep.start, ep.end) == (D1 + timedelta(hours=6), D1 + timedelta(days=2, hours=6))
    assert ep.issue_by == D1 + timedelta(hours=6) - timedelta(hours=24)
    assert ep.lift_at is None  # no whole block after it: the lift waits for the next run
    assert {a for a, *_ in ep.group} == {"00:00", "06:00", "12:00", "18:00"}


# ---- the rules around the examples --------------------------------------------------------------


@pytest.mark.parametrize("aqis, rules, level", [
    ([201], "2024", Level.YELLOW), ([160, 160], "2024", Level.YELLOW), ([160], "2024", Level.NONE),
    ([201, 201], "2024", Level.ORANGE), ([160, 160, 160], "2024", Level.ORANGE),
    ([201, 201, 201], "2024", Level.ORANGE), ([201, 301, 201], "2024", Level.RED),
    ([301, 201, 201], "2024", Level.RED), ([301, 160, 201, 201], "2024", Level.ORANGE),  # 300 outside the run200
    ([201], "2019", Level.NONE), ([201, 201], "2019", Level.YELLOW), ([201, 201, 201], "2019", Level.ORANGE),
    ([201, 301, 301, 201], "2019", Level.RED), ([201, 301, 201, 301], "2019", Level.ORANGE),
    ([500], "2019", Level.RED), ([499], "2019", Level.NONE),
])
def test_threshold_branches(aqis, rules, level):
    th = T2024 if rules == "2024" else T2019
    assert level_of_blocks(aqis, th)[0] == level


def test_yellow_min_blocks_and_blue_settings():
    assert level_of_blocks([201], T2024, AlertSettings(yellow_min_blocks_200=2))[0] == Level.NONE
    assert level_of_blocks([201], T2019, AlertSettings(enable_blue=True))[0] == Level.BLUE
    d = evaluate_city("c", days([120, 201, 120, 120]), RUN, settings=AlertSettings(alert_rules="2019", enable_blue=True))
    assert d.level == Level.BLUE and d.episode is not None  # an enabled blue forms episodes like yellow


def test_rules_chosen_by_run_date():
    assert default_thresholds(datetime(2023, 12, 1)).table.version == "2019"
    assert default_thresholds(datetime(2024, 1, 23)).table.version == "2024"
    d = evaluate_city("c", days(E1A_AQI), RUN)
    assert d.table == {"kind": "alert_thresholds", "version": "2024", "status": "confirmed"}


def test_missing_block_ends_runs_and_flags_incomplete():
    blocks = days([201, 201, 160])
    blocks[1] = Block(blocks[1].start, None, None)
    d = evaluate_city("c", blocks, RUN)
    assert d.level == Level.YELLOW and d.incomplete and d.missing == (D1 + timedelta(days=1),)
    gap = [b for i, b in enumerate(days([201, 201, 201])) if i != 1]  # no row for d2
    d = evaluate_city("c", gap, RUN)
    assert d.incomplete and d.missing == (D1 + timedelta(days=1),)
    d = evaluate_city("c", [Block(D1, None)], RUN)
    assert d.no_data and d.level == Level.NONE


def test_repeated_block_rejects_city():
    with pytest.raises(ValueError, match="重复"):
        evaluate_city("c", days([201]) + days([150]), RUN)


def test_episode_chaining_gap_of_one_block_merges_two_do_not():
    d = evaluate_city("c", days([201, 100, 201, 100, 100, 201, 100, 100]), RUN)
    assert [(e.start, e.end) for e in d.episodes] == [
        (D1, D1 + timedelta(days=3)), (D1 + timedelta(days=5), D1 + timedelta(days=6))]
    # durations are counted inside each run, not across the gap: yellow, not orange
    assert d.episodes[0].level == Level.YELLOW


def test_late_issue():
    d = evaluate_city("c", days([201, 201]), D1 + timedelta(hours=6))
    assert d.episode.late_issue and d.episode.issue_at == D1 + timedelta(hours=6)


def test_recompute_segments_raise_and_lower():
    s = AlertSettings(downgrade_mode="recompute")
    d = evaluate_city("c", days([201, 100, 201, 201, 100, 201, 100, 100]), RUN, settings=s)
    ep = d.episode
    assert [(x.action, x.level) for x in ep.segments] == [
        ("issue", Level.YELLOW), ("raise", Level.ORANGE), ("lower", Level.YELLOW)]
    assert ep.segments[1].decide_by == D1 + timedelta(days=1)  # run start − 24 h
    hold = evaluate_city("c", days([201, 100, 201, 201, 100, 201, 100, 100]), RUN)
    assert [(x.action, x.level) for x in hold.episode.segments] == [("issue", Level.ORANGE)]


def test_routing_ozone_and_dust_are_advisories():
    o3 = evaluate_city("c", days([230, 230, 230], primary=("O3",)), RUN)
    assert o3.level == Level.NONE and not o3.episodes
    assert [(a.level, a.pollutants) for a in o3.advisories] == [(Level.ORANGE, ("O3",))]
    dust = evaluate_city("c", days([260, 260], primary=("PM10",)), RUN)
    assert dust.level == Level.NONE and dust.advisories[0].causes == ("dust",)
    mixed = days([230, 230], primary=("O3",)) + days([230], start=D1 + timedelta(days=2))
    assert evaluate_city("c", mixed, RUN).level == Level.ORANGE  # one PM2.5 block routes the run
    anthro_dust = [Block(b.start, b.aqi, ("PM10",), "anthropogenic") for b in days([260, 260])]
    assert evaluate_city("c", anthro_dust, RUN).level == Level.ORANGE  # explicit cause wins
    no_primary = evaluate_city("c", days([260, 260], primary=None), RUN)
    assert no_primary.level == Level.ORANGE
    assert evaluate_city("c", days([260, 260], primary=None), RUN,
                         settings=AlertSettings(unknown_primary_routes_full=False)).level == Level.NONE


def test_pre_alert_only_without_episode():
    s = AlertSettings(enable_pre_alert=True)
    d = evaluate_city("c", days([120, 130, 90]), RUN, settings=s)
    assert d.pre_alert and d.level_code == "pre_alert"
    assert not evaluate_city("c", days([120, 130, 90]), RUN).pre_alert
    assert not evaluate_city("c", days([160, 160]), RUN, settings=s).pre_alert  # yellow instead


def test_not_key_region_without_thresholds():
    s = AlertSettings(apply_thresholds_outside_key_region=False)
    d = evaluate_city("c", days(E1A_AQI), RUN, settings=s)
    assert d.level == Level.NONE and "§0" in d.note


def test_advance_later_runs():
    first = evaluate_city("c", days([201, 201, 120, 120]), RUN)
    state, acts = advance(None, first)
    assert [a.action for a in acts] == ["issue", "lift"] and state.level == Level.ORANGE
    # a later run: the episode goes on and gets worse → raise, extend, new planned lift
    later = evaluate_city("c", days([201, 201, 301, 201, 100, 100]), D1 + timedelta(hours=12))
    state2, acts = advance(state, later)
    assert [a.action for a in acts] == ["raise", "extend", "lift"]
    assert state2.level == Level.RED and acts[0].at == D1 + timedelta(hours=12)  # late: announced at run time
    # the run that sets red began on d1, before this run's time: red applies from the run time
    assert acts[0].effective == D1 + timedelta(hours=12) and acts[0].decide_by == D1 - timedelta(hours=24)
    # a later run without a continuing episode lifts at max(run time, end of the last block > 150)
    clean = evaluate_city("c", days([100, 100, 100], start=D1 + timedelta(days=5)), D1 + timedelta(days=4))
    gone, acts = advance(state2, clean)
    assert gone is None and acts[0].action == "lift" and acts[0].at == D1 + timedelta(days=4)
    # hold_max never lowers before the lift; recompute lowers from the run time
    calmer = evaluate_city("c", days([160, 160, 100, 100], start=D1 + timedelta(days=1)), D1 + timedelta(hours=20))
    assert advance(state2, calmer)[0].level == Level.RED
    s = AlertSettings(downgrade_mode="recompute")
    st2 = AlertState(Level.RED, D1, D1 + timedelta(days=4), D1 + timedelta(days=4))
    new, acts = advance(st2, evaluate_city("c", days([160, 160, 100, 100], start=D1 + timedelta(days=1)),
                                           D1 + timedelta(hours=20), settings=s), settings=s)
    assert acts[0].action == "lower" and new.level == Level.YELLOW


def test_observed_trigger():
    fc = days([190, 210])
    assert observed_trigger(205, D1 - timedelta(hours=1), fc) is None  # a block ≤ 200 starts within 12 h
    assert observed_trigger(205, D1 - timedelta(hours=13), fc) == Level.YELLOW
    assert observed_trigger(205, D1 - timedelta(hours=13), fc, Level.ORANGE) == Level.ORANGE
    assert observed_trigger(200, D1 - timedelta(hours=13), fc) is None
    assert observed_trigger(205, D1 - timedelta(hours=13), fc, settings=AlertSettings(observed_trigger=False)) is None


def test_regional_notice_max():
    n = [Notice("regional", Level.ORANGE, D1, D1 + timedelta(days=2))]
    assert effective_level(Level.YELLOW, n, D1 + timedelta(hours=5)) == (Level.ORANGE, "regional")
    assert effective_level(Level.RED, n, D1 + timedelta(hours=5)) == (Level.RED, "local")
    tl = effective_timeline([(D1 + timedelta(days=1), D1 + timedelta(days=3), Level.YELLOW)], n,
                            D1, D1 + timedelta(days=4))
    assert [(a, lv, s) for a, b, lv, s in tl] == [
        (D1, Level.ORANGE, "regional"), (D1 + timedelta(days=2), Level.YELLOW, "local"),
        (D1 + timedelta(days=3), Level.NONE, "local")]


def test_parse_cells():
    assert parse_aqi("180–220") == (220, None)
    assert parse_aqi("180-220", "lower") == (180, None)
    assert parse_aqi("") == (None, None)
    assert parse_aqi("abc")[0] is None and "不是整数" in parse_aqi("abc")[1]
    assert parse_aqi("501")[1] is not None
    assert parse_primary("细颗粒物(PM2.5),颗粒物(PM10)") == (("PM2.5", "PM10"), None)
    assert parse_primary("臭氧8小时") == (("O3",), None)
    assert parse_primary("XYZ")[1] is not None


def test_bureau_edited_table_is_validated():
    bad = packaged_version("alert_thresholds", "2024").to_dict()
    bad["version"] = "city-2025"
    bad["data"]["branches"][0]["op"] = "≥"
    with pytest.raises(TableError, match="比较方式"):
        thresholds(from_dict(bad))
    ok = packaged_version("alert_thresholds", "2024").to_dict()
    ok.update(version="city-2025", status="confirmed", source="大同市重污染天气应急预案（演示）")
    ok["data"]["branches"][2]["min_blocks"] = 2  # a stricter local orange: 2 blocks > 150
    th = thresholds(from_dict(ok))
    d = evaluate_city("c", days([160, 160]), RUN, table=th)
    assert d.level == Level.ORANGE and d.table["version"] == "city-2025"


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=1, max_size=12))
def test_level_is_monotone_in_aqi(values):
    """Raising any block's AQI never lowers the level (every condition is an upper-set)."""
    base = level_of_blocks(values, T2024)[0]
    raised = [None if v is None else min(500, v + 40) for v in values]
    assert level_of_blocks(raised, T2024)[0] >= base
    # and every 2024 condition lies inside one run of blocks > 150 (§1.3)
    for lv in (T2024, T2019):
        whole = level_of_blocks(values, lv)[0]
        runs, cur = [], []
        for v in values:
            if v is not None and v > 150:
                cur.append(v)
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        assert whole == max([level_of_blocks(r, lv)[0] for r in runs], default=Level.NONE)
