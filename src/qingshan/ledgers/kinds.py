"""What each ledger kind records: field specifications (as data) and their validation.

Columns common to all kinds live on :class:`~qingshan.ledgers.models.LedgerItem` (code, title,
lead unit, other units, deadline, status); the fields below live in ``LedgerItem.data``. The
same specifications drive the API, the Excel import/export headers and the pages.

Hazard inspection frequency by grade (:data:`INSPECTION_INTERVAL_DAYS`): **UNCONFIRMED** — no
Datong or Shanxi rule was found fixing how often a hazard of each grade must be inspected; the
defaults (重大 weekly, 较大 fortnightly, 一般 monthly) are a documented setting, passed as the
``intervals`` keyword of :func:`next_inspection_due`.

Key tasks and inspection problems carry what Bulletin B's progress rule needs
(assessment-bulletin.md §4.3 items 4–5): a start date (default 1 January) and the responsible
unit's reported percentage (``reported_pct``, entered by the unit); an enforcement case carries
what Table B4 counts (item 6): 立案日期, 罚款（万元, exact decimal text), 查封扣押, 限产停产, 移送公安.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qingshan.core.clock import parse_date
from qingshan.ledgers.workflow import KINDS


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str = "text"  # text | longtext | date | choice | number | decimal (exact text, e.g. money)
    required: bool = False
    choices: tuple[str, ...] = ()
    max_len: int = 500
    min: float | None = None
    max: float | None = None
    personal: bool = False  # personal data: never shown on the public portal
    #: free text a citizen writes, which may hold a phone or ID number: scrubbed where personal
    #: fields are masked (:func:`qingshan.ledgers.privacy.mask_data`)
    may_hold_personal: bool = False


# Labels of the common columns, per kind (the words bureaus put in their sheets' headers).
COMMON_LABELS: dict[str, dict[str, str]] = {
    "key_task": {"title": "任务内容", "lead_unit": "牵头单位", "units": "配合单位", "deadline": "完成时限"},
    "inspection": {"title": "问题描述", "lead_unit": "责任单位", "units": "配合单位", "deadline": "整改时限"},
    "hazard": {"title": "隐患名称", "lead_unit": "责任单位", "units": "配合单位", "deadline": "整治时限"},
    "complaint": {"title": "投诉事项", "lead_unit": "承办单位", "units": "协办单位", "deadline": "办理时限"},
    "emergency": {"title": "问题描述", "lead_unit": "责任单位", "units": "配合单位", "deadline": "整改时限"},
    "enforcement": {"title": "案件名称", "lead_unit": "所在县（区）", "units": "协办单位", "deadline": "办案时限"},
}

# FACTS.md §5.1: the areas of the 2023-11-17 conference's task list
CONFERENCE_AREAS = ("大气", "水", "土壤", "绿色转型", "生态", "碳达峰碳中和", "风险防范", "督察整改", "保障")
HAZARD_TYPES = ("尾矿库", "工业固体废物", "危险废物", "重金属", "其他")
HAZARD_GRADES = ("重大", "较大", "一般")
COMPLAINT_CHANNELS = ("网站", "12345热线", "12369热线", "信件", "来访", "督察转办", "其他")
SATISFACTION = ("满意", "基本满意", "不满意")

INSPECTION_INTERVAL_DAYS: dict[str, int] = {"重大": 7, "较大": 15, "一般": 30}  # UNCONFIRMED, see module doc

NOTE = FieldSpec("note", "备注", "longtext", max_len=2000)
YES_NO = ("是", "否")
#: assessment-bulletin.md §4.3 item 5: central and provincial inspections, and the public
#: complaints they hand on (群众举报件)
INSPECTION_PROBLEM_TYPES = ("反馈问题", "群众举报件")
START = FieldSpec("start_date", "开始日期", "date")
REPORTED_PCT = FieldSpec("reported_pct", "报告完成率（%）", "decimal", min=0.0, max=100.0)

KIND_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "key_task": (
        FieldSpec("area", "领域", "choice", choices=CONFERENCE_AREAS),
        FieldSpec("source", "任务来源", max_len=300),
        FieldSpec("milestones", "节点目标", "longtext", max_len=4000),
        FieldSpec("measures", "工作措施", "longtext", max_len=4000),
        START,
        REPORTED_PCT,
        NOTE,
    ),
    "inspection": (
        FieldSpec("inspection_level", "督察类别", "choice", required=True, choices=("中央", "省级")),
        FieldSpec("round", "督察轮次", required=True, max_len=100),
        FieldSpec("batch", "批次", max_len=100),
        FieldSpec("feedback_date", "反馈日期", "date"),
        FieldSpec("measures", "整改措施", "longtext", required=True, max_len=4000),
        FieldSpec("evidence", "整改成效及佐证", "longtext", max_len=4000),
        FieldSpec("verification", "现场核查情况", "longtext", max_len=4000),
        FieldSpec("problem_type", "问题类型", "choice", choices=INSPECTION_PROBLEM_TYPES),
        REPORTED_PCT,
        NOTE,
    ),
    "hazard": (
        FieldSpec("hazard_type", "隐患类型", "choice", required=True, choices=HAZARD_TYPES),
        FieldSpec("site", "所在位置", required=True, max_len=300),
        FieldSpec("longitude", "经度", "number", min=73.0, max=136.0),
        FieldSpec("latitude", "纬度", "number", min=3.0, max=54.0),
        FieldSpec("grade", "隐患等级", "choice", required=True, choices=HAZARD_GRADES),
        FieldSpec("last_inspected", "最近巡查日期", "date"),
        FieldSpec("measures", "整治措施", "longtext", max_len=4000),
        # what a 尾矿库 hazard's 销号 rests on (soil-waste.md §6.6, qingshan.ledgers.evidence) and
        # the records a rule-opened item points to (qingshan.landwaste)
        FieldSpec("found_on", "发现日期", "date"),
        FieldSpec("pond_code", "尾矿库编号", max_len=40),
        FieldSpec("manifest_number", "转移联单编号", max_len=30),
        FieldSpec("self_check_on", "企业自查完成日期", "date"),
        FieldSpec("verification", "核查情况", "longtext", max_len=4000),
        FieldSpec("verified_by", "核查人及单位", max_len=200),
        FieldSpec("verification_on", "核查日期", "date"),
        NOTE,
    ),
    "complaint": (
        FieldSpec("channel", "来源渠道", "choice", required=True, choices=COMPLAINT_CHANNELS),
        FieldSpec("content", "投诉内容", "longtext", required=True, max_len=4000, may_hold_personal=True),
        FieldSpec("location", "事发地点", max_len=300),
        FieldSpec("contact_name", "联系人", max_len=50, personal=True),
        FieldSpec("contact_phone", "联系电话", max_len=30, personal=True),
        FieldSpec("reply", "答复内容", "longtext", max_len=4000),
        FieldSpec("satisfaction", "满意度", "choice", choices=SATISFACTION),
        NOTE,
    ),
    "emergency": (
        FieldSpec("enterprise", "企业名称", required=True, max_len=200),
        FieldSpec("uscc", "统一社会信用代码", max_len=40),
        FieldSpec("alert", "预警", required=True, max_len=200),
        FieldSpec("check_result", "核查结论（在线监测）", "longtext", required=True, max_len=4000),
        FieldSpec("requirement", "整改要求", "longtext", required=True, max_len=4000),
        FieldSpec("measures", "整改措施", "longtext", max_len=4000),
        FieldSpec("evidence", "整改成效及佐证", "longtext", max_len=4000),
        FieldSpec("verification", "现场核查情况", "longtext", max_len=4000),
        NOTE,
    ),
    "enforcement": (
        FieldSpec("filed_date", "立案日期", "date", required=True),
        FieldSpec("party", "当事人（企业名称）", required=True, max_len=200),
        FieldSpec("case_no", "案号", max_len=100),
        FieldSpec("violation", "违法行为", "longtext", max_len=4000),
        FieldSpec("fine_wan", "罚款（万元）", "decimal", min=0.0, max=1_000_000.0),
        FieldSpec("seized", "查封扣押", "choice", choices=YES_NO),
        FieldSpec("restricted", "限产停产", "choice", choices=YES_NO),
        FieldSpec("transferred", "移送公安", "choice", choices=YES_NO),
        FieldSpec("decision", "处理决定", "longtext", max_len=4000),
        NOTE,
    ),
}
assert set(KIND_FIELDS) == set(KINDS) == set(COMMON_LABELS)

CODE_PREFIX = {"key_task": "RW", "inspection": "DC", "hazard": "YH", "complaint": "TS", "emergency": "YJ",
               "enforcement": "ZF"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECIMAL = re.compile(r"\d{1,12}(\.\d{1,6})?")


def clean_text(value: Any, max_len: int, label: str) -> str:
    text = _CONTROL.sub("", str(value)).strip()
    if len(text) > max_len:
        raise ValueError(f"长度 {len(text)} 超过上限 {max_len} 个字符")
    return text


def validate_fields(kind: str, raw: dict[str, Any], *, partial: bool = False) -> tuple[dict, list[tuple[str, str]]]:
    """Validate the kind-specific fields.

    Parameters
    ----------
    kind : str
        One of :data:`~qingshan.ledgers.workflow.KINDS`.
    raw : dict
        ``{field key: value}``; unknown keys are errors.
    partial : bool
        An update: required fields need not be present (but may not be blanked).

    Returns
    -------
    (clean, errors)
        ``clean`` maps keys to JSON-safe values (dates as ISO text); ``errors`` is a list of
        ``(label, Chinese message)``.
    """
    specs = {f.key: f for f in KIND_FIELDS[kind]}
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for key in raw:
        if key not in specs:
            errors.append((key, f"{KINDS[kind]}没有字段「{key}」"))
    for key, spec in specs.items():
        if key not in raw:
            if spec.required and not partial:
                errors.append((spec.label, "必填"))
            continue
        value = raw[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                errors.append((spec.label, "必填，不能为空"))
            else:
                clean[key] = None
            continue
        try:
            clean[key] = _coerce(spec, value)
        except ValueError as exc:
            errors.append((spec.label, str(exc)))
    return clean, errors


def _coerce(spec: FieldSpec, value: Any) -> Any:
    if spec.type in ("text", "longtext"):
        return clean_text(value, spec.max_len, spec.label)
    if spec.type == "date":
        return parse_date(value).isoformat()
    if spec.type == "choice":
        text = str(value).strip()
        if text not in spec.choices:
            raise ValueError(f"「{text[:50]}」不是可选值（可选：{'、'.join(spec.choices)}）")
        return text
    if spec.type == "number":
        try:
            number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            raise ValueError(f"「{str(value)[:50]}」不是数字") from None
        if number != number or (spec.min is not None and number < spec.min) or (
            spec.max is not None and number > spec.max
        ):
            raise ValueError(f"{number} 超出范围 {spec.min}–{spec.max}")
        return number
    if spec.type == "decimal":  # kept as the exact text entered (money, percentages)
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not _DECIMAL.fullmatch(text):
            raise ValueError(f"「{text[:50]}」不是非负十进制数（最多 6 位小数）")
        if (spec.min is not None and Decimal(text) < Decimal(str(spec.min))) or (
            spec.max is not None and Decimal(text) > Decimal(str(spec.max))
        ):
            raise ValueError(f"{text} 超出范围 {spec.min:g}–{spec.max:g}")
        return text
    raise AssertionError(spec.type)


def next_inspection_due(
    last_inspected: date | str | None, grade: str | None, intervals: dict[str, int] = INSPECTION_INTERVAL_DAYS
) -> date | None:
    """Date the next routine inspection of a hazard is due.

    Parameters
    ----------
    last_inspected : date or ISO text, optional
    grade : str
        重大 / 较大 / 一般.
    intervals : dict, optional
        Days between inspections per grade [d] (UNCONFIRMED defaults, see module doc).
    """
    if not last_inspected or grade not in intervals:
        return None
    last = parse_date(last_inspected) if not isinstance(last_inspected, date) else last_inspected
    return last + timedelta(days=intervals[grade])
