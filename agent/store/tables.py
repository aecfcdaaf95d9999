"""The product's tables. Changing one means adding a migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table (one metadata for the whole product)."""

    metadata = MetaData(naming_convention=NAMING)


class ApiKey(Base):
    """An API key: its public id, owner's label and role, and the salted digest of its secret."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# --- HR side (issue 14; owned by hr-core, migration v0002_hr_core) ---------------------------
# Jobs and the candidates imported for them, the calls with their turns (written as each turn
# happens), the reports (the exported JSON document kept whole in ``body``), reviews, an audit
# log without personal data, and the outbox that result delivery reads (DESIGN.md decision 12).

#: Eligibility outcomes of the screening at import (agent.hr.eligibility).
ELIGIBILITY_VALUES = ("eligible", "ineligible", "needs_review")


class Job(Base):
    """A position candidates are screened and interviewed for, with its screening rules."""

    __tablename__ = "jobs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    script_id: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16), default="en")
    eligibility_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    follow_up_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Candidate(Base):
    """A person imported from the HR system for one job; ``external_id`` is the HR system's id."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("job_id", "external_id", name="uq_candidates_job_external"),)

    candidate_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.job_id"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(16), default=None)  # E.164
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)  # IANA
    language: Mapped[str] = mapped_column(String(16), default="en")
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    eligibility: Mapped[str] = mapped_column(String(16))
    eligibility_rule: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Call(Base):
    """One interview call (``candidate_id`` is None for test calls)."""

    __tablename__ = "calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidates.candidate_id"), index=True, default=None
    )
    job_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    script_id: Mapped[str] = mapped_column(String(100))
    transport: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(64), default=None)


class CallTurn(Base):
    """One turn of a call, written as it happens (a crash loses nothing already said)."""

    __tablename__ = "call_turns"

    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    question_id: Mapped[str | None] = mapped_column(String(100), default=None)
    start_s: Mapped[float | None] = mapped_column(Float, default=None)
    end_s: Mapped[float | None] = mapped_column(Float, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReportRow(Base):
    """A call's report: the exported JSON document (``body``, report schema) plus the columns
    the listing filters on. ``report_id`` is the call id."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_job_created", "job_id", "created_at"),)

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidates.candidate_id"), index=True, default=None
    )
    job_id: Mapped[str | None] = mapped_column(String(64), default=None)
    tier: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reviewed_tier: Mapped[str | None] = mapped_column(String(32), default=None)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class Review(Base):
    """One review action on a report (every change is its own row)."""

    __tablename__ = "reviews"

    review_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.report_id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(String(64))  # the API key id (or "cli:<user>")
    tier: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what to which record; ``detail`` never holds personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxEvent(Base):
    """An event to deliver, written in the transaction of the fact it announces. Write only
    through :func:`agent.store.outbox.enqueue`; the delivery worker reads it."""

    __tablename__ = "outbox"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
