"""Automatic stations: which HJ 212 device (MN) reports for which section (``water_station_links``).

The gateway knows devices by their MN (hj212.md §3: 24 hex characters, an EPC-96 code; a
14-character 2005 MN, §13, is accepted too); the water domain knows sections. A link says that
the values of one MN are measurements of one section (one MN → one section; a section may have
several MNs, e.g. a replaced analyser), with the station's configuration of hj212.md §12.3:

* ``codes`` — item → the factor code the station sends for it, when the table offers two codes
  for one item (As as ``w20119`` μg/L or ``w20141`` mg/L …); the code must be one of the table's
  codes *for that item*;
* ``units`` — factor code → the unit the station sends it in, when it differs from the table's
  default; the unit must convert exactly to the item's GB 3838 unit
  (:func:`qingshan.water.items.unit_factor`).

Validation raises :class:`StationLinkError` (Chinese, naming the MN and the field); the audited
writes are :func:`qingshan.water.service.link_station` / ``unlink_station``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from qingshan.sources.registry import RegistryError, validate_mn
from qingshan.water import items as I
from qingshan.water.hj212 import StationConfig, default_factor_table
from qingshan.water.models import Section, StationLink

FIELDS = ("mn", "section_code", "codes", "units", "active", "valid_from", "valid_to")


class StationLinkError(ValueError):
    """A link refused; the message (Chinese) names the MN and the field."""


@dataclass(frozen=True)
class LinkedStation:
    """An active link as the sync uses it: the adapter's configuration and the validity."""

    config: StationConfig
    valid_from: datetime | None
    valid_to: datetime | None


def check_mn(mn: str) -> str:
    """hj212.md §3 (2017: 24 hex characters) or §13 (2005: 14 characters)."""
    mn = (mn or "").strip()
    try:
        return validate_mn(mn, 0)
    except RegistryError:
        raise StationLinkError(f"设备 MN「{mn}」格式错误：应为 24 位十六进制大写字符（HJ 212—2017 表 3），"
                               f"或 14 位字母数字（HJ/T 212—2005）") from None


def check_codes(mn: str, codes: Mapping[str, str]) -> dict[str, str]:
    """Item → factor code, each code one of the hj212.md §12.3 table's codes for that item."""
    table = default_factor_table()
    item_of = {c: i for c, i, _u in table.rows}
    out: dict[str, str] = {}
    for item, code in codes.items():
        item, code = item.strip().lower(), code.strip()
        if item not in I.NAMES:
            raise StationLinkError(f"设备 {mn}：项目「{item}」不是地表水评价项目（如 as、hg、nh3n）")
        if item_of.get(code) != item:
            offered = "、".join(c for c, i, _u in table.rows if i == item) or "无"
            raise StationLinkError(f"设备 {mn}：因子编码「{code}」不是{I.NAMES[item]}的编码（HJ 212 表 B.1 中为：{offered}）")
        out[item] = code
    return out


def check_units(mn: str, units: Mapping[str, str]) -> dict[str, str]:
    """Factor code → unit; the unit must convert exactly to the item's unit (hj212.md §12.3)."""
    item_of = {c: i for c, i, _u in default_factor_table().rows}
    out: dict[str, str] = {}
    for code, unit in units.items():
        code, unit = code.strip(), unit.strip()
        item = item_of.get(code)
        if item is None:
            raise StationLinkError(f"设备 {mn}：因子编码「{code}」不在地表水因子表中（hj212.md §12.3），不能设置单位")
        if not unit or I.unit_factor(item, unit) is None:
            raise StationLinkError(f"设备 {mn}：{code} 的单位「{unit}」无法换算为{I.NAMES[item]}的单位 {I.UNITS[item]}")
        out[code] = unit
    return out


def _as_dict(link: StationLink, section_code: str) -> dict:
    return {"mn": link.mn, "section_code": section_code, "codes": dict(link.codes), "units": dict(link.units),
            "active": link.active, "valid_from": link.valid_from, "valid_to": link.valid_to}


def get_link(db: Session, mn: str) -> dict | None:
    row = db.execute(select(StationLink, Section.code).join(Section, Section.id == StationLink.section_id)
                     .where(StationLink.mn == mn)).first()
    return _as_dict(*row) if row is not None else None


def link(db: Session, mn: str, section_code: str, *, codes: Mapping[str, str] | None = None,
         units: Mapping[str, str] | None = None, valid_from: datetime | None = None,
         valid_to: datetime | None = None) -> tuple[dict | None, dict]:
    """Link ``mn`` to the section (a new link, or the MN's link replaced and made active).

    Returns (before, after); nothing is flushed when a check fails."""
    mn = check_mn(mn)
    codes, units = check_codes(mn, codes or {}), check_units(mn, units or {})
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise StationLinkError(f"设备 {mn}：有效期结束 {valid_to:%Y-%m-%d} 不晚于开始 {valid_from:%Y-%m-%d}")
    section_id = db.scalar(select(Section.id).where(Section.code == section_code))
    if section_id is None:
        raise StationLinkError(f"断面编码「{section_code}」未登记，设备 {mn} 未关联（请先用 qingshan water sections add 登记断面）")
    before = get_link(db, mn)
    after = {"mn": mn, "section_code": section_code, "codes": codes, "units": units, "active": True,
             "valid_from": valid_from, "valid_to": valid_to}
    if before == after:
        return before, after  # the same link again: nothing to write (nor to audit)
    row = db.scalar(select(StationLink).where(StationLink.mn == mn))
    if row is None:
        row = StationLink(mn=mn)
        db.add(row)
    row.section_id, row.codes, row.units = section_id, codes, units
    row.active, row.valid_from, row.valid_to, row.updated_at = True, valid_from, valid_to, datetime.now()
    db.flush()
    return before, after


def unlink(db: Session, mn: str) -> tuple[dict, dict]:
    """Deactivate the MN's link (kept, so the audit trail and later re-linking see it)."""
    before = get_link(db, mn)
    if before is None:
        raise StationLinkError(f"设备 MN「{mn}」没有关联任何断面")
    if not before["active"]:
        return before, before  # already unlinked
    row = db.scalar(select(StationLink).where(StationLink.mn == mn))
    row.active, row.updated_at = False, datetime.now()
    db.flush()
    return before, {**before, "active": False}


def list_links(bind: Engine | Connection | Session) -> list[dict]:
    """Every link (active or not), by section code then MN."""
    q = (select(StationLink, Section.code).join(Section, Section.id == StationLink.section_id)
         .order_by(Section.code, StationLink.mn))
    if isinstance(bind, Session):
        return [_as_dict(lk, code) for lk, code in bind.execute(q)]
    with Session(bind) as db:
        return [_as_dict(lk, code) for lk, code in db.execute(q)]


def active_stations(bind: Engine | Connection | Session) -> dict[str, LinkedStation]:
    """MN → :class:`LinkedStation` of the active links (what the HJ 212 sync maps with)."""
    return {r["mn"]: LinkedStation(StationConfig(r["section_code"], r["codes"], r["units"]),
                                   r["valid_from"], r["valid_to"])
            for r in list_links(bind) if r["active"]}
