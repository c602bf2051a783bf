"""Annual-target tracking: remaining-period control values, day budgets, feasibility, 序时进度.

assessment-bulletin.md §3 (targets §3.1; PM2.5 remaining mean §3.2; good and heavy days §3.3;
feasibility against past years and 序时进度 §3.4; water and carbon targets §3.5). Every value is
exact (``Fraction``); published values are rounded once as the clause says.

Settings (§7, keyword parameters with the spec's defaults):

* ``target_rounding`` — ``"exact"`` (default; B = T, the only bound reproducing 蔚县 2020, E2b) or
  ``"published"`` (B = T + half a unit of the precision; a strict bound when T's last digit is odd
  under half-even rounding). UNCONFIRMED.
* ``remaining_valid_days`` — ``"calendar"`` (every remaining day) or a rate q: ⌊q × days left⌋,
  at least 1 (design).
* ``remaining_publish`` — ``"floor"`` (default; meeting the published value is safe) or
  ``"half_even"``. UNCONFIRMED.
* ``history_years`` (5), ``history_min_coverage`` (324/365), ``feasibility_cuts``
  (best/median/worst) — design, no source.

References
----------
.. [1] assessment-bulletin.md §3, §5, §7, §8 item 2, E2, E2b, E7.
.. [2] 蔚县 2020 air bulletins [S24] (年剩余日控制值); 序时进度 [S25]; Taiyuan [S26].
.. [3] air-evaluation.md §3 (annual mean of valid daily means), §5 (rounding), §6.5 (dust).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

TargetRounding = Literal["exact", "published"]
RemainingPublish = Literal["floor", "half_even"]
Feasibility = Literal["secured", "on_track", "hard", "unprecedented", "impossible"]

FEASIBILITY_LABELS: dict[str, str] = {
    "secured": "确保达标",
    "on_track": "正常可达",
    "hard": "难度较大",
    "unprecedented": "需超历史最好",
    "impossible": "已无法完成",
}
HISTORY_MIN_COVERAGE = Fraction(324, 365)
HISTORY_YEARS = 5


def _check_rounding(target_rounding: str) -> None:
    if target_rounding not in ("exact", "published"):
        raise ValueError(f"未知的 target_rounding：{target_rounding!r}（可选 exact、published）")


def days_in_year(year: int) -> int:
    return 366 if date(year, 12, 31).timetuple().tm_yday == 366 else 365


def remaining_calendar_days(d: date) -> int:
    """Calendar days after ``d`` to 31 December (d is the last day whose data are included)."""
    return (date(d.year, 12, 31) - d).days


def remaining_valid_days(days_left: int, setting: Literal["calendar"] | Fraction | str = "calendar") -> int:
    """N_r (§3.2 ``remaining_valid_days``): all days left, or ⌊q × days left⌋ but at least 1."""
    if setting == "calendar":
        return days_left
    q = Fraction(str(setting))
    if not 0 < q <= 1:
        raise ValueError("remaining_valid_days 的比例应在 (0, 1] 内")
    if days_left == 0:
        return 0
    return max(1, math.floor(q * days_left))


def _half_unit(decimals: int) -> Fraction:
    return Fraction(1, 2 * 10**decimals)


def attainment_bound(T: Fraction | int | str, decimals: int, target_rounding: TargetRounding = "exact"
                     ) -> tuple[Fraction, bool]:
    """(B, strict) for a lower-is-better target T at ``decimals`` (§3.2).

    ``"exact"``: (T, False). ``"published"``: T + half a unit; half-even rounding takes it back
    to T when T's last digit is even (attainable, not strict) and away from T when odd (strict).
    """
    _check_rounding(target_rounding)
    T = Fraction(str(T))
    if target_rounding == "exact":
        return T, False
    B = T + _half_unit(decimals)
    return B, Fraction(round(B, decimals)) != T


@dataclass(frozen=True)
class RemainingMean:
    """§3.2 result: ``R`` exact (None when N_r = 0), ``R_pub`` as published, ``achievable``."""

    T: Fraction
    bound: Fraction
    strict: bool
    n: int
    S: Fraction
    N_r: int
    R: Fraction | None
    R_pub: Fraction | None
    achievable: bool | None  # None: no control value (data to 31 December)

    @property
    def ytd_mean(self) -> Fraction | None:
        return self.S / self.n if self.n else None


def remaining_mean(
    T: Fraction | int | str,
    n: int,
    S: Fraction | int | str,
    N_r: int,
    *,
    decimals: int = 0,
    target_rounding: TargetRounding = "exact",
    remaining_publish: RemainingPublish = "floor",
) -> RemainingMean:
    """Required remaining mean ``R = (B·(n + N_r) − S)/N_r`` (年剩余日控制值; §3.2; E2, E2b).

    Parameters
    ----------
    T : target annual mean (µg/m³), published precision ``decimals`` (integer for PM2.5).
    n, S : valid days so far and the exact sum of their daily means (after the dust rule).
    N_r : valid days still expected (:func:`remaining_valid_days`); 0 → no control value.

    Published R: floored to the precision (a strict bound at that precision is published one
    unit lower), or half-even (``remaining_publish``). R < 0, or R ≤ 0 with a strict bound,
    is 已无法完成.
    """
    if remaining_publish not in ("floor", "half_even"):
        raise ValueError(f"未知的 remaining_publish：{remaining_publish!r}（可选 floor、half_even）")
    T = Fraction(str(T))
    S = Fraction(str(S))
    B, strict = attainment_bound(T, decimals, target_rounding)
    if N_r == 0:
        return RemainingMean(T, B, strict, n, S, 0, None, None, None)
    R = (B * (n + N_r) - S) / N_r
    unit = Fraction(1, 10**decimals)
    if remaining_publish == "floor":
        pub = Fraction(math.floor(R / unit)) * unit
        if strict and pub == R:
            pub -= unit
    else:
        pub = Fraction(round(R, decimals))
    achievable = not (R < 0 or (strict and R <= 0))
    return RemainingMean(T, B, strict, n, S, N_r, R, pub, achievable)


@dataclass(frozen=True)
class GoodDays:
    P: Fraction
    N: int
    g_star: int
    G_so_far: int
    G_need: int
    polluted_allowed: int
    achievable: bool


def good_days_needed(P: Fraction | str, n_aqi: int, G_so_far: int, N_r: int, *,
                     target_rounding: TargetRounding = "exact") -> GoodDays:
    """Good days still needed for a good-days-ratio target P (%, 1 decimal) (§3.3; E2).

    N = n_aqi + N_r; g* = ⌈P·N/100⌉ (``"exact"``) or the smallest g whose ratio rounded
    half-even to 1 decimal is ≥ P (``"published"``); G_need = max(0, g* − G_so_far).
    """
    _check_rounding(target_rounding)
    P = Fraction(str(P))
    N = n_aqi + N_r
    if N <= 0:
        raise ValueError("有效天数为 0，无法计算优良天数目标")
    if target_rounding == "exact":
        g = math.ceil(P * N / 100)
    else:
        g = max(0, math.floor((P - Fraction(1, 20)) * N / 100) - 1)
        while Fraction(round(Fraction(100 * g, N), 1)) < P:
            g += 1
    need = max(0, g - G_so_far)
    return GoodDays(P, N, g, G_so_far, need, N_r - need, need <= N_r)


@dataclass(frozen=True)
class HeavyDays:
    H_max: int
    H_so_far: int
    H_allow: int
    achievable: bool


def heavy_days_allowed(H_so_far: int, *, H_max: int | None = None, ratio: Fraction | str | None = None,
                       N: int | None = None, target_rounding: TargetRounding = "exact") -> HeavyDays:
    """Heavy-pollution days still allowed (剩余天数需控制在 H_allow 天内; §3.3).

    A count target ``H_max``, or a ratio target r % over N days: ⌊r·N/100⌋ (``"exact"``) or the
    largest H with round_half_even(100·H/N, 1) ≤ r (``"published"``).
    """
    _check_rounding(target_rounding)
    if (H_max is None) == (ratio is None):
        raise ValueError("重污染天数目标应给出天数上限或比例之一")
    if H_max is None:
        r = Fraction(str(ratio))
        if not N:
            raise ValueError("按比例的重污染天数目标需要全年有效天数 N")
        if target_rounding == "exact":
            H_max = math.floor(r * N / 100)
        else:
            H_max = math.floor(r * N / 100)
            while Fraction(round(Fraction(100 * (H_max + 1), N), 1)) <= r:
                H_max += 1
    allow = H_max - H_so_far
    return HeavyDays(H_max, H_so_far, allow, allow >= 0)


@dataclass(frozen=True)
class WindowStats:
    """Best, median and worst of the qualifying past years' window statistics (§3.4)."""

    years: tuple[int, ...]
    values: tuple[Fraction, ...]
    best: Fraction
    median: Fraction
    worst: Fraction


def window_stats(values: Sequence[tuple[int, Fraction]], *, lower_is_better: bool = True) -> WindowStats | None:
    """Best/median/worst of (year, value) pairs; median = mean of the two middle values for an
    even count; None when no year qualifies."""
    if not values:
        return None
    vs = sorted(Fraction(v) for _, v in values)
    k = len(vs)
    med = vs[k // 2] if k % 2 else (vs[k // 2 - 1] + vs[k // 2]) / 2
    best, worst = (vs[0], vs[-1]) if lower_is_better else (vs[-1], vs[0])
    return WindowStats(tuple(y for y, _ in values), tuple(Fraction(v) for _, v in values), best, med, worst)


def qualifies(valid_days: int, calendar_days: int, min_coverage: Fraction = HISTORY_MIN_COVERAGE) -> bool:
    """A past year's window counts when its valid days cover ≥ ``history_min_coverage`` of its
    calendar days (default 324/365)."""
    return calendar_days > 0 and Fraction(valid_days, calendar_days) >= min_coverage


def scaled_count(count: int, valid_days: int, N_r: int) -> Fraction:
    """A past window's good-day count scaled exactly to N_r days (§3.4)."""
    return Fraction(count * N_r, valid_days) if valid_days else Fraction(0)


def feasibility_mean(rm: RemainingMean, stats: WindowStats | None) -> Feasibility | None:
    """Class of an exact R against the window means (lower is better; §3.4 table)."""
    if rm.R is None:
        return None
    if not rm.achievable:
        return "impossible"
    if stats is None:
        return None
    R = rm.R
    if R >= stats.worst:
        return "secured"
    if R >= stats.median:
        return "on_track"
    if R >= stats.best:
        return "hard"
    return "unprecedented"


def feasibility_good_days(gd: GoodDays, N_r: int, stats: WindowStats | None) -> Feasibility | None:
    """Class of G_need against the past windows' good-day counts (scaled to N_r; §3.4)."""
    if gd.G_need > N_r:
        return "impossible"
    if stats is None:
        return None
    fewest, most = min(stats.values), max(stats.values)
    if gd.G_need <= fewest:
        return "secured"
    if gd.G_need <= stats.median:
        return "on_track"
    if gd.G_need <= most:
        return "hard"
    return "unprecedented"


@dataclass(frozen=True)
class ScheduleProgress:
    p: Fraction
    tau: Fraction
    x_pub: Fraction
    wording: str


def schedule_progress(actual: Fraction | str, base: Fraction | str, target: Fraction | str, d: date
                      ) -> ScheduleProgress | None:
    """序时进度 (§3.4 [S25]): p = (actual − base)/(target − base) × 100; τ = elapsed/days_in_year ×
    100 with elapsed = d's day of the year; x = p − τ published with 1 decimal; None when target =
    base."""
    a, b, t = Fraction(str(actual)), Fraction(str(base)), Fraction(str(target))
    if t == b:
        return None
    p = (a - b) / (t - b) * 100
    tau = Fraction(d.timetuple().tm_yday * 100, days_in_year(d.year))
    x = Fraction(round(p - tau, 1))
    if x > 0:
        word = f"超序时进度 {_fmt1(x)} 个百分点"
    elif x < 0:
        word = f"落后序时进度 {_fmt1(-x)} 个百分点"
    else:
        word = "符合序时进度"
    return ScheduleProgress(p, tau, x, word)


def straight_line_value(base: Fraction | str, target: Fraction | str, d: date) -> Fraction:
    """The target path ``base + (target − base)·τ/100`` in the indicator's unit (§3.4)."""
    b, t = Fraction(str(base)), Fraction(str(target))
    tau = Fraction(d.timetuple().tm_yday, days_in_year(d.year))
    return b + (t - b) * tau


def completion_rate(actual_decrease_pub: Fraction | str, target_decrease: Fraction | str) -> Fraction | None:
    """目标完成率 = actual decrease ÷ target decrease × 100, 1 decimal (E7); None when the target
    decrease is 0."""
    t = Fraction(str(target_decrease))
    if t == 0:
        return None
    return Fraction(round(Fraction(str(actual_decrease_pub)) / t * 100, 1))


def sections_needed(P: Fraction | str, n_evaluated: int, n_good: int, *,
                    target_rounding: TargetRounding = "exact") -> int:
    """Ⅰ–Ⅲ sections still needed for a share target P % (§3.5); clipped at 0."""
    _check_rounding(target_rounding)
    P = Fraction(str(P))
    if n_evaluated <= 0:
        return 0
    if target_rounding == "exact":
        g = math.ceil(P * n_evaluated / 100)
    else:
        g = 0
        while g < n_evaluated and Fraction(round(Fraction(100 * g, n_evaluated), 1)) < P:
            g += 1
    return max(0, g - n_good)


def section_remaining_limit(L: Fraction | str, k_m: int, m_r: int, sum_so_far: Fraction | str, *,
                            decimals: int, higher_is_better: bool = False,
                            target_rounding: TargetRounding = "exact") -> Fraction | None:
    """Mean the remaining months of one item must not exceed (DO: must reach) for the section's
    annual mean to stay within its target-class limit L (§3.5); None when m_r = 0."""
    _check_rounding(target_rounding)
    if m_r == 0:
        return None
    bound = Fraction(str(L))
    if target_rounding == "published":
        bound += -_half_unit(decimals) if higher_is_better else _half_unit(decimals)
    return (bound * (k_m + m_r) - Fraction(str(sum_so_far))) / m_r


def co2_intensity_reduction(E_t: Fraction | str, G_t: Fraction | str, E_0: Fraction | str, G_0: Fraction | str
                            ) -> Fraction:
    """单位GDP二氧化碳排放降低率 r = (1 − (E_t/G_t)/(E_0/G_0)) × 100 (%), exact (§3.5; carbon.md
    §8.4 publishes it with 2 decimals)."""
    Et, Gt, E0, G0 = (Fraction(str(v)) for v in (E_t, G_t, E_0, G_0))
    return (1 - (Et / Gt) / (E0 / G0)) * 100


def _fmt1(x: Fraction) -> str:
    units = round(x * 10)
    return f"{'-' if units < 0 else ''}{abs(units) // 10}.{abs(units) % 10}"


TaskProgress = Literal["done", "on_schedule", "lagging", "overdue"]
TASK_PROGRESS_LABELS: dict[str, str] = {"done": "已完成", "on_schedule": "序时推进", "lagging": "滞后", "overdue": "逾期"}


def elapsed_share(d: date, start: date, due: date) -> Fraction:
    """(d − start + 1)/(due − start + 1) × 100, inclusive days; 0 before the start (§4.3 B2)."""
    if d < start:
        return Fraction(0)
    total = (due - start).days + 1
    if total <= 0:
        raise ValueError(f"完成时限 {due} 早于开始日期 {start}")
    return Fraction(min((d - start).days + 1, total) * 100, total)


def task_progress(d: date, due: date, done: bool, reported_pct: Fraction | str, start: date | None = None
                  ) -> TaskProgress:
    """进展 of a task or inspection item on day d (assessment-bulletin.md §4.3 item 4, Table B2):
    已完成 when marked done; 逾期 when d > due and not done; 滞后 when the reported percentage is
    below the elapsed share (start default 1 January of d's year); otherwise 序时推进."""
    if done:
        return "done"
    if d > due:
        return "overdue"
    s = start or date(d.year, 1, 1)
    return "lagging" if Fraction(str(reported_pct)) < elapsed_share(d, s, due) else "on_schedule"


__all__ = [
    "FEASIBILITY_LABELS",
    "TASK_PROGRESS_LABELS",
    "TaskProgress",
    "elapsed_share",
    "task_progress",
    "Feasibility",
    "GoodDays",
    "HeavyDays",
    "RemainingMean",
    "RemainingPublish",
    "ScheduleProgress",
    "TargetRounding",
    "WindowStats",
    "attainment_bound",
    "co2_intensity_reduction",
    "completion_rate",
    "days_in_year",
    "feasibility_good_days",
    "feasibility_mean",
    "good_days_needed",
    "heavy_days_allowed",
    "qualifies",
    "remaining_calendar_days",
    "remaining_mean",
    "remaining_valid_days",
    "schedule_progress",
    "scaled_count",
    "section_remaining_limit",
    "sections_needed",
    "straight_line_value",
    "window_stats",
]
