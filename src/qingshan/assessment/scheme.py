"""Assessment schemes as data: read from JSON or Excel into :class:`qingshan.standards.
assessment_score.Scheme`, with clear Chinese errors (assessment-bulletin.md §2.2–§2.3).

JSON layout::

    {"name": "...", "year": 2026, "source": "...", "status": "UNCONFIRMED",
     "grade_cuts": [90, 80, 60], "score_bounds": null, "score_decimals": 2, "late_factor": "0.5",
     "items": [{"id": "2", "name": "城市环境空气质量", "weight": 5, "type": "linear", "direction": "le",
                "params": {"k": "0.5"}, "evidence": "air.pm25", "department": "市生态环境局",
                "category": "环境质量", "parts": [...]}],
     "vetoes": [{"id": "V1", "name": "...", "effect": "fail"}]}

Excel layout: sheet ``考核项`` (编号, 名称, 分值, 计分类型, 方向, 参数 ``k=0.5;t=0``, 上级编号 for a part,
类别, 证据来源, 责任部门), sheet ``否决项`` (编号, 名称, 效果) and sheet ``设置`` (项目, 值: 名称, 年度,
依据, 等次分数线 ``90/80/60``, 小数位, 逾期系数).

Numbers are kept exact (``Fraction`` from their text). A scheme is validated on reading
(:func:`qingshan.standards.assessment_score.validate`): weights summing to 100, no duplicate
ids, known types.
"""

from __future__ import annotations

import json
from fractions import Fraction
from importlib import resources
from pathlib import Path

from qingshan.standards.assessment_score import GRADE_CUTS, Item, Scheme, SchemeError, Veto, validate
from qingshan.xlsxcheck import package_problem

#: evidence keys the platform fills itself (the rest are entered)
AUTO_EVIDENCE = {"air.pm25": "PM2.5 年均浓度（空气质量评价）", "air.good_ratio": "优良天数比例（空气质量评价）"}


def _num(v, what: str) -> Fraction:
    try:
        return Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        raise SchemeError(f"{what}：不是数值（{v!r}）") from None


def _item(d: dict, where: str) -> Item:
    if not isinstance(d, dict):
        raise SchemeError(f"{where}：应为对象")
    for k in ("id", "name", "weight", "type"):
        if d.get(k) in (None, ""):
            raise SchemeError(f"{where}：缺少 {k}")
    iid = str(d["id"]).strip()
    params = {str(k): v for k, v in (d.get("params") or {}).items()}
    for k, v in params.items():
        _num(v, f"考核项 {iid} 的参数 {k}")
    parts = tuple(_item(p, f"考核项 {iid} 的分项 {i + 1}") for i, p in enumerate(d.get("parts") or []))
    return Item(id=iid, name=str(d["name"]).strip(), weight=_num(d["weight"], f"考核项 {iid} 的分值"),
                type=str(d["type"]).strip(), params=params, direction=str(d.get("direction") or "ge").strip(),
                evidence=str(d.get("evidence") or ""), department=str(d.get("department") or ""),
                category=str(d.get("category") or ""), parts=parts)


def from_dict(data: dict) -> Scheme:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SchemeError("考核方案应包含 items 列表")
    items = tuple(_item(d, f"第 {i + 1} 个考核项") for i, d in enumerate(data["items"]))
    vetoes = []
    for i, v in enumerate(data.get("vetoes") or []):
        if not isinstance(v, dict) or not v.get("id") or not v.get("effect"):
            raise SchemeError(f"第 {i + 1} 个否决项：需要 id 和 effect")
        vetoes.append(Veto(str(v["id"]).strip(), str(v.get("name") or v["id"]), str(v["effect"]).strip()))
    cuts = data.get("grade_cuts") or [str(c) for c in GRADE_CUTS]
    if len(cuts) != 3:
        raise SchemeError("等次分数线应为三个数（优秀、良好、合格）")
    bounds = data.get("score_bounds")
    scheme = Scheme(
        name=str(data.get("name") or "未命名方案"), items=items, vetoes=tuple(vetoes),
        grade_cuts=tuple(_num(c, "等次分数线") for c in cuts),
        score_bounds=None if not bounds else (_num(bounds[0], "分数下限"), _num(bounds[1], "分数上限")),
        score_decimals=int(data.get("score_decimals", 2)), late_factor=_num(data.get("late_factor", "0.5"), "逾期系数"),
        source=str(data.get("source") or ""), status=str(data.get("status") or "UNCONFIRMED"),
    )
    validate(scheme)
    return scheme


def to_dict(s: Scheme, year: int | None = None) -> dict:
    def item(i: Item) -> dict:
        d = {"id": i.id, "name": i.name, "weight": str(i.weight), "type": i.type, "direction": i.direction,
             "params": {k: str(v) for k, v in i.params.items()}, "evidence": i.evidence,
             "department": i.department, "category": i.category}
        if i.parts:
            d["parts"] = [item(p) for p in i.parts]
        return d

    return {"name": s.name, "year": year, "source": s.source, "status": s.status,
            "grade_cuts": [str(c) for c in s.grade_cuts],
            "score_bounds": None if s.score_bounds is None else [str(b) for b in s.score_bounds],
            "score_decimals": s.score_decimals, "late_factor": str(s.late_factor),
            "items": [item(i) for i in s.items], "vetoes": [{"id": v.id, "name": v.name, "effect": v.effect}
                                                            for v in s.vetoes]}


def _read_excel(path: Path) -> dict:
    from openpyxl import load_workbook

    if (problem := package_problem(path, path.name)) is not None:  # before openpyxl inflates anything
        raise SchemeError(problem)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable file
        raise SchemeError(f"{path.name}：无法作为 Excel 工作簿打开（{type(exc).__name__}）") from None
    if "考核项" not in wb.sheetnames:
        raise SchemeError(f"{path.name}：缺少工作表“考核项”")

    def rows(name):
        if name not in wb.sheetnames:
            return []
        it = wb[name].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, [])]
        out = []
        for n, vals in enumerate(it, start=2):
            rec = {h: ("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
                   for h, v in zip(header, vals) if h}
            if any(rec.values()):
                out.append((n, rec))
        return out

    items: dict[str, dict] = {}
    order: list[str] = []
    parts: list[tuple[int, str, dict]] = []
    for n, r in rows("考核项"):
        params = {}
        for kv in filter(None, (p.strip() for p in r.get("参数", "").replace("；", ";").split(";"))):
            if "=" not in kv:
                raise SchemeError(f"{path.name} 工作表“考核项”第 {n} 行 字段“参数”：应为 名称=数值，用分号分隔")
            k, v = kv.split("=", 1)
            params[k.strip()] = v.strip()
        d = {"id": r.get("编号"), "name": r.get("名称"), "weight": r.get("分值"), "type": r.get("计分类型"),
             "direction": r.get("方向") or "ge", "params": params, "evidence": r.get("证据来源", ""),
             "department": r.get("责任部门", ""), "category": r.get("类别", "")}
        for k in ("id", "name", "weight", "type"):
            if not d[k]:
                raise SchemeError(f"{path.name} 工作表“考核项”第 {n} 行：缺少 {k}")
        parent = r.get("上级编号", "")
        if parent:
            parts.append((n, parent, d))
        else:
            if d["id"] in items:
                raise SchemeError(f"{path.name} 工作表“考核项”第 {n} 行：考核项 {d['id']} 重复")
            items[d["id"]] = d
            order.append(d["id"])
    for n, parent, d in parts:
        if parent not in items:
            raise SchemeError(f"{path.name} 工作表“考核项”第 {n} 行：上级编号 {parent} 不存在")
        items[parent].setdefault("parts", []).append(d)
    settings = {r.get("项目"): r.get("值") for _, r in rows("设置")}
    data = {"name": settings.get("名称") or path.stem, "source": settings.get("依据", ""),
            "items": [items[i] for i in order],
            "vetoes": [{"id": r.get("编号"), "name": r.get("名称"), "effect": r.get("效果")} for _, r in rows("否决项")]}
    if settings.get("等次分数线"):
        data["grade_cuts"] = settings["等次分数线"].replace("／", "/").split("/")
    if settings.get("小数位"):
        data["score_decimals"] = int(settings["小数位"])
    if settings.get("逾期系数"):
        data["late_factor"] = settings["逾期系数"]
    wb.close()
    return data


def load(path: str | Path) -> Scheme:
    """A scheme from a .json or .xlsx file (validated)."""
    p = Path(path)
    if not p.exists():
        raise SchemeError(f"找不到考核方案文件 {p}")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemeError(f"{p.name}：不是有效的 UTF-8 JSON（{exc}）") from None
        return from_dict(data)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return from_dict(_read_excel(p))
    raise SchemeError(f"{p.name}：考核方案应为 .json 或 .xlsx 文件")


def packaged(name: str) -> dict:
    """A scheme shipped with the package (``anhui_example`` = the §2.3 table)."""
    return json.loads((resources.files("qingshan.assessment") / "data" / f"{name}.json").read_text(encoding="utf-8"))


__all__ = ["AUTO_EVIDENCE", "from_dict", "load", "packaged", "to_dict"]
