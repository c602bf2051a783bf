"""GB 36600—2018 土壤环境质量 建设用地土壤污染风险管控标准（试行）: item, sample and site decisions.

Tables 1 (45 basic items) and 2 (40 other items) are packaged data
(``standards/data/gb36600_2018.csv``, mg/kg: S1/S2 screening, I1/I2 intervention values of
land classes 1/2, and the footnote ᵃ background-exception flags). :data:`TABLE` carries the
provenance; results carry the table version and status.

Rules implemented (soil-waste.md §3):

* land class 1/2 from the planned use; unknown planned use → class 1 (§3.1);
* per item: ``below_screening`` (C ≤ Sk), ``between`` (Sk < C ≤ Ik), ``above_intervention``
  (C > Ik) — the ``soil classify`` class; always one class's pair of values (§3.2 notes);
* decision by stage (§3.4): ``initial`` → negligible or detailed investigation (C > Ik only
  flagged as indicative); ``detailed`` → negligible, risk assessment, or risk control or
  remediation; sample and site decision = the worst, with the items and samples that set it;
* the background-value exception for As, Co (S1, S2) and V (S1 only) (§3.5): Sk < C ≤ the
  site's background value → not put under contaminated-land management; the background values
  are a per-site input with their source (no default, UNCONFIRMED);
* sums (§3.3): 氯丹 = α + γ, 滴滴涕 = o,p′ + p,p′, 硫丹 = α + β, 多氯联苯（总量）= the 12
  dioxin-like congeners (list UNCONFIRMED), m- + p-xylene for No. 33; ``sum_nd_policy``;
* items in neither table: "需按 HJ 25.3 推导筛选值", never "not exceeding";
* a remediation target must be below Ik (:func:`check_remediation_target`).

References
----------
.. [1] GB 36600—2018 Tables 1–2, §5 (../shared/standards/soil-waste.md §3; rule numbers
       5.3.1–5.3.5 recalled, UNCONFIRMED).
.. [2] GB 50137—2011 城市用地分类与规划建设用地标准 (land-use codes, §3.1).
.. [3] ../shared/standards/soil-waste.md §1, §7 E2, §8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Literal

import polars as pl

from qingshan.standards.soil_values import (
    LimitTable,
    Reading,
    RowIssue,
    collect_samples,
    decimal_text,
    exceedance_multiple,
    item_key,
    item_key_variants,
    publish_index,
    single_factor_index,
    sum_readings,
)

Stage = Literal["initial", "detailed"]
STAGES: tuple[str, ...] = ("initial", "detailed")
STAGE_ZH = {"initial": "初步调查", "detailed": "详细调查"}
LAND_CLASSES: tuple[str, ...] = ("1", "2")

#: item / sample class of ``soil classify`` (ordered, best first)
ITEM_CLASSES: tuple[str, ...] = ("below_screening", "between", "above_intervention")
ITEM_CLASS_ZH = {"below_screening": "不高于筛选值", "between": "高于筛选值、不高于管制值", "above_intervention": "高于管制值"}
#: decisions and their rank (§3.4): negligible < further work < control or remediation
DECISION_RANK = {"negligible": 0, "detailed_investigation": 1, "risk_assessment": 1, "control_or_remediation": 2}
DECISION_ZH = {
    "negligible": "风险一般情况下可以忽略",
    "background_exception": "不纳入污染地块管理（背景值例外）",
    "detailed_investigation": "应开展详细调查（HJ 25.1/25.2）",
    "risk_assessment": "应开展风险评估（HJ 25.3）",
    "control_or_remediation": "原则上应采取风险管控或修复措施",
}
NO_LIMIT_ZH = "需按 HJ 25.3 推导筛选值"


@lru_cache(maxsize=1)
def load_table() -> LimitTable:
    """The packaged GB 36600—2018 Tables 1–2, 85 rows (two transcriptions agree, §0)."""
    path = resources.files("qingshan.standards") / "data" / "gb36600_2018.csv"
    rows = pl.read_csv(path.read_bytes(), infer_schema=False)
    return LimitTable(
        document="GB 36600—2018 土壤环境质量 建设用地土壤污染风险管控标准（试行）",
        version="GB 36600—2018",
        status="confirmed",
        source="soil-waste.md §3.2–3.3 (transcription of the official PDF, checked against a second one); "
        "footnote ᵃ for Co and V on one transcription (UNCONFIRMED, §9 item 2)",
        rows=rows,
    )


TABLE = load_table()


def key_of(table: str | int, no: str | int) -> str:
    """Canonical key of a row: ``"1-26"`` (Table 1 No. 26, benzene)."""
    return f"{table}-{no}"


#: sums of §3.3: total key → congener key → accepted names (congener keys that are items
#: themselves — PCB 126, PCB 169 — are their row keys)
_PCB = ("77", "81", "105", "114", "118", "123", "126", "156", "157", "167", "169", "189")
CONGENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "1-33": {"m-xylene": ("间二甲苯", "m-xylene", "108-38-3"), "p-xylene": ("对二甲苯", "p-xylene", "106-42-3")},
    "2-22": {"α-chlordane": ("α-氯丹", "顺式氯丹", "alpha-chlordane"), "γ-chlordane": ("γ-氯丹", "反式氯丹", "gamma-chlordane")},
    "2-25": {"o,p'-DDT": ("o,p'-滴滴涕", "o,p'-ddt"), "p,p'-DDT": ("p,p'-滴滴涕", "p,p'-ddt")},
    "2-28": {"α-endosulfan": ("α-硫丹", "alpha-endosulfan"), "β-endosulfan": ("β-硫丹", "beta-endosulfan")},
    "2-35": {("2-36" if n == "126" else "2-37" if n == "169" else f"PCB {n}"): (f"pcb{n}", f"pcb-{n}") for n in _PCB},
}


@dataclass(frozen=True)
class Row:
    key: str
    name_zh: str
    display: str
    s: tuple[Fraction, Fraction]
    i: tuple[Fraction, Fraction]
    background: tuple[bool, bool]


@lru_cache(maxsize=16)
def _rows(table: LimitTable) -> dict[str, Row]:
    out = {}
    for r in table.rows.iter_rows(named=True):
        key = key_of(r["table"], r["no"])
        out[key] = Row(
            key=key, name_zh=r["name_zh"], display=r["symbol"] or r["name_zh"],
            s=(Fraction(r["s1"]), Fraction(r["s2"])), i=(Fraction(r["i1"]), Fraction(r["i2"])),
            background=(r["background_s1"] == "1", r["background_s2"] == "1"),
        )
    return out


@lru_cache(maxsize=16)
def _names(table: LimitTable) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in table.rows.iter_rows(named=True):
        key = key_of(r["table"], r["no"])
        for text in (r["name_zh"], r["name_en"], r["symbol"]):
            if text:
                names[item_key(text)] = key
        if r["cas"] and r["cas"] != "—" and "," not in r["cas"]:
            names[item_key(r["cas"])] = key
    extra = {"六价铬": "1-3", "cr6+": "1-3", "铬(vi)": "1-3", "cr(vi)": "1-3", "bap": "1-39", "苯并(a)芘": "1-39",
             "多氯联苯": "2-35", "二噁英类": "2-38", "二噁英": "2-38", "石油烃": "2-40", "石油烃(c10-c40)": "2-40",
             "多溴联苯": "2-39", "间,对-二甲苯": "1-33", "间/对二甲苯": "1-33"}
    names.update(extra)
    for group in CONGENERS.values():
        for canon, aliases in group.items():
            names.setdefault(item_key(canon), canon)
            for a in aliases:
                names.setdefault(item_key(a), canon)
    return names


def match_item(text: object, table: LimitTable = TABLE) -> str | None:
    """Canonical key (``"1-26"``, or a congener of a §3.3 sum) or None (in neither table).

    Matched on the Chinese or English name, the symbol or the CAS number, ignoring case,
    spaces, bracket width, a leading 总 and a trailing bracketed symbol. 铬 (total chromium)
    is not 铬（六价） and has no value (§3.4).
    """
    return _match(str(text if text is not None else ""), table)


@lru_cache(maxsize=4096)
def _match(text: str, table: LimitTable) -> str | None:
    names = _names(table)
    variants = item_key_variants(text)
    for k in variants:
        if k in names:
            return names[k]
    for k in variants:  # "石油烃（C10-C40）" written with a hyphen, en dash or tilde
        k2 = re.sub(r"[–~～-]", "–", k)
        if k2 in names:
            return names[k2]
    return None


def display(key: str, table: LimitTable = TABLE) -> str:
    row = _rows(table).get(key)
    return row.display if row else key


# --- land class ------------------------------------------------------------------------------

#: GB 50137—2011 codes → land class (§3.1). G1 parks split (community and children's parks are
#: class 1, other G1 is class 2), so a bare ``G1`` is refused: give the class explicitly.
GB50137_CLASS1 = ("R", "A33", "A5", "A6")
GB50137_CLASS2 = ("M", "W", "B", "S", "U", "A", "G2", "G3", "G")


def land_class_for_code(code: str | None, land_use_code_map: Mapping[str, int] | None = None) -> int:
    """Land class 1 or 2 from a planned-use code (§3.1; setting ``land_use_code_map`` for the
    2023 国土空间 codes, UNCONFIRMED, no default). Empty code (planned use unknown) → 1."""
    if code is None or not str(code).strip():
        return 1
    c = str(code).strip().upper()
    if land_use_code_map and c in land_use_code_map:
        k = int(land_use_code_map[c])
        if k not in (1, 2):
            raise ValueError(f"用地代码映射「{c}」→{k} 无效（只能为 1 或 2）")
        return k
    if c.startswith("G1"):
        raise ValueError("G1 公园绿地中社区公园、儿童公园属第一类用地，其余属第二类用地：请直接给出用地类别 1 或 2")
    for prefix in GB50137_CLASS1:
        if c.startswith(prefix):
            return 1
    for prefix in GB50137_CLASS2:
        if c.startswith(prefix):
            return 2
    raise ValueError(f"无法识别的用地代码「{code}」：GB 50137 代码（R、A33、M、W…）或在 land_use_code_map 中给出 2023 国土空间用地代码的映射")


# --- background values (§3.5) ----------------------------------------------------------------


@dataclass(frozen=True)
class BackgroundValues:
    """Per-site soil background values [mg/kg] with their source (§3.5, setting
    ``background_values``; no default). Keys are item names or symbols (``As``, ``钴``)."""

    values: Mapping[str, Fraction | str | int]
    source: str

    def resolved(self, table: LimitTable = TABLE) -> dict[str, Fraction]:
        out: dict[str, Fraction] = {}
        for name, v in self.values.items():
            key = match_item(name, table)
            if key is None or not any(_rows(table)[key].background):
                raise ValueError(f"背景值例外只适用于砷、钴、钒（GB 36600 表注 a），「{name}」不适用")
            x = Fraction(v) if not isinstance(v, Fraction) else v
            if x < 0:
                raise ValueError(f"背景值「{name}」不能为负")
            out[key] = x
        return out


# --- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    """One item of one sample for land class k: the comparison class, the decision at the
    stage, the values used, and the flags of §3.4–3.5."""

    item: str
    content: Fraction | None
    detected: bool
    dl: Fraction | None
    screening: Fraction | None
    intervention: Fraction | None
    item_class: str | None
    decision: str | None
    background_exception: bool = False
    indicative_above_intervention: bool = False
    problem: str | None = None

    @property
    def index(self) -> Fraction | None:
        if self.content is None or self.screening is None or not self.detected:
            return None
        return single_factor_index(self.content, self.screening)

    @property
    def multiple(self) -> Fraction | None:
        if self.content is None or self.screening is None or not self.detected:
            return None
        return exceedance_multiple(self.content, self.screening)


@dataclass(frozen=True)
class SampleResult:
    """Result for one sample: the worst item class (``soil classify`` class) and the worst
    decision, each with the items that set it. ``status`` ok | incomplete | undetermined |
    rejected."""

    sample_id: str
    land_class: int
    stage: str
    sample_class: str | None
    decision: str | None
    status: str
    deciding_items: tuple[str, ...] = ()
    decision_items: tuple[str, ...] = ()
    indicative_items: tuple[str, ...] = ()
    background_exception_items: tuple[str, ...] = ()
    undetermined: tuple[tuple[str, str], ...] = ()
    no_limit_items: tuple[str, ...] = ()
    items: tuple[ItemResult, ...] = ()
    reject_reason: str | None = None
    land_class_note: str | None = None
    background_source: str | None = None
    table_version: str = TABLE.version
    table_status: str = TABLE.status


def classify_item(
    key: str,
    reading: Reading,
    land_class: int,
    stage: str = "detailed",
    *,
    background: Mapping[str, Fraction] | None = None,
    table: LimitTable = TABLE,
) -> ItemResult:
    """Class and decision of one item (§3.4, §3.5; non-detects §1 with Sk as the screening value)."""
    if land_class not in (1, 2):
        raise ValueError(f"用地类别应为 1 或 2，而不是 {land_class!r}")
    if stage not in STAGES:
        raise ValueError(f"调查阶段应为 initial（初步调查）或 detailed（详细调查），而不是 {stage!r}")
    row = _rows(table)[key]
    s, i = row.s[land_class - 1], row.i[land_class - 1]
    base = dict(item=key, content=reading.value, detected=reading.detected, dl=reading.dl, screening=s, intervention=i)
    if not reading.ok:
        return ItemResult(**base, item_class=None, decision=None, problem=reading.problem)
    if not reading.detected:
        if reading.dl <= s:
            return ItemResult(**base, item_class="below_screening", decision="negligible")
        return ItemResult(**base, item_class=None, decision=None, problem="nd_above_screening")
    c = reading.value
    if c <= s:
        return ItemResult(**base, item_class="below_screening", decision="negligible")
    cls = "between" if c <= i else "above_intervention"
    bg = (background or {}).get(key)
    if bg is not None and row.background[land_class - 1] and c <= bg:
        return ItemResult(**base, item_class=cls, decision="negligible", background_exception=True)
    if stage == "initial":
        return ItemResult(**base, item_class=cls, decision="detailed_investigation",
                          indicative_above_intervention=cls == "above_intervention")
    return ItemResult(**base, item_class=cls, decision="risk_assessment" if cls == "between" else "control_or_remediation")


def _totals(readings: Mapping[str, Reading], sum_nd_policy: str) -> dict[str, Reading | str]:
    out: dict[str, Reading | str] = {}
    for total, group in CONGENERS.items():
        if total in readings:
            out[total] = readings[total]
            continue
        own = [c for c in group if not c[0].isdigit()]  # congeners that are not items themselves
        if any(c in readings for c in own):
            out[total] = sum_readings([readings.get(c) for c in group], sum_nd_policy=sum_nd_policy)  # type: ignore[arg-type]
    return out


def classify_sample(
    sample_id: str,
    readings: Mapping[str, Reading],
    land_class: int,
    stage: str = "detailed",
    *,
    background_values: BackgroundValues | None = None,
    sum_nd_policy: str = "nd_as_zero",
    table: LimitTable = TABLE,
    no_limit_items: Sequence[str] = (),
    land_class_note: str | None = None,
) -> SampleResult:
    """Class and decision of one sample (§3.4); ``readings`` keyed by :func:`match_item` keys."""
    background = background_values.resolved(table) if background_values else None
    rows = _rows(table)
    congener_keys = {c for g in CONGENERS.values() for c in g if not c[0].isdigit()}
    values: dict[str, Reading | str] = {k: v for k, v in readings.items() if k not in congener_keys}
    values.update(_totals(readings, sum_nd_policy))
    results: list[ItemResult] = []
    undetermined: list[tuple[str, str]] = []
    for key in rows:
        if key not in values:
            continue
        r = values[key]
        if isinstance(r, str):
            undetermined.append((display(key, table), r))
            continue
        res = classify_item(key, r, land_class, stage, background=background, table=table)
        results.append(res)
        if res.item_class is None:
            undetermined.append((display(key, table), res.problem or "undetermined"))
    determined = [r for r in results if r.item_class is not None]
    worst_cls = max((ITEM_CLASSES.index(r.item_class) for r in determined), default=None)
    worst_dec = max((DECISION_RANK[r.decision] for r in determined), default=None)
    sample_class = ITEM_CLASSES[worst_cls] if worst_cls is not None else None
    dec_items = [r for r in determined if DECISION_RANK[r.decision] == worst_dec] if worst_dec is not None else []
    decision = None
    if dec_items:
        decision = dec_items[0].decision
        if decision == "negligible" and any(r.background_exception for r in determined):
            decision = "background_exception"
    status = "undetermined" if sample_class is None else ("incomplete" if undetermined else "ok")
    return SampleResult(
        sample_id=sample_id, land_class=land_class, stage=stage, sample_class=sample_class, decision=decision,
        status=status,
        deciding_items=tuple(display(r.item, table) for r in determined if ITEM_CLASSES.index(r.item_class) == worst_cls),
        decision_items=tuple(display(r.item, table) for r in dec_items) if worst_dec else (),
        indicative_items=tuple(display(r.item, table) for r in determined if r.indicative_above_intervention),
        background_exception_items=tuple(display(r.item, table) for r in determined if r.background_exception),
        undetermined=tuple(undetermined), no_limit_items=tuple(no_limit_items), items=tuple(results),
        land_class_note=land_class_note, background_source=background_values.source if background_values else None,
        table_version=table.version, table_status=table.status,
    )


@dataclass(frozen=True)
class SiteDecision:
    """The site's decision (§3.4): the worst over all samples, with the (sample, item) pairs
    that set it."""

    decision: str | None
    set_by: tuple[tuple[str, str], ...] = field(default=())
    samples: int = 0


def site_decision(samples: Sequence[SampleResult]) -> SiteDecision:
    """Worst decision over all samples and depths; the initial-stage indicative flag does not
    raise it (§3.4)."""
    best: int | None = None
    by: list[tuple[str, str]] = []
    dec: str | None = None
    for s in samples:
        for it in s.items:
            if it.decision is None:
                continue
            rank = DECISION_RANK[it.decision]
            if best is None or rank > best:
                best, by, dec = rank, [], it.decision
            if rank == best:
                by.append((s.sample_id, display(it.item)))
    if best == 0:
        by = []  # nothing "sets" a negligible site
        if any(it.background_exception for s in samples for it in s.items):
            dec = "background_exception"
    return SiteDecision(dec, tuple(by), len(samples))


def check_remediation_target(item: str, target: Fraction | str, land_class: int, table: LimitTable = TABLE) -> Fraction:
    """A remediation target (HJ 25.3/25.4) must be below Ik (§3.4); returns it, or raises."""
    key = match_item(item, table)
    if key is None:
        raise ValueError(f"「{item}」不在 GB 36600 表 1、表 2 中")
    t = Fraction(target)
    ik = _rows(table)[key].i[land_class - 1]
    if t >= ik:
        raise ValueError(f"{display(key, table)} 的修复目标值 {decimal_text(t)} mg/kg 不低于第{land_class}类用地管制值 {decimal_text(ik)} mg/kg")
    return t


def parse_land_class(text: object) -> tuple[int, str | None]:
    """``land_use`` of the long table for GB 36600: ``1``/``2``; empty → 1 with a note (§3.1)."""
    s = str(text or "").strip()
    if not s:
        return 1, "规划用途不明，按第一类用地评价（soil-waste.md §3.1）"
    if s in ("1", "2", "第一类用地", "第二类用地", "一类", "二类"):
        return (1 if s in ("1", "第一类用地", "一类") else 2), None
    raise ValueError(f"用地类别「{s}」无效（GB 36600：1 或 2）")


def classify_rows(
    rows: Sequence[dict],
    *,
    stage: str = "detailed",
    background_values: BackgroundValues | None = None,
    sum_nd_policy: str = "nd_as_zero",
    table: LimitTable = TABLE,
) -> tuple[list[SampleResult], list[RowIssue]]:
    """Classify a long table (dicts ``sample_id, land_use (1/2), item, value, unit[, ph, row]``)."""
    accepted = ("1", "2", "")  # empty = planned use unknown → class 1
    samples, issues = collect_samples(
        rows, lambda t: match_item(t, table), land_uses=None, use_ph=False, standard_zh="GB 36600—2018")
    land: dict[str, tuple[str, int | None]] = {}
    reject: dict[str, str] = {}
    for i, r in enumerate(rows):
        sid = str(r.get("sample_id") or "").strip()
        if not sid:
            continue
        lu = str(r.get("land_use") if r.get("land_use") is not None else "").strip()
        row = r.get("row", i + 2)
        if sid not in land:
            land[sid] = (lu, row)
            if lu not in accepted:
                reject[sid] = f"用地类别「{lu}」无效（GB 36600：1 或 2，留空按第一类）"
        elif lu != land[sid][0]:
            reject[sid] = f"同一样品的用地类别不一致（第 {land[sid][1]} 行为「{land[sid][0]}」，第 {row} 行为「{lu}」）"
    for sid, why in reject.items():
        issues.append(RowIssue(land[sid][1], sid, "land_use", "inconsistent_sample", f"样品「{sid}」被拒绝：{why}"))
    out = []
    for s in samples:
        lu = land.get(s.sample_id, ("", None))[0]
        if s.sample_id in reject:
            out.append(SampleResult(s.sample_id, int(lu) if lu in ("1", "2") else 1, stage, None, None, "rejected",
                                    reject_reason=reject[s.sample_id], table_version=table.version, table_status=table.status))
            continue
        k, note = parse_land_class(lu)
        out.append(classify_sample(s.sample_id, s.readings, k, stage, background_values=background_values,
                                   sum_nd_policy=sum_nd_policy, table=table, no_limit_items=s.unknown, land_class_note=note))
    return out, issues


RESULT_COLUMNS = ("sample_id", "class", "deciding_items", "class_name", "status", "land_class", "stage", "decision",
                  "decision_name", "decision_items", "indicative_above_intervention", "background_exception_items",
                  "undetermined_items", "no_limit_items", "reject_reason", "notes", "table_version", "table_status")


def results_frame(results: Sequence[SampleResult]) -> pl.DataFrame:
    """One row per sample (``soil classify --standard gb36600`` contract, docs/soil-notes.md):
    ``class`` below_screening | between | above_intervention | undetermined | rejected."""
    rows = []
    for r in results:
        cls = "rejected" if r.status == "rejected" else (r.sample_class or "undetermined")
        notes = [n for n in (r.land_class_note, f"背景值来源：{r.background_source}" if r.background_exception_items else None) if n]
        if r.no_limit_items:
            notes.append(f"{'、'.join(r.no_limit_items)}：{NO_LIMIT_ZH}")
        rows.append({
            "sample_id": r.sample_id, "class": cls, "deciding_items": ";".join(r.deciding_items),
            "class_name": ITEM_CLASS_ZH.get(r.sample_class or "", "样品被拒绝" if r.status == "rejected" else "无法判定"),
            "status": r.status, "land_class": str(r.land_class), "stage": r.stage,
            "decision": r.decision or "", "decision_name": DECISION_ZH.get(r.decision or "", ""),
            "decision_items": ";".join(r.decision_items),
            "indicative_above_intervention": ";".join(r.indicative_items),
            "background_exception_items": ";".join(r.background_exception_items),
            "undetermined_items": ";".join(f"{i}({p})" for i, p in r.undetermined),
            "no_limit_items": ";".join(r.no_limit_items), "reject_reason": r.reject_reason or "",
            "notes": "；".join(notes), "table_version": r.table_version, "table_status": r.table_status,
        })
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in RESULT_COLUMNS}, orient="row")


def items_frame(results: Sequence[SampleResult], table: LimitTable = TABLE) -> pl.DataFrame:
    """One row per evaluated item: content, Sk, Ik, class, decision, P and multiple."""
    rows = []
    for r in results:
        for it in r.items:
            rows.append({
                "sample_id": r.sample_id, "item": display(it.item, table), "name_zh": _rows(table)[it.item].name_zh,
                "content_mg_kg": decimal_text(it.content) if it.detected else (f"<{decimal_text(it.dl)}" if it.dl is not None else ""),
                "screening": decimal_text(it.screening), "intervention": decimal_text(it.intervention),
                "item_class": it.item_class or "", "decision": it.decision or "",
                "background_exception": "是" if it.background_exception else "",
                "index": publish_index(it.index), "multiple": publish_index(it.multiple), "problem": it.problem or "",
            })
    cols = ("sample_id", "item", "name_zh", "content_mg_kg", "screening", "intervention", "item_class", "decision",
            "background_exception", "index", "multiple", "problem")
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in cols}, orient="row")


def classify(frame: pl.DataFrame, *, stage: str = "detailed", background_values: BackgroundValues | None = None) -> pl.DataFrame:
    """Frame entry point: a long frame in, :func:`results_frame` out."""
    results, _ = classify_rows(frame.to_dicts(), stage=stage, background_values=background_values)
    return results_frame(results)
