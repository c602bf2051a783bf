"""Rule VERIFY-1: did a listed enterprise really cut its emissions during an alert?

Implements air-emergency.md §4.2–§4.3 (a PROJECT DEFAULT: no official computable rule exists,
§4.1), pure over polars frames of HJ 212 hourly records (CN 2061, hj212.md §12.2):

* hourly mass ``M_h`` per outlet: the pollutant's ``-Cou`` [kg] when valid, else
  ``C_h × V_h × 10⁻⁶`` with the measured ``-Avg`` [mg/m³] and the flue-gas volume ``V_h``
  [m³] (``a00000-Cou``, or ``a00000-Avg × 3600`` when ``flow_avg_unit`` is m³/s); both present
  and more than 1 % apart → the product, hour marked ``COU_MISMATCH``;
* validity by the single flag policy (hj212.md §9.3; the caller supplies ``valid`` from
  :func:`qingshan.hj212.derive.valid_mask`); an hour without a record is invalid; a check unit's
  hour is valid only when every outlet reporting the pollutant is valid, or it is a shutdown hour;
* baseline: ``baseline_h`` = 168 h before the first issue, minus earlier alerts, regional
  responses and 错峰 hours, shutdown hours excluded; below ``baseline_min_valid_h`` = 72 valid
  hours it extends back in 24-h steps to 720 h, then falls back to ``E0/24`` (``list``);
* alert window ``[start + ramp_h, end)``, shutdown hours (every outlet's flow ≤
  ``shutdown_flow_frac`` × its baseline mean flow, or a stop mark backed by the sub-meter) valid
  with ``M_h = 0``;
* ``rho = 1 − r_alert / r_base`` against ``rho_req`` (the hour-weighted mean over the levels in
  force), status NOT_REQUIRED / NOT_MONITORED / STOP_BREACH / INDETERMINATE / PASS / FAIL in the
  spec's order, ``load_ratio`` and ``CHECK_LOAD`` (§4.3), exceedance hours of the grade limit.

Exact arithmetic: concentrations, volumes and Cou enter as micro-unit integers
(:mod:`qingshan.exact`); a mass is an integer number of 10⁻¹⁸ kg (micro mg/m³ × micro m³) in
Int128, sums stay integers, and every ratio is a :class:`fractions.Fraction`; percentages are
published with one decimal, half-even, on the exact value (§4.2).

The parameters are a versioned table (kind ``verify_params``); every result carries its
reference.

References
----------
.. [1] ../shared/standards/air-emergency.md §4.2 (VERIFY-1), §4.3 (limits and load), §5 E3.
.. [2] ../shared/standards/hj212.md §9.3 (flags), §11 (DataTime = start of the hour), §12.2 (codes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import polars as pl

from qingshan.standards.emergency_reduction import percent_pub
from qingshan.standards.emergency_tables import TableError, TableVersion, packaged_default

#: §4.2 data: pollutant → HJ 212 factor code (hj212.md §12.2); VOCs as NMHC where monitored.
FACTORS = {"SO2": "a21026", "NOx": "a21002", "PM": "a34013", "VOCs": "a24088"}
POLLUTANT_OF = {v: k for k, v in FACTORS.items()}
FLOW = "a00000"
MASS_SCALE = 10**18  # one unit of a mass integer = 10⁻¹⁸ kg (micro mg/m³ × micro m³ = 10⁻¹² mg)
STATUS_ZH = {
    "NOT_REQUIRED": "无减排要求", "NOT_MONITORED": "无在线监测", "STOP_BREACH": "停产未停",
    "INDETERMINATE": "无法判定", "PASS": "达到减排要求", "FAIL": "未达到减排要求",
}
FLAG_ZH = {"CHECK_LOAD": "需核查负荷", "COU_MISMATCH": "排放量与浓度×流量不符", "PROVISIONAL": "预警进行中（暂定）"}


@dataclass(frozen=True)
class VerifyParams:
    """§4.2/§6 parameters of VERIFY-1 (defaults = the spec's; all PROJECT DEFAULT)."""

    baseline_h: int = 168
    baseline_min_valid_h: int = 72
    baseline_max_h: int = 720
    baseline_step_h: int = 24
    ramp_h: int = 0
    min_coverage: Fraction = Fraction(3, 4)
    tolerance: Fraction = Fraction(0)
    shutdown_flow_frac: Fraction = Fraction(1, 20)
    cou_mismatch_frac: Fraction = Fraction(1, 100)
    flow_avg_unit: str = "m3/s"
    table: Mapping[str, str] = field(default_factory=lambda: {"kind": "verify_params", "version": "VERIFY-1.0",
                                                               "status": "PROJECT DEFAULT"})

    def __post_init__(self):
        if self.flow_avg_unit not in ("m3/s", "m3/h"):
            raise ValueError("flow_avg_unit 应为 m3/s 或 m3/h")
        if not (0 < self.baseline_h <= self.baseline_max_h and self.baseline_step_h > 0 and self.ramp_h >= 0):
            raise ValueError("基线窗口参数无效（0 < baseline_h ≤ baseline_max_h，步长 > 0，ramp_h ≥ 0）")
        if not 0 <= self.min_coverage <= 1 or self.tolerance < 0 or self.shutdown_flow_frac < 0:
            raise ValueError("min_coverage 应在 [0,1]，tolerance 与 shutdown_flow_frac 不小于 0")

    @classmethod
    def from_table(cls, table: TableVersion | None = None, **overrides: Any) -> VerifyParams:
        t = table or packaged_default("verify_params")
        if t.kind != "verify_params":
            raise TableError(f"需要核查规则参数表，而非“{t.kind}”")
        d = dict(t.data)
        try:
            kw = {k: int(d[k]) for k in ("baseline_h", "baseline_min_valid_h", "baseline_max_h", "baseline_step_h",
                                        "ramp_h")}
            kw.update({k: Fraction(str(d[k])) for k in ("min_coverage", "tolerance", "shutdown_flow_frac",
                                                        "cou_mismatch_frac")})
            kw["flow_avg_unit"] = str(d["flow_avg_unit"])
        except (KeyError, ValueError, ZeroDivisionError) as exc:
            raise TableError(f"核查规则参数表 {t.version} 格式错误：{exc}") from None
        kw.update(overrides)
        try:
            return cls(**kw, table=t.ref)
        except ValueError as exc:
            raise TableError(f"核查规则参数表 {t.version}：{exc}") from None


@dataclass(frozen=True)
class CheckUnit:
    """One check unit (§4.2): a list row, or rows sharing an outlet merged (R, E0 summed).

    rho_req : level → pollutant → R[L][p] / E0_p (fractions).
    stop_levels : levels whose measure is ``stop`` for every merged row.
    cut_levels : levels with a ``cut x`` measure (for CHECK_LOAD).
    e0 : pollutant → E0 [kg/d] (the ``list`` baseline is E0/24 kg/h).
    limits : pollutant → grade limit [mg/m³ at the grade's reference O2] for §4.3 exceedances.
    """

    unit: str
    outlets: tuple[str, ...]
    rho_req: Mapping[str, Mapping[str, Fraction]]
    e0: Mapping[str, Fraction] = field(default_factory=dict)
    stop_levels: frozenset[str] = frozenset()
    cut_levels: frozenset[str] = frozenset()
    ramp_h: int | None = None
    limits: Mapping[str, Fraction] = field(default_factory=dict)
    flow_avg_unit: str | None = None


@dataclass(frozen=True)
class AlertWindow:
    """The alert to verify: first issue, start, end (None → ``now``, provisional), the level in
    force as intervals, and baseline hours to drop (earlier alerts, regional responses, 错峰)."""

    first_issue: datetime
    start: datetime
    end: datetime | None
    levels: Sequence[tuple[datetime, datetime, str]]
    excluded: Sequence[tuple[datetime, datetime]] = ()


@dataclass(frozen=True)
class UnitResult:
    """Output of VERIFY-1 per check unit × pollutant (§4.2 last item, §4.3)."""

    unit: str
    pollutant: str
    status: str
    rho_req: Fraction
    r_base: Fraction | None  # kg/h
    r_alert: Fraction | None  # kg/h
    rho: Fraction | None
    coverage: Fraction | None
    n_alert: int
    n_valid_alert: int
    n_shutdown: int
    n_valid_base: int
    baseline_hours: int | None
    baseline_source: str  # online | list
    load_ratio: Fraction | None
    flags: tuple[str, ...]
    excluded_alert: Mapping[str, int]
    excluded_base: Mapping[str, int]
    stop_breach_hours: tuple[datetime, ...]
    exceed_hours: tuple[datetime, ...]
    cou_mismatch_hours: int
    provisional: bool
    params: Mapping[str, str]

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    @property
    def rho_pub(self) -> str:
        return percent_pub(self.rho)

    @property
    def rho_req_pub(self) -> str:
        return percent_pub(self.rho_req)

    @property
    def coverage_pub(self) -> str:
        return percent_pub(self.coverage)

    @property
    def load_ratio_pub(self) -> str:
        return percent_pub(self.load_ratio)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, exact values as ``num/den`` text beside the published percentages."""
        fr = lambda x: None if x is None else f"{x.numerator}/{x.denominator}"  # noqa: E731
        return {
            "unit": self.unit, "pollutant": self.pollutant, "status": self.status, "status_zh": self.status_zh,
            "rho_req": fr(self.rho_req), "rho_req_pub": self.rho_req_pub,
            "r_base_kg_h": fr(self.r_base), "r_alert_kg_h": fr(self.r_alert),
            "rho": fr(self.rho), "rho_pub": self.rho_pub, "coverage": fr(self.coverage),
            "coverage_pub": self.coverage_pub, "n_alert": self.n_alert, "n_valid_alert": self.n_valid_alert,
            "n_shutdown": self.n_shutdown, "n_valid_base": self.n_valid_base, "baseline_hours": self.baseline_hours,
            "baseline_source": self.baseline_source, "load_ratio": fr(self.load_ratio),
            "load_ratio_pub": self.load_ratio_pub, "flags": list(self.flags),
            "excluded_alert": dict(self.excluded_alert), "excluded_base": dict(self.excluded_base),
            "stop_breach_hours": [t.isoformat() for t in self.stop_breach_hours],
            "exceed_hours": [t.isoformat() for t in self.exceed_hours],
            "cou_mismatch_hours": self.cou_mismatch_hours, "provisional": self.provisional,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Verification:
    results: tuple[UnitResult, ...]
    series: pl.DataFrame  # unit, pollutant, hour, window, valid, shutdown, mass (Int128, 10⁻¹⁸ kg), rate_kg_h
    evaluated_at: datetime
    provisional: bool
    params: VerifyParams


HOURLY_SCHEMA = {"outlet": pl.String, "factor": pl.String, "hour": pl.Datetime("us"), "avg": pl.Int64,
                 "zs_avg": pl.Int64, "cou": pl.Int64, "flag": pl.String, "valid": pl.Boolean}


def _hours(a: datetime, b: datetime) -> list[datetime]:
    """Hour starts h with [h, h + 1 h) inside [a, b) (§4.2 Windows; DataTime = hour start)."""
    first = a.replace(minute=0, second=0, microsecond=0)
    if first < a:
        first += timedelta(hours=1)
    n = int((b - first).total_seconds() // 3600)
    return [first + timedelta(hours=i) for i in range(max(0, n))]


def _level_at(levels: Sequence[tuple[datetime, datetime, str]], h: datetime) -> str | None:
    for a, b, lv in levels:
        if a <= h and h + timedelta(hours=1) <= b:
            return lv
    # an hour that straddles a level change takes the level at its start
    for a, b, lv in levels:
        if a <= h < b:
            return lv
    return None


def verify(hourly: pl.DataFrame, units: Sequence[CheckUnit], window: AlertWindow, *, now: datetime,
           params: VerifyParams = VerifyParams(), stop_marks: pl.DataFrame | None = None,
           submeter_off: pl.DataFrame | None = None) -> Verification:
    """Rule VERIFY-1 for every check unit and pollutant (§4.2, §4.3).

    Parameters
    ----------
    hourly : DataFrame
        HJ 212 hourly records of the units' outlets, one row per (outlet, factor, hour):
        :data:`HOURLY_SCHEMA` — ``outlet`` (MN), ``factor`` (a21026, a21002, a34013, a24088,
        a00000), ``hour`` (start of the hour, naive Beijing time, hj212.md §11), ``avg`` (micro
        mg/m³; flow micro m³/s or m³/h), ``zs_avg`` (micro mg/m³), ``cou`` (micro kg; flow micro m³),
        ``flag`` (the factor's ``-Flag``), ``valid`` (hj212.md §9.3 policy).
    units : sequence of CheckUnit
    window : AlertWindow
    now : datetime
        Evaluation time: the end of the window while the alert runs (``end`` None), results then
        ``provisional``.
    stop_marks, submeter_off : DataFrame, optional
        ``unit, hour``: the enterprise's 停产 marks and the hours its sub-meter shows the line off.
    """
    end = window.end if window.end is not None else now
    provisional = window.end is None or window.end > now
    end = min(end, now)
    issue = window.first_issue
    base_hours = _hours(issue - timedelta(hours=params.baseline_max_h), issue)
    excluded = list(window.excluded)
    base_hours = [h for h in base_hours if not any(a < h + timedelta(hours=1) and h < b for a, b in excluded)]
    h = hourly.select(list(HOURLY_SCHEMA)).cast(HOURLY_SCHEMA)
    # the hour grid: the baseline candidates once, the alert hours once per ramp, crossed with the units
    base_grid = pl.DataFrame(
        {"hour": base_hours,
         "bucket": [0 if k <= params.baseline_h else -(-(k - params.baseline_h) // params.baseline_step_h)
                    for k in (int((issue - t) / timedelta(hours=1)) for t in base_hours)]},
        schema={"hour": pl.Datetime("us"), "bucket": pl.Int64})
    unit_rows, ramp_rows = [], []
    for u in units:
        ramp = params.ramp_h if u.ramp_h is None else u.ramp_h
        mult = 3600 if (u.flow_avg_unit or params.flow_avg_unit) == "m3/s" else 1
        ramp_rows.append((u.unit, ramp))
        for o in u.outlets:
            unit_rows.append((u.unit, o, mult))
    ramps = pl.DataFrame(ramp_rows, schema={"unit": pl.String, "ramp": pl.Int64}, orient="row")
    alert_grids = []
    for ramp in sorted(set(r for _, r in ramp_rows)):
        hs = _hours(window.start + timedelta(hours=ramp), end)
        alert_grids.append(pl.DataFrame({"ramp": [ramp] * len(hs), "hour": hs, "level": [_level_at(window.levels, t) for t in hs]},
                                        schema={"ramp": pl.Int64, "hour": pl.Datetime("us"), "level": pl.String}))
    grid = pl.concat([
        ramps.select("unit").join(base_grid, how="cross").with_columns(window=pl.lit("baseline"),
                                                                       level=pl.lit(None, pl.String)),
        ramps.join(pl.concat(alert_grids) if alert_grids else pl.DataFrame(
            schema={"ramp": pl.Int64, "hour": pl.Datetime("us"), "level": pl.String}), on="ramp")
        .drop("ramp").with_columns(window=pl.lit("alert"), bucket=pl.lit(None, pl.Int64)),
    ], how="diagonal").select("unit", "hour", "window", "bucket", "level")
    umap = pl.DataFrame(unit_rows, schema={"unit": pl.String, "outlet": pl.String, "mult": pl.Int64}, orient="row")
    h = h.filter(pl.col("outlet").is_in(umap["outlet"].unique().implode()))

    # ---- flow per outlet-hour ------------------------------------------------------------------
    fl = (h.filter(pl.col("factor") == FLOW).join(umap.select("outlet", "mult").unique("outlet"), on="outlet")
          .select("outlet", "hour",
                  v=pl.coalesce(pl.col("cou").cast(pl.Int128), pl.col("avg").cast(pl.Int128) * pl.col("mult")),
                  v_valid=pl.col("valid") & pl.coalesce(pl.col("cou"), pl.col("avg")).is_not_null(),
                  v_flag=pl.col("flag")))
    # ---- pollutant hourly mass per outlet ----------------------------------------------------
    mm = params.cou_mismatch_frac
    pol = (h.filter(pl.col("factor").is_in(list(POLLUTANT_OF)))
           .join(fl, on=["outlet", "hour"], how="left")
           .with_columns(
               prod=pl.when(pl.col("valid") & pl.col("avg").is_not_null() & pl.col("v_valid").fill_null(False))
               .then(pl.col("avg").cast(pl.Int128) * pl.col("v")),
               cou18=pl.when(pl.col("valid") & pl.col("cou").is_not_null())
               .then(pl.col("cou").cast(pl.Int128) * 10**12))
           .with_columns(
               mismatch=(pl.col("prod").is_not_null() & pl.col("cou18").is_not_null()
                         & ((pl.col("cou18") - pl.col("prod")).abs() * mm.denominator > pl.col("prod") * mm.numerator)))
           .with_columns(mass=pl.when(pl.col("mismatch")).then(pl.col("prod"))
                         .otherwise(pl.coalesce("cou18", "prod")))
           .select("outlet", "factor", "hour", "mass", "mismatch", "zs_avg", "flag", "v_flag"))
    # outlets that report each pollutant (over everything fetched) → the unit's monitored set
    reports = pol.select("outlet", "factor").unique().join(umap.select("unit", "outlet"), on="outlet")
    # ---- outlet-hour grid --------------------------------------------------------------------
    og = grid.join(reports, on="unit", how="inner")  # unit, hour, window, bucket, level, outlet, factor
    og = (og.join(pol, on=["outlet", "factor", "hour"], how="left")
          .join(fl, on=["outlet", "hour"], how="left"))
    marks = pl.lit(False)
    if stop_marks is not None and stop_marks.height:
        sm = stop_marks.select("unit", "hour").unique().with_columns(mark=pl.lit(True))
        og = og.join(sm, on=["unit", "hour"], how="left")
        marks = pl.col("mark").fill_null(False)
    og = og.with_columns(
        stop_mark=(pl.col("flag") == "F").fill_null(False) | (pl.col("v_flag") == "F").fill_null(False) | marks,
        ok=pl.col("mass").is_not_null())
    # baseline shutdown (stop mark or zero flow) → excluded; outlet baseline mean flow
    og = og.with_columns(
        base_shut=(pl.col("window") == "baseline") & (pl.col("stop_mark") | (pl.col("v_valid").fill_null(False)
                                                                            & (pl.col("v") == 0))))
    # outlet baseline mean flow (§4.2: over the remaining valid baseline hours; flows are per outlet,
    # so every hour is counted once whatever the pollutant)
    fb = (fl.join(umap.select("unit", "outlet"), on="outlet")
          .join(grid.filter(pl.col("window") == "baseline").select("unit", "hour", "bucket"), on=["unit", "hour"])
          .filter(pl.col("v_valid") & (pl.col("v") > 0) & ~(pl.col("v_flag") == "F").fill_null(False)))
    if stop_marks is not None and stop_marks.height:
        fb = fb.join(stop_marks.select("unit", "hour").unique(), on=["unit", "hour"], how="anti")
    fb = fb.group_by("unit", "outlet").agg(fsum=pl.col("v").sum(), fn=pl.len())
    # ---- alert shutdown hours per unit (every outlet's flow low, or stop mark + sub-meter) -----
    alert_grid = grid.filter(pl.col("window") == "alert").select("unit", "hour")
    ua = (alert_grid.join(umap.select("unit", "outlet"), on="unit")
          .join(fl, on=["outlet", "hour"], how="left").join(fb, on=["unit", "outlet"], how="left")
          .with_columns(low=pl.col("v_valid").fill_null(False) & pl.col("fsum").is_not_null()
                        & (pl.col("v") * pl.col("fn") * params.shutdown_flow_frac.denominator
                           <= pl.col("fsum") * params.shutdown_flow_frac.numerator)))
    shut = ua.group_by("unit", "hour").agg(all_low=pl.col("low").all())
    if submeter_off is not None and submeter_off.height:
        so = submeter_off.select("unit", "hour").unique().with_columns(off=pl.lit(True))
        mk = og.group_by("unit", "hour").agg(any_mark=pl.col("stop_mark").any())
        shut = (shut.join(so, on=["unit", "hour"], how="left").join(mk, on=["unit", "hour"], how="left")
                .with_columns(all_low=pl.col("all_low") | (pl.col("off").fill_null(False)
                                                           & pl.col("any_mark").fill_null(False))))
    og = og.join(shut.select("unit", "hour", shutdown="all_low"), on=["unit", "hour"], how="left").with_columns(
        shutdown=pl.col("shutdown").fill_null(False) & (pl.col("window") == "alert"))
    # ---- unit-hour per pollutant ---------------------------------------------------------------
    # invalid cause for the exclusion counts (per outlet-hour): the pollutant flag, else the flow flag
    og = og.with_columns(cause=pl.when(pl.col("base_shut")).then(pl.lit("停产"))
                         .when(pl.col("ok")).then(None)
                         .when(pl.col("flag").is_null() & pl.col("mass").is_null() & pl.col("v_flag").is_null())
                         .then(pl.lit("缺数"))
                         .otherwise(pl.coalesce(pl.when(pl.col("flag") != "N").then(pl.col("flag")),
                                                pl.when(pl.col("v_flag") != "N").then(pl.col("v_flag")),
                                                pl.lit("缺数"))))
    uh = og.group_by("unit", "factor", "hour", "window", "bucket", "level").agg(
        n_out=pl.len(), n_ok=(pl.col("ok") & ~pl.col("base_shut")).sum(), base_shut=pl.col("base_shut").any(),
        shutdown=pl.col("shutdown").first(), mass=pl.col("mass").sum(), mismatch=pl.col("mismatch").fill_null(False).any(),
        flow=pl.col("v").sum(), flow_ok=pl.col("v_valid").fill_null(False).all(),
        zs=pl.col("zs_avg"), causes=pl.col("cause").drop_nulls())
    uh = uh.with_columns(
        valid=pl.when(pl.col("shutdown")).then(True).otherwise((pl.col("n_ok") == pl.col("n_out")) & ~pl.col("base_shut")),
        mass=pl.when(pl.col("shutdown")).then(pl.lit(0, pl.Int128)).otherwise(pl.col("mass")))
    uh = uh.with_columns(mass=pl.when(pl.col("valid")).then(pl.col("mass")))

    results = _summarise(uh, units, window, params, provisional)
    series = uh.select("unit", pollutant=pl.col("factor").replace_strict(POLLUTANT_OF), hour="hour", window="window",
                       valid="valid", shutdown="shutdown", mass="mass",
                       rate_kg_h=pl.col("mass").cast(pl.Float64) / MASS_SCALE).sort("unit", "pollutant", "hour")
    return Verification(tuple(results), series, now, provisional, params)


def _summarise(uh: pl.DataFrame, units: Sequence[CheckUnit], window: AlertWindow, params: VerifyParams,
               provisional: bool) -> list[UnitResult]:
    base = uh.filter(pl.col("window") == "baseline")
    per_bucket = (base.group_by("unit", "factor", "bucket")
                  .agg(n=pl.col("valid").sum(), s=pl.col("mass").sum(),
                       f=pl.col("flow").filter(pl.col("valid") & pl.col("flow_ok")).sum(),
                       fn=(pl.col("valid") & pl.col("flow_ok")).sum()))
    alert = uh.filter(pl.col("window") == "alert")
    alert_sum = alert.group_by("unit", "factor").agg(
        n=pl.len(), nv=pl.col("valid").sum(), ns=pl.col("shutdown").sum(), s=pl.col("mass").sum(),
        f=pl.col("flow").filter(pl.col("valid") & ~pl.col("shutdown") & pl.col("flow_ok")).sum(),
        fn=(pl.col("valid") & ~pl.col("shutdown") & pl.col("flow_ok")).sum(),
        mism=(pl.col("mismatch") & pl.col("valid")).sum())
    alert_levels = (alert.filter(pl.col("valid")).group_by("unit", "factor", "level").agg(n=pl.len()))
    all_levels = alert.group_by("unit", "factor", "level").agg(n=pl.len())
    stop_pairs = pl.DataFrame([(u.unit, lv) for u in units for lv in u.stop_levels],
                              schema={"unit": pl.String, "level": pl.String}, orient="row")
    stops = (alert.filter(pl.col("valid") & ~pl.col("shutdown")).select("unit", "factor", "hour", "level")
             .join(stop_pairs, on=["unit", "level"], how="semi"))
    excl_a = alert.filter(~pl.col("valid")).explode("causes").drop_nulls("causes").group_by(
        "unit", "factor", "causes").agg(n=pl.len())
    excl_b = base.filter(~pl.col("valid")).explode("causes").drop_nulls("causes").group_by(
        "unit", "factor", "causes").agg(n=pl.len())
    lim_rows = [(u.unit, FACTORS[p], Fraction(v).numerator, Fraction(v).denominator)
                for u in units for p, v in u.limits.items() if p in FACTORS]
    lims = pl.DataFrame(lim_rows, schema={"unit": pl.String, "factor": pl.String, "ln": pl.Int64, "ld": pl.Int64},
                        orient="row")
    # §4.3: an exceedance is -ZsAvg > limit (exact: zs/10⁶ > ln/ld)
    zs = (alert.filter(pl.col("valid") & ~pl.col("shutdown")).select("unit", "factor", "hour", "zs").explode("zs")
          .join(lims, on=["unit", "factor"], how="inner")
          .filter(pl.col("zs").cast(pl.Int128) * pl.col("ld") > pl.col("ln").cast(pl.Int128) * 10**6)
          .select("unit", "factor", "hour").unique())

    def rows(frame: pl.DataFrame) -> dict[tuple, list[dict]]:
        out: dict[tuple, list[dict]] = {}
        for r in frame.iter_rows(named=True):
            out.setdefault((r["unit"], r["factor"]), []).append(r)
        return out

    pb, asum, alv, allv, st, ea, eb, zz = (rows(x) for x in (per_bucket, alert_sum, alert_levels, all_levels,
                                                              stops, excl_a, excl_b, zs))
    out = []
    max_bucket = -(-(params.baseline_max_h - params.baseline_h) // params.baseline_step_h)
    for u in units:
        for p, factor in FACTORS.items():
            key = (u.unit, factor)
            monitored = key in asum or key in pb
            # rho_req: hour-weighted over the valid alert hours' levels (§4.2), else over all hours
            weights = alv.get(key) or allv.get(key) or []
            tot = sum(r["n"] for r in weights)
            if tot:
                rho_req = sum((Fraction(r["n"]) * Fraction(u.rho_req.get(r["level"], {}).get(p, 0))
                               for r in weights if r["level"] is not None), Fraction(0)) / tot
            else:
                lvls = {lv for _, _, lv in window.levels}
                rho_req = max((Fraction(u.rho_req.get(lv, {}).get(p, 0)) for lv in lvls), default=Fraction(0))
            a = (asum.get(key) or [{}])[0]
            n = int(a.get("n") or 0)
            nv = int(a.get("nv") or 0)
            ns = int(a.get("ns") or 0)
            s_alert = int(a.get("s") or 0)
            # baseline: the first bucket whose cumulative valid hours reach the minimum
            buckets = sorted(pb.get(key, []), key=lambda r: r["bucket"])
            cum_n = cum_s = cum_f = cum_fn = 0
            chosen = None
            for b in range(0, max_bucket + 1):
                for r in buckets:
                    if r["bucket"] == b:
                        cum_n += int(r["n"])
                        cum_s += int(r["s"] or 0)
                        cum_f += int(r["f"] or 0)
                        cum_fn += int(r["fn"] or 0)
                if cum_n >= params.baseline_min_valid_h:
                    chosen = b
                    break
            if chosen is not None:
                r_base = Fraction(cum_s, cum_n * MASS_SCALE)
                source, base_h, n_base = "online", params.baseline_h + chosen * params.baseline_step_h, cum_n
                base_flow = Fraction(cum_f, cum_fn) if cum_fn else None
            else:
                e0 = Fraction(u.e0.get(p, 0))
                r_base = e0 / 24
                source, base_h, n_base, base_flow = "list", None, cum_n, None
            r_alert = Fraction(s_alert, nv * MASS_SCALE) if nv else None
            rho = (1 - r_alert / r_base) if (r_alert is not None and r_base) else None
            coverage = Fraction(nv, n) if n else None
            breach = tuple(sorted(r["hour"] for r in st.get(key, [])))
            flags = []
            af, afn = int(a.get("f") or 0), int(a.get("fn") or 0)
            load = (Fraction(af, afn) / base_flow) if (afn and base_flow) else None
            if rho_req == 0:
                status = "NOT_REQUIRED"
            elif not monitored:
                status = "NOT_MONITORED"
            elif breach:
                status = "STOP_BREACH"
            elif coverage is None or coverage < params.min_coverage or not r_base:
                status = "INDETERMINATE"
            elif rho >= rho_req - params.tolerance:
                status = "PASS"
                levels_in_force = {r["level"] for r in weights}
                if (levels_in_force & u.cut_levels and load is not None
                        and load > 1 - rho_req + params.tolerance):
                    flags.append("CHECK_LOAD")
            else:
                status = "FAIL"
            mism = int(a.get("mism") or 0)
            if mism:
                flags.append("COU_MISMATCH")
            if provisional:
                flags.append("PROVISIONAL")
            exceed = tuple(sorted(r["hour"] for r in zz.get(key, [])))
            out.append(UnitResult(
                unit=u.unit, pollutant=p, status=status, rho_req=rho_req, r_base=r_base, r_alert=r_alert, rho=rho,
                coverage=coverage, n_alert=n, n_valid_alert=nv, n_shutdown=ns, n_valid_base=n_base,
                baseline_hours=base_h, baseline_source=source, load_ratio=load, flags=tuple(flags),
                excluded_alert={r["causes"]: int(r["n"]) for r in ea.get(key, [])},
                excluded_base={r["causes"]: int(r["n"]) for r in eb.get(key, [])},
                stop_breach_hours=breach, exceed_hours=exceed, cou_mismatch_hours=mism, provisional=provisional,
                params=dict(params.table)))
    return out
