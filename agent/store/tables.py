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
    text,
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


# --- delivery (agent/delivery): outbox fan-out, deliveries and their attempts, ATS links -------


class OutboxDispatch(Base):
    """An outbox event the delivery worker has fanned out into deliveries (one row each)."""

    __tablename__ = "outbox_dispatch"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One event to one sink (a webhook endpoint or an ATS adapter): its current state.
    ``failures`` counts consecutive failures since the last success or replay (it drives the
    backoff and ``dead``); ``attempts`` counts every try."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "sink", name="uq_deliveries_event_sink"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_created", "created_at", "delivery_id"),
    )

    delivery_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    sink: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class DeliveryAttempt(Base):
    """One try of a delivery, kept for the delivery log."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.delivery_id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | retry | dead
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AtsLink(Base):
    """A candidate's interview ordered by an ATS: Greenhouse (``link_id`` is the
    ``partner_interview_id``, ``external_ref`` the callback url) or SuccessFactors
    (``external_ref`` the assessment order id, ``external_app`` the job application id)."""

    __tablename__ = "ats_links"
    __table_args__ = (UniqueConstraint("vendor", "external_ref", name="uq_ats_links_vendor_ref"),)

    link_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    vendor: Mapped[str] = mapped_column(String(16))  # greenhouse | successfactors
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.candidate_id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(64))
    external_ref: Mapped[str] = mapped_column(String(1000))
    external_app: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16))  # sent | complete
    report_id: Mapped[str | None] = mapped_column(String(64), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# --- Outcome feedback (issue 14 item 5; owned by analytics, migration v0004_outcomes) ---------
# Post-hire outcomes the HR system posts per candidate, one row per report of them (a later
# row updates the fields it carries); agent/analytics correlates them with interview scores.


class OutcomeRow(Base):
    """Post-hire outcomes of one candidate as reported once (any field may be absent)."""

    __tablename__ = "outcomes"

    outcome_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Erasing the candidate (privacy) erases their outcomes with them.
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.candidate_id", ondelete="CASCADE"), index=True
    )
    performance_rating: Mapped[float | None] = mapped_column(Float, default=None)
    complaint_rate: Mapped[float | None] = mapped_column(Float, default=None)
    retained_90d: Mapped[bool | None] = mapped_column(Boolean, default=None)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Who reported it: the HR system's label, else the API key id.
    source: Mapped[str] = mapped_column(String(64))


# --- campaigns (issue 15; agent/campaigns/) -----------------------------------------------------
# The dialer is the database (DESIGN.md decision 13): every planned dial is a call_attempts row,
# claimed by a worker under a lease; candidates' numbers are copied into their attempts so the
# dialer never joins the HR tables, and campaign data is erased after its retention period.

#: Attempt states in which a number is being dialled or talked to (at most one per number).
ACTIVE_ATTEMPT_STATES = ("claimed", "dialling", "in_call")
_ACTIVE_SQL = "state IN ('claimed', 'dialling', 'in_call')"


class Campaign(Base):
    """One outbound campaign: whom (its attempts), with which script, when and how fast."""

    __tablename__ = "campaigns"

    campaign_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    job_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    script_id: Mapped[str] = mapped_column(String(64))
    # active | paused | canceled | done
    state: Mapped[str] = mapped_column(String(16), default="active")
    # The calling window, holidays and retry policy as given (agent/campaigns/policy.py).
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=10)
    calls_per_second: Mapped[float] = mapped_column(Float, default=1.0)
    # Pacing across workers: no new call starts before this (advanced under the row lock).
    next_dial_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class CallAttempt(Base):
    """One planned or placed dial of one candidate in one campaign."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "candidate_id", "attempt_no"),
        Index("ix_call_attempts_due", "state", "due_at"),
        # The database itself refuses a second live attempt on one number, whichever worker
        # or campaign tries: never the same number twice at once.
        Index(
            "uq_call_attempts_live_phone",
            "phone",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
    )

    attempt_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("campaigns.campaign_id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    name: Mapped[str] = mapped_column(String(200), default="")
    attempt_no: Mapped[int] = mapped_column(Integer, default=1)
    # queued | claimed | dialling | in_call | done
    state: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str] = mapped_column(String(16), default="first")  # first | retry | callback
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    carrier_sid: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), default=None)
    dialled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    # Consent evidence: when the candidate agreed in the call (the greeting's disclosure).
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DoNotCall(Base):
    """A number never to be dialled (checked at dial time, whatever the campaign)."""

    __tablename__ = "dnc"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="api")  # api | opt_out | import
    candidate_id: Mapped[str | None] = mapped_column(String(64), default=None)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CampaignAudit(Base):
    """Every state change of a campaign or attempt, one row each (no personal data)."""

    __tablename__ = "campaign_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(String(32), index=True)
    attempt_id: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- Spent invitations (issue 12 follow-up; owned by hardening, migration v0006) --------------


class InvitationUse(Base):
    """An invitation link that has started its interview: a second use is refused.
    ``token_id`` is a digest of the link's token (never the token itself); ``candidate_id`` is
    cleared when the candidate is erased, so the link stays spent without naming anyone."""

    __tablename__ = "invitation_uses"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # After this the token is refused as expired anyway, so the row may go (retention).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
