"""Target tracking for the city and each unit on a reporting date (assessment-bulletin.md §3).

For day d (the last day whose data are included): the 1 January – d statistics from the air
engine (:mod:`qingshan.targets.air_link`), the remaining-period PM2.5 mean R (§3.2), the good-day
and heavy-day budgets (§3.3), the feasibility classes against the same window [d+1, 31 Dec] of
past years (§3.4), 序时进度 where last year's value is stored (§3.4), and the water and CO2
targets through their seams (§3.5; 「暂无数据」 until those domains are connected).

One builder, :func:`build_status`, serves the CLI (``qingshan targets status``), Bulletin A's
Table A5, Bulletin B §3 and (phase 2) the leader view.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import polars as pl

from qingshan import exact
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.standards import target_tracking as tt
from qingshan.targets import air_link
from qingshan.targets.context import AirContext, back_years
from qingshan.targets.indicators import INDICATORS
from qingshan.targets.sources import carbon as carbon_src
from qingshan.targets.sources import water as water_src
from qingshan.targets.store import TargetRow, TargetStore

NO_DATA = "暂无数据"


@dataclass(frozen=True)
class TrackingSettings:
    """§7 settings of target tracking (spec defaults)."""

    target_rounding: tt.TargetRounding = "exact"
    remaining_valid_days: str = "calendar"
    remaining_publish: tt.RemainingPublish = "floor"
    history_years: int = tt.HISTORY_YEARS
    history_min_coverage: str = "324/365"

    def as_dict(self) -> dict:
        return asdict(self)


def fmt(x: Fraction | None, decimals: int) -> str:
    """Published text of an exact value ("—" for None)."""
    return "—" if x is None else exact.fraction_to_str(Fraction(x), decimals)


@dataclass
class AirStatus:
    """One unit's (or the city's) air targets on day d; texts as published."""

    code: str
    name: str
    is_city: bool
    pm25_target: str = "—"
    pm25_ytd: str = "—"
    pm25_R: str = "—"  # 年剩余日控制值 as published
    pm25_R_exact: Fraction | None = None
    pm25_verdict: str = ""  # 已无法完成 / 已达标 / ""
    pm25_hist_best: str = "—"
    pm25_hist_median: str = "—"
    pm25_hist_worst: str = "—"
    pm25_hist_years: tuple[int, ...] = ()
    pm25_class: str | None = None
    pm25_schedule: str = ""  # 序时进度 wording
    good_target: str = "—"
    good_ratio_ytd: str = "—"
    good_so_far: int | None = None
    good_need: int | None = None
    polluted_allowed: int | None = None
    good_class: str | None = None
    heavy_target: str = "—"
    heavy_so_far: int | None = None
    heavy_allow: int | None = None
    heavy_verdict: str = ""
    sources: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@dataclass
class OtherTarget:
    indicator: str
    label: str
    target: str
    actual: str
    status: str  # NO_DATA when the domain is not connected
    source: str


@dataclass
class TrendPoint:
    """One month end of the leader view's trend (published text; None when not evaluable)."""

    month: int
    end: date
    ytd_pm25: str | None  # 1月1日 – end, the air engine's published PM2.5
    month_pm25: str | None  # the month alone
    path: str | None  # §3.4 straight-line value at the month end (needs last year's value)
    target: str | None


@dataclass
class StatusReport:
    day: date
    year: int
    remaining_days: int
    rows: list[AirStatus]
    other: list[OtherTarget]
    settings: dict
    demo: bool
    trend: dict[str, list[TrendPoint]] = field(default_factory=dict)  # unit code → months (leader view)


def heavy_cell(st: AirStatus) -> str:
    """The 「重污染天数上限/已发生/剩余」 cell of Table A5 and ``qingshan targets status``.

    §3.3: H_allow < 0 → 「已无法完成」: the remaining part is the verdict, never a negative
    allowance (the heavy days so far already exceed the annual cap)."""
    so_far = "—" if st.heavy_so_far is None else str(st.heavy_so_far)
    if st.heavy_allow is None:
        rest = "—"
    elif st.heavy_allow < 0:
        rest = st.heavy_verdict or "已无法完成"
    else:
        rest = str(st.heavy_allow)
    return f"{st.heavy_target}/{so_far}/{rest}"


def _pm25_window(daily: pl.DataFrame, by: str, code: str, a: date, b: date) -> tuple[int, Fraction]:
    d = daily.filter((pl.col(by) == code) & pl.col("date").is_between(a, b) & pl.col("pm25").is_not_null())
    S = sum((exact.to_fraction(v) for v in d["pm25"].to_list()), Fraction(0))
    return d.height, S


def _aqi_window(daily: pl.DataFrame, by: str, code: str, a: date, b: date) -> tuple[int, int]:
    d = daily.filter((pl.col(by) == code) & pl.col("date").is_between(a, b) & pl.col("aqi").is_not_null())
    return d.height, d.filter(pl.col("aqi") <= 100).height


def air_status(ctx: AirContext, d: date, targets: list[TargetRow], settings: TrackingSettings = TrackingSettings()
               ) -> list[AirStatus]:
    """§3.2–3.4 for the city and each unit on day d (data from 1 January to d)."""
    y0 = date(d.year, 1, 1)
    per = ctx.period(y0, d)
    tmap = {(t.unit_code, t.indicator): t for t in targets}
    days_left = tt.remaining_calendar_days(d)
    N_r = tt.remaining_valid_days(days_left, settings.remaining_valid_days)
    cover = Fraction(settings.history_min_coverage)
    out = []
    # the full daily series: the §3.4 history windows lie outside the period
    entries = [(ctx.city.code, ctx.city.name, True, per.city, ctx.city_daily(), air_link.CITY_BY)]
    entries += [(u.code, u.name, False, per.units, ctx.units_daily(), air_link.UNIT_BY) for u in ctx.units]
    for code, name, is_city, table, daily, by in entries:
        row = table.filter(pl.col(by) == code).to_dicts()
        p = row[0] if row else {}
        st = AirStatus(code, name, is_city)
        st.pm25_ytd = p.get("pm25_pub") or "—"
        st.good_ratio_ytd = p.get("good_ratio_pub") or "—"
        srcs = []
        # --- PM2.5 (§3.2, §3.4) ---
        t = tmap.get((code, "pm25"))
        if t is not None:
            srcs.append(t.source_doc)
            st.pm25_target = t.value
            if t.dust_rule in ("concentrations", "both"):
                st.notes.append("目标要求浓度扣沙，但沙尘日未录入，未扣除")
            n, S = _pm25_window(daily, by, code, y0, d)
            rm = tt.remaining_mean(t.value, n, S, N_r, decimals=t.decimals, target_rounding=settings.target_rounding,
                                   remaining_publish=settings.remaining_publish)
            st.pm25_R_exact = rm.R
            if rm.R is not None:
                st.pm25_R = fmt(rm.R_pub, t.decimals)
                if not rm.achievable:
                    st.pm25_verdict = "已无法完成"
            elif n:
                annual = Fraction(round(S / n, t.decimals))
                st.pm25_verdict = "达标" if annual <= Fraction(t.value) else "未达标"
            hist = []
            for k in range(1, settings.history_years + 1):
                a = back_years(d, k) + timedelta(days=1)
                if a.year != d.year - k:
                    continue
                b = date(a.year, 12, 31)
                nh, Sh = _pm25_window(daily, by, code, a, b)
                if nh and tt.qualifies(nh, (b - a).days + 1, cover):
                    hist.append((a.year, Sh / nh))
            ws = tt.window_stats(sorted(hist))
            if ws is not None:
                st.pm25_hist_best, st.pm25_hist_median, st.pm25_hist_worst = (
                    fmt(ws.best, t.decimals + 1), fmt(ws.median, t.decimals + 1), fmt(ws.worst, t.decimals + 1))
                st.pm25_hist_years = ws.years
            st.pm25_class = tt.feasibility_mean(rm, ws)
            if t.base_value and p.get("pm25_pub"):
                sp = tt.schedule_progress(p["pm25_pub"], t.base_value, t.value, d)
                st.pm25_schedule = "" if sp is None else sp.wording
        # --- good days (§3.3, §3.4) ---
        t = tmap.get((code, "good_ratio"))
        if t is not None:
            srcs.append(t.source_doc)
            st.good_target = t.value
            n_aqi, G = _aqi_window(daily, by, code, y0, d)
            st.good_so_far = G
            if n_aqi + N_r > 0:
                gd = tt.good_days_needed(t.value, n_aqi, G, N_r, target_rounding=settings.target_rounding)
                st.good_need, st.polluted_allowed = gd.G_need, gd.polluted_allowed
                hist = []
                for k in range(1, settings.history_years + 1):
                    a = back_years(d, k) + timedelta(days=1)
                    if a.year != d.year - k:
                        continue
                    b = date(a.year, 12, 31)
                    nv, g = _aqi_window(daily, by, code, a, b)
                    if nv and tt.qualifies(nv, (b - a).days + 1, cover):
                        hist.append((a.year, tt.scaled_count(g, nv, N_r)))
                st.good_class = tt.feasibility_good_days(gd, N_r, tt.window_stats(sorted(hist), lower_is_better=False))
        # --- heavy days (§3.3) ---
        t = tmap.get((code, "heavy_days")) or tmap.get((code, "heavy_ratio"))
        if t is not None:
            srcs.append(t.source_doc)
            st.heavy_target = t.value
            H = int(p.get("n_heavy") or 0)
            st.heavy_so_far = H
            if t.indicator == "heavy_days":
                hd = tt.heavy_days_allowed(H, H_max=int(Fraction(t.value)))
            else:
                hd = tt.heavy_days_allowed(H, ratio=t.value, N=int(p.get("n_valid") or 0) + N_r,
                                           target_rounding=settings.target_rounding)
            st.heavy_allow = hd.H_allow
            st.heavy_verdict = "" if hd.achievable else "已无法完成"
        st.sources = tuple(dict.fromkeys(srcs))
        out.append(st)
    return out


def pm25_trend(ctx: AirContext, d: date, targets: list[TargetRow]) -> dict[str, list[TrendPoint]]:
    """Per month end of d's year up to d: the city's and each unit's 1—M月 and M月 PM2.5 (the air
    engine's period evaluation of the loaded daily series) against the §3.4 straight-line target
    path (1 decimal more than the target) — the leader view's trend chart."""
    tmap = {(t.unit_code, t.indicator): t for t in targets}
    ends = [min(air_link.month_period(d.year, m)[1], d) for m in range(1, d.month + 1)]
    out: dict[str, list[TrendPoint]] = {}
    for daily, by, codes in ((ctx.city_daily(), air_link.CITY_BY, [ctx.city.code]),
                             (ctx.units_daily(), air_link.UNIT_BY, [u.code for u in ctx.units])):
        ytd = air_link.period_means(daily, [(date(d.year, 1, 1), e) for e in ends], by=by, settings=ctx.settings)
        mon = air_link.period_means(daily, [(date(d.year, m, 1), e) for m, e in enumerate(ends, start=1)], by=by,
                                    settings=ctx.settings)
        for code in codes:
            t = tmap.get((code, "pm25"))
            for m, end in enumerate(ends, start=1):
                path = None
                if t is not None and t.base_value:
                    path = fmt(tt.straight_line_value(t.base_value, t.value, end), t.decimals + 1)
                out.setdefault(code, []).append(TrendPoint(m, end, ytd[m - 1].get(code), mon[m - 1].get(code), path,
                                                           t.value if t is not None else None))
    return out


@dataclass(frozen=True)
class WaterCounts:
    """§3.5 counts over the sections evaluated in 1—M月 (the annual targets' period)."""

    evaluated: int  # sections with a 1—M月 class (dry and 缺测 sections left out, §1.5)
    good: int  # Ⅰ–Ⅲ
    worse_v: tuple[str, ...]  # names of the 劣Ⅴ sections

    @property
    def share(self) -> Fraction | None:
        """Ⅰ–Ⅲ share = n(Ⅰ–Ⅲ)/n_evaluated × 100 (§3.5), exact; None without evaluated sections."""
        return Fraction(100 * self.good, self.evaluated) if self.evaluated else None


def water_counts(water: water_src.WaterMonth) -> WaterCounts:
    """The one count behind the water target rows (§3.5) and Bulletin B's 水环境 summary lines
    (§4.3 item 2): 1—M月 classes, because the targets they are held against are annual."""
    ev = [s for s in water.sections if s.ytd_class is not None]
    return WaterCounts(len(ev), sum(1 for s in ev if s.ytd_class <= 3),
                       tuple(s.name for s in ev if s.ytd_class == 6))


def other_targets(url: str | None, d: date, targets: list[TargetRow], city_code: str) -> list[OtherTarget]:
    """Water and CO2 targets of the city (§3.5) through their seams; 暂无数据 until connected."""
    out = []
    tmap = {t.indicator: t for t in targets if t.unit_code == city_code}
    water = water_src.read(url, f"{d:%Y-%m}")
    carbon = carbon_src.read(url, d.year)
    for ind in ("water_good_share", "water_worse_v", "co2_intensity"):
        t = tmap.get(ind)
        if t is None:
            continue
        label = INDICATORS[ind].label
        actual, status = "—", NO_DATA
        if ind.startswith("water") and water is not None:
            wc_ = water_counts(water)
            if ind == "water_good_share":
                actual = fmt(wc_.share, 1)
                need = tt.sections_needed(t.value, wc_.evaluated, wc_.good)
                status = "已达目标" if need == 0 else f"尚需 {need} 个断面达到Ⅰ—Ⅲ类"
            else:
                worse = list(wc_.worse_v)
                actual = str(len(worse))
                status = "达标" if len(worse) <= int(Fraction(t.value)) else "劣Ⅴ类断面：" + "、".join(worse)
        if ind == "co2_intensity" and carbon is not None:
            actual = carbon.r_pub or "—"
            status = {"green": "进度正常", "yellow": "进度滞后", "red": "完成困难"}.get(carbon.status or "", "—")
        out.append(OtherTarget(ind, label, t.value, actual, status, t.source_doc))
    return out


def build_status(url: str | None, d: date, *, settings: TrackingSettings = TrackingSettings(),
                 air_settings: EvaluationSettings = DEFAULT, ctx: AirContext | None = None,
                 with_trend: bool = False) -> StatusReport:
    """The tracking report of day d (read from the store); ``with_trend`` adds the monthly PM2.5
    against the target path (the leader view)."""
    store = TargetStore(url, auto_migrate=False)
    try:
        targets = store.targets(d.year)
        ctx = ctx or AirContext.load(url, d, settings=air_settings, history_years=settings.history_years, store=store)
    finally:
        store.close()
    rows = air_status(ctx, d, targets, settings)
    other = other_targets(url, d, targets, ctx.city.code)
    demo = any(t.demo for t in targets)
    return StatusReport(d, d.year, tt.remaining_calendar_days(d), rows, other,
                        settings.as_dict() | {"air": air_link.settings_dict(air_settings)}, demo,
                        pm25_trend(ctx, d, targets) if with_trend else {})


def to_json_dict(rep: StatusReport) -> dict:
    def row(r: AirStatus) -> dict:
        d = asdict(r)
        d["pm25_R_exact"] = None if r.pm25_R_exact is None else str(r.pm25_R_exact)
        d["pm25_class_label"] = tt.FEASIBILITY_LABELS.get(r.pm25_class or "", None)
        d["good_class_label"] = tt.FEASIBILITY_LABELS.get(r.good_class or "", None)
        return d

    return {"date": rep.day.isoformat(), "year": rep.year, "remaining_days": rep.remaining_days,
            "demo": rep.demo, "settings": rep.settings, "status": "UNCONFIRMED（target_rounding 等设置见 §7）",
            "air": [row(r) for r in rep.rows], "other": [asdict(o) for o in rep.other],
            "trend": {k: [asdict(p) for p in v] for k, v in rep.trend.items()}}


__all__ = ["AirStatus", "NO_DATA", "OtherTarget", "StatusReport", "TrackingSettings", "TrendPoint", "air_status",
           "build_status", "fmt", "heavy_cell", "other_targets", "pm25_trend", "to_json_dict", "water_counts", "WaterCounts"]
