"""Score engine of the green-oriented target-responsibility assessment (目标责任考核).

assessment-bulletin.md §2.2: ``score = Σ_i s_i + bonus − minus`` with 0 ≤ s_i ≤ w_i and
Σ w_i = 100 (a scheme whose weights do not sum to 100 is rejected); not capped or floored
unless ``score_bounds`` is set; published with 2 decimals half-even (``score_decimals``); graded
on the **published** score by ``grade_cuts`` (default 90/80/60 → 优秀/良好/合格/不合格,
UNCONFIRMED). Veto items (一票否决): effect ``"fail"`` (不合格 whatever the score) or
``"not_excellent"`` (capped at 良好); ``"fail"`` prevails; the score is still shown.

Item types (x achieved, t target, b baseline; ``direction`` ``"le"`` lower is better, ``"ge"``):

=================== ==========================================================================
``linear``          ``w · clamp((x − b)/(t − b), 0, 1)``; t = b: w when x meets t, else 0
``deduct_per_unit`` ``max(0, w − k · max(0, shortfall))``, shortfall x − t (le) / t − x (ge)
``deduct_pct_over`` ``max(0, w − k · max(0, 100·(E − E_t)/E_t))``; E_t = 0 → scored ``manual``
``proportion``      ``w · n_ok / n``; n = 0 → scored ``manual``
``binary``          w if attained else 0 (a verdict from another file is taken as given)
``manual``          the assessor's entry, 0 … w
``parts``           the sum of sub-items (each one of the types above) whose weights sum to w
=================== ==========================================================================

Departments (``dept_task_scoring``, UNCONFIRMED): per task 按期完成 → w, 逾期完成 →
w·``late_factor`` (0.5), 未完成 → 0.

The scheme is data (:class:`Scheme`, loaded from JSON or Excel by :mod:`qingshan.assessment`);
x, t and b are published values at their source's precision; s_i are exact and the total uses
the exact s_i.

References
----------
.. [1] assessment-bulletin.md §2.1–2.3, §7, E3; Anhui 计分细则 [S21]; [S16]–[S20].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

ItemType = Literal["linear", "deduct_per_unit", "deduct_pct_over", "proportion", "binary", "manual", "parts"]
VetoEffect = Literal["fail", "not_excellent"]
ITEM_TYPES: tuple[str, ...] = ("linear", "deduct_per_unit", "deduct_pct_over", "proportion", "binary", "manual", "parts")
TYPE_LABELS = {"linear": "线性插值", "deduct_per_unit": "按单位扣分", "deduct_pct_over": "超额按比例扣分",
               "proportion": "达标比例", "binary": "是否达到", "manual": "人工评分", "parts": "分项合计"}
GRADES = ("优秀", "良好", "合格", "不合格")
#: default ``grade_cuts`` (§2.2, UNCONFIRMED): 优秀 ≥ 90 > 良好 ≥ 80 > 合格 ≥ 60 > 不合格
GRADE_CUTS: tuple[Fraction, Fraction, Fraction] = (Fraction(90), Fraction(80), Fraction(60))


class SchemeError(ValueError):
    """A scheme that cannot be used (message in Chinese, naming the item)."""


@dataclass(frozen=True)
class Item:
    """One scheme item (id, name, weight w, type, parameters as published text or numbers)."""

    id: str
    name: str
    weight: Fraction
    type: str
    params: Mapping[str, object] = field(default_factory=dict)
    direction: Literal["le", "ge"] = "ge"
    evidence: str = ""
    department: str = ""
    category: str = ""
    parts: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Veto:
    id: str
    name: str
    effect: VetoEffect


@dataclass(frozen=True)
class Scheme:
    name: str
    items: tuple[Item, ...]
    vetoes: tuple[Veto, ...] = ()
    grade_cuts: tuple[Fraction, Fraction, Fraction] = GRADE_CUTS
    score_bounds: tuple[Fraction, Fraction] | None = None
    score_decimals: int = 2
    late_factor: Fraction = Fraction(1, 2)
    source: str = ""
    status: str = "UNCONFIRMED"


def _frac(v, what: str) -> Fraction:
    try:
        return v if isinstance(v, Fraction) else Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        raise SchemeError(f"{what}：不是数值（{v!r}）") from None


def validate(scheme: Scheme) -> None:
    """Reject a scheme with weights not summing to 100, duplicate ids or names, unknown types, negative
    weights, parts not summing to their item's weight, unknown veto effects or bad grade cuts."""
    errors = []
    seen: set[str] = set()
    names: dict[str, str] = {}
    total = Fraction(0)
    for it in scheme.items:
        if it.id in seen:
            errors.append(f"考核项 {it.id} 重复")
        seen.add(it.id)
        # two items of one name would be scored twice and read as one in the bulletin's table
        key = "".join(it.name.split())
        if key and key in names and names[key] != it.id:
            errors.append(f"考核项 {it.id} 与 {names[key]} 名称相同（{it.name}）")
        names.setdefault(key, it.id)
        if it.type not in ITEM_TYPES:
            errors.append(f"考核项 {it.id}（{it.name}）：未知的计分类型 {it.type!r}（可选 {'、'.join(ITEM_TYPES)}）")
        if it.weight < 0:
            errors.append(f"考核项 {it.id}（{it.name}）：分值不能为负")
        if it.direction not in ("le", "ge"):
            errors.append(f"考核项 {it.id}（{it.name}）：方向应为 le 或 ge，收到 {it.direction!r}")
        if it.type == "parts":
            if not it.parts:
                errors.append(f"考核项 {it.id}（{it.name}）：分项合计类型需要分项")
            ps = sum((p.weight for p in it.parts), Fraction(0))
            if ps != it.weight:
                errors.append(f"考核项 {it.id}（{it.name}）：分项分值之和 {ps} 不等于该项分值 {it.weight}")
            for p in it.parts:
                if p.type in ("parts",) or p.type not in ITEM_TYPES:
                    errors.append(f"考核项 {it.id} 的分项 {p.id}：计分类型 {p.type!r} 不可用")
        total += it.weight
    if total != 100:
        errors.append(f"各考核项分值之和应为 100，实际为 {_show(total)}")
    vseen: set[str] = set()
    for v in scheme.vetoes:
        if v.id in vseen or v.id in seen:
            errors.append(f"否决项 {v.id} 重复")
        vseen.add(v.id)
        if v.effect not in ("fail", "not_excellent"):
            errors.append(f"否决项 {v.id}（{v.name}）：未知的效果 {v.effect!r}（可选 fail、not_excellent）")
    c = scheme.grade_cuts
    if not (len(c) == 3 and c[0] >= c[1] >= c[2]):
        errors.append("等次分数线应为三个递减的数（优秀、良好、合格）")
    if errors:
        raise SchemeError("；".join(errors))


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"


def _clamp01(x: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(1), x))


def _meets(x: Fraction, t: Fraction, direction: str) -> bool:
    return x <= t if direction == "le" else x >= t


def _shortfall(x: Fraction, t: Fraction, direction: str) -> Fraction:
    return x - t if direction == "le" else t - x


@dataclass(frozen=True)
class ItemScore:
    id: str
    name: str
    weight: Fraction
    score: Fraction
    type_used: str
    note: str = ""


def score_item(item: Item, inputs: Mapping[str, object]) -> ItemScore:
    """s_i of one item from its inputs (keys per type: ``x``, ``t``, ``b``, ``k``, ``e``,
    ``e_t``, ``n_ok``, ``n``, ``attained``, ``manual``); ``t``, ``b``, ``k`` default to the
    item's ``params``. Raises :class:`SchemeError` for a missing or out-of-range input."""
    w = item.weight
    p = dict(item.params) | {k: v for k, v in inputs.items() if v is not None}

    def need(key: str) -> Fraction:
        if key not in p or p[key] in (None, ""):
            raise SchemeError(f"考核项 {item.id}（{item.name}）缺少输入 {key}")
        return _frac(p[key], f"考核项 {item.id} 的 {key}")

    def manual(reason: str = "") -> ItemScore:
        v = need("manual")
        if not 0 <= v <= w:
            raise SchemeError(f"考核项 {item.id}（{item.name}）：人工评分 {_show(v)} 超出 0—{_show(w)}")
        return ItemScore(item.id, item.name, w, v, "manual", reason)

    t = item.type
    if t == "parts":
        subs = [score_item(sp, inputs.get(sp.id, {}) if isinstance(inputs.get(sp.id), Mapping) else {})
                for sp in item.parts]
        return ItemScore(item.id, item.name, w, sum((s.score for s in subs), Fraction(0)), "parts",
                         "；".join(f"{s.name} {_show(s.score)}" for s in subs))
    if t == "manual":
        return manual()
    if t == "binary":
        a = p.get("attained")
        if a is None:
            raise SchemeError(f"考核项 {item.id}（{item.name}）缺少输入 attained")
        return ItemScore(item.id, item.name, w, w if _truthy(a) else Fraction(0), t)
    if t == "proportion":
        n = need("n")
        if n == 0:
            return manual("n = 0，按人工评分")
        n_ok = need("n_ok")
        if not 0 <= n_ok <= n:
            raise SchemeError(f"考核项 {item.id}（{item.name}）：达标数 {_show(n_ok)} 超出 0—{_show(n)}")
        return ItemScore(item.id, item.name, w, w * n_ok / n, t)
    if t == "deduct_pct_over":
        e_t = need("e_t")
        if e_t == 0:
            return manual("E_t = 0，按人工评分")
        e, k = need("e"), need("k")
        over = 100 * (e - e_t) / e_t
        return ItemScore(item.id, item.name, w, max(Fraction(0), w - k * max(Fraction(0), over)), t)
    if t == "deduct_per_unit":
        x, tt, k = need("x"), need("t"), need("k")
        return ItemScore(item.id, item.name, w,
                         max(Fraction(0), w - k * max(Fraction(0), _shortfall(x, tt, item.direction))), t)
    if t == "linear":
        x, tt, b = need("x"), need("t"), need("b")
        if tt == b:
            return ItemScore(item.id, item.name, w, w if _meets(x, tt, item.direction) else Fraction(0), t)
        return ItemScore(item.id, item.name, w, w * _clamp01((x - b) / (tt - b)), t)
    raise SchemeError(f"考核项 {item.id}：未知的计分类型 {t!r}")


def _truthy(v) -> bool:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("1", "true", "yes", "是", "达到", "完成", "y"):
            return True
        if s in ("0", "false", "no", "否", "未达到", "未完成", "n", ""):
            return False
        raise SchemeError(f"无法识别的是/否取值 {v!r}")
    return bool(v)


def grade_of(score_pub: Fraction, cuts: Sequence[Fraction] = GRADE_CUTS) -> str:
    """Grade of a published score (§2.2: 89.995 → 90.00 → 优秀)."""
    for g, c in zip(GRADES, cuts):
        if score_pub >= c:
            return g
    return GRADES[-1]


@dataclass(frozen=True)
class Assessment:
    unit: str
    items: tuple[ItemScore, ...]
    bonus: Fraction
    minus: Fraction
    score: Fraction  # exact
    score_pub: Fraction
    grade: str
    grade_before_veto: str
    vetoes_triggered: tuple[str, ...]


def assess(scheme: Scheme, unit: str, inputs: Mapping[str, Mapping[str, object]], *,
           bonus: Sequence[Fraction | str] = (), minus: Sequence[Fraction | str] = (),
           vetoes: Mapping[str, bool] | None = None) -> Assessment:
    """Score one unit (or department) on a validated scheme (§2.2; E3).

    ``inputs``: {item id: {input: value}}; ``bonus``/``minus``: entered amounts (points);
    ``vetoes``: {veto id: triggered}.
    """
    validate(scheme)
    ids = {it.id for it in scheme.items}
    unknown = [k for k in inputs if k not in ids]
    if unknown:
        raise SchemeError(f"{unit}：方案中没有考核项 {'、'.join(unknown)}")
    scores = tuple(score_item(it, inputs.get(it.id, {})) for it in scheme.items)
    b = sum((_frac(x, "加分") for x in bonus), Fraction(0))
    m = sum((_frac(x, "减分") for x in minus), Fraction(0))
    total = sum((s.score for s in scores), Fraction(0)) + b - m
    if scheme.score_bounds is not None:
        lo, hi = scheme.score_bounds
        total = max(lo, min(hi, total))
    pub = Fraction(round(total, scheme.score_decimals))
    g0 = grade_of(pub, scheme.grade_cuts)
    vmap = {v.id: v for v in scheme.vetoes}
    trig = []
    for vid, on in (vetoes or {}).items():
        if vid not in vmap:
            raise SchemeError(f"{unit}：方案中没有否决项 {vid}")
        if _truthy(on):
            trig.append(vid)
    effects = {vmap[v].effect for v in trig}
    g = g0
    if "fail" in effects:
        g = "不合格"
    elif "not_excellent" in effects and g0 == "优秀":
        g = "良好"
    return Assessment(unit, scores, b, m, total, pub, g, g0, tuple(trig))


TaskStatus = Literal["on_time", "late", "undone"]


def department_task_score(weight: Fraction, status: TaskStatus, late_factor: Fraction = Fraction(1, 2)) -> Fraction:
    """``dept_task_scoring`` (UNCONFIRMED): 按期完成 w, 逾期完成 w·late_factor, 未完成 0."""
    if status == "on_time":
        return Fraction(weight)
    if status == "late":
        return Fraction(weight) * Fraction(late_factor)
    if status == "undone":
        return Fraction(0)
    raise SchemeError(f"未知的任务状态 {status!r}（可选 on_time、late、undone）")


__all__ = [
    "Assessment",
    "GRADES",
    "GRADE_CUTS",
    "ITEM_TYPES",
    "Item",
    "ItemScore",
    "Scheme",
    "SchemeError",
    "TYPE_LABELS",
    "Veto",
    "assess",
    "department_task_score",
    "grade_of",
    "score_item",
    "validate",
]
