"""Worked examples E1–E7 of assessment-bulletin.md §6 (values typed in from the spec)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as F

import pytest

from qingshan.standards import assessment_score as sc
from qingshan.standards import city_reward as cr
from qingshan.standards import county_ranking as rk
from qingshan.standards import improvement_score as imp
from qingshan.standards import target_tracking as tt
from qingshan.standards import water_compensation as wc

# --- E1: status plus improvement score (§1.3, Taiyuan weights, "minmax") ------------------------

E1_UNITS = ["平城区", "云冈区", "云州区", "新荣区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县"]
E1_ISUM = ["3.85", "4.02", "3.61", "3.40", "3.28", "3.47", "3.55", "3.12", "3.38", "3.66"]
E1_DI = ["-6.1", "-0.7", "-7.4", "-3.4", "-8.9", "1.8", "-4.1", "-5.5", "-6.6", "-1.3"]
E1_PM10 = [62, 66, 58, 55, 51, 57, 60, 49, 54, 61]
E1_DPM10 = ["-11.4", "-2.9", "-7.9", "0.0", "-12.1", "3.6", "-6.2", "-7.5", "-10.0", "-3.2"]
E1_Z = ["60.78", "20.51", "65.59", "46.47", "94.33", "22.48", "52.53", "81.83", "78.34", "36.00"]
E1_RANK = [5, 10, 4, 7, 1, 9, 6, 2, 3, 8]
E1_ISUM_LAST = ["4.10", "4.05", "3.90", "3.52", "3.60", "3.41", "3.70", "3.30", "3.62", "3.71"]
E1_PM10_LAST = [70, 68, 63, 55, 58, 55, 64, 53, 60, 63]


def test_e1_change_rates_from_published_values():
    # ΔI and ΔPM10 of the table are reproduced from the published values of both years
    for cur, last, d in zip(E1_ISUM, E1_ISUM_LAST, E1_DI):
        assert imp.change_rate(cur, last) == F(d)
    for cur, last, d in zip(E1_PM10, E1_PM10_LAST, E1_DPM10):
        assert imp.change_rate(cur, last) == F(d)


def _e1_values():
    return {u: {"composite": i, "composite_change": d, "pm10": p, "pm10_change": dp}
            for u, i, d, p, dp in zip(E1_UNITS, E1_ISUM, E1_DI, E1_PM10, E1_DPM10)}


def test_e1_scores_ranks_and_money():
    res = imp.score_units(_e1_values())
    rows = res.by_code()
    assert [rows[u].z_pub for u in E1_UNITS] == [F(z) for z in E1_Z]
    assert [rows[u].rank for u in E1_UNITS] == E1_RANK
    hy = rows["浑源县"]
    assert hy.subscores["composite"] == F(100) * F("0.64") / F("0.90")  # 71.111…
    assert hy.subscores["composite_change"] == F(8400, 107)
    assert hy.subscores["pm10"] == F(1200, 17)
    assert hy.subscores["pm10_change"] == F(13600, 157)
    assert hy.z == F(1006827296, 12851235)
    money = {u: r.amount for u, r in rows.items() if r.amount}
    assert money == {"阳高县": 100, "灵丘县": 80, "云冈区": -100, "天镇县": -50, "左云县": -30}


def test_e1_rank_method_and_weights_checked():
    res = imp.score_units(_e1_values(), subscore_method="rank")
    assert res.by_code()["阳高县"].rank == 1
    with pytest.raises(ValueError, match="100"):
        imp.score_units(_e1_values(), score_weights=imp.TAIYUAN_2019[:3])


def test_tie_money_each_full_and_split():
    vals = {"A": {"x": 1}, "B": {"x": 1}, "C": {"x": 2}, "D": {"x": 3}, "E": {"x": 4}, "F": {"x": 5}}
    comp = (imp.Component("x", "status", F(100)),)
    full = imp.score_units(vals, score_weights=comp).by_code()
    assert (full["A"].amount, full["B"].amount, full["C"].amount) == (100, 100, 0)  # no 2nd-place amount
    split = imp.score_units(vals, score_weights=comp, tie_money="split").by_code()
    assert (split["A"].amount, split["B"].amount) == (90, 90)
    assert (split["F"].amount, split["E"].amount, split["D"].amount) == (-100, -50, -30)


def test_unrankable_takes_bottom_money_under_last_and_none_under_exclude():
    vals = {u: {"x": i} for i, u in enumerate("ABCDE")} | {"Z": {"x": None}}
    comp = (imp.Component("x", "status", F(100)),)
    last = imp.score_units(vals, score_weights=comp).by_code()
    assert last["Z"].rank == 6 and last["Z"].amount == -100 and last["E"].amount == -50
    exc = imp.score_units(vals, score_weights=comp, unrankable_policy="exclude").by_code()
    assert exc["Z"].rank is None and exc["Z"].amount == 0 and exc["E"].amount == -100


# --- E2: remaining PM2.5 mean, good days (§3.2–3.4) --------------------------------------------

def test_e2_remaining_mean_exact_and_published():
    d = date(2026, 10, 31)
    assert tt.remaining_calendar_days(d) == 61
    rm = tt.remaining_mean(30, 301, F("8520.6"), 61)
    assert rm.R == F(11697, 305) and rm.R_pub == 38
    assert str(float(rm.ytd_mean))[:7] == "28.3076"
    pub = tt.remaining_mean(30, 301, F("8520.6"), 61, target_rounding="published")
    assert pub.bound == F("30.5") and not pub.strict
    assert pub.R == F(12602, 305) and pub.R_pub == 41
    # with exactly that R the annual mean is 61/2 = 30.5, which rounds half-even to 30: attained
    assert (F("8520.6") + pub.R * 61) / 362 == F(61, 2) and round(F(61, 2)) == 30


def test_e2_feasibility_against_history():
    hist = [(2021, F("44.2")), (2022, F("39.6")), (2023, F("41.9")), (2024, F("36.8")), (2025, F("38.5"))]
    st = tt.window_stats(hist)
    assert (st.best, st.median, st.worst) == (F("36.8"), F("39.6"), F("44.2"))
    assert tt.feasibility_mean(tt.remaining_mean(30, 301, F("8520.6"), 61), st) == "hard"
    pub = tt.remaining_mean(30, 301, F("8520.6"), 61, target_rounding="published")
    assert tt.feasibility_mean(pub, st) == "on_track"


def test_e2_good_days():
    g = tt.good_days_needed(F("80.0"), 302, 238, 61)
    assert (g.N, g.g_star, g.G_need, g.polluted_allowed) == (363, 291, 53, 8)
    gp = tt.good_days_needed(F("80.0"), 302, 238, 61, target_rounding="published")
    assert gp.g_star == 291
    assert round(F(100 * 290, 363), 1) == F("79.9")  # 290 fails under "published"


def test_e2b_wei_county_2020_fits_exact_bound_only():
    # 2020 is a leap year; 07-27 is day 209, 12-13 day 348; printed YTD 58 and 55, control 56 and 95
    assert date(2020, 7, 27).timetuple().tm_yday == 209 and date(2020, 12, 13).timetuple().tm_yday == 348

    def interval(T, day, ytd_pub, rounding):
        n, nr = day, 366 - day
        lo_mean, hi_mean = F(ytd_pub) - F(1, 2), F(ytd_pub) + F(1, 2)
        r = [tt.remaining_mean(T, n, m * n, nr, target_rounding=rounding).R for m in (hi_mean, lo_mean)]
        return r[0], r[1]

    a = interval(57, 209, 58, "exact")
    b = interval(57, 348, 55, "exact")
    assert (round(a[0], 1), round(a[1], 1)) == (F("55.0"), F("56.3"))
    assert (round(b[0], 1), round(b[1], 1)) == (F("86.0"), F("105.3"))
    assert a[0] <= 56 <= a[1] and b[0] <= 95 <= b[1]
    c = interval(57, 348, 55, "published")
    assert (round(c[0], 1), round(c[1], 1)) == (F("96.2"), F("115.5")) and not c[0] <= 95 <= c[1]
    fits = [T for T in range(30, 90)
            if interval(T, 209, 58, "published")[0] <= 56 <= interval(T, 209, 58, "published")[1]
            and interval(T, 348, 55, "published")[0] <= 95 <= interval(T, 348, 55, "published")[1]]
    assert fits == []


# --- E3: county assessment score (§2.3 scheme) -------------------------------------------------

def _e3_scheme() -> sc.Scheme:
    w = {1: 6, 2: 5, 3: 6, 4: 5, 5: 5, 6: 5, 7: 5, 8: 5, 9: 4, 10: 6, 11: 6, 12: 6, 13: 8, 14: 2, 15: 4, 16: 4,
         17: 4, 18: 3, 19: 3, 20: 2, 21: 2, 22: 2, 23: 2}
    items = []
    for i, wi in w.items():
        if i == 1:
            parts = (sc.Item("1a", "Ⅰ—Ⅲ类比例", F(3), "linear", {"b": 20, "t": 70}, "ge"),
                     sc.Item("1b", "劣Ⅴ类比例", F(3), "linear", {"b": 40, "t": 20}, "le"))
            items.append(sc.Item("1", "地表水环境质量", F(6), "parts", parts=parts))
        elif i == 2:
            items.append(sc.Item("2", "城市环境空气质量", F(5), "linear", {}, "le"))
        elif i == 3:
            items.append(sc.Item("3", "饮用水水源地", F(6), "proportion"))
        elif 5 <= i <= 8:
            items.append(sc.Item(str(i), f"减排{i}", F(5), "deduct_pct_over", {"k": F(5, 10)}, "le"))
        elif i == 13:
            items.append(sc.Item("13", "环境执法监督", F(8), "deduct_per_unit", {"k": 2, "t": 0}, "le"))
        else:
            items.append(sc.Item(str(i), f"项{i}", F(wi), "manual"))
    vetoes = (sc.Veto("v1", "重大突发环境事件", "fail"), sc.Veto("v2", "特别重大事件", "not_excellent"))
    return sc.Scheme("E3", tuple(items), vetoes)


def _e3_inputs(scheme):
    inputs = {}
    for it in scheme.items:
        if it.type == "manual":
            inputs[it.id] = {"manual": it.weight}
        elif it.type == "deduct_pct_over":
            inputs[it.id] = {"e": 1000, "e_t": 1000}
    inputs["1"] = {"1a": {"x": 60}, "1b": {"x": 25}}
    inputs["2"] = {"x": 34, "t": 33, "b": 36}
    inputs["3"] = {"n_ok": 11, "n": 12}
    inputs["5"] = {"e": 1030, "e_t": 1000}
    inputs["13"] = {"x": 1}
    return inputs


def test_e3_score_and_grade():
    s = _e3_scheme()
    a = sc.assess(s, "某县", _e3_inputs(s))
    by = {i.id: i.score for i in a.items}
    assert by["1"] == F(93, 20) and by["2"] == F(10, 3) and by["3"] == F(11, 2)
    assert by["5"] == F(7, 2) and by["13"] == 6
    assert a.score == F(5579, 60) and a.score_pub == F("92.98") and a.grade == "优秀"
    assert sc.assess(s, "某县", _e3_inputs(s), vetoes={"v1": True}).grade == "不合格"
    nx = sc.assess(s, "某县", _e3_inputs(s), vetoes={"v2": True})
    assert nx.grade == "良好" and nx.score_pub == F("92.98")
    assert sc.assess(s, "某县", _e3_inputs(s), vetoes={"v1": True, "v2": True}).grade == "不合格"


def test_grade_on_published_score():
    assert sc.grade_of(F(round(F("89.995"), 2))) == "优秀"
    assert sc.grade_of(F("79.99")) == "合格" and sc.grade_of(F("59.99")) == "不合格"


def test_bad_schemes_are_rejected():
    s = _e3_scheme()
    bad = sc.Scheme("x", s.items[:-1])
    with pytest.raises(sc.SchemeError, match="之和应为 100，实际为 98"):
        sc.validate(bad)
    dup = sc.Scheme("x", s.items[:-1] + (sc.Item("22", "重复", F(2), "binary"),))
    with pytest.raises(sc.SchemeError, match="考核项 22 重复"):
        sc.validate(dup)
    with pytest.raises(sc.SchemeError, match="未知的计分类型"):
        sc.validate(sc.Scheme("x", (sc.Item("a", "A", F(100), "bogus"),)))
    # the same name under two ids (review: accepted, scored twice); blanks do not make it another
    twin = sc.Scheme("x", (sc.Item("a", "空气 质量", F(50), "binary"), sc.Item("b", "空气质量", F(50), "binary")))
    with pytest.raises(sc.SchemeError, match="考核项 b 与 a 名称相同"):
        sc.validate(twin)


# --- E4: water compensation (Jincheng 2022-11) -------------------------------------------------

JINCHENG = wc.CompTiers(amounts=(None, F(50), F(100), None, None), source="晋市水防办〔2020〕5号（E4）",
                        status="amounts of two tiers read in [S30]")


def test_e4_water_compensation():
    m1 = wc.target_exceedance_multiple("2.12", "1.0")
    m2 = wc.target_exceedance_multiple("3.17", "2.0")
    assert m1 == F("1.12") and m2 == F(117, 200) == F("0.585")
    a1, _ = wc.section_compensation({"nh3n": ("2.12", "1.0")}, JINCHENG)
    a2, _ = wc.section_compensation({"nh3n": ("3.17", "2.0")}, JINCHENG)
    assert (a1, a2, a1 + a2) == (100, 50, 150)
    assert wc.target_exceedance_multiple("1.0", "1.0") is None
    with pytest.raises(ValueError, match="未录入"):
        wc.tier_amount(F("0.3"), JINCHENG)


def test_reward_blocks_of_three():
    runs = wc.run_rewards([True, True, True, True, None, True, True, True, True, True, True, False])
    assert runs == [0, 0, 10, 0, 0, 0, 0, 10, 0, 0, 10, 0]
    assert sum(wc.run_rewards([True] * 12)) == 40 + 100


# --- E5: top/bottom list with a tie (Shanxi 2019-09, 2020-06) ----------------------------------

def _with_tie(n: int, tie_rank: int) -> dict[str, F]:
    vals, r = {}, 1
    while r <= n:
        if r == tie_rank:
            vals[f"u{r}a"] = F(r)
            vals[f"u{r}b"] = F(r)
            r += 2
        else:
            vals[f"u{r}"] = F(r)
            r += 1
    return vals


def test_e5_bottom_list_grows_with_tie():
    ranked = rk.rank_units(_with_tie(120, 110))
    assert len(ranked) == 120
    _, bottom = rk.top_bottom(ranked, 10)
    names = [m for g in bottom for m in g.members]
    assert len(names) == 11 and bottom[-1].rank == 110 and len(bottom[-1].members) == 2
    ranked = rk.rank_units(_with_tie(119, 112))
    _, bottom = rk.top_bottom(ranked, 10)
    assert sum(len(g.members) for g in bottom) == 10


def test_ranking_unrankable_and_reference():
    ranked = rk.rank_units({"A": "3.10", "B": "3.10", "C": "3.50", "D": None})
    assert [(r.rank, r.flag) for r in ranked] == [(1, None), (1, None), (3, None), (4, "数据不足")]
    top, bottom = rk.top_bottom(ranked, 1)
    assert top[0].members == ("A", "B") and bottom[0].members == ("D",)
    ex = rk.rank_units({"A": "3.10", "D": None}, unrankable_policy="exclude")
    assert ex[1].rank is None
    cmp = rk.compare_to_reference(ranked, F("3.10"))
    assert cmp.equal == ("A", "B") and cmp.worse == ("C",) and cmp.better == ()
    good = rk.rank_units({"A": "80.1", "B": "85.0"}, higher_is_better=True)
    assert [r.rank for r in good] == [2, 1]
    assert rk.reference_value(ranked, None, decimals=2, unit_average_reference="unit_mean") == F("3.23")


# --- E6: provincial net amount (Taiyuan 2021-10) -----------------------------------------------

def test_e6_net_amount():
    net = cr.net_amount({"composite": "10.25", "pm25": "6.34", "pm10": "17.29"}, {"composite": 13})
    assert net == F(522, 25) == F("20.88")
    assert cr.check_published(net, "20.88").matches


def test_ug_tiers_and_so2_exemption():
    assert cr.ug_deduction(7) == 90 and cr.ug_deduction(7, ug_tier_mode="whole") == 140
    assert cr.ug_deduction(5) == 50 and cr.ug_deduction(0) == 0
    assert cr.pollutant_deduction("so2", 30, 20) == 0 and cr.pollutant_deduction("so2", 33, 30) == 30
    with pytest.raises(ValueError, match="composite_steps"):
        cr.composite_deduction("4.50", "4.30", None)
    steps = [("0.10", 5), (None, 10)]
    assert cr.composite_deduction("4.50", "4.30", steps) == F(5) + F(10)


# --- E7: target-completion rate (Taiyuan 2017 autumn–winter) -----------------------------------

def test_e7_completion_rates():
    assert tt.completion_rate("33.1", 25) == F("132.4")
    decreases = ["28.7", "33.6", "39.2", "32.5", "20.0", "4.4"]
    targets = [20, 25, 30, 30, 20, 10]
    published = ["143.5", "134.4", "130.7", "108.3", "100.0", "44.0"]
    assert [tt.completion_rate(d, t) for d, t in zip(decreases, targets)] == [F(p) for p in published]
    assert tt.completion_rate("5.0", 0) is None


def test_schedule_progress_wording():
    sp = tt.schedule_progress(actual=28, base=30, target=27, d=date(2026, 6, 30))
    assert sp.tau == F(181 * 100, 365) and sp.wording.startswith("超序时进度")
    assert tt.schedule_progress(28, 30, 30, date(2026, 6, 30)) is None


# --- §4.3 B2 progress rule, §3.3 heavy days, §3.5 sections ---------------------------------------

def test_task_progress_rule():
    d = date(2026, 10, 31)
    assert tt.task_progress(d, date(2026, 12, 31), True, "40") == "done"
    assert tt.task_progress(d, date(2026, 9, 30), False, "95") == "overdue"
    # elapsed share 304/365 = 83.28 %: 83 is behind, 84 is on schedule
    assert tt.elapsed_share(d, date(2026, 1, 1), date(2026, 12, 31)) == F(30400, 365)
    assert tt.task_progress(d, date(2026, 12, 31), False, "83") == "lagging"
    assert tt.task_progress(d, date(2026, 12, 31), False, "84") == "on_schedule"
    assert tt.task_progress(d, date(2027, 6, 30), False, "0", start=date(2026, 12, 1)) == "on_schedule"


def test_heavy_days_and_sections():
    h = tt.heavy_days_allowed(2, H_max=3)
    assert (h.H_allow, h.achievable) == (1, True)
    assert tt.heavy_days_allowed(4, H_max=3).achievable is False
    # ratio target 1.0 % of 363 days: exact ⌊3.63⌋ = 3; published: 100·4/363 = 1.10 → 1.1 > 1.0, so 3
    assert tt.heavy_days_allowed(0, ratio="1.0", N=363).H_max == 3
    assert tt.heavy_days_allowed(0, ratio="1.0", N=363, target_rounding="published").H_max == 3
    assert tt.sections_needed("75.0", 8, 5) == 1  # ⌈6⌉ − 5
    assert tt.sections_needed("80.0", 12, 9, target_rounding="published") == 1  # 10/12 = 83.3 ≥ 80
    lim = tt.section_remaining_limit("1.0", 10, 2, "9.5", decimals=2)
    assert lim == (F(1) * 12 - F("9.5")) / 2
    assert tt.remaining_valid_days(61, "0.95") == 57 and tt.remaining_valid_days(1, "0.5") == 1
    assert tt.remaining_mean(30, 365, 10950, 0).R is None
    strict = tt.remaining_mean(31, 301, F("8520.6"), 61, target_rounding="published")
    assert strict.strict and strict.bound == F("31.5")
