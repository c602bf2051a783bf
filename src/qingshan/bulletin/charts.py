"""The bulletin charts of assessment-bulletin.md §4.2 as PNG bytes (matplotlib, Agg).

1. ``composite_bar``: the units' composite index, with a line at the city value;
2. ``pm25_monthly``: the city's monthly PM2.5, this year and last year, with the §3.4
   straight-line target path at each month end;
3. ``aqi_days``: stacked bars of AQI-category days per unit.

Deterministic: the same data give the same bytes (no timestamp or software metadata in the PNG,
fixed size and dpi), so a snapshot regenerates identical documents; the .docx and the HTML of a
bulletin embed the same bytes, drawn once (:func:`render` keeps the last few). Chinese text uses
the font of the one lookup, :mod:`qingshan.core.fonts`.
"""

from __future__ import annotations

import io
import json
import threading
from functools import lru_cache

from qingshan.core.fonts import rc
from qingshan.standards.hj633_tables import CATEGORY, COLOUR_HEX

#: HJ 633 Table 2 categories and Appendix A colours, level 1 … 6 (the one table)
LEVEL_COLOURS = tuple(COLOUR_HEX[lv] for lv in range(1, 7))
LEVEL_NAMES = tuple(CATEGORY[lv] for lv in range(1, 7))
#: pyplot keeps global state: one drawing at a time (the web renders in worker threads)
_LOCK = threading.Lock()


def render(key: str, data: dict) -> bytes:
    """PNG bytes of chart ``key`` drawn from ``data`` (same data, same bytes)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    with _LOCK:
        return _render(key, text)


@lru_cache(maxsize=16)
def _render(key: str, data_json: str) -> bytes:
    data = json.loads(data_json)
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with plt.rc_context(rc() | {"svg.hashsalt": "qingshan", "path.simplify": True}):
        fig, ax = plt.subplots(figsize=(7.2, 3.6), dpi=120)
        if key == "composite_bar":
            names, vals = data["names"], [float(v) if v not in (None, "") else 0.0 for v in data["values"]]
            ax.bar(range(len(names)), vals, color="#4a90c2", width=0.6)
            for i, v in enumerate(data["values"]):
                ax.text(i, float(v or 0), v or "—", ha="center", va="bottom", fontsize=7)
            if data.get("city") not in (None, ""):
                ax.axhline(float(data["city"]), color="#c0392b", lw=1.2, ls="--", label=f"全市 {data['city']}")
                ax.legend(fontsize=8, loc="upper right", frameon=False)
            ax.set_xticks(range(len(names)), names, fontsize=8)
            ax.set_ylabel("综合指数")
        elif key == "pm25_monthly":
            months = data["months"]
            x = list(range(len(months)))

            def series(vals):
                return [float(v) if v not in (None, "") else float("nan") for v in vals]

            ax.bar(x, series(data["this_year"]), color="#4a90c2", width=0.6, label="本年")
            ax.plot(x, series(data["last_year"]), color="#888888", marker="o", lw=1.4, label="上年同月")
            if data.get("path"):
                ax.plot(x, series(data["path"]), color="#c0392b", ls="--", lw=1.2, label="目标路径（直线序时）")
            ax.set_xticks(x, [f"{m}月" for m in months], fontsize=8)
            ax.set_ylabel("PM2.5 (µg/m³)")
            # below the axes: inside, the legend would cover the winter months' bars
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, ncol=3)
        elif key == "aqi_days":
            names = data["names"]
            bottom = [0.0] * len(names)
            for lv, (colour, label) in enumerate(zip(LEVEL_COLOURS, LEVEL_NAMES), start=1):
                vals = [float(v) for v in data["levels"][str(lv)]]
                ax.bar(range(len(names)), vals, bottom=bottom, color=colour, width=0.6, label=label,
                       edgecolor="#555555", linewidth=0.3)
                bottom = [b + v for b, v in zip(bottom, vals)]
            ax.set_xticks(range(len(names)), names, fontsize=8)
            ax.set_ylabel("天数")
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=6, frameon=False)
        else:
            raise ValueError(f"未知的图表 {key!r}")
        ax.set_title(data.get("title", ""), fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


__all__ = ["render"]
