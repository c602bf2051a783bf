"""Performance grading of enterprises (重点行业绩效分级) and the grade tables as data.

Implements air-emergency.md §3 (环办大气〔2026〕2号 parts 一 and 二(一), confirmed; the 2020
technical guide's tables, mostly UNCONFIRMED):

* grade scale and comparison order ``D < C < B- < B < A < A+`` with ``LEAD``/``NONLEAD`` mapped by
  ``lead_mapping`` (§3.1, UNCONFIRMED mapping);
* :func:`short_board` — 短板原则: the grade in one industry is the minimum over the indicators of
  the best grade each meets, with the indicators that decided it; :func:`enterprise_grade` —
  an enterprise in several key industries takes its lowest industry grade (§3.1);
  :func:`with_a_plus` — A+ only from the MEE list and only while the computed grade is A;
* :func:`limit_grade` — the best grade whose emission limits a value meets ('≤', §3.3);
  :func:`online_limit_grades` — the same from HJ 212 hourly converted concentrations
  (``-ZsAvg``, valid hours per hj212.md §9.3): a limit is met when a share ≥
  ``limit_hour_share`` of the valid hours in the review window is ≤ the limit (§3.1, PROJECT
  DEFAULT share 1 = every hour), vectorised over polars;
* :func:`transport_grade` — the transport indicator (§3.4);
* :func:`grade_measures` — the differentiated measures per industry, grade and level (§3.2).

The limit, measure and transport tables are versioned data
(:mod:`qingshan.standards.emergency_tables`: ``grade_limits``, ``grade_measures``,
``transport_rule``); results carry the table reference.

Concentrations: mg/m³, standard dry flue gas at the table's reference O2; HJ 212 values enter
as exact micro-units (:mod:`qingshan.exact`).

References
----------
.. [1] 生态环境部办公厅 中国人民银行办公厅 国家税务总局办公厅 环办大气〔2026〕2号《关于加强重点
       行业大气环境绩效分级管理的指导意见》, 2026-01.
.. [2] 环办大气函〔2020〕340号《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》.
.. [3] ../shared/standards/air-emergency.md §3.1–§3.4; hj212.md §9.3 (flag policy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import polars as pl

from qingshan.standards.emergency_tables import TableError, TableVersion, packaged_default

#: §2.3 grade values of the list and §3.1 scale.
GRADES = ("A+", "A", "B", "B-", "C", "D", "LEAD", "NONLEAD", "UNGRADED")
GRADE_ZH = {"A+": "A+级", "A": "A级", "B": "B级", "B-": "B-级", "C": "C级", "D": "D级", "LEAD": "引领性",
            "NONLEAD": "非引领性", "UNGRADED": "未评级"}
#: §3.1 comparison order.
RANK = {"D": 0, "C": 1, "B-": 2, "B": 3, "A": 4, "A+": 5}
#: §3.1 setting ``lead_mapping`` (UNCONFIRMED): 引领性 like A, 非引领性 like C.
LEAD_MAPPING: Mapping[str, str] = {"LEAD": "A", "NONLEAD": "C"}
#: Indicator groups of the 2026 guidance (§3.1).
INDICATOR_GROUPS = {
    "equipment": "装备水平", "treatment": "污染治理技术", "emission": "排放限值", "fugitive": "无组织排放",
    "monitoring": "监测监控水平", "management": "环境管理水平", "transport": "运输方式",
}
#: Pollutant keys of the limit tables → HJ 212 factor codes (hj212.md §12.2).
FACTOR = {"PM": "a34013", "SO2": "a21026", "NOx": "a21002", "NH3": "a21001", "VOCs": "a24088"}
POLLUTANT_OF_FACTOR = {v: k for k, v in FACTOR.items()}


def normalise_grade(text: Any) -> str:
    """A grade cell (``A``、``A级``、``B-``、``引领性``、``未评级`` …) → the §2.3 code."""
    s = str(text or "").strip().upper().replace("级", "").replace("－", "-").replace("—", "-")
    aliases = {"引领性": "LEAD", "非引领性": "NONLEAD", "未评": "UNGRADED", "未评级": "UNGRADED", "": "UNGRADED",
               "未分级": "UNGRADED", "A+": "A+", "B(含B-)": "B"}
    raw = str(text or "").strip().replace("级", "")
    if raw in aliases:
        return aliases[raw]
    if s in GRADES:
        return s
    raise ValueError(f"绩效等级“{text}”无法识别，应为 {'、'.join(GRADE_ZH[g] for g in GRADES)} 之一")


def grade_rank(grade: str, lead_mapping: Mapping[str, str] = LEAD_MAPPING) -> int:
    """Rank for comparisons (§3.1); ``UNGRADED`` ranks below D (-1)."""
    g = lead_mapping.get(grade, grade)
    if g == "UNGRADED":
        return -1
    if g not in RANK:
        raise ValueError(f"绩效等级“{grade}”不能比较")
    return RANK[g]


def lowest(grades: Iterable[str], lead_mapping: Mapping[str, str] = LEAD_MAPPING) -> str | None:
    gs = list(grades)
    return min(gs, key=lambda g: grade_rank(g, lead_mapping)) if gs else None


@dataclass(frozen=True)
class GradingSettings:
    """§3.1/§6 settings of grading (defaults = the spec's).

    grading_system : "2026" (A+/A/B/C/D); legacy_grades : B- and LEAD/NONLEAD stay valid (True,
    UNCONFIRMED); lead_mapping : LEAD→A, NONLEAD→C (UNCONFIRMED); limit_hour_share : share of
    valid hours that must meet a limit (1, PROJECT DEFAULT); grade_review_window_months : 12;
    averaging : "hour" (hourly ``-ZsAvg``).
    """

    grading_system: str = "2026"
    legacy_grades: bool = True
    lead_mapping: Mapping[str, str] = field(default_factory=lambda: dict(LEAD_MAPPING))
    limit_hour_share: Fraction = Fraction(1)
    grade_review_window_months: int = 12
    averaging: str = "hour"

    def __post_init__(self):
        if self.grading_system != "2026":
            raise ValueError("grading_system 目前只有 2026")
        if not 0 < self.limit_hour_share <= 1:
            raise ValueError("limit_hour_share 应在 (0, 1] 内")
        if self.averaging != "hour":
            raise ValueError("averaging 目前只支持 hour（小时折算浓度）")


# =============================================================================================
# the short-board rule (§3.1)
# =============================================================================================


@dataclass(frozen=True)
class Indicator:
    """One indicator of one industry: the best grade it meets (None = meets none)."""

    key: str
    group: str
    grade_met: str | None
    value: str | None = None
    basis: str = "entered"  # entered | online | computed
    evidence: str | None = None


@dataclass(frozen=True)
class GradeDecision:
    industry: str
    grade: str | None  # None: ungradable (§3.1: an indicator meeting no grade)
    deciding: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    reason: str
    tables: tuple[dict[str, str], ...] = ()


def short_board(industry: str, indicators: Sequence[Indicator], *, scale: Sequence[str] | None = None,
                settings: GradingSettings = GradingSettings(), tables: Sequence[TableVersion] = ()) -> GradeDecision:
    """短板原则 (§3.1): ``grade = min_i g_i`` and the indicators whose ``g_i`` equals it.

    An indicator that meets no grade (``grade_met`` None) makes the enterprise ungradable in
    this industry (it then falls under "not meeting standards", §2.5). A+ is never computed here
    (:func:`with_a_plus`). ``scale``: the industry's grades (a ``grade_met`` outside it is an error).
    """
    refs = tuple(t.ref for t in tables)
    if not indicators:
        return GradeDecision(industry, None, (), (), "没有指标，无法评级", refs)
    for ind in indicators:
        if ind.grade_met is not None and scale is not None and ind.grade_met not in scale:
            raise ValueError(f"指标“{ind.key}”的等级“{ind.grade_met}”不在该行业的等级 {'/'.join(scale)} 中")
        if ind.grade_met == "A+":
            raise ValueError(f"指标“{ind.key}”：A+ 不由指标评定（§3.1，由生态环境部名单确定）")
    failing = tuple(i.key for i in indicators if i.grade_met is None)
    if failing:
        return GradeDecision(industry, None, failing, tuple(indicators),
                             f"指标 {'、'.join(failing)} 未达到任何等级，不予评级（按未达标企业管理，§2.5）", refs)
    low = min(grade_rank(i.grade_met, settings.lead_mapping) for i in indicators)
    deciding = tuple(i.key for i in indicators if grade_rank(i.grade_met, settings.lead_mapping) == low)
    grade = next(i.grade_met for i in indicators if i.key == deciding[0])
    return GradeDecision(industry, grade, deciding, tuple(indicators),
                         f"短板原则：{'、'.join(deciding)} 决定等级 {GRADE_ZH.get(grade, grade)}", refs)


def enterprise_grade(decisions: Sequence[GradeDecision], settings: GradingSettings = GradingSettings()
                     ) -> tuple[str | None, str | None]:
    """§3.1: an enterprise in several key industries takes its lowest industry grade.

    Returns (grade, deciding industry); (None, industry) when some industry is ungradable.
    """
    if not decisions:
        return None, None
    for d in decisions:
        if d.grade is None:
            return None, d.industry
    d = min(decisions, key=lambda x: grade_rank(x.grade, settings.lead_mapping))
    return d.grade, d.industry


def with_a_plus(computed: str | None, on_mee_a_plus_list: bool) -> str | None:
    """§3.1: A+ comes from the MEE list and stands only while the computed grade is A."""
    return "A+" if on_mee_a_plus_list and computed == "A" else computed


# =============================================================================================
# emission-limit indicators (§3.3)
# =============================================================================================


def _limits_table(table: TableVersion | None) -> TableVersion:
    t = table or packaged_default("grade_limits")
    if t.kind != "grade_limits":
        raise TableError(f"需要绩效分级排放限值表，而非“{t.kind}”")
    return t


def industry_table(industry: str, table: TableVersion | None = None) -> Mapping[str, Any]:
    t = _limits_table(table)
    ind = t.data.get("industries", {}).get(industry)
    if ind is None:
        raise TableError(f"绩效分级排放限值表 {t.version} 没有行业“{industry}”（已有：{'、'.join(t.data.get('industries', {}))}）")
    return ind


def industry_scale(industry: str, table: TableVersion | None = None) -> tuple[str, ...]:
    return tuple(industry_table(industry, table)["scale"])


def validate_grade_limits(table: TableVersion) -> None:
    """Check a bureau-edited ``grade_limits`` table (numbers as decimal text, grades in scale)."""
    t = _limits_table(table)
    for key, ind in t.data.get("industries", {}).items():
        scale = ind.get("scale")
        if not scale or any(g not in RANK and g not in LEAD_MAPPING for g in scale):
            raise TableError(f"行业“{key}”的等级序列“{scale}”无效")
        for ok, outlet in ind.get("outlets", {}).items():
            for g, lims in outlet.get("limits", {}).items():
                if g not in scale:
                    raise TableError(f"行业“{key}”排放口“{ok}”：等级“{g}”不在等级序列中")
                for p, v in lims.items():
                    if p not in FACTOR:
                        raise TableError(f"行业“{key}”排放口“{ok}”等级 {g}：未知污染物“{p}”")
                    try:
                        if Fraction(str(v)) < 0:
                            raise ValueError
                    except (ValueError, ZeroDivisionError):
                        raise TableError(f"行业“{key}”排放口“{ok}”等级 {g} {p}：限值“{v}”不是非负数") from None


def limit_grade(pollutant_values: Mapping[str, Fraction | None], industry: str, outlet: str, *,
                table: TableVersion | None = None, meets_basic: bool = True) -> tuple[str | None, str]:
    """§3.3: the best grade of ``industry`` whose limits at ``outlet`` every given value meets (≤).

    ``pollutant_values`` maps PM/SO2/NOx/NH3 to a concentration (mg/m³ at the table's O2 ref);
    None = not measured (that pollutant does not restrict). The industry's last grade (the basic
    level, no table limit) is met when ``meets_basic`` (the applicable emission standard holds);
    otherwise None: the indicator meets no grade. Returns (grade or None, explanation).
    """
    ind = industry_table(industry, table)
    lims = ind["outlets"].get(outlet)
    if lims is None:
        raise TableError(f"行业“{industry}”没有排放口类型“{outlet}”")
    scale = list(ind["scale"])
    for g in scale:
        table_lims = lims.get("limits", {}).get(g)
        if table_lims is None:
            continue
        bad = [p for p, v in pollutant_values.items()
               if v is not None and p in table_lims and v > Fraction(str(table_lims[p]))]
        if not bad:
            return g, f"满足 {GRADE_ZH.get(g, g)} 限值（{lims['name']}，基准氧 {lims.get('o2_ref')}%）"
    if meets_basic:
        return scale[-1], "未达到表列限值，满足排放标准：基本要求等级"
    return None, "未满足排放标准"


def online_limit_grades(hourly: pl.DataFrame, outlets: pl.DataFrame, *, table: TableVersion | None = None,
                        settings: GradingSettings = GradingSettings()) -> pl.DataFrame:
    """Emission-limit indicator grades from HJ 212 hourly converted concentrations (§3.1, §3.3).

    Parameters
    ----------
    hourly : DataFrame
        ``outlet`` (str), ``factor`` (HJ 212 code), ``hour`` (Datetime), ``zs_avg`` (Int64 micro
        mg/m³, the ``-ZsAvg`` value), ``valid`` (Boolean: the hj212.md §9.3 flag policy, decided
        by the caller with :func:`qingshan.hj212.derive.valid_mask`). Only the review window
        should be passed (``grade_review_window_months`` before the application or review).
    outlets : DataFrame
        ``outlet``, ``industry``, ``outlet_kind`` (a key of the industry's ``outlets``).

    Returns
    -------
    DataFrame
        Per ``outlet, pollutant``: ``n_valid``, ``n_le_<grade>`` for each graded level, the best
        ``grade_met`` (a grade met when n_le/n_valid ≥ ``limit_hour_share``, exact; the basic
        level when none; null when no valid hour), ``max_zs`` (micro mg/m³), and the table
        reference ``table_version``, ``table_status``.
    """
    t = _limits_table(table)
    lim_rows = []
    for key, ind in t.data.get("industries", {}).items():
        for ok, outlet in ind.get("outlets", {}).items():
            for rank, g in enumerate(ind["scale"]):
                for p, v in outlet.get("limits", {}).get(g, {}).items():
                    lim_rows.append((key, ok, g, rank, FACTOR[p], p, int(Fraction(str(v)) * 10**6)))
    lims = pl.DataFrame(lim_rows, schema=["industry", "outlet_kind", "grade", "rank", "factor", "pollutant",
                                          "limit_micro"], orient="row")
    scales = pl.DataFrame([(k, list(ind["scale"])) for k, ind in t.data.get("industries", {}).items()],
                          schema=["industry", "scale"], orient="row")
    h = (hourly.filter(pl.col("valid") & pl.col("zs_avg").is_not_null())
         .join(outlets.select("outlet", "industry", "outlet_kind"), on="outlet", how="inner"))
    base = h.group_by("outlet", "industry", "outlet_kind", "factor").agg(
        n_valid=pl.len(), max_zs=pl.col("zs_avg").max())
    le = (h.join(lims, on=["industry", "outlet_kind", "factor"], how="inner")
          .group_by("outlet", "factor", "grade", "rank")
          .agg(n_le=(pl.col("zs_avg") <= pl.col("limit_micro")).sum().cast(pl.Int64)))
    share = settings.limit_hour_share
    met = (le.join(base.select("outlet", "factor", "n_valid"), on=["outlet", "factor"])
           .filter(pl.col("n_le") * share.denominator >= pl.col("n_valid") * share.numerator)
           .group_by("outlet", "factor").agg(pl.col("grade").sort_by("rank").first().alias("best")))
    wide = le.pivot(on="grade", index=["outlet", "factor"], values="n_le")
    wide = wide.rename({c: f"n_le_{c}" for c in wide.columns if c not in ("outlet", "factor")})
    out = (base.join(met, on=["outlet", "factor"], how="left").join(wide, on=["outlet", "factor"], how="left")
           .join(scales, on="industry", how="left")
           .with_columns(
               pollutant=pl.col("factor").replace_strict(POLLUTANT_OF_FACTOR, default=None),
               grade_met=pl.coalesce("best", pl.col("scale").list.last()),
               table_version=pl.lit(t.version), table_status=pl.lit(t.status))
           .drop("best", "scale"))
    return out.sort("outlet", "factor")


# =============================================================================================
# transport (§3.4) and measures (§3.2)
# =============================================================================================


def transport_grade(shares: Mapping[str, Fraction | None], scale: Sequence[str], *,
                    table: TableVersion | None = None) -> tuple[str, str]:
    """§3.4: the best grade whose transport alternatives one holds ('≥').

    ``shares``: ``clean`` (clean-mode tonnes / all bulk tonnes), ``g6_ne`` (国六/new-energy
    truck trips / all road trips), ``g5_plus`` (国五 or better / all) as fractions; None = not
    known. A grade without a rule in the table needs nothing. Returns (grade, explanation).
    """
    t = table or packaged_default("transport_rule")
    rules = t.data.get("grades", {})
    for g in scale:
        alts = rules.get(g)
        if alts is None:
            return g, f"{GRADE_ZH.get(g, g)}无运输方式要求"
        for alt in alts:
            if all(shares.get(k) is not None and shares[k] * 100 >= Fraction(str(v)) for k, v in alt.items()):
                cond = "、".join(f"{_SHARE_ZH[k]} ≥ {v}%" for k, v in alt.items())
                return g, f"满足 {GRADE_ZH.get(g, g)} 运输要求（{cond}）"
    return scale[-1], "未达到表列运输要求"


_SHARE_ZH = {"clean": "清洁运输比例", "g6_ne": "国六及新能源车辆比例", "g5_plus": "国五及以上车辆比例"}


def grade_measures(industry: str, grade: str, level: str, *, table: TableVersion | None = None,
                   settings: GradingSettings = GradingSettings(), ungraded_as: str = "lowest") -> tuple[str, ...]:
    """§3.2/§2.5: the measure codes of ``industry`` at ``grade`` for alert ``level``.

    A+ and A (and LEAD through ``lead_mapping``) are self-determined; B- takes B's measures when
    the table lists none (provincial "B(含B-)"); ``UNGRADED`` takes the lowest grade of the
    industry (``ungraded_as="lowest"``, Tianjin 2023, local); an industry without its own entry
    takes ``default``.
    """
    t = table or packaged_default("grade_measures")
    inds = t.data.get("industries", {})
    entry = inds.get(industry) or inds.get("default")
    if entry is None:
        raise TableError(f"分级减排措施表 {t.version} 没有行业“{industry}”，也没有 default")
    if level not in ("yellow", "orange", "red"):
        raise ValueError(f"预警级别“{level}”应为 yellow/orange/red")
    g = settings.lead_mapping.get(grade, grade)
    if g == "A+":
        g = "A"
    if g == "UNGRADED":
        if ungraded_as != "lowest":
            raise ValueError("ungraded_as 目前只支持 lowest（§2.5）")
        g = min(entry, key=lambda x: grade_rank(x, settings.lead_mapping))
    if g == "B-" and "B-" not in entry:
        g = "B"
    if g not in entry:
        raise TableError(f"分级减排措施表 {t.version} 行业“{industry}”没有等级 {grade} 的措施")
    return tuple(entry[g][level])
