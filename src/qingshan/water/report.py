"""The surface-water report: ONE builder for the CLI, the web pages, the bulletin and the demo.

:func:`build_report` evaluates a date range ``[start, end)`` (a week, 旬, month, quarter, year,
1—N月 or a free range) from the store and returns a :class:`WaterReport` of plain dataclasses with exact
values (``Fraction``) next to their published texts:

* per section: class, status and colour, target and attainment, main pollutants with their
  exceedance multiples, CWQI, last year's class over the same range and the change;
* each river by water.md §5 (the mean method below 5 sections, class proportions G/D from 5 on,
  main indicators) and each lake or reservoir by §6 (points averaged, TN apart, TLI(Σ) of §7
  when chlorophyll-a and transparency are measured);
* counties' CWQI (water.md §9: river sections and lake units — points under ``per_point``, whole
  lakes under ``per_lake`` — averaged with their counts as weights), the ranking
  (ascending, shared ranks) and ΔCWQI against the same range a year before with the change
  ranking and its exclusion rule;
* the city's CWQI over its national (国考) sections (water.md §9: "the city's national
  assessment sections"; setting ``city_levels``) with ΔCWQI;
* the 劣Ⅴ list;
* bulletin figures: 优良水体比例 (share of sections in Ⅰ–Ⅲ), 劣Ⅴ count and share, target
  attainment — for all sections and for the national ones — and last year's.

Every registered (active) section is listed; one without any result in the range is a row marked
``no_data`` (no class, not counted in figures, rankings or indices).

Sections with fewer than the 21 items get no CWQI under ``cwqi_missing_items="exclude_section"``
and are listed in ``notes`` with their missing items (water.md §9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import polars as pl
from sqlalchemy import select

from qingshan import exact
from qingshan.standards import cwqi as C
from qingshan.standards import gb3838
from qingshan.standards import water_trophic as trophic
from qingshan.standards.water_evaluation import SectionMeans, evaluate_lake, evaluate_river
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_statistics import exclusions, mean_of_means
from qingshan.water.evaluation import PeriodEvaluation, as_datetime, evaluate_periods, months_back
from qingshan.water.periods import kind_of_range, period_of, range_label
from qingshan.water.registry import sections_frame, targets
from qingshan.water.store import WaterStore


NO_DATA = "无监测数据"  # the status shown for a registered section without results in the period


@dataclass
class SectionRow:
    code: str
    name: str
    river: str | None
    county_code: str | None
    county_name: str | None
    control_level: str | None
    water_body: str
    demo: bool
    class_: int | None
    class_label: str
    status: str | None
    colour: str | None
    target_class: int | None
    target_label: str
    attained: bool | None
    main_pollutants: tuple[str, ...]
    main_pollutants_label: str
    partial: bool
    n_evaluated: int
    limit_tie: bool
    tn_class: int | None
    fc_class: int | None
    cwqi: Fraction | None
    cwqi_text: str
    cwqi_missing: tuple[str, ...]
    previous_class: int | None
    previous_label: str
    change: str  # 好转 / 变差 / 持平 / ""
    no_data: bool = False  # a registered section without any result in the period (listed, not evaluated)


@dataclass
class UnitIndex:
    unit: str
    name: str
    n_sections: int
    cwqi: Fraction | None
    cwqi_text: str
    rank: int | None
    base: Fraction | None
    base_text: str
    delta: Fraction | None
    delta_text: str
    change_rank: int | None
    excluded_from_change: bool
    note: str = ""


@dataclass
class Figures:
    """Bulletin figures of one set of sections (water.md §3, §5: shares exact, published 1 decimal)."""

    scope: str
    n_sections: int
    n_good: int
    good_share: Fraction | None
    good_share_text: str
    n_worse_than_v: int
    worse_share: Fraction | None
    worse_share_text: str
    n_with_target: int
    n_attained: int
    attain_share: Fraction | None
    attain_share_text: str


@dataclass
class RiverRow:
    """A river (or lake/reservoir) as a whole (water.md §5, §6, §7)."""

    name: str
    water_body: str
    n_sections: int
    method: str  # mean | proportion | lake
    class_: int | None
    class_label: str
    status: str
    colour: str
    g_share_text: str
    d_share_text: str
    main_indicators: str
    tn_class_label: str = ""
    tli_text: str = ""
    trophic_state: str = ""
    partial: bool = False


@dataclass
class WaterReport:
    period: str
    start: date
    end: date
    kind: str
    previous_period: str
    rules_version: str
    rules_status: str
    sections: list[SectionRow]
    rivers: list[RiverRow]
    counties: list[UnitIndex]
    city: UnitIndex
    worse_than_v: list[SectionRow]
    figures: list[Figures]
    previous_figures: list[Figures]
    excluded_values: dict[str, int]
    demo: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready: every Fraction as its published text."""

        def conv(x):
            if isinstance(x, Fraction):
                return str(x)
            if isinstance(x, (date, datetime)):
                return x.isoformat()
            if isinstance(x, dict):
                return {k: conv(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [conv(v) for v in x]
            return x

        return conv(asdict(self))


def _pct(n: int, d: int) -> Fraction | None:
    return Fraction(100 * n, d) if d else None


def _pct_text(x: Fraction | None, settings: WaterSettings) -> str:
    return "" if x is None else exact.fraction_to_str(x, settings.share_decimals) + "%"


def figures(rows: Sequence[SectionRow], scope: str, settings: WaterSettings = DEFAULT_SETTINGS) -> Figures:
    """优良水体比例 (Ⅰ–Ⅲ), 劣Ⅴ count and share, attainment over ``rows`` with a class."""
    classed = [r for r in rows if r.class_ is not None]
    n = len(classed)
    good = sum(1 for r in classed if r.class_ <= 3)
    worse = sum(1 for r in classed if r.class_ == gb3838.WORSE_THAN_V)
    with_t = [r for r in classed if r.attained is not None]
    att = sum(1 for r in with_t if r.attained)
    g, w, a = _pct(good, n), _pct(worse, n), _pct(att, len(with_t))
    return Figures(scope, n, good, g, _pct_text(g, settings), worse, w, _pct_text(w, settings), len(with_t), att, a,
                   _pct_text(a, settings))


def _county_names(store: WaterStore) -> dict[str, str]:
    from qingshan.store.models_air import Division

    with store.engine.connect() as conn:
        return {c: n for c, n in conn.execute(select(Division.code, Division.name))}


def _evaluate(store: WaterStore, sections: pl.DataFrame, start: date, end: date,
              settings: WaterSettings, kind_n: tuple[str, int | None] | None = None) -> tuple[PeriodEvaluation, bool]:
    """The range's evaluation, and whether any value in it is synthetic (source ``demo``)."""
    kind, n = kind_n or kind_of_range(start, end)
    t0, t1 = as_datetime(start), as_datetime(end)
    hist = None
    if settings.cwqi_missing_items == "carry_forward":
        hist = store.observations(start=as_datetime(months_back(start, settings.cwqi_carry_forward_months)), end=t0)
    obs = store.observations(start=t0, end=t1)
    ev = evaluate_periods(obs, sections, kind=kind, through_month=n, start=start, end=end,
                          targets=targets(store.engine), settings=settings, history=hist)
    return ev, bool((obs["source"] == "demo").any())


def _shift_year(d: date, years: int = -1) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _rows(ev: PeriodEvaluation, names: dict[str, str], settings: WaterSettings) -> list[SectionRow]:
    out = []
    for r in ev.sections.to_dicts():
        cw = exact.to_fraction(r["cwqi"])
        out.append(SectionRow(
            code=r["section"], name=r["name"] or r["section"], river=r["river"], county_code=r["county_code"],
            county_name=names.get(r["county_code"] or "", None), control_level=r["control_level"],
            water_body=r["water_body"], demo=bool(r.get("demo")), class_=r["class"],
            class_label=gb3838.class_label(r["class"]), status=r["status"], colour=r["colour"],
            target_class=r["target_class"], target_label=gb3838.class_label(r["target_class"]), attained=r["attained"],
            main_pollutants=tuple(r["main_pollutants"] or ()), main_pollutants_label=r["main_pollutants_label"] or "",
            partial=bool(r["partial"]), n_evaluated=int(r["n_evaluated"] or 0), limit_tie=bool(r["limit_tie"]),
            tn_class=r["tn_class"], fc_class=r["fc_class"], cwqi=cw,
            cwqi_text=exact.fraction_to_str(cw, settings.cwqi_decimals) if cw is not None else "",
            cwqi_missing=tuple(r["cwqi_missing"] or ()), previous_class=None, previous_label="", change="",
        ))
    return out


def _no_data_rows(sections: pl.DataFrame, evaluated: set[str], tg: pl.DataFrame, year: int,
                  names: dict[str, str]) -> list[SectionRow]:
    """The registered sections with no result in the period: listed with their target and no
    class (water.md §3 classifies from the period's results; none means no class, not a gap in
    the list). They enter no figure, ranking or index: those count evaluated sections only."""
    target = {c: t for c, y, t in tg.iter_rows() if y == year}
    out = []
    for s in sections.to_dicts():
        if s["code"] in evaluated:
            continue
        t = target.get(s["code"])
        out.append(SectionRow(
            code=s["code"], name=s["name"] or s["code"], river=s["river"], county_code=s["county_code"],
            county_name=names.get(s["county_code"] or "", None), control_level=s["control_level"],
            water_body=s["water_body"], demo=bool(s.get("demo")), class_=None, class_label="", status=None,
            colour=None, target_class=t, target_label=gb3838.class_label(t), attained=None, main_pollutants=(),
            main_pollutants_label="", partial=False, n_evaluated=0, limit_tie=False, tn_class=None, fc_class=None,
            cwqi=None, cwqi_text="", cwqi_missing=(), previous_class=None, previous_label="", change="",
            no_data=True,
        ))
    return out


def section_means(ev: PeriodEvaluation) -> dict[str, SectionMeans]:
    """Each section's exact, unrounded period means (water.md §8 step 3) for the upper levels."""
    out: dict[str, dict] = {}
    for r in ev.means.filter(pl.col("sufficient")).to_dicts():
        d = out.setdefault(r["section"], {"means": {}, "ph": None})
        if r["item"] == "ph":
            d["ph"] = Decimal(r["ph_exact"]) if r["ph_exact"] else None
        elif r["mean"] is not None:
            d["means"][r["item"]] = exact.to_fraction(r["mean"])
    return {k: SectionMeans(k, v["means"], v["ph"]) for k, v in out.items()}


def _lake_index(points: Sequence[SectionMeans], water_body: str, settings: WaterSettings) -> Fraction | None:
    """``cwqi_aggregation="per_lake"``: one index from the lake's averaged items (water.md §9)."""
    lake = evaluate_lake(points, water_body, settings)
    if C.missing_items(lake.values) or lake.values.get("do", 0) <= 0:
        return None
    return C.section_index(lake.values, water_body)


def _unit_index(rows: Sequence[SectionRow], means: dict[str, SectionMeans], settings: WaterSettings) -> Fraction | None:
    """Mean CWQI of river sections and lake units (water.md §9, ``cwqi_aggregation``)."""
    river = [r.cwqi for r in rows if r.cwqi is not None and r.water_body == "river"]
    lakes = [r for r in rows if r.cwqi is not None and r.water_body != "river"]
    if settings.cwqi_aggregation == "per_point":
        units = [r.cwqi for r in lakes]
    else:
        by_lake: dict[str, list[SectionRow]] = {}
        for r in lakes:
            by_lake.setdefault(r.river or r.code, []).append(r)
        units = [x for rs in by_lake.values()
                 if (x := _lake_index([means[r.code] for r in rs], rs[0].water_body, settings)) is not None]
    if not river and not units:
        return None
    return C.city_index(river, units).value


def _rivers(rows: Sequence[SectionRow], means: dict[str, SectionMeans], settings: WaterSettings) -> list[RiverRow]:
    """Each river by §5 (mean method below ``proportion_min_sections``, else proportions), each
    lake or reservoir by §6 with TN apart and TLI(Σ) when chlorophyll-a and transparency exist."""
    groups: dict[tuple[str, str], list[SectionRow]] = {}
    for r in rows:
        if r.class_ is not None and r.code in means:
            kind = "river" if r.water_body == "river" else "lake"
            groups.setdefault((kind, r.river or r.name), []).append(r)
    out = []
    for (kind, name), rs in sorted(groups.items()):
        sm = [means[r.code] for r in rs]
        if kind == "river":
            rv = evaluate_river(sm, "river", settings)
            mains = ("、".join(f"{gb3838.NAMES[c]}（{exact.fraction_to_str(x, settings.share_decimals)}%）"
                              for c, x in rv.main_indicators) if rv.method == "proportion"
                     else "；".join(f"{r.name}：{r.main_pollutants_label}" for r in rs if r.main_pollutants_label))
            out.append(RiverRow(
                name, "river", len(rs), rv.method, rv.class_, rv.class_label, rv.status, rv.colour,
                _pct_text(rv.g_share, settings), _pct_text(rv.d_share, settings), mains, partial=rv.partial))
            continue
        wb = rs[0].water_body
        lk = evaluate_lake(sm, wb, settings)
        tli_text = state = ""
        tli_in = {k: lk.values.get(k) for k in ("tp", "tn", "codmn")}
        tli_in |= {k: mean_of_means([m.means[k] for m in sm if k in m.means]) for k in ("chla", "sd")
                   if any(k in m.means for m in sm)}
        if all(tli_in.get(k) is not None for k in trophic.PARAMETERS):
            t = trophic.tli(tli_in, settings)
            tli_text, state = t.published(settings.tli_decimals), t.state
        sec = lk.section
        out.append(RiverRow(
            name, wb, len(rs), "lake", sec.class_, sec.class_label, sec.status or "", sec.colour or "", "", "",
            sec.main_pollutants_label(settings.multiple_decimals), gb3838.class_label(sec.tn_class), tli_text, state,
            sec.partial))
    return out


def build_report(
    store: WaterStore | str | None,
    start: date,
    end: date,
    *,
    settings: WaterSettings = DEFAULT_SETTINGS,
    city_levels: Sequence[str] = ("国考",),
    county_names: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    cumulative: bool = False,
) -> WaterReport:
    """Build the water report for ``[start, end)`` (see the module doc).

    ``county_names`` maps GB/T 2260 codes to names (default: the ``divisions`` table).
    ``units`` maps section codes to the unit each counts for in the county ranking (the
    bulletin's ``unit_sections``, assessment-bulletin.md §1.5); default: the section's county,
    and a section missing from a given mapping is in no unit.
    ``cumulative``: ``[start, end)`` is 1—N月 (from 1 January to a month's end) evaluated as a
    cumulative period (``ytd``: data requirement ``min_results["ytd"]``) even when it is also a
    quarter (1—3月) or a year (1—12月), whose requirements differ (water.md §3).
    """
    if end <= start:
        raise ValueError("结束日期必须晚于开始日期")
    own = not isinstance(store, WaterStore)
    st = store if isinstance(store, WaterStore) else WaterStore(store)
    try:
        sections = sections_frame(st.engine, active_only=True)
        names = dict(county_names) if county_names is not None else _county_names(st)
        kind_n = None
        if cumulative:
            n = (end.year - start.year) * 12 + end.month - start.month
            if (start.month, start.day, end.day) != (1, 1, 1) or not 1 <= n <= 12:
                raise ValueError("累计时段须从 1 月 1 日开始、到同年某月月末结束")
            kind_n = ("ytd", n)
        ev, demo = _evaluate(st, sections, start, end, settings, kind_n)
        p_start, p_end = _shift_year(start), _shift_year(end)
        prev, _prev_demo = _evaluate(st, sections, p_start, p_end, settings, kind_n)
        tg = targets(st.engine)
    finally:
        if own:
            st.close()
    rows = _rows(ev, names, settings)
    no_data = _no_data_rows(sections, {r.code for r in rows}, tg, start.year, names)
    prev_rows = {r.code: r for r in _rows(prev, names, settings)}
    for r in rows:
        p = prev_rows.get(r.code)
        if p is not None and p.class_ is not None and r.class_ is not None:
            r.previous_class, r.previous_label = p.class_, p.class_label
            r.change = "好转" if r.class_ < p.class_ else ("变差" if r.class_ > p.class_ else "持平")
    rows.sort(key=lambda r: (r.county_code or "", r.river or "", r.code))
    notes = [
        f"断面 {r.name} 缺少 {len(r.cwqi_missing)} 项（{'、'.join(gb3838.NAMES[c] for c in r.cwqi_missing)}），不参与 CWQI"
        for r in rows if r.class_ is not None and r.cwqi is None and r.cwqi_missing
    ]
    # counties
    def unit_of(r: SectionRow) -> str | None:
        return units.get(r.code) if units is not None else r.county_code

    counties: dict[str, list[SectionRow]] = {}
    for r in rows:
        if unit_of(r):
            counties.setdefault(unit_of(r), []).append(r)
    prev_by_county: dict[str, list[SectionRow]] = {}
    for r in prev_rows.values():
        if unit_of(r):
            prev_by_county.setdefault(unit_of(r), []).append(r)
    means, prev_means = section_means(ev), section_means(prev)
    cur = {c: _unit_index(rs, means, settings) for c, rs in counties.items()}
    base = {c: _unit_index(prev_by_county.get(c, []), prev_means, settings) for c in counties}
    ranks = C.rank(cur)

    def all_ii(rs: Sequence[SectionRow]) -> bool:
        return bool(rs) and all(r.class_ is not None and r.class_ <= 2 for r in rs)

    def met(rs: Sequence[SectionRow]) -> bool:
        return bool(rs) and all(r.attained for r in rs)

    good = {c: all_ii(counties[c]) and all_ii(prev_by_county.get(c, [])) for c in counties}
    met_t = {c: met(counties[c]) for c in counties}
    change = {row.unit: row for row in C.change_ranking(cur, base, all_class_ii_or_better=good, met_targets=met_t)}
    county_rows = []
    for c, rs in counties.items():
        ch = change[c]
        county_rows.append(UnitIndex(
            unit=c, name=names.get(c, c), n_sections=sum(1 for r in rs if r.cwqi is not None), cwqi=cur[c],
            cwqi_text=exact.fraction_to_str(cur[c], settings.cwqi_decimals) if cur[c] is not None else "",
            rank=ranks.get(c), base=base[c],
            base_text=exact.fraction_to_str(base[c], settings.cwqi_decimals) if base[c] is not None else "",
            delta=ch.delta, delta_text=(exact.fraction_to_str(ch.delta, settings.delta_cwqi_decimals) + "%") if ch.delta is not None else "",
            change_rank=ch.rank, excluded_from_change=ch.excluded, note=ch.reason,
        ))
    county_rows.sort(key=lambda u: (u.rank is None, u.rank or 0, u.unit))
    # city
    city_rows = [r for r in rows if r.control_level in city_levels]
    city_prev = [r for r in prev_rows.values() if r.control_level in city_levels]
    cv, cb = _unit_index(city_rows, means, settings), _unit_index(city_prev, prev_means, settings)
    cd = C.change(cv, cb) if (cv is not None and cb is not None) else None
    city = UnitIndex(
        unit="city", name="全市", n_sections=sum(1 for r in city_rows if r.cwqi is not None), cwqi=cv,
        cwqi_text=exact.fraction_to_str(cv, settings.cwqi_decimals) if cv is not None else "", rank=None, base=cb,
        base_text=exact.fraction_to_str(cb, settings.cwqi_decimals) if cb is not None else "", delta=cd,
        delta_text=(exact.fraction_to_str(cd, settings.delta_cwqi_decimals) + "%") if cd is not None else "",
        change_rank=None, excluded_from_change=False,
        note=f"参与城市指数的断面：{'、'.join(city_levels)}" if city_rows else f"没有{'、'.join(city_levels)}断面，未计算城市指数",
    )
    natl = [r for r in rows if r.control_level == "国考"]
    return WaterReport(
        period=period_of("ytd", start, kind_n[1])[2] if kind_n else range_label(start, end), start=start,
        end=end, kind=kind_n[0] if kind_n else kind_of_range(start, end)[0],
        previous_period=period_of("ytd", p_start, kind_n[1])[2] if kind_n else range_label(p_start, p_end),
        rules_version=ev.rules_version, rules_status=ev.rules_status,
        # every registered section is listed; those without results are marked ``no_data``
        sections=sorted(rows + no_data, key=lambda r: (r.county_code or "", r.river or "", r.code)),
        rivers=_rivers(rows, means, settings), counties=county_rows, city=city,
        worse_than_v=[r for r in rows if r.class_ == gb3838.WORSE_THAN_V],
        figures=[figures(rows, "全部断面", settings), figures(natl, "国考断面", settings)],
        previous_figures=[figures(list(prev_rows.values()), "全部断面", settings),
                          figures([r for r in prev_rows.values() if r.control_level == "国考"], "国考断面", settings)],
        excluded_values=exclusions(ev.means) if not ev.means.is_empty() else {},
        demo=demo or any(r.demo for r in rows), notes=notes,
    )
