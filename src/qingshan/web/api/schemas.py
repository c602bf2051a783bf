"""Response models of the JSON API (OpenAPI at ``/docs``): every JSON route declares one.

Request bodies live next to their routes; these are what the routes answer. Timestamps are ISO
8601 text with offset (stored UTC), dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    unit: UnitOut | None


class AccountOut(UserOut):
    active: bool
    failed_logins: int = Field(0, description="最近一次成功登录以来的失败次数")
    created_at: str | None = None


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str


class MeOut(BaseModel):
    user: UserOut | None
    csrf_token: str


class OkOut(BaseModel):
    ok: bool


class TransitionForm(BaseModel):
    action: str
    label: str
    note_required: bool
    note_label: str
    note_hint: str = ""
    unit_label: str | None = None
    choices: list[dict[str, Any]] = Field(default_factory=list)


class AllowedOut(BaseModel):
    publish: bool = False
    update: bool
    progress: bool
    attach: bool
    transitions: list[TransitionForm]


class AttachmentOut(BaseModel):
    id: int
    item_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    at: str | None
    url: str


class HistoryEntry(BaseModel):
    id: int
    at: str | None
    username: str | None
    unit: str | None
    type: str
    action: str | None
    from_status: str | None
    to_status: str | None
    from_label: str | None
    to_label: str | None
    text: str
    attachments: list[AttachmentOut]


class HistoryOut(BaseModel):
    entries: list[HistoryEntry]
    attachments: list[AttachmentOut]


class ItemOut(BaseModel):
    """A ledger item (:func:`qingshan.ledgers.queries.item_out`)."""

    id: int
    kind: str
    kind_label: str
    code: str
    title: str
    status: str
    status_label: str
    lead_unit: UnitOut | None
    units: list[UnitOut]
    deadline: str | None
    days_left: int | None
    overdue: bool
    fields: dict[str, Any]
    tracking_no: str | None
    version: int
    created_at: str | None
    updated_at: str | None
    updated_by: str | None
    closed_at: str | None
    next_inspection_due: str | None = Field(None, description="隐患：下次巡查日期")
    inspection_overdue: bool | None = Field(None, description="隐患：巡查是否逾期")
    allowed: AllowedOut | None = Field(None, description="当前用户可执行的操作")
    personal_masked: bool = Field(True, description="个人信息（联系人、联系电话）是否已隐藏")


class ItemDetailOut(ItemOut):
    history: HistoryOut


class ItemListOut(BaseModel):
    total: int
    items: list[ItemOut]


class ProgressOut(BaseModel):
    id: int
    history: HistoryOut


class DueItem(BaseModel):
    id: int
    code: str
    kind: str
    title: str
    deadline: str
    days_left: int
    status_label: str


class ReminderOut(BaseModel):
    unit: UnitOut
    overdue: list[DueItem]
    due_soon: list[DueItem]


class ImportOut(BaseModel):
    imported: int
    codes: list[str]


class MetaOut(BaseModel):
    """The ledger workflow as data (:mod:`qingshan.ledgers.workflow`, :mod:`qingshan.ledgers.kinds`)."""

    model_config = ConfigDict(populate_by_name=True)

    kinds: dict[str, str]
    states: dict[str, dict[str, str]]
    transitions: list[dict[str, Any]]
    item_actions: dict[str, dict[str, str]]
    labels: dict[str, dict[str, str]]
    fields: dict[str, list[dict[str, Any]]]


class ComplaintReceipt(BaseModel):
    tracking_no: str
    status_label: str
    merged: bool = Field(False, description="与近期相同内容的投诉合并（返回原受理编号）")


class ComplaintStatus(BaseModel):
    """What the public may see: no content, place, name or phone."""

    tracking_no: str
    status: str
    status_label: str
    received_at: str | None
    updated_at: str | None
    handling_unit: str | None
    reply: str | None = Field(description="经市生态环境局审核公开的答复")
    reply_note: str | None = Field(None, description="答复待审核时的说明")
    closed_at: str | None


class AuditOut(BaseModel):
    id: int
    at: str | None = Field(description="北京时间，带时区（+08:00）")
    action_label: str
    user_id: int | None
    username: str | None
    role: str | None
    ip: str | None
    request_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    object_repr: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    message: str | None
    role_label: str | None = None
    changes: dict[str, list[Any]] = Field(description="字段级修改：{字段: [修改前, 修改后]}")


class AuditPageOut(BaseModel):
    total: int
    records: list[AuditOut]


class AirLatestOut(BaseModel):
    stations: list[dict[str, Any]] = Field(description="每站最新一小时：浓度为精确十进制文本")
    unit_note: str


class IndicatorRow(BaseModel):
    """One row of the air report (:func:`qingshan.air.report.indicator_rows`): published text."""

    indicator: str
    label: str
    unit: str
    value: str
    limit: str
    attained: bool | None
    multiple: str | None
    base: str | None = Field(description="上年同期")
    change: str | None = Field(description="同比变化（单位见 change_unit）")
    change_unit: str


class AirReportOut(BaseModel):
    city_code: str
    city_name: str
    from_: str = Field(alias="from")
    to: str
    stage: str
    attained: bool | None
    exceeding: list[str]
    edition_mode: str
    aqi_edition: str
    edition_note: str
    city: list[IndicatorRow]
    counties: list[dict[str, Any]]


class AlarmOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    mn: str
    outlet_id: int | None
    factor: str | None
    scope: str | None
    start: str
    end: str | None
    status: str
    evidence: Any


class AlarmsOut(BaseModel):
    alarms: list[AlarmOut]
    count: int
