"""Soil results as the two soil standards read them: units, exact values, non-detects, indices.

The common conventions of soil-waste.md §1, shared by :mod:`qingshan.standards.gb15618` and
:mod:`qingshan.standards.gb36600`:

* **Units.** Soil contents are compared in mg/kg dry weight. µg/kg is divided by 1000 and ng/kg
  by 10⁶, exactly. Unit text is matched ignoring case and spaces, with µ (U+00B5), μ (U+03BC)
  and ``u`` alike — so ``MG/KG`` *is* mg/kg (the spec's rule; the reading records that the unit
  was written irregularly so the importer can say so). Any other unit (fresh weight, %, g/kg)
  leaves the item undetermined (``bad_unit``).
* **Exact values.** Every value is a :class:`~fractions.Fraction` parsed from its text; a
  negative or non-numeric value is ``bad_value``.
* **Non-detects** ``<x``, ``xL``, ``ND(x)``, ``未检出(x)`` carry the detection limit x in the
  row's unit; ``ND``/``未检出`` without x is ``nd_without_limit`` (undetermined).
* **pH** outside 0–14 counts as missing.
* **Indices** (output only, never deciding a class): P = C/S and the exceedance multiple
  (C − S)/S when C > S, exact, published with 2 decimals half-even (UNCONFIRMED precision).
* **Sums** of congeners (§2.3, §3.3; setting ``sum_nd_policy``, UNCONFIRMED): all congeners
  must be reported; a non-detect enters as 0; all non-detects give a non-detect total with the
  largest detection limit.

References
----------
.. [1] ../shared/standards/soil-waste.md §1 (units, exact values, comparison, indices,
       non-detects, pH), §2.3 and §3.3 (sums).
.. [2] GB/T 8170—2008 §4.3.3 全数值比较法 (a value equal to a limit satisfies it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan.exact import fraction_to_str

#: mg/kg per unit (soil-waste.md §1)
UNIT_FACTORS: dict[str, Fraction] = {
    "mg/kg": Fraction(1),
    "µg/kg": Fraction(1, 1000),
    "ng/kg": Fraction(1, 10**6),
}
#: the spellings that are regular (no note is raised for them)
REGULAR_UNITS = frozenset({"mg/kg", "µg/kg", "μg/kg", "ng/kg"})

Problem = Literal["bad_unit", "bad_value", "nd_without_limit"]
NdPolicy = Literal["dl_vs_screening"]
SumNdPolicy = Literal["nd_as_zero"]

PROBLEM_ZH: dict[str, str] = {
    "bad_unit": "单位无法识别（土壤含量应为 mg/kg、µg/kg 或 ng/kg 干重）",
    "bad_value": "数值无效（非数字或为负）",
    "nd_without_limit": "未检出但未给出检出限",
    "duplicate_item": "同一样品同一项目有多行",
    "nd_above_screening": "未检出，但检出限高于筛选值，无法判定",
    "ph_missing": "pH 缺失或超出 0–14，且各 pH 档位判定结果不同",
    "incomplete_sum": "加和项目的组分未全部报告",
    "component_undetermined": "加和项目有组分无法判定",
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ND_FORMS = (
    re.compile(r"^<\s*(?P<x>\S+)$"),
    re.compile(r"^(?P<x>[0-9.eE+-]+)\s*L$"),
    re.compile(r"^(?:ND|N\.D\.|未检出)\s*\(\s*(?P<x>[^)]+?)\s*\)$", re.IGNORECASE),
)
_ND_BARE = re.compile(r"^(?:ND|N\.D\.|未检出)$", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """One reported soil content, converted to mg/kg.

    ``value`` is the content (None for a non-detect or a problem); ``dl`` the detection limit of
    a non-detect; ``problem`` one of :data:`Problem`; ``unit_note`` is set when the unit was
    accepted under the case/space/µ rule but not written regularly (e.g. ``MG/KG``).
    """

    value: Fraction | None
    detected: bool
    dl: Fraction | None = None
    problem: str | None = None
    unit_note: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_number(text: object) -> Fraction | None:
    """Exact value of decimal text (``12``, ``0.45``, ``1.2e-3``); None if not a number.

    A float (from a spreadsheet) is taken by its shortest decimal form, ``Fraction(repr(v))``.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            return None
        return Fraction(repr(text))
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not _NUMBER.match(s):
        return None
    return Fraction(s)


def normalise_unit(text: object) -> tuple[str | None, str | None]:
    return _normalise_unit(None if text is None else str(text))


@lru_cache(maxsize=1024)
def _normalise_unit(text: str | None) -> tuple[str | None, str | None]:
    """Canonical unit (``mg/kg``, ``µg/kg``, ``ng/kg``) or None, and a note if irregular.

    Matching ignores case and spaces and treats µ, μ and u alike (soil-waste.md §1). ``TEQ``
    (dioxins, ng TEQ/kg) is accepted in the unit text.
    """
    if text is None:
        return None, None
    raw = str(text).strip()
    s = unicodedata.normalize("NFKC", raw)  # NFKC maps µ (U+00B5) to μ (U+03BC)
    s = re.sub(r"\s+", "", s).lower().replace("μ", "u").replace("teq", "")
    canonical = {"mg/kg": "mg/kg", "ug/kg": "µg/kg", "ng/kg": "ng/kg"}.get(s)
    if canonical is None:
        return None, None
    regular = re.sub(r"\s+", "", raw).replace("TEQ", "") in REGULAR_UNITS
    note = None if regular else f"单位写作「{raw}」，按 soil-waste.md §1（不区分大小写与空格）视为 {canonical}"
    return canonical, note


def parse_reading(value: object, unit: object, detection_limit: object = None) -> Reading:
    """Parse a reported value and unit into mg/kg (soil-waste.md §1).

    ``detection_limit`` (same unit) completes a bare ``ND``/``未检出`` of a table that reports
    the limit in a column of its own.
    """
    dl_text = str(detection_limit).strip() if detection_limit not in (None, "") else ""
    if dl_text and _ND_BARE.match(unicodedata.normalize("NFKC", str(value or "")).strip()):
        value = f"ND({dl_text})"
    canonical, note = normalise_unit(unit)
    if canonical is None:
        return Reading(None, False, problem="bad_unit")
    factor = UNIT_FACTORS[canonical]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = parse_number(value)
        if x is None or x < 0:
            return Reading(None, True, problem="bad_value", unit_note=note)
        return Reading(x * factor, True, unit_note=note)
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if _ND_BARE.match(text):
        return Reading(None, False, problem="nd_without_limit", unit_note=note)
    for form in _ND_FORMS:
        m = form.match(text)
        if m:
            dl = parse_number(m["x"])
            if dl is None or dl < 0:
                return Reading(None, False, problem="bad_value", unit_note=note)
            return Reading(None, False, dl=dl * factor, unit_note=note)
    x = parse_number(text)
    if x is None or x < 0:
        return Reading(None, True, problem="bad_value", unit_note=note)
    return Reading(x * factor, True, unit_note=note)


def parse_ph(text: object) -> tuple[Fraction | None, str | None]:
    """pH as an exact value, or None with a reason; outside 0–14 counts as missing (§1)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, None
    x = parse_number(text)
    if x is None:
        return None, f"pH「{text}」不是数字，按缺失处理"
    if not (0 <= x <= 14):
        return None, f"pH {text} 超出 0–14，按缺失处理（soil-waste.md §1）"
    return x, None


def single_factor_index(c: Fraction, s: Fraction) -> Fraction:
    """P = C/S (soil-waste.md §1); output only."""
    return Fraction(c) / Fraction(s)


def exceedance_multiple(c: Fraction, s: Fraction) -> Fraction | None:
    """(C − S)/S when C > S, else None (soil-waste.md §1); output only."""
    c, s = Fraction(c), Fraction(s)
    return (c - s) / s if c > s else None


def publish_index(x: Fraction | None, decimals: int = 2) -> str:
    """An index published with 2 decimals, round half to even (UNCONFIRMED precision, §1)."""
    return fraction_to_str(x, decimals) if x is not None else ""


def sum_readings(parts: Sequence[Reading | None], *, sum_nd_policy: SumNdPolicy = "nd_as_zero") -> Reading | str:
    """The total of congeners (soil-waste.md §2.3, §3.3; ``sum_nd_policy``, UNCONFIRMED).

    Returns the total as a :class:`Reading`, or a problem code: ``incomplete_sum`` when a
    congener is not reported, ``component_undetermined`` when one could not be read. A
    non-detect enters as 0; when every congener is a non-detect the total is a non-detect with
    the largest detection limit. A single non-detect is never read as zero on its own.
    """
    if sum_nd_policy != "nd_as_zero":
        raise ValueError(f"未知的 sum_nd_policy：{sum_nd_policy!r}（可选 nd_as_zero）")
    if any(p is None for p in parts):
        return "incomplete_sum"
    if any(not p.ok for p in parts):  # type: ignore[union-attr]
        return "component_undetermined"
    detected = [p for p in parts if p.detected]  # type: ignore[union-attr]
    if not detected:
        return Reading(None, False, dl=max(p.dl for p in parts))  # type: ignore[union-attr, type-var]
    return Reading(sum((p.value for p in detected), Fraction(0)), True)  # type: ignore[misc]


@dataclass(frozen=True, eq=False)  # hashed by identity: cached look-ups per table object
class LimitTable:
    """A limit table with its provenance (document, edition, source, confirmed/UNCONFIRMED);
    every result computed from it carries ``version`` and ``status``."""

    document: str
    version: str
    status: str
    source: str
    rows: pl.DataFrame


# --- the long table (§2 inputs) --------------------------------------------------------------


@dataclass(frozen=True)
class RowIssue:
    """A remark on one input row: ``level`` ``error`` (the value is not used as given) or
    ``note`` (accepted, e.g. an irregular unit spelling). ``row`` is 1-based as in a
    spreadsheet (header = row 1) when the frame carries a ``row`` column."""

    row: int | None
    sample_id: str
    field: str
    code: str
    message: str
    level: str = "error"


@dataclass
class SampleInput:
    """The rows of one sample, parsed: readings keyed by canonical item, items without a
    value in the standard, and the sample-level inputs (land use, pH)."""

    sample_id: str
    land_use: str | None = None
    ph: Fraction | None = None
    ph_text: str | None = None
    readings: dict[str, Reading] = None  # type: ignore[assignment]
    unknown: list[str] = None  # type: ignore[assignment]
    reject: str | None = None

    def __post_init__(self) -> None:
        self.readings = {} if self.readings is None else self.readings
        self.unknown = [] if self.unknown is None else self.unknown


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return str(v).strip()


def collect_samples(
    rows: Sequence[dict],
    match,
    *,
    land_uses: Sequence[str] | None,
    use_ph: bool,
    standard_zh: str,
) -> tuple[list[SampleInput], list[RowIssue]]:
    """Group long-table rows (dicts with ``sample_id, land_use, ph, item, value, unit`` and an
    optional 1-based ``row``) into samples (soil-waste.md §2 inputs, §3.4).

    ``match(text)`` returns an item's canonical key or None. ``land_uses`` are the accepted
    land-use values (None: the column is not used). A sample whose land use or pH differs between
    rows, or whose land use is missing or unknown, is rejected (``inconsistent_sample``). A second
    row for the same sample and item leaves that item undetermined (``duplicate_item``).
    """
    samples: dict[str, SampleInput] = {}
    first_lu: dict[str, tuple[str, int | None]] = {}
    first_ph: dict[str, tuple[Fraction | None, str, int | None]] = {}
    issues: list[RowIssue] = []
    seen: dict[tuple[str, str], int | None] = {}
    for i, r in enumerate(rows):
        row = r.get("row", i + 2)
        sid = _cell(r.get("sample_id"))
        if not sid:
            issues.append(RowIssue(row, "", "sample_id", "missing_sample_id", "样品编号为空，此行未使用"))
            continue
        s = samples.setdefault(sid, SampleInput(sid))
        if land_uses is not None:
            lu = _cell(r.get("land_use"))
            if sid not in first_lu:
                first_lu[sid] = (lu, row)
                if not lu:
                    s.reject = "用地类型（land_use）为空"
                elif lu not in land_uses:
                    s.reject = f"用地类型「{lu}」未知（可选：{'、'.join(land_uses)}）"
                s.land_use = lu or None
            elif lu != first_lu[sid][0]:
                s.reject = f"同一样品的用地类型不一致（第 {first_lu[sid][1]} 行为「{first_lu[sid][0]}」，第 {row} 行为「{lu}」）"
        if use_ph:
            text = _cell(r.get("ph"))
            if sid not in first_ph:
                ph, why = parse_ph(text)
                first_ph[sid] = (ph, text, row)
                s.ph, s.ph_text = ph, text or None
                if why:
                    issues.append(RowIssue(row, sid, "ph", "ph_missing", why))
            elif text != first_ph[sid][1] and (parse_ph(text)[0] != first_ph[sid][0] or parse_ph(text)[0] is None):
                s.reject = f"同一样品的 pH 不一致（第 {first_ph[sid][2]} 行为「{first_ph[sid][1]}」，第 {row} 行为「{text}」）"
        item_text = _cell(r.get("item"))
        key = match(item_text)
        if key is None:
            if item_text not in s.unknown:
                s.unknown.append(item_text)
            issues.append(RowIssue(row, sid, "item", "no_limit", f"项目「{item_text}」在 {standard_zh} 中无限值，不参与分类", "note"))
            continue
        reading = parse_reading(r.get("value"), r.get("unit"))
        if reading.unit_note:
            issues.append(RowIssue(row, sid, "unit", "unit_spelling", reading.unit_note, "note"))
        if not reading.ok:
            field = "unit" if reading.problem == "bad_unit" else "value"
            shown = _cell(r.get("unit" if field == "unit" else "value"))
            issues.append(RowIssue(row, sid, field, reading.problem, f"「{shown}」：{PROBLEM_ZH[reading.problem]}，该项目无法判定"))
        if (sid, key) in seen:
            issues.append(RowIssue(row, sid, "item", "duplicate_item",
                                   f"项目「{item_text}」与第 {seen[(sid, key)]} 行重复，该项目无法判定（soil-waste.md §1）"))
            s.readings[key] = Reading(None, False, problem="duplicate_item")
            continue
        seen[(sid, key)] = row
        s.readings[key] = reading
    for s in samples.values():
        if s.reject:
            issues.append(RowIssue(first_lu.get(s.sample_id, (None, None))[1], s.sample_id, "land_use" if land_uses else "ph",
                                   "inconsistent_sample", f"样品「{s.sample_id}」被拒绝：{s.reject}"))
    return list(samples.values()), issues


def worst_by(results: Sequence[object], rank, key=lambda r: r) -> tuple[object | None, list[object]]:
    """The worst value of ``rank(r)`` over ``results`` and the results that reach it."""
    ranked = [(rank(r), r) for r in results if rank(r) is not None]
    if not ranked:
        return None, []
    top = max(v for v, _ in ranked)
    return top, [r for v, r in ranked if v == top]


# --- item names ------------------------------------------------------------------------------

_PRIMES = str.maketrans({"′": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "＇": "'"})


def item_key(text: object) -> str:
    """Normalised form of an item name for matching: NFKC (full-width brackets to half width),
    primes unified, lower case, no spaces (soil-waste.md §2: "ignoring case, spaces, bracket
    width")."""
    s = unicodedata.normalize("NFKC", str(text or "")).translate(_PRIMES)
    return re.sub(r"\s+", "", s).lower()


def item_key_variants(text: object) -> list[str]:
    """Candidate keys, most literal first: as written; without a trailing bracketed symbol
    (``镉(Cd)``); without a leading 总 (``总镉``); both."""
    k = item_key(text)
    out = [k]
    stripped = re.sub(r"\([^()]*\)$", "", k)
    if stripped and stripped != k:
        out.append(stripped)
    for base in list(out):
        if base.startswith("总") and len(base) > 1:
            out.append(base[1:])
    return out


def decimal_text(x: Fraction | None) -> str:
    """Exact decimal text of a value (``0.45``, ``6125``); a terminating fraction prints in full,
    any other as ``num/den`` (never a rounded float)."""
    if x is None:
        return ""
    x = Fraction(x)
    for n in range(0, 40):
        scaled = x * 10**n
        if scaled.denominator == 1:
            v = scaled.numerator
            sign, v = ("-" if v < 0 else ""), abs(v)
            if n == 0:
                return f"{sign}{v}"
            whole, frac = divmod(v, 10**n)
            return f"{sign}{whole}.{frac:0{n}d}"
    return f"{x.numerator}/{x.denominator}"
