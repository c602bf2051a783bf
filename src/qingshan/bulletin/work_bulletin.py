"""Bulletin B: 《1—M月全市生态环境保护重点工作情况通报》 (assessment-bulletin.md §4.3).

Sections in the spec's order (1 环境质量, 2 水环境, then 净土与固体废物 and 重污染天气应对 — added
for the sources the brief names; ``bulletin_template`` is UNCONFIRMED for Datong —, 3 目标任务, 4 重点
工作进展, 5 督察整改, 6 执法监管, 7 奖惩情况, 8 存在问题和下步要求). Sources not yet in the
platform are read through :mod:`qingshan.targets.sources` and print 「暂无数据」.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from qingshan import exact
from qingshan.bulletin import air_bulletin
from qingshan.bulletin import figures as fg
from qingshan.bulletin.model import Bulletin, Section, Table
from qingshan.standards import county_ranking as rk
from qingshan.standards import target_tracking as tt
from qingshan.standards import water_compensation as wc
from qingshan.targets import air_link
from qingshan.targets.context import AirContext
from qingshan.targets.sources import emergency, ledgers, soil, waste, water
from qingshan.targets.store import ManualRow, TargetRow
from qingshan.targets.tracking import AirStatus, OtherTarget, water_counts

B1_COLUMNS = ["断面名称", "所在县（区）", "河流", "考核级别", "目标类别", "M月类别", "1—M月类别", "是否达标",
              "超标项目(倍数)", "同比类别变化", "补偿金（万元）"]
B2_COLUMNS = ["任务", "牵头单位/责任县（区）", "完成时限", "进展", "完成率%", "说明"]
B3_COLUMNS = ["县（区）", "问题总数", "已完成（销号）", "达到序时进度", "滞后", "逾期未完成", "完成率%"]
#: §4.3 item 6: per unit, M月 and 1—M月, each measure "n（same period last year）"
B4_MEASURES = ["立案", "罚款万元", "查封扣押", "限产停产", "移送"]
B4_COLUMNS = ["县（区）", *[f"{p}{m}（同期）" for p in ("M月", "1—M月") for m in B4_MEASURES]]


def _cls(c: int | None) -> str:
    return "—" if c is None else wc.CLASS_NAMES[c]


def _rank_list(values: dict[str, str | None], names: dict[str, str], policy: rk.UnrankablePolicy,
               fmt_value) -> str:
    """Units best first by §1.2 (competition ranks on the published value, ascending; unrankable
    units per ``policy``, flagged 数据不足), each written "名称（值，第r）", a tie "并列第r"."""
    ranked = rk.rank_units({c: v for c, v in values.items()}, unrankable_policy=policy)
    groups = rk.tie_groups(ranked)
    parts = []
    for g in groups:
        for code in g.members:
            if not g.rankable:
                parts.append(f"{names.get(code, code)}（{rk.INSUFFICIENT}）")
                continue
            place = f"并列第{g.rank}" if len(g.members) > 1 else f"第{g.rank}"
            parts.append(f"{names.get(code, code)}（{fmt_value(values[code])}，{place}）")
    # under "exclude" the unrankable units have no rank: named after the ranked ones
    parts += [f"{names.get(r.code, r.code)}（{rk.INSUFFICIENT}）" for r in ranked if r.rank is None]
    return "、".join(parts)


def water_summary(w: water.WaterMonth, month: int, names: dict[str, str], *, good_target: str | None = None,
                  worse_target: str | None = None, unrankable_policy: rk.UnrankablePolicy = "last",
                  water_rank_method: str = "cwqi") -> list[str]:
    """§4.3 item 2, the summary lines under Table B1.

    * 优良比例 against its target and the 劣Ⅴ count against its target, both per §3.5, on the
      1—M月 classes (the targets are annual; the same counts as the target rows of §3,
      :func:`qingshan.targets.tracking.water_counts`); dry and 缺测 sections leave the denominator
      (§1.5);
    * with ``water_rank_method="cwqi"`` (§1.5, §7 default): the units' 1—M月 CWQI (water.md §9, 4
      decimals) ranked by §1.2 on the published value, ascending (a lower CWQI is cleaner water),
      and their ΔCWQI (%, 2 decimals) ranked the same way (a larger decrease is a larger
      improvement); a unit without both periods is unrankable on ΔCWQI (§1.5: "all units with
      both periods").
    """
    out = []
    c = water_counts(w)
    if c.evaluated == 0:
        out.append(f"1—{month}月，考核断面均无评价结果（未监测或缺测），不计算优良水体比例。")
    else:
        s = (f"1—{month}月，全市参与评价的考核断面{c.evaluated}个（未监测、缺测断面不计），其中Ⅰ—Ⅲ类水质断面{c.good}个，"
             f"优良水体比例为{exact.fraction_to_str(c.share, 1)}%")
        if good_target is None:
            s += "，年度目标未录入"
        else:
            need = tt.sections_needed(good_target, c.evaluated, c.good)
            s += f"，年度目标{good_target}%，" + ("已达到目标" if need == 0 else f"尚需{need}个断面达到Ⅰ—Ⅲ类")
        s += f"；劣Ⅴ类水质断面{len(c.worse_v)}个" + (f"（{'、'.join(c.worse_v)}）" if c.worse_v else "")
        if worse_target is None:
            s += "，年度目标未录入"
        else:
            ok = len(c.worse_v) <= Fraction(worse_target)
            s += f"，年度目标不超过{worse_target}个，" + ("达到目标" if ok else "未达到目标")
        out.append(s + "。")
    if water_rank_method != "cwqi":
        # §1.5: "shanxi_2017" is UNCONFIRMED and its scoring table was not found
        out.append(f"县（区）水质排名方法 {water_rank_method} 无法实施（assessment-bulletin.md §1.5），本期不排名。")
    elif not w.unit_cwqi:
        out.append("各县（区）城市水质指数（CWQI）：暂无数据。")
    else:
        cwqi = {u.unit_code: u.cwqi_pub for u in w.unit_cwqi}
        dcwqi = {u.unit_code: u.dcwqi_pub for u in w.unit_cwqi}
        # units in the ``units`` display order (ties list their members in that order, §1.2 rule 6)
        order = {code: i for i, code in enumerate(names)}
        codes = sorted(cwqi, key=lambda x: (order.get(x, len(order)), x))
        out.append(f"1—{month}月各县（区）城市水质指数（CWQI）由好到差依次为："
                   + _rank_list({k: cwqi[k] for k in codes}, names, unrankable_policy, str) + "。")
        out.append("与上年同期相比，CWQI变化率由好到差依次为："
                   + _rank_list({k: dcwqi[k] for k in codes}, names, unrankable_policy,
                                lambda v: f"{v if v.startswith('-') or Fraction(v) == 0 else '+' + v}%") + "。")
    return out


def water_section(url, month: str, unit_names: dict[str, str], tiers: wc.CompTiers | None, *,
                  good_target: str | None = None, worse_target: str | None = None,
                  unrankable_policy: rk.UnrankablePolicy = "last", water_rank_method: str = "cwqi") -> Section:
    """§4.3 item 2: Table B1 and its summary lines (:func:`water_summary`)."""
    w = water.read(url, month)
    if w is None:
        return Section("水环境", no_data=True)
    rows = []
    for s in w.sections:
        if s.status != "ok" or s.month_class is None:
            ok, over, comp = ("未监测" if s.status == "dry" else "缺测"), "—", "—"
        else:
            # 是否达标: §1.5 attainment of the month's class (the rule behind the monthly
            # compensation and reward runs; docs/assess-notes.md)
            ok = "是" if wc.attains(s.month_class, s.target_class) else "否"
            parts, items = [], {}
            for it in s.items_over:
                m = wc.target_exceedance_multiple(it.value, it.target_limit)
                if m is not None:
                    parts.append(f"{it.name}({exact.fraction_to_str(m, 2)})")
                    items[it.item] = (it.value, it.target_limit)
            over = "、".join(parts) or "—"
            if tiers is None:
                comp = "档位金额未录入"
            else:
                try:
                    comp = exact.fraction_to_str(wc.section_compensation(items, tiers)[0], 2)
                except ValueError as exc:
                    comp = str(exc)
        a, b = s.ytd_class, s.last_year_ytd_class
        change = "—" if a is None or b is None else (f"{_cls(b)}→{_cls(a)} 好转" if a < b else "变差" if a > b else "持平")
        rows.append([s.name, unit_names.get(s.unit_code, s.unit_code), s.river, s.level, _cls(s.target_class),
                     _cls(s.month_class), f"{_cls(s.ytd_class)}（{s.ytd_results}次）", ok, over, change, comp])
    m = int(month[5:7])
    summary = water_summary(w, m, unit_names, good_target=good_target, worse_target=worse_target,
                            unrankable_policy=unrankable_policy, water_rank_method=water_rank_method)
    notes = [f"水质评价版本：{w.table_version}" if w.table_version else "",
             "是否达标按M月类别与目标类别比较（assessment-bulletin.md §1.5）；优良水体比例、劣Ⅴ类断面数按1—M月类别统计（§3.5）。"]
    return Section("水环境", summary, [Table("表B1 地表水考核断面水质情况", B1_COLUMNS, rows, notes)])


def task_section(tasks: list[ledgers.KeyTask] | None, d: date, year: int, names: dict[str, str]
                 ) -> tuple[Section, list[str]]:
    """§4.3 item 4: Table B2 (each task classed by the B2 rule on day d) and the counts per
    status and unit; returns the section and the overdue tasks' names (for item 8)."""
    if tasks is None:
        return Section("重点工作进展", no_data=True), []
    if not tasks:
        return Section("重点工作进展", [f"重点任务台账中没有{year}年的任务。"]), []
    rows, overdue, counts = [], [], {}
    for t in tasks:
        p = tt.task_progress(d, t.due, t.done, t.reported_pct or "0", t.start)
        if p == "overdue":
            overdue.append(t.name)
        who = t.lead if t.unit_code is None else names.get(t.unit_code, t.lead)
        counts.setdefault(who, dict.fromkeys(tt.TASK_PROGRESS_LABELS, 0))[p] += 1
        rows.append([t.name, t.lead if t.unit_code is None or t.lead == who else f"{t.lead}/{who}",
                     t.due.isoformat(), tt.TASK_PROGRESS_LABELS[p], t.reported_pct or "未报告", t.note])
    total = dict.fromkeys(tt.TASK_PROGRESS_LABELS, 0)
    for c in counts.values():
        for k, v in c.items():
            total[k] += v
    summary = (f"{year}年重点任务{len(tasks)}项，截至{d.month}月{d.day}日：" +
               "，".join(f"{tt.TASK_PROGRESS_LABELS[k]}{v}项" for k, v in total.items()) + "。")
    by_unit = Table("各牵头单位重点任务进展统计", ["牵头单位/责任县（区）", *tt.TASK_PROGRESS_LABELS.values(), "合计"],
                    [[who, *[str(c[k]) for k in tt.TASK_PROGRESS_LABELS], str(sum(c.values()))]
                     for who, c in counts.items()])
    return Section("重点工作进展", [summary], [Table("表B2 重点工作任务进展", B2_COLUMNS, rows, [
        "进展按 assessment-bulletin.md §4.3 表B2 规则判定：已办结为已完成；超过完成时限未办结为逾期；"
        "报告完成率低于时间进度（开始日期默认1月1日）为滞后；其余为序时推进。完成率为责任单位报告值，未报告的按0计。"]), by_unit]), overdue


def inspection_section(insp: list[ledgers.InspectionItem] | None, d: date, ctx: AirContext,
                       names: dict[str, str]) -> tuple[Section, list[str]]:
    """§4.3 item 5: Table B3, one row per unit (and one for problems of city departments only)."""
    if insp is None:
        return Section("督察整改", no_data=True), []
    rows, overdue = [], []
    groups = [(u.code, u.name) for u in ctx.units]
    others = sorted({i.unit_code for i in insp} - set(names))
    if others:
        groups.append((None, "市直部门"))
    for code, name in groups:
        mine = [i for i in insp if (i.unit_code == code if code is not None else i.unit_code in others)]
        cls = [tt.task_progress(d, i.due, i.done, i.reported_pct or "0", i.start) for i in mine]
        n, done = len(mine), cls.count("done")
        rate = "—" if n == 0 else exact.fraction_to_str(Fraction(100 * done, n), 1)
        rows.append([name, str(n), str(done), str(cls.count("on_schedule")), str(cls.count("lagging")),
                     str(cls.count("overdue")), rate])
        if cls.count("overdue"):
            overdue.append(f"{name}督察整改问题{cls.count('overdue')}个")
    note = ("问题按责任单位统计：一个问题涉及多个县（区）时，计入每个县（区）；只涉及市直部门的计入“市直部门”。"
            "完成率 = 已完成（销号）/问题总数，保留1位小数。")
    return Section("督察整改", tables=[Table("表B3 中央和省生态环境保护督察问题整改情况", B3_COLUMNS, rows, [note])]), overdue


def enforcement_section(enf: list[ledgers.EnforcementCounts] | None, month: int, ctx: AirContext,
                        names: dict[str, str]) -> Section:
    """§4.3 item 6: Table B4, one row per unit, its M月 and 1—M月 counts each with the same period
    last year. Every unit has its row (a unit without cases shows 0（0）: the ledger is complete
    for the period, so no case is a count of zero); cases of a ledger unit that is not one of the
    ``units`` (e.g. a city department) get rows after the units."""
    if enf is None:
        return Section("执法监管", no_data=True)
    zero = (0, "0.00", 0, 0, 0)
    by = {(e.unit_code, e.period): e for e in enf}
    codes = [u.code for u in ctx.units] + sorted({e.unit_code for e in enf} - {u.code for u in ctx.units})

    def cells(code: str, period: str) -> list[str]:
        e = by.get((code, period))
        cur = zero if e is None else (e.filed, e.fines_wan, e.seized, e.restricted, e.transferred)
        ly = zero if e is None else (e.last_year or (None,) * 5)
        return [f"{c}（{'—' if p is None else p}）" for c, p in zip(cur, ly)]

    rows = [[names.get(c, c), *cells(c, "month"), *cells(c, "ytd")] for c in codes]
    columns = [c.replace("1—M月", f"1—{month}月").replace("M月", f"{month}月") if c.startswith(("M月", "1—M月")) else c
               for c in B4_COLUMNS]
    notes = ["按立案日期统计；括号内为上年同期；罚款单位万元，保留2位小数；查封扣押、限产停产、移送公安为采取该措施的案件数。"]
    if not enf:
        notes.append(f"执法案件台账中没有1—{month}月及上年同期立案的案件。")
    return Section("执法监管", tables=[Table("表B4 环境执法情况", columns, rows, notes)])


def build(url, ctx: AirContext, year: int, month: int, *, manual: list[ManualRow], targets: list[TargetRow],
          status: list[AirStatus], other: list[OtherTarget], settings: fg.BulletinSettings, issued: date,
          demo: bool, remarks: str | None = None, comp_tiers: wc.CompTiers | None = None) -> Bulletin:
    m0, m1 = air_link.month_period(year, month)
    ym = f"{year}-{month:02d}"
    per_m, per_y = ctx.period(m0, m1), ctx.period(date(year, 1, 1), m1)
    names = {u.code: u.name for u in ctx.units}
    # 1 环境质量
    cm = fg.one(per_m.city, air_link.CITY_BY, ctx.city.code)
    cy = fg.one(per_y.city, air_link.CITY_BY, ctx.city.code)
    paras = []
    for label, c, period in ((f"{month}月", cm, "month"), (f"1—{month}月", cy, "ytd")):
        s = (f"{label}，全市环境空气质量综合指数为{fg.txt(c.get('isum_pub'))}，PM2.5平均浓度为{fg.txt(c.get('pm25_pub'))}"
             f"微克/立方米，优良天数比例为{fg.txt(c.get('good_ratio_pub'))}%，重污染天数{fg.txt(c.get('n_heavy'))}天")
        r = fg.manual_value(manual, "province_city_rank", ctx.city.code, period)
        if r is not None:
            s += f"；综合指数在全省11个设区市中排名第{r.value}（{r.doc_no}，{r.doc_date:%Y-%m-%d}）"
        avg = fg.manual_value(manual, "regional_average", ctx.city.code, period)
        if avg is not None and c.get("isum_pub"):
            v, a = Fraction(c["isum_pub"]), Fraction(avg.value)
            word = "好于" if v < a else "差于" if v > a else "持平于"
            s += f"，{word}京津冀及周边地区平均水平（{avg.value}）"
        paras.append(s + "。")
    a3 = air_bulletin.main_table(ctx, per_y, f"表A3（简表） 1—{month}月各县（区）环境空气质量", manual, "ytd", settings)
    keep = [0, 1, 2, 6, 11, 12]
    short = Table(a3.title, [a3.columns[i] for i in keep], [[r[i] for i in keep] for r in a3.rows], a3.notes[:1])
    s1 = Section("环境质量", paras, [short])
    city_t = {t.indicator: t.value for t in targets if t.unit_code == ctx.city.code}
    s2 = water_section(url, ym, names, comp_tiers, good_target=city_t.get("water_good_share"),
                       worse_target=city_t.get("water_worse_v"), unrankable_policy=settings.unrankable_policy,
                       water_rank_method=settings.water_rank_method)
    soil_s, waste_s = soil.read(url, ym), waste.read(url, ym)
    land = Section("净土与固体废物", no_data=soil_s is None and waste_s is None)
    if soil_s is not None:
        land.paragraphs.append(f"土壤：评价样品{soil_s.samples_assessed}个，超过风险筛选值{soil_s.samples_over_screening}个，"
                               f"超过风险管制值{soil_s.samples_over_intervention}个。")
    if waste_s is not None:
        land.paragraphs.append(f"固体废物：一般工业固体废物产生量{waste_s.generated_t}吨，综合利用率"
                               f"{waste_s.utilisation_rate_pub or '—'}%；危险废物转移联单{waste_s.hazardous_manifests}份，"
                               f"超期{waste_s.manifests_overdue}份。")
    em = emergency.read(url, ym)
    emer = Section("重污染天气应对", no_data=em is None)
    if em is not None:
        ep = "；".join(f"{e.level}预警 {e.start}至{e.end}" for e in em.episodes) or "未启动预警"
        emer.paragraphs.append(f"{month}月：{ep}；核查企业{em.enterprises_checked}家，未落实减排措施{em.enterprises_failed}家。")
    # 3 目标任务完成情况: Table A5 of the city + water and CO2 targets
    money_m, money_c, _ = fg.county_money(ctx, year, month, settings)
    a5 = air_bulletin.targets_table([s for s in status if s.is_city], (money_m, money_c))
    other_t = Table("水环境与碳排放强度目标", ["指标", "目标", "1—M月", "完成情况", "依据"],
                    [[o.label, o.target, o.actual, o.status, o.source] for o in other])
    s3 = Section("目标任务完成情况", [air_bulletin.target_text([s for s in status if s.is_city], month)], [a5, other_t])
    # 4 重点工作进展 (Table B2, counts per status and unit)
    d = m1
    tasks = ledgers.read_tasks(url, year)
    s4, overdue = task_section(tasks, d, year, names)
    # 5 督察整改 (Table B3)
    s5, overdue_insp = inspection_section(ledgers.read_inspection(url, year), d, ctx, names)
    overdue += overdue_insp
    # 6 执法监管 (Table B4)
    s6 = enforcement_section(ledgers.read_enforcement(url, ym), month, ctx, names)
    # 7 奖惩情况
    paras7 = []
    for period, label in (("month", f"{month}月"), ("ytd", f"1—{month}月")):
        r = fg.manual_value(manual, "province_amount", ctx.city.code, period, "net")
        paras7.append(f"{label}，省级环境空气质量改善奖惩：" + (f"{r.value}万元（{r.doc_no}，{r.doc_date:%Y-%m-%d}）" if r
                                                         else "省级通报未录入"))
    rows7 = [[u.name, exact.fraction_to_str(money_m.get(u.code, Fraction(0)), 2),
              exact.fraction_to_str(money_c.get(u.code, Fraction(0)), 2)] for u in ctx.units]
    s7 = Section("奖惩情况", paras7, [Table("县（区）环境空气质量改善奖惩金额（万元）", ["县（区）", f"{month}月", f"1—{month}月累计"],
                                           rows7, ["按现状+改善评分（assessment-bulletin.md §1.3，太原2019年权重与金额，UNCONFIRMED），"
                                                   "累计为各月之和（UNCONFIRMED）。"])])
    # 8 存在问题和下步要求 (pre-filled, editable)
    lines = []
    for per, label in ((per_m, f"{month}月"), (per_y, f"1—{month}月")):  # the bottom lists of A1 and A3
        _, bottom = rk.top_bottom(fg.rankings(fg.unit_figures(ctx, per), settings.unrankable_policy)["composite"],
                                  settings.top_n)
        if bottom:
            lines.append(f"{label}综合指数排名后{settings.top_n}位的{fg.group_text(bottom, names)}要认真分析原因，"
                         "制定整改措施。")
    bad = [s for s in status if s.pm25_class in ("hard", "unprecedented", "impossible")]
    if bad:
        lines.append("PM2.5年度目标完成难度大的单位：" + "、".join(
            f"{'全市' if s.is_city else s.name}（{tt.FEASIBILITY_LABELS[s.pm25_class]}）" for s in bad) + "，要加大攻坚力度。")
    if overdue:
        lines.append("逾期未完成的任务和督察问题：" + "、".join(overdue) + "。")
    w = water.read(url, ym)
    if w is not None:
        miss = [s.name for s in w.sections if s.month_class is not None and not wc.attains(s.month_class, s.target_class)]
        if miss:
            lines.append("未达到水质目标的断面：" + "、".join(miss) + "。")
    s8 = Section("存在问题和下步要求", [remarks] if remarks else (lines or ["（待填写）"]), editable=True)
    notes = []
    if demo:
        notes.append("【演示】本通报由合成演示数据和虚构目标生成，不是大同市的真实工作情况。")
    notes.append("「暂无数据」表示该部分数据尚未接入平台。")
    return Bulletin("work", ym, f"{year}年1—{month}月全市生态环境保护重点工作情况通报", settings.issuer,
                    f"{issued.year}年{issued.month}月{issued.day}日", issued.isoformat(),
                    [s1, s2, land, emer, s3, s4, s5, s6, s7, s8], notes,
                    {"settings": settings.as_dict(), "air": air_link.settings_dict(ctx.settings), "demo": demo,
                     "prefilled_remarks": lines})


__all__ = ["B1_COLUMNS", "B2_COLUMNS", "B3_COLUMNS", "B4_COLUMNS", "B4_MEASURES", "build", "water_section", "water_summary"]
