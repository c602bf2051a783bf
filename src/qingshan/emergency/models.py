"""Tables of the heavy-pollution emergency domain (Alembic branch ``emergency``).

* ``emergency_table_version`` — the bureau-editable versions of every UNCONFIRMED table
  (thresholds, ratios, grade limits and measures, transport rule, VERIFY-1 parameters):
  kind, version, status, source, data; one active version per kind (packaged defaults seeded).
* ``emergency_forecast_batch`` / ``emergency_forecast_block`` — forecast runs (and observed
  series) as received from the forecast centre, one block per city × 24-h block.
* ``emergency_alert`` / ``emergency_alert_action`` — alerts (episodes) per city with their
  actions issue/raise/lower/extend/lift and the decision record that justified each;
  ``emergency_notice`` — regional and provincial notices entered by hand (§1.7).
* ``emergency_grade`` / ``emergency_indicator`` — performance grades with validity dates and
  the indicators (with evidence) that decided them (§3.1).
* ``emergency_list`` / ``emergency_list_row`` / ``emergency_list_other`` /
  ``emergency_city_baseline`` — the emergency list (one row per enterprise × production line,
  §2.3), the non-industrial reductions S_p(L) and the city baseline B_p (§2.6).
* ``emergency_verification`` / ``emergency_verification_result`` — VERIFY-1 runs and their
  results per check unit × pollutant, with the table versions used.
* ``emergency_ledger_link`` — the rectification-ledger item opened for an enterprise that did
  not cut during an alert: one per (alert, enterprise), whichever verification found it
  (migration ``emergency_0002``).

Exact numbers are stored as text (decimal ``"4400"`` or rational ``"2/11"``); times are naive
Beijing time like the HJ 212 store (hj212.md §11), ``created_at`` UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.sources.models import Enterprise
from qingshan.store.base import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TableVersionRow(Base):
    __tablename__ = "emergency_table_version"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    packaged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class ForecastBatch(Base):
    __tablename__ = "emergency_forecast_batch"
    __table_args__ = (UniqueConstraint("kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # forecast | observed
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    run_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    source: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    n_rows: Mapped[int] = mapped_column(Integer)
    n_cities: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class ForecastBlock(Base):
    __tablename__ = "emergency_forecast_block"
    __table_args__ = (UniqueConstraint("batch_id", "city", "block_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("emergency_forecast_batch.id", ondelete="CASCADE"), index=True)
    city: Mapped[str] = mapped_column(String(40))
    block_start: Mapped[datetime] = mapped_column(DateTime)
    aqi: Mapped[int | None] = mapped_column(Integer)
    aqi_text: Mapped[str | None] = mapped_column(String(40))
    primary: Mapped[str | None] = mapped_column(String(100))  # symbols, comma-separated
    cause: Mapped[str | None] = mapped_column(String(20))
    row: Mapped[int] = mapped_column(Integer)


class Notice(Base):
    __tablename__ = "emergency_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(12))  # regional | provincial
    issuer: Mapped[str] = mapped_column(String(100))
    document_no: Mapped[str | None] = mapped_column(String(80))
    cities: Mapped[list] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(10))
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime | None] = mapped_column(DateTime)
    lift_document_no: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class Alert(Base):
    __tablename__ = "emergency_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(12), default="local")  # local | regional | provincial
    status: Mapped[str] = mapped_column(String(10), index=True)  # active | lifted
    level: Mapped[str] = mapped_column(String(10))  # level in force now
    max_level: Mapped[str] = mapped_column(String(10))
    first_issue: Mapped[datetime] = mapped_column(DateTime)
    start: Mapped[datetime] = mapped_column(DateTime, index=True)
    end: Mapped[datetime] = mapped_column(DateTime)  # end of the last block of the episode
    last_above_end: Mapped[datetime] = mapped_column(DateTime)
    lift_at: Mapped[datetime | None] = mapped_column(DateTime)
    rules: Mapped[str] = mapped_column(String(20))
    tables: Mapped[dict] = mapped_column(JSON)
    settings: Mapped[dict] = mapped_column(JSON)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_notice.id"))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AlertAction(Base):
    __tablename__ = "emergency_alert_action"
    __table_args__ = (UniqueConstraint("alert_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("emergency_alert.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # issue | raise | lower | extend | lift
    level: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime)
    decide_by: Mapped[datetime | None] = mapped_column(DateTime)
    run_time: Mapped[datetime | None] = mapped_column(DateTime)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_forecast_batch.id"))
    reason: Mapped[str] = mapped_column(Text)
    document_no: Mapped[str | None] = mapped_column(String(80))
    decision: Mapped[dict] = mapped_column(JSON)  # the decision record (§1.7) that justified it
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class Indicator(Base):
    __tablename__ = "emergency_indicator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(Enterprise.id), index=True)
    industry: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    group: Mapped[str] = mapped_column(String(20))
    grade_met: Mapped[str | None] = mapped_column(String(10))
    value: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(10))  # entered | online
    evidence: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Grade(Base):
    __tablename__ = "emergency_grade"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(Enterprise.id), index=True)
    industry: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(10))
    computed_grade: Mapped[str | None] = mapped_column(String(10))
    deciding: Mapped[list] = mapped_column(JSON, default=list)
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12))  # computed | list | entered
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    tables: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EmergencyList(Base):
    __tablename__ = "emergency_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(6))
    season: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | archived
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    tables: Mapped[list] = mapped_column(JSON, default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ListRow(Base):
    __tablename__ = "emergency_list_row"
    __table_args__ = (UniqueConstraint("list_id", "enterprise_id", "line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_list.id", ondelete="CASCADE"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(Enterprise.id), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[str | None] = mapped_column(String(6))
    industry: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[str] = mapped_column(String(80))
    grade: Mapped[str] = mapped_column(String(10))
    protected: Mapped[str] = mapped_column(String(20), default="none")
    max_load: Mapped[str | None] = mapped_column(String(40))
    mn_codes: Mapped[list] = mapped_column(JSON, default=list)
    submeters: Mapped[list] = mapped_column(JSON, default=list)
    cap_eia: Mapped[str | None] = mapped_column(String(40))
    cap_permit: Mapped[str | None] = mapped_column(String(40))
    prod_lastyear: Mapped[str | None] = mapped_column(String(40))
    p0: Mapped[str | None] = mapped_column(String(40))
    unit: Mapped[str | None] = mapped_column(String(20))
    e0: Mapped[dict] = mapped_column(JSON, default=dict)
    e_hold: Mapped[dict] = mapped_column(JSON, default=dict)
    t0: Mapped[str | None] = mapped_column(String(40))
    measures: Mapped[dict] = mapped_column(JSON, default=dict)  # level → [codes]
    r: Mapped[dict] = mapped_column(JSON, default=dict)  # level → pollutant → kg/d (exact text)
    r_declared: Mapped[dict] = mapped_column(JSON, default=dict)
    key_indicators: Mapped[dict] = mapped_column(JSON, default=dict)
    ramp_h: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class ListOther(Base):
    """Listed non-industrial reductions S_p(L) [t/d] (§2.6): mobile, dust, other."""

    __tablename__ = "emergency_list_other"
    __table_args__ = (UniqueConstraint("list_id", "category", "level", "pollutant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_list.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    pollutant: Mapped[str] = mapped_column(String(6))
    t_per_day: Mapped[str] = mapped_column(String(40))


class CityBaseline(Base):
    """Whole-society daily emission B_p [t/d] of the list's city (§2.2)."""

    __tablename__ = "emergency_city_baseline"
    __table_args__ = (UniqueConstraint("list_id", "pollutant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_list.id", ondelete="CASCADE"), index=True)
    pollutant: Mapped[str] = mapped_column(String(6))
    amount_t: Mapped[str] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(String(24))
    year: Mapped[int | None] = mapped_column(Integer)
    season_days: Mapped[int | None] = mapped_column(Integer)
    t_per_day: Mapped[str] = mapped_column(String(60))


class Verification(Base):
    __tablename__ = "emergency_verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("emergency_alert.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("emergency_list.id"))
    evaluated_at: Mapped[datetime] = mapped_column(DateTime)
    provisional: Mapped[bool] = mapped_column(Boolean)
    params: Mapped[dict] = mapped_column(JSON)
    tables: Mapped[list] = mapped_column(JSON)
    window: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class VerificationResult(Base):
    __tablename__ = "emergency_verification_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # named explicitly: the convention's name would pass PostgreSQL's 63-character limit
    verification_id: Mapped[int] = mapped_column(
        ForeignKey("emergency_verification.id", ondelete="CASCADE", name="fk_emergency_verification_result_verification"),
        index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(Enterprise.id), index=True)
    unit: Mapped[str] = mapped_column(String(200))
    line_ids: Mapped[list] = mapped_column(JSON)
    pollutant: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(16), index=True)
    rho_req: Mapped[str | None] = mapped_column(String(80))
    rho: Mapped[str | None] = mapped_column(String(120))
    coverage: Mapped[str | None] = mapped_column(String(40))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    detail: Mapped[dict] = mapped_column(JSON)


class LedgerLink(Base):
    """The ledger item (kind ``emergency``) opened for an enterprise × alert (idempotence key)."""

    __tablename__ = "emergency_ledger_link"
    __table_args__ = (UniqueConstraint("alert_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("emergency_alert.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(Enterprise.id))
    verification_id: Mapped[int] = mapped_column(ForeignKey("emergency_verification.id"))
    # no foreign key: ledger_item lives on the ``web`` branch, and a dependency between the two
    # branches would hide the web head from ``alembic current`` (migrate.is_up_to_date)
    ledger_item_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
