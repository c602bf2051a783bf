"""Bulletin A: 《M月及1—M月各县（区）环境空气质量状况通报》 (assessment-bulletin.md §4.2).

Sections: 一 M月 (text items 1–3, Tables A1 and A2); 二 1—M月 (text items 1–4, Tables A3 and A4,
charts 1 and 3); 三 年度目标 (text item 5, Table A5, chart 2). Every figure is the air engine's
(through :mod:`qingshan.targets.context`) or a §1–§3 standard applied to published values.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from qingshan import exact
from qingshan.bulletin import figures as fg
from qingshan.bulletin.model import Bulletin, Chart, Section, Table
from qingshan.standards import county_ranking as rk
from qingshan.standards import target_tracking as tt
from qingshan.targets import air_link
from qingshan.targets.context import AirContext, PeriodAir
from qingshan.targets.store import ManualRow, TargetRow
from qingshan.targets.tracking import AirStatus, heavy_cell

A1_COLUMNS = ["县（区）", "综合指数（同期）", "排名（同期排名）", "SO2", "NO2", "PM10", "PM2.5", "CO", "O3",
              "最大单项指数/首要污染物", "PM2.5排名", "优良天数比例%", "优良天数比例排名", "重污染天数", "全省县排名"]
A2_COLUMNS = ["县（区）", "综合指数变化率%", "排名", "PM2.5变化率%", "排名", "优良天数比例变化（百分点）", "排名"]
A5_COLUMNS = ["县（区）", "PM2.5目标", "1—M月浓度", "剩余日控制值", "同期历史最好/中位", "可达性",
              "优良天数目标/已达/尚需", "重污染天数上限/已发生/剩余", "奖惩金额（本月/累计，万元）"]


def period_label(year: int, month: int, ytd: bool) -> str:
    return f"{year}年1—{month}月" if ytd and month > 1 else f"{year}年{month}月"


def main_table(ctx: AirContext, per: PeriodAir, title: str, manual: list[ManualRow], period_key: str,
               settings: fg.BulletinSettings) -> Table:
    """Table A1 (M月) / A3 (1—M月): one row per unit plus 全市 (no ranks)."""
    figs = fg.unit_figures(ctx, per)
    rks = fg.rankings(figs, settings.unrankable_policy)
    rows = []
    for f in figs:
        c, b = f.cur, f.base
        maxp = fg.DASH if not c.get("max_pollutants") else f"{c.get('max_index_pub')}/{'、'.join(c['max_pollutants'])}"
        prov = fg.manual_value(manual, "province_county_rank", f.code, period_key)
        rows.append([
            f.name,
            fg.with_base(fg.txt(c.get("isum_pub")), fg.txt(b.get("isum_pub"))),
            fg.with_base(fg.rank_text(rks["composite"], f.code), fg.rank_text(rks["composite_base"], f.code)),
            *[fg.txt(c.get(f"{p}_pub")) for p in fg.POLLUTANTS],
            maxp,
            fg.rank_text(rks["pm25"], f.code),
            fg.txt(c.get("good_ratio_pub")),
            fg.rank_text(rks["good"], f.code),
            fg.txt(c.get("n_heavy")),
            prov.value if prov else "",
        ])
    cc, cb = fg.one(per.city, air_link.CITY_BY, ctx.city.code), fg.one(per.city_base, air_link.CITY_BY, ctx.city.code)
    cmax = fg.DASH if not cc.get("max_pollutants") else f"{cc.get('max_index_pub')}/{'、'.join(cc['max_pollutants'])}"
    rows.append(["全市", fg.with_base(fg.txt(cc.get("isum_pub")), fg.txt(cb.get("isum_pub"))), "",
                 *[fg.txt(cc.get(f"{p}_pub")) for p in fg.POLLUTANTS], cmax, "", fg.txt(cc.get("good_ratio_pub")), "",
                 fg.txt(cc.get("n_heavy")), ""])
    notes = ["浓度单位：微克/立方米（CO 为毫克/立方米，日均值第95百分位数；O3 为日最大8小时平均第90百分位数）；"
             "括号内为上年同期；排名按公布值（环办监测〔2018〕19号，assessment-bulletin.md §1.2）；全市值由国控站点计算，非各县（区）平均。"]
    docs = sorted({f"{m.doc_no}（{m.doc_date:%Y-%m-%d}）" for m in manual if m.kind == "province_county_rank"})
    if docs:
        notes.append("全省县排名来源：" + "；".join(docs))
    return Table(title, A1_COLUMNS, rows, notes)


def change_table(ctx: AirContext, per: PeriodAir, title: str, settings: fg.BulletinSettings) -> Table:
    """Table A2 / A4: ΔI (air engine), PM2.5 change rate and the good-days ratio change, with ranks."""
    figs = fg.unit_figures(ctx, per)
    rks = fg.rankings(figs, settings.unrankable_policy)
    vals = {k: {r.code: r.value for r in rks[k]} for k in ("composite_change", "pm25_change", "good_change")}
    rows = [[f.name,
             fg.signed(vals["composite_change"][f.code]), fg.rank_text(rks["composite_change"], f.code),
             fg.signed(vals["pm25_change"][f.code]), fg.rank_text(rks["pm25_change"], f.code),
             fg.signed(vals["good_change"][f.code]), fg.rank_text(rks["good_change"], f.code)] for f in figs]
    return Table(title, A2_COLUMNS, rows, ["变化率按公布值计算，保留1位小数；综合指数变化率、PM2.5变化率升序排名（越小越好），"
                                           "优良天数比例变化降序排名。"])


def text_items(ctx: AirContext, per: PeriodAir, label: str, settings: fg.BulletinSettings, ytd: bool) -> list[str]:
    """§4.2 text items 1–3 (and 4 for 1—M月)."""
    figs = fg.unit_figures(ctx, per)
    names = {f.code: f.name for f in figs}
    rks = fg.rankings(figs, settings.unrankable_policy)
    city = fg.one(per.city, air_link.CITY_BY, ctx.city.code)
    ref = rk.reference_value(rks["composite"], fg.F(city.get("isum_pub")), decimals=2,
                             unit_average_reference=settings.unit_average_reference)
    cmp = rk.compare_to_reference(rks["composite"], ref)
    n = len(figs)
    out = []
    better = "、".join(names[c] for c in cmp.better)
    out.append(f"{label}，{n}个县（区）中，" + (f"{better}（{len(cmp.better)}个）综合指数好于全市平均水平"
                                              if cmp.better else "没有县（区）综合指数好于全市平均水平")
               + (f"；{'、'.join(names[c] for c in cmp.equal)}与全市平均水平持平" if cmp.equal else "") + "。")
    top, bottom = rk.top_bottom(rks["composite"], settings.top_n)
    out.append(f"综合指数较好的{settings.top_n}个县（区）依次是{fg.group_text(top, names) or '—'}，"
               f"较差的{settings.top_n}个依次是{fg.group_text(bottom, names) or '—'}。")
    ch = rks["composite_change"]
    if any(r.rankable for r in ch):
        t2, b2 = rk.top_bottom(ch, settings.top_n)
        vals = {r.code: r.value for r in ch}

        def lst(groups):
            parts = []
            for g in groups:
                for m in g.members:
                    v = vals[m]
                    word = f"反弹，上升{exact.fraction_to_str(v, 1)}%" if v is not None and v > 0 else \
                        (f"下降{exact.fraction_to_str(-v, 1)}%" if v is not None and v < 0 else "持平")
                    parts.append(f"{names[m]}（{word}{'，并列第' + str(g.rank) if len(g.members) > 1 else ''}）")
            return "、".join(parts)

        out.append(f"与上年同期相比，综合指数改善幅度前三位依次是{lst(t2)}；后三位依次是{lst(b2)}。")
    else:
        out.append("与上年同期相比：上年同期数据不足，无法计算变化率。")
    if ytd:
        gaps = [f"{f.name}{fg.standard_gap(f.cur)}" for f in figs]
        out.append("对照环境空气质量二级标准：" + "；".join(gaps) + "。")
    return out


def targets_table(status: list[AirStatus], money: tuple[dict, dict]) -> Table:
    rows = []
    month_amt, cum_amt = money
    for s in status:
        amt = "" if s.is_city else (f"{exact.fraction_to_str(month_amt.get(s.code, Fraction(0)), 2)}/"
                                    f"{exact.fraction_to_str(cum_amt.get(s.code, Fraction(0)), 2)}")
        cls = tt.FEASIBILITY_LABELS.get(s.pm25_class or "", fg.DASH)
        rows.append([
            "全市" if s.is_city else s.name, s.pm25_target, s.pm25_ytd,
            s.pm25_R + (f"（{s.pm25_verdict}）" if s.pm25_verdict else ""),
            f"{s.pm25_hist_best}/{s.pm25_hist_median}", cls,
            f"{s.good_target}/{fg.txt(s.good_so_far)}/{fg.txt(s.good_need)}",
            heavy_cell(s), amt])
    return Table("表A5 年度目标完成情况", A5_COLUMNS, rows, [
        "剩余日控制值：年内剩余各日PM2.5平均浓度不超过该值即可完成年度目标（assessment-bulletin.md §3.2，向下取整）；"
        "同期历史：以往年份同一剩余时段的均值（§3.4，可达性分级为设计规则，无出处）；奖惩金额按现状+改善评分（§1.3，太原2019年权重，"
        "UNCONFIRMED）。"])


def target_text(status: list[AirStatus], month: int) -> str:
    parts = []
    for s in status:
        name = "全市" if s.is_city else s.name
        if s.pm25_R_exact is None and not s.pm25_verdict:
            continue
        cls = tt.FEASIBILITY_LABELS.get(s.pm25_class or "", "")
        seg = f"{name}PM2.5目标{s.pm25_target}，1—{month}月{s.pm25_ytd}，剩余日控制值{s.pm25_R}"
        if s.pm25_verdict:
            seg += f"（{s.pm25_verdict}）"
        if cls:
            seg += f"，{cls}"
        if s.good_need is not None:
            seg += f"；距离优良天数年目标尚差{s.good_need}天"
        if s.heavy_allow is not None:
            # §3.3: H_allow < 0 → 已无法完成 (no "控制在0天内" for a cap already exceeded)
            seg += (f"，重污染天数剩余需控制在{s.heavy_allow}天内" if s.heavy_allow >= 0
                    else f"，重污染天数已超过年度上限，{s.heavy_verdict or '已无法完成'}")
        parts.append(seg)
    return "；".join(parts) + "。" if parts else "暂无年度目标。"


def monthly_chart(ctx: AirContext, year: int, month: int, targets: list[TargetRow]) -> Chart:
    path = []
    t = next((x for x in targets if x.unit_code == ctx.city.code and x.indicator == "pm25"), None)
    this_y = ctx.month_pm25(year, range(1, month + 1))
    last_y = ctx.month_pm25(year - 1, range(1, month + 1))
    for m in range(1, month + 1):
        if t is not None and t.base_value:
            v = tt.straight_line_value(t.base_value, t.value, air_link.month_period(year, m)[1])
            path.append(exact.fraction_to_str(v, 1))
    return Chart("pm25_monthly", f"全市{year}年逐月PM2.5浓度与目标路径", {
        "months": list(range(1, month + 1)), "this_year": this_y, "last_year": last_y, "path": path})


def build(ctx: AirContext, year: int, month: int, *, manual: list[ManualRow], targets: list[TargetRow],
          status: list[AirStatus], settings: fg.BulletinSettings, issued: date, demo: bool) -> Bulletin:
    m0, m1 = air_link.month_period(year, month)
    per_m = ctx.period(m0, m1)
    per_y = ctx.period(date(year, 1, 1), m1)
    lm, ly = period_label(year, month, False), period_label(year, month, True)
    money = fg.county_money(ctx, year, month, settings)[:2]
    s1 = Section(f"{month}月各县（区）环境空气质量状况", text_items(ctx, per_m, f"{month}月", settings, False),
                 [main_table(ctx, per_m, f"表A1 {lm}各县（区）环境空气质量主要指标及排名", manual, "month", settings),
                  change_table(ctx, per_m, f"表A2 {lm}各县（区）环境空气质量变化情况", settings)])
    figs = fg.unit_figures(ctx, per_y)
    city_y = fg.one(per_y.city, air_link.CITY_BY, ctx.city.code)
    charts = [Chart("composite_bar", f"{ly}各县（区）环境空气质量综合指数",
                    {"names": [f.name for f in figs], "values": [f.cur.get("isum_pub") for f in figs],
                     "city": city_y.get("isum_pub")}),
              Chart("aqi_days", f"{ly}各县（区）空气质量级别天数",
                    {"names": [f.name for f in figs],
                     "levels": {str(lv): [int(f.cur.get(f"n_level{lv}") or 0) for f in figs] for lv in range(1, 7)}})]
    s2 = Section(f"1—{month}月各县（区）环境空气质量状况", text_items(ctx, per_y, f"1—{month}月", settings, True),
                 [main_table(ctx, per_y, f"表A3 {ly}各县（区）环境空气质量主要指标及排名", manual, "ytd", settings),
                  change_table(ctx, per_y, f"表A4 {ly}各县（区）环境空气质量变化情况", settings)], charts)
    s3 = Section("年度目标完成情况", [target_text(status, month)], [targets_table(status, money)],
                 [monthly_chart(ctx, year, month, targets)])
    notes = []
    if demo:
        notes.append("【演示】本通报由合成演示数据和虚构目标生成，不是大同市的真实空气质量和考核结果。")
    notes.append("说明：县（区）排名规则、奖惩计分和目标可达性分级中标注 UNCONFIRMED 的设置见 assessment-bulletin.md §7。")
    return Bulletin("air", f"{year}-{month:02d}", f"{year}年{month}月及1—{month}月各县（区）环境空气质量状况通报",
                    settings.issuer, f"{issued.year}年{issued.month}月{issued.day}日", issued.isoformat(),
                    [s1, s2, s3], notes, {"settings": settings.as_dict(), "air": air_link.settings_dict(ctx.settings), "demo": demo})


__all__ = ["A1_COLUMNS", "A2_COLUMNS", "A5_COLUMNS", "build", "change_table", "main_table", "targets_table"]
