"""GB 15618—2018 土壤环境质量 农用地土壤污染风险管控标准（试行）: item and sample classes.

Tables 1–3 are packaged data (``standards/data/gb15618_2018.csv``, mg/kg); :data:`TABLE`
carries their document, edition, source and status, and every result carries the table
version and status it used. A bureau-edited table can be passed as ``table=``.

Rules implemented (soil-waste.md §2):

* pH bands B1 ≤ 5.5 < B2 ≤ 6.5 < B3 ≤ 7.5 < B4, pH unrounded (§2.1);
* the screening value by ``farmland_use`` — ``paddy``, ``other``, ``orchard`` (Cu from the
  orchard row), ``paddy_dry_rotation`` (the lower of paddy and other per item and band) (§2.2);
* Table 2 totals from a reported total or the sum of all congeners (§2.3, ``sum_nd_policy``);
* item class 1 (C ≤ S), 2 (S < C ≤ G), 3 (C > G) for Cd, Hg, As, Pb, Cr; items without an
  intervention value by ``no_intervention_item_policy`` (§2.5);
* sample class = the worst determined item class, with the deciding items; undetermined items
  make it ``incomplete`` (§2.5); missing pH by ``missing_ph_policy`` (§1).

A value equal to a limit satisfies it (GB/T 8170 全数值比较; §1).

References
----------
.. [1] GB 15618—2018 Tables 1–3, §5 (../shared/standards/soil-waste.md §2).
.. [2] ../shared/standards/soil-waste.md §1 (conventions), §7 E1 (worked example), §8 (settings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    item_key_variants,
    publish_index,
    single_factor_index,
    sum_readings,
)

FarmlandUse = Literal["paddy", "other", "orchard", "paddy_dry_rotation"]
LAND_USES: tuple[str, ...] = ("paddy", "other", "orchard", "paddy_dry_rotation")
LAND_USE_ZH = {"paddy": "水田", "other": "其他（旱地、菜地等）", "orchard": "果园", "paddy_dry_rotation": "水旱轮作"}
BANDS: tuple[str, ...] = ("B1", "B2", "B3", "B4")
MissingPhPolicy = Literal["undetermined", "strictest"]
NoInterventionPolicy = Literal["flag_only", "safe_use"]

CLASS_ZH = {1: "优先保护类", 2: "安全利用类", 3: "严格管控类"}
FLAG_ZH = "超筛选值（加强监测）"

#: canonical item → (Chinese name of the table, symbol printed by the spec or None)
ITEMS: dict[str, tuple[str, str | None]] = {
    "Cd": ("镉", "Cd"), "Hg": ("汞", "Hg"), "As": ("砷", "As"), "Pb": ("铅", "Pb"), "Cr": ("铬", "Cr"),
    "Cu": ("铜", "Cu"), "Ni": ("镍", "Ni"), "Zn": ("锌", "Zn"),
    "HCH": ("六六六总量", None), "DDT": ("滴滴涕总量", None), "BaP": ("苯并[a]芘", "BaP"),
}
TABLE1_ITEMS: tuple[str, ...] = ("Cd", "Hg", "As", "Pb", "Cr", "Cu", "Ni", "Zn")
#: Table 2 totals and their congeners (§2.3): canonical congener → names accepted
CONGENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "HCH": {
        "α-HCH": ("α-六六六", "α-hch", "alpha-hch"), "β-HCH": ("β-六六六", "β-hch", "beta-hch"),
        "γ-HCH": ("γ-六六六", "γ-hch", "gamma-hch", "林丹"), "δ-HCH": ("δ-六六六", "δ-hch", "delta-hch"),
    },
    "DDT": {
        "p,p'-DDE": ("p,p'-滴滴伊", "p,p'-dde"), "p,p'-DDD": ("p,p'-滴滴滴", "p,p'-ddd"),
        "o,p'-DDT": ("o,p'-滴滴涕", "o,p'-ddt"), "p,p'-DDT": ("p,p'-滴滴涕", "p,p'-ddt"),
    },
}


@lru_cache(maxsize=1)
def load_table() -> LimitTable:
    """The packaged GB 15618—2018 Tables 1–3 (two independent transcriptions agree, §0)."""
    path = resources.files("qingshan.standards") / "data" / "gb15618_2018.csv"
    rows = pl.read_csv(path.read_bytes(), infer_schema=False)
    return LimitTable(
        document="GB 15618—2018 土壤环境质量 农用地土壤污染风险管控标准（试行）",
        version="GB 15618—2018",
        status="confirmed",
        source="soil-waste.md §2.2–2.4 (transcription of the official PDF, checked against a second one)",
        rows=rows,
    )


TABLE = load_table()


@dataclass(frozen=True)
class Settings:
    """Named settings of soil-waste.md §8 that GB 15618 uses (spec defaults).

    ``missing_ph_policy`` (§1, UNCONFIRMED): ``undetermined`` or ``strictest``.
    ``no_intervention_item_policy`` (§2.5, UNCONFIRMED): ``flag_only`` or ``safe_use``.
    ``nd_policy`` (§1, UNCONFIRMED): ``dl_vs_screening``. ``sum_nd_policy`` (§2.3): ``nd_as_zero``.
    """

    missing_ph_policy: MissingPhPolicy = "undetermined"
    no_intervention_item_policy: NoInterventionPolicy = "flag_only"
    nd_policy: str = "dl_vs_screening"
    sum_nd_policy: str = "nd_as_zero"

    def __post_init__(self) -> None:
        if self.missing_ph_policy not in ("undetermined", "strictest"):
            raise ValueError(f"未知的 missing_ph_policy：{self.missing_ph_policy!r}（可选 undetermined、strictest）")
        if self.no_intervention_item_policy not in ("flag_only", "safe_use"):
            raise ValueError(f"未知的 no_intervention_item_policy：{self.no_intervention_item_policy!r}（可选 flag_only、safe_use）")
        if self.nd_policy != "dl_vs_screening":
            raise ValueError(f"未知的 nd_policy：{self.nd_policy!r}（可选 dl_vs_screening）")


_B1, _B2, _B3 = Fraction(11, 2), Fraction(13, 2), Fraction(15, 2)  # pH 5.5, 6.5, 7.5


def ph_band(ph: Fraction | str | None) -> str | None:
    """pH band (§2.1): lower bound exclusive, upper inclusive; pH 6.5 → B2, 7.5 → B3."""
    if ph is None:
        return None
    x = ph if isinstance(ph, Fraction) else Fraction(ph)
    if x <= _B1:
        return "B1"
    if x <= _B2:
        return "B2"
    if x <= _B3:
        return "B3"
    return "B4"


@lru_cache(maxsize=16)
def _index(table: LimitTable) -> dict[tuple[str, str, str], tuple[Fraction, ...]]:
    out = {}
    for r in table.rows.iter_rows(named=True):
        out[(r["table"], r["item"], r["land_use"])] = tuple(Fraction(r[b]) for b in ("b1", "b2", "b3", "b4"))
    return out


def screening_value(item: str, land_use: str, band: str, table: LimitTable = TABLE) -> Fraction | None:
    """S for an item, ``farmland_use`` and pH band [mg/kg] (Tables 1–2, column selection §2.2)."""
    idx = _index(table)
    b = BANDS.index(band)
    if ("2", item, "all") in idx:
        return idx[("2", item, "all")][b]
    if ("1", item, "all") in idx:
        return idx[("1", item, "all")][b]
    paddy, other, orchard = (idx.get(("1", item, u)) for u in ("paddy", "other", "orchard"))
    if other is None:
        return None
    if land_use == "paddy":
        return (paddy or other)[b]
    if land_use == "other":
        return other[b]
    if land_use == "orchard":
        return (orchard or other)[b]
    if land_use == "paddy_dry_rotation":
        return min((paddy or other)[b], other[b])
    raise ValueError(f"未知的农用地类型：{land_use!r}（可选：{'、'.join(LAND_USES)}）")


def intervention_value(item: str, band: str, table: LimitTable = TABLE) -> Fraction | None:
    """G for Cd, Hg, As, Pb, Cr (Table 3, one column for all land uses); None for others."""
    row = _index(table).get(("3", item, "all"))
    return row[BANDS.index(band)] if row else None


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for key, (zh, sym) in ITEMS.items():
        names[zh.lower()] = key
        names[key.lower()] = key
        if sym:
            names[sym.lower()] = key
    names["总六六六"] = "HCH"
    names["总滴滴涕"] = "DDT"
    names["苯并(a)芘"] = "BaP"
    names["b[a]p"] = "BaP"
    for group in CONGENERS.values():
        for canon, aliases in group.items():
            names[canon.lower()] = canon
            for a in aliases:
                names[a.lower()] = canon
    return names


@lru_cache(maxsize=4096)
def _match(text: str) -> str | None:
    names = _names()
    for k in item_key_variants(text):
        if k in names:
            return names[k]
    return None


def match_item(text: object) -> str | None:
    """Canonical item (``Cd`` … ``BaP``, a Table 2 total or congener) or None (no GB 15618 value).

    Matched on the Chinese name or symbol ignoring case, spaces, bracket width, a leading 总 and
    a trailing bracketed symbol (总镉, 镉(Cd)); 铬 is total chromium (§2).
    """
    return _match(str(text if text is not None else ""))


def display(item: str) -> str:
    """How an item is named in outputs: the spec's symbol (Cd, BaP) or its Chinese name."""
    if item in ITEMS:
        zh, sym = ITEMS[item]
        return sym or zh
    return item


# --- classification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    """One item of one sample. ``item_class`` None = undetermined (``problem`` says why);
    ``flagged`` = above screening for an item without intervention value (超筛选值（加强监测）).
    ``screening``/``intervention`` are the values used (None when no single value applied)."""

    item: str
    content: Fraction | None
    detected: bool
    dl: Fraction | None
    screening: Fraction | None
    intervention: Fraction | None
    item_class: int | None
    flagged: bool = False
    problem: str | None = None

    @property
    def index(self) -> Fraction | None:
        """P = C/S (output only; none for a non-detect)."""
        if self.content is None or self.screening is None or not self.detected:
            return None
        return single_factor_index(self.content, self.screening)

    @property
    def multiple(self) -> Fraction | None:
        """(C − S)/S when C > S (output only)."""
        if self.content is None or self.screening is None or not self.detected:
            return None
        return exceedance_multiple(self.content, self.screening)


@dataclass(frozen=True)
class SampleResult:
    """Class of one sample (point). ``sample_class`` 1/2/3, None when undetermined or rejected;
    ``status`` ``ok`` | ``incomplete`` | ``undetermined`` | ``rejected``."""

    sample_id: str
    land_use: str | None
    ph: Fraction | None
    band: str | None
    sample_class: int | None
    status: str
    deciding_items: tuple[str, ...] = ()
    undetermined: tuple[tuple[str, str], ...] = ()
    flagged: tuple[str, ...] = ()
    not_measured: tuple[str, ...] = ()
    no_limit_items: tuple[str, ...] = ()
    items: tuple[ItemResult, ...] = ()
    reject_reason: str | None = None
    table_version: str = TABLE.version
    table_status: str = TABLE.status

    @property
    def class_zh(self) -> str:
        if self.status == "rejected":
            return "样品被拒绝"
        return CLASS_ZH.get(self.sample_class, "无法判定") if self.sample_class else "无法判定"


def _class_in_band(reading: Reading, s: Fraction, g: Fraction | None, policy: str) -> tuple[int | None, bool, str | None]:
    """(item class, flagged, problem) for one band's S and G."""
    if not reading.detected:
        return (1, False, None) if reading.dl <= s else (None, False, "nd_above_screening")
    c = reading.value
    if c <= s:
        return 1, False, None
    if g is None:
        return (1, True, None) if policy == "flag_only" else (2, False, None)
    return (2 if c <= g else 3), False, None


def classify_item(
    item: str,
    reading: Reading,
    land_use: str,
    ph: Fraction | None,
    settings: Settings = Settings(),
    table: LimitTable = TABLE,
) -> ItemResult:
    """Item class per §2.5 (soil-waste.md §2.2–2.5, §1 for non-detects and missing pH)."""
    base = dict(item=item, content=reading.value, detected=reading.detected, dl=reading.dl)
    if not reading.ok:
        return ItemResult(**base, screening=None, intervention=None, item_class=None, problem=reading.problem)
    policy = settings.no_intervention_item_policy
    if ph is not None:
        band = ph_band(ph)
        s, g = screening_value(item, land_use, band, table), intervention_value(item, band, table)
        cls, flag, prob = _class_in_band(reading, s, g, policy)
        return ItemResult(**base, screening=s, intervention=g, item_class=cls, flagged=flag, problem=prob)
    ss = [screening_value(item, land_use, b, table) for b in BANDS]
    gs = [intervention_value(item, b, table) for b in BANDS]
    if settings.missing_ph_policy == "strictest":
        s, g = min(ss), (min(gs) if gs[0] is not None else None)
        cls, flag, prob = _class_in_band(reading, s, g, policy)
        return ItemResult(**base, screening=s, intervention=g, item_class=cls, flagged=flag, problem=prob)
    outcomes = [_class_in_band(reading, s, g, policy) for s, g in zip(ss, gs, strict=True)]
    classes = {o[0] for o in outcomes}
    flagged = any(o[1] for o in outcomes)
    pH_free = len(set(ss)) == 1 and len(set(gs)) == 1
    if len(classes) == 1 and None not in classes:
        s = ss[0] if pH_free else None
        g = gs[0] if pH_free else None
        return ItemResult(**base, screening=s, intervention=g, item_class=classes.pop(), flagged=flagged)
    problem = next((o[2] for o in outcomes if o[2]), None) if pH_free else "ph_missing"
    return ItemResult(**base, screening=ss[0] if pH_free else None, intervention=gs[0] if pH_free else None,
                      item_class=None, flagged=flagged, problem=problem or "ph_missing")


def _totals(readings: Mapping[str, Reading], settings: Settings) -> dict[str, Reading | str]:
    """Table 2 totals from a reported total or the congeners (§2.3)."""
    out: dict[str, Reading | str] = {}
    for total, group in CONGENERS.items():
        if total in readings:
            out[total] = readings[total]
        elif any(c in readings for c in group):
            out[total] = sum_readings([readings.get(c) for c in group], sum_nd_policy=settings.sum_nd_policy)  # type: ignore[arg-type]
    return out


def classify_sample(
    sample_id: str,
    land_use: str,
    ph: Fraction | str | None,
    readings: Mapping[str, Reading],
    *,
    settings: Settings = Settings(),
    table: LimitTable = TABLE,
    no_limit_items: Sequence[str] = (),
) -> SampleResult:
    """Class of one sample from its readings keyed by canonical item (§2.5).

    ``readings`` may hold Table 2 congeners (summed per §2.3) as well as items.
    """
    if land_use not in LAND_USES:
        raise ValueError(f"未知的农用地类型：{land_use!r}（可选：{'、'.join(LAND_USES)}）")
    ph = Fraction(ph) if ph is not None else None
    band = ph_band(ph)
    congener_keys = {c for g in CONGENERS.values() for c in g}
    evaluated: list[ItemResult] = []
    undetermined: list[tuple[str, str]] = []
    values = {k: v for k, v in readings.items() if k not in congener_keys}
    values.update(_totals(readings, settings))
    for item in ITEMS:
        if item not in values:
            continue
        r = values[item]
        if isinstance(r, str):  # a total that could not be formed
            undetermined.append((item, r))
            continue
        res = classify_item(item, r, land_use, ph, settings, table)
        evaluated.append(res)
        if res.item_class is None:
            undetermined.append((item, res.problem or "undetermined"))
    determined = [r for r in evaluated if r.item_class is not None]
    worst = max((r.item_class for r in determined), default=None)
    deciding = tuple(display(r.item) for r in determined if r.item_class == worst)
    status = "undetermined" if worst is None else ("incomplete" if undetermined else "ok")
    return SampleResult(
        sample_id=sample_id, land_use=land_use, ph=ph, band=band, sample_class=worst, status=status,
        deciding_items=deciding if worst is not None else (),
        undetermined=tuple((display(i), p) for i, p in undetermined),
        flagged=tuple(display(r.item) for r in evaluated if r.flagged),
        not_measured=tuple(display(i) for i in TABLE1_ITEMS if i not in values),
        no_limit_items=tuple(no_limit_items), items=tuple(evaluated),
        table_version=table.version, table_status=table.status,
    )


def classify_rows(
    rows: Sequence[dict], *, settings: Settings = Settings(), table: LimitTable = TABLE
) -> tuple[list[SampleResult], list[RowIssue]]:
    """Classify a long table (dicts ``sample_id, land_use, ph, item, value, unit[, row]``).

    Returns one result per sample in input order, and the per-row issues (Chinese).
    """
    samples, issues = collect_samples(rows, match_item, land_uses=LAND_USES, use_ph=True, standard_zh="GB 15618—2018")
    out = []
    for s in samples:
        if s.reject:
            out.append(SampleResult(s.sample_id, s.land_use, s.ph, ph_band(s.ph), None, "rejected",
                                    reject_reason=s.reject, table_version=table.version, table_status=table.status))
            continue
        out.append(classify_sample(s.sample_id, s.land_use, s.ph, s.readings, settings=settings, table=table,
                                   no_limit_items=s.unknown))
    return out, issues


def classify(frame: pl.DataFrame, *, settings: Settings = Settings(), table: LimitTable = TABLE) -> pl.DataFrame:
    """Frame entry point: a long frame in, :func:`results_frame` out (issues dropped;
    use :func:`classify_rows` to get them)."""
    results, _ = classify_rows(frame.to_dicts(), settings=settings, table=table)
    return results_frame(results)


RESULT_COLUMNS = ("sample_id", "class", "deciding_items", "class_name", "status", "land_use", "ph", "ph_band",
                  "undetermined_items", "flagged_items", "not_measured", "no_limit_items", "reject_reason",
                  "table_version", "table_status")


def results_frame(results: Sequence[SampleResult]) -> pl.DataFrame:
    """One row per sample: the ``soil classify`` output contract (docs/soil-notes.md).

    ``class`` is ``1``/``2``/``3``, ``undetermined`` (no item determined) or ``rejected``
    (``inconsistent_sample``); list columns are joined with ``;``.
    """
    rows = []
    for r in results:
        cls = "rejected" if r.status == "rejected" else (str(r.sample_class) if r.sample_class else "undetermined")
        rows.append({
            "sample_id": r.sample_id, "class": cls, "deciding_items": ";".join(r.deciding_items),
            "class_name": r.class_zh, "status": r.status, "land_use": r.land_use or "",
            "ph": _ph_text(r.ph), "ph_band": r.band or "",
            "undetermined_items": ";".join(f"{i}({p})" for i, p in r.undetermined),
            "flagged_items": ";".join(r.flagged), "not_measured": ";".join(r.not_measured),
            "no_limit_items": ";".join(r.no_limit_items), "reject_reason": r.reject_reason or "",
            "table_version": r.table_version, "table_status": r.table_status,
        })
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in RESULT_COLUMNS}, orient="row")


def items_frame(results: Sequence[SampleResult]) -> pl.DataFrame:
    """One row per evaluated item: content, S, G, class, P and multiple (2 decimals, §1)."""
    rows = []
    for r in results:
        for it in r.items:
            rows.append({
                "sample_id": r.sample_id, "item": display(it.item), "name_zh": ITEMS[it.item][0],
                "content_mg_kg": decimal_text(it.content) if it.detected else (f"<{decimal_text(it.dl)}" if it.dl is not None else ""),
                "screening": decimal_text(it.screening), "intervention": decimal_text(it.intervention),
                "item_class": str(it.item_class or ""), "flagged": FLAG_ZH if it.flagged else "",
                "index": publish_index(it.index), "multiple": publish_index(it.multiple), "problem": it.problem or "",
            })
    cols = ("sample_id", "item", "name_zh", "content_mg_kg", "screening", "intervention", "item_class", "flagged",
            "index", "multiple", "problem")
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in cols}, orient="row")


def _ph_text(ph: Fraction | None) -> str:
    return decimal_text(ph) if ph is not None else ""


__all__ = [
    "BANDS", "CLASS_ZH", "ITEMS", "LAND_USES", "TABLE", "ItemResult", "LimitTable", "SampleResult", "Settings",
    "classify", "classify_item", "classify_rows", "classify_sample", "display", "intervention_value",
    "items_frame", "load_table", "match_item", "ph_band", "results_frame", "screening_value",
]
