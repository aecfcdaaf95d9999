"""The product's tables. Changing one means adding a migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, LargeBinary, MetaData, String
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


# --- Outcome feedback (issue 14 item 5; owned by analytics, migration v0003_outcomes) ---------
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
