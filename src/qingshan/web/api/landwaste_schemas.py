"""Response and request models of the soil, solid-waste, manifest and tailings-pond API
(:mod:`qingshan.web.api.landwaste`). They mirror the report builders' dataclasses
(:mod:`qingshan.landwaste.soil.report`, :mod:`qingshan.landwaste.waste.report`,
:mod:`qingshan.landwaste.waste.manifests`, :mod:`qingshan.landwaste.ponds.report`); quantities
are exact decimal text (t), rates are published percentages with 2 decimals (``—`` when
undefined) and their exact value as a fraction ``num/den``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class LegendEntry(BaseModel):
    key: str
    label: str
    colour: str


class SoilPointOut(BaseModel):
    code: str
    name: str | None
    survey: str
    standard: str = Field(description="gb15618 | gb36600")
    county_code: str | None
    lon: float | None
    lat: float | None
    land_use: str | None
    class_key: str = Field(description="1/2/3（GB 15618）或 below_screening/between/above_intervention（GB 36600）、undetermined")
    class_name: str
    colour: str
    worst_samples: list[str]
    deciding_items: list[str]
    samples: int
    demo: bool


class SoilPlotOut(BaseModel):
    code: str
    name: str
    county_code: str | None
    standard: str
    class_key: str
    class_name: str
    worst_samples: list[str]
    deciding_items: list[str]
    samples: int
    points: int
    decision: str | None = Field(description="GB 36600 地块结论（§3.4）")
    decision_name: str | None
    decision_set_by: list[list[str]] = Field(description="决定结论的（样品, 项目）")
    unit_class: str | None = Field(description="农用地单元类别，按录入值保存（2019 指南，待确认）")
    demo: bool


class SoilOverviewOut(BaseModel):
    survey: str | None
    points: list[SoilPointOut]
    plots: list[SoilPlotOut]
    counts_by_county: dict[str, dict[str, int]]
    table_versions: list[str] = Field(description="限值表版本及状态")
    incomplete_samples: int
    demo: bool
    legend: list[LegendEntry]


class SoilItemOut(BaseModel):
    item: str
    name_zh: str
    content_mg_kg: str
    screening: str
    intervention: str
    item_class: str
    flag: str | bool | None
    index: str
    multiple: str
    problem: str


class SampleDetailOut(BaseModel):
    code: str
    point: str
    survey: str
    standard: str
    county_code: str | None
    ph: str | None
    ph_band: str | None
    land_use: str | None
    class_key: str
    class_name: str
    status: str
    deciding_items: list[str]
    decision: str | None
    decision_name: str | None
    undetermined: list[list[str]]
    no_limit_items: list[str]
    items: list[SoilItemOut]
    table_version: str
    table_status: str
    demo: bool


class RateRowOut(BaseModel):
    scope: str = Field(description="enterprise | county | city")
    code: str
    name: str
    county_code: str | None
    generated_t: str
    utilised_t: str
    utilised_prior_t: str
    disposed_t: str
    disposed_prior_t: str
    stored_t: str
    dumped_t: str
    utilisation_exact: str | None = Field(description="R_u = U ÷ (G + U_p) 精确分数 num/den；分母为 0 时为空")
    utilisation_pct: str = Field(description="综合利用率 %，两位小数（四舍六入五成双），无定义时为 —")
    disposal_exact: str | None
    disposal_pct: str
    utilisation_target_pct: str | None
    utilisation_met: bool | None
    disposal_target_pct: str | None
    disposal_met: bool | None
    enterprises: int
    incomplete: list[str]
    withdrawal_order_assumed: bool
    demo: bool


class RatesOut(BaseModel):
    first: date
    last: date
    label: str
    comparison: str = Field(description="rate_target_comparison：exact | published")
    city: RateRowOut | None
    counties: list[RateRowOut]
    enterprises: list[RateRowOut]
    notes: list[str]


class BalanceFailureOut(BaseModel):
    uscc: str
    enterprise: str
    county_code: str | None
    month: date
    waste_code: str
    residual_t: str
    problems: list[str]
    problems_zh: list[str]
    source_row: int | None
    kind: str = Field(description="rejected | stock_discontinuity")


class BalanceFailuresOut(BaseModel):
    failures: list[BalanceFailureOut]
    count: int


class ReceiverOut(BaseModel):
    flow: str
    mode: str
    receiver: str
    uscc: str | None
    method: str | None
    quantity_t: str
    approval_no: str | None


class LedgerMonthOut(BaseModel):
    month: date
    waste_code: str
    waste_name: str | None
    figures_t: dict[str, str]
    status: str
    problems_zh: list[str]
    receivers: list[ReceiverOut]
    utilisation_pct: str


class GeneratorLedgerOut(BaseModel):
    uscc: str
    name: str
    county_code: str | None
    months: list[LedgerMonthOut]


class ManifestRowOut(BaseModel):
    number: str
    transferor: str
    receiver: str
    waste_code: str
    quantity_t: str
    accepted_t: str
    state: str
    state_zh: str
    received_on: date | None
    confirm_due: date | None
    confirmed_on: date | None
    paper: bool
    alarms: list[str]
    demo: bool
    ledger_item_id: int | None = Field(description="已建立的环境风险隐患台账事项 id")


class ManifestReportOut(BaseModel):
    today: date
    open: list[ManifestRowOut]
    overdue: list[ManifestRowOut]
    discrepancies: list[ManifestRowOut]
    calendar_version: str
    calendar_status: str


class AlarmRunOut(BaseModel):
    today: date
    opened: list[str]
    resolved: list[str]
    open_total: int
    calendar_version: str
    items_opened: list[str] = Field(description="本次自动建立的台账事项（编号 联单编号）")
    items_linked: list[str]


class ObligationOut(BaseModel):
    kind: str
    label: str
    party: str
    due: date
    state: str
    state_zh: str
    done_on: date | None
    days_overdue: int
    basis: str
    rule_status: str = Field(description="规则依据状态：confirmed 或 UNCONFIRMED")


class PondRowOut(BaseModel):
    code: str
    name: str
    county_code: str
    status: str
    grade: int
    grade_zh: str
    grade_source: str = Field(description="provincial_list | ungraded_default（未列入清单，按一级安排，待确认）")
    grade_document: str | None
    key_discharger_list: bool
    random_check_pool: bool
    review_required: bool
    obligations: list[ObligationOut]
    overdue: int
    next_due: date | None
    demo: bool
    hazards_open: int


class CalendarEntryOut(BaseModel):
    day: date
    pond: str
    label: str
    state: str


class OverdueOut(BaseModel):
    pond: str
    name: str
    county_code: str
    obligation: ObligationOut


class PondSupervisionOut(BaseModel):
    year: int
    today: date
    ponds: list[PondRowOut]
    by_grade: dict[str, int]
    by_county: dict[str, dict[str, int]]
    overdue: list[OverdueOut]
    calendar: list[CalendarEntryOut]
    notes: list[str]


class PondFileItem(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    caption: str | None
    taken_on: date | None
    uploaded_by: str | None
    at: str
    is_image: bool
    url: str


class PondHazardOut(BaseModel):
    id: int
    pond_code: str
    code: str
    title: str
    grade: str | None
    status: str
    status_label: str
    deadline: date | None
    overdue: bool
    found_on: str | None
    closed: bool
    verified_by: str | None
    verification_on: str | None
    url: str


class PondFileOut(BaseModel):
    code: str
    attributes: dict
    grades: list[dict]
    responsible: list[dict]
    records: list[dict]
    monitoring: dict[str, list[dict]]
    leachate_may_end_after: date | None
    groundwater_may_end_after: date | None
    review_required: bool
    review_reasons: list[str]
    status: PondRowOut
    attachments: list[PondFileItem]
    hazards: list[PondHazardOut]
    demo: bool


class PondHazardIn(BaseModel):
    title: str = Field(min_length=1, max_length=300, description="隐患名称")
    grade: str = Field(description="隐患等级：重大、较大、一般")
    found_on: date | None = Field(None, description="发现日期（默认今天）")
    deadline: date | None = Field(None, description="整治时限；重大隐患必填，其余默认按 §6.6")
    measures: str | None = Field(None, max_length=4000, description="整治措施")
    pre_flood_inspection: bool = Field(False, description="汛期前排查发现（默认时限为汛期开始前一日）")


class CreatedItemOut(BaseModel):
    id: int
    code: str
    title: str
    status: str
    deadline: date | None
    url: str
