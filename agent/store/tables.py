"""The product's tables. Changing one means adding a migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
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
