"""Rich rendering of the water report (the CLI's ``water report`` and the demo printout)."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from qingshan.water.report import NO_DATA, WaterReport


def print_report(console: Console, report: WaterReport) -> None:
    """Print a :class:`~qingshan.water.report.WaterReport` (the CLI's ``water report``)."""
    console.print(report_renderable(report))


def report_renderable(report: WaterReport) -> RenderableType:
    """Rich rendering of a :class:`~qingshan.water.report.WaterReport` (CLI and demo)."""
    out: list[RenderableType] = []
    label = "（含演示/合成数据）" if report.demo else ""
    out.append(Text.from_markup(f"[bold]地表水环境质量 {report.period}{label}[/bold]  对比：{report.previous_period}"))
    fig = Table(title="水质概况")
    for col in ("范围", "断面数", "优良（Ⅰ—Ⅲ类）比例", "劣Ⅴ类", "目标达标", "上年同期优良比例"):
        fig.add_column(col)
    for f, p in zip(report.figures, report.previous_figures, strict=True):
        fig.add_row(f.scope, str(f.n_sections), f.good_share_text, f"{f.n_worse_than_v}（{f.worse_share_text}）",
                    f"{f.n_attained}/{f.n_with_target}", p.good_share_text)
    out.append(fig)
    t = Table(title="断面水质")
    for col in ("断面", "河流", "区县", "级别", "类别", "目标", "达标", "状况", "主要污染指标", "CWQI", "上年同期", "变化"):
        t.add_column(col)
    for r in report.sections:
        t.add_row(r.name, r.river or "", r.county_name or (r.county_code or ""), r.control_level or "", r.class_label,
                  r.target_label, "" if r.attained is None else ("是" if r.attained else "[red]否[/red]"),
                  NO_DATA if r.no_data else (r.status or ""),
                  r.main_pollutants_label, r.cwqi_text, r.previous_label, r.change)
    out.append(t)
    if report.rivers:
        rv = Table(title="河流与湖库")
        for col in ("名称", "类型", "断面/点位", "方法", "类别", "水质状况", "Ⅰ—Ⅲ类比例", "劣Ⅴ类比例", "主要污染指标", "总氮", "营养状态"):
            rv.add_column(col)
        for r in report.rivers:
            rv.add_row(r.name, {"river": "河流", "lake": "湖泊", "reservoir": "水库"}[r.water_body], str(r.n_sections),
                       {"mean": "均值法", "proportion": "类别比例法", "lake": "湖库均值法"}[r.method], r.class_label,
                       r.status, r.g_share_text, r.d_share_text, r.main_indicators, r.tn_class_label,
                       f"{r.trophic_state} {r.tli_text}".strip())
        out.append(rv)
    c = Table(title="区县 CWQI 排名（越小越好）")
    for col in ("排名", "区县", "断面数", "CWQI", "上年同期", "ΔCWQI", "变化排名", "说明"):
        c.add_column(col)
    for u in report.counties:
        c.add_row("" if u.rank is None else str(u.rank), u.name, str(u.n_sections), u.cwqi_text, u.base_text, u.delta_text,
                  "" if u.change_rank is None else str(u.change_rank), u.note)
    out.append(c)
    out.append(Text.from_markup(f"全市 CWQI：{report.city.cwqi_text or '—'}（上年同期 {report.city.base_text or '—'}，变化 {report.city.delta_text or '—'}）；{report.city.note}"))
    if report.worse_than_v:
        out.append(Text.from_markup("[red]劣Ⅴ类断面：[/red]") + Text("；".join(f"{r.name}（{r.main_pollutants_label}）" for r in report.worse_than_v)))
    else:
        out.append(Text("劣Ⅴ类断面：无"))
    for n in report.notes:
        out.append(Text(n, style="dim"))
    out.append(Text(f"规则：{report.rules_version}（{report.rules_status}）", style="dim"))
    return Group(*out)

