"""The demo's chart: the city's monthly trend and the county ranking, one PNG with Chinese labels.

matplotlib only (Agg backend, no display). Chinese text needs a CJK font: found by the one lookup
of :mod:`qingshan.core.fonts` (the chart is still written without one; the labels then show as
boxes, and the caller is told).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from qingshan.core.fonts import cjk_font, rc


def render(
    monthly: pl.DataFrame,
    ranking: pl.DataFrame,
    path: Path,
    *,
    title: str,
    synthetic_note: str,
) -> tuple[Path, str | None]:
    """Write the two-panel chart.

    Parameters
    ----------
    monthly : polars.DataFrame
        ``month`` (1…N), ``pm25`` (this year, µg/m³), ``pm25_last`` (same month last year, may be
        null), ``good_ratio`` (this year, %, may be null).
    ranking : polars.DataFrame
        ``rank``, ``name`` (county label), ``composite`` (综合指数), best first; optional
        ``synthetic`` (bool): the county's stations are synthetic (marked with ``*``).
    path : pathlib.Path
        Output PNG.
    title, synthetic_note : str
        Figure title and the footnote saying that the data are synthetic.

    Returns
    -------
    (path, font family used or None)
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    font = cjk_font()
    with plt.rc_context(rc()):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), dpi=110, gridspec_kw={"width_ratios": [1.25, 1]})

        months = monthly["month"].to_list()
        labels = [f"{m}月" for m in months]
        x = list(range(len(months)))
        ax1.bar(x, monthly["pm25"].fill_null(0).to_list(), color="#4a90c2", width=0.6, label="PM2.5 本年")
        if "pm25_last" in monthly.columns and monthly["pm25_last"].drop_nulls().len():
            ax1.plot(x, monthly["pm25_last"].to_list(), color="#888888", marker="o", lw=1.5, label="PM2.5 上年同期")
        ax1.set_xticks(x, labels)
        ax1.set_ylabel("PM2.5 月均浓度 (µg/m³)")
        ax1.set_title("全市逐月 PM2.5 与优良天数比例")
        if "good_ratio" in monthly.columns and monthly["good_ratio"].drop_nulls().len():
            ax1b = ax1.twinx()
            ax1b.plot(x, monthly["good_ratio"].to_list(), color="#2e9e4f", marker="s", lw=1.8, label="优良天数比例")
            ax1b.set_ylim(0, 105)
            ax1b.set_ylabel("优良天数比例 (%)")
            h1, l1 = ax1.get_legend_handles_labels()
            h2, l2 = ax1b.get_legend_handles_labels()
            handles, texts = h1 + h2, l1 + l2
        else:
            handles, texts = ax1.get_legend_handles_labels()
        # Below the axes: inside, it would hide the summer months.
        ax1.legend(handles, texts, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=8, frameon=False)

        marked = ranking["synthetic"].to_list() if "synthetic" in ranking.columns else [False] * ranking.height
        names = [n + ("*" if m else "") for n, m in zip(ranking["name"].to_list(), marked)][::-1]
        colours = ["#e8b27a" if m else "#d98c3a" for m in marked][::-1]
        values = ranking["composite"].to_list()[::-1]
        ranks = ranking["rank"].to_list()[::-1]
        bars = ax2.barh(range(len(names)), values, color=colours)
        ax2.set_yticks(range(len(names)), [f"{r}. {n}" for r, n in zip(ranks, names)])
        ax2.set_xlabel("环境空气质量综合指数（越小越好）")
        ax2.set_title("区县排名（* 为县级演示站点）" if any(marked) else "区县排名")
        for b, v in zip(bars, values):
            if v is not None:
                ax2.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {v:.2f}", va="center", fontsize=8)

        fig.suptitle(title, fontsize=13)
        fig.text(0.01, 0.01, synthetic_note, fontsize=8, color="#b03030")
        fig.tight_layout(rect=(0, 0.03, 1, 0.95))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
    return path, font
