"""Post-hire outcomes: recorded per candidate, read back per candidate or for a whole job."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.hr.repo import audit
from agent.store.tables import Candidate, OutcomeRow

#: The outcome fields a row can carry.
FIELDS = ("performance_rating", "complaint_rate", "retained_90d")


class UnknownCandidate(LookupError):
    """No candidate with that id."""


@dataclass(frozen=True)
class OutcomeRecord:
    """One recorded report of outcomes."""

    outcome_id: str
    candidate_id: str
    performance_rating: float | None
    complaint_rate: float | None
    retained_90d: bool | None
    recorded_at: datetime
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outcome_id": self.outcome_id,
            "candidate_id": self.candidate_id,
            "performance_rating": self.performance_rating,
            "complaint_rate": self.complaint_rate,
            "retained_90d": self.retained_90d,
            "recorded_at": _utc(self.recorded_at).isoformat(),
            "source": self.source,
        }


def _utc(at: datetime) -> datetime:
    # SQLite hands back naive datetimes for what was stored in UTC.
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def _record(row: OutcomeRow) -> OutcomeRecord:
    return OutcomeRecord(
        row.outcome_id,
        row.candidate_id,
        row.performance_rating,
        row.complaint_rate,
        row.retained_90d,
        _utc(row.recorded_at),
        row.source,
    )


def record_outcome(
    session: Session,
    candidate_id: str,
    values: Mapping[str, float | bool | None],
    *,
    source: str,
    actor: str,
    recorded_at: datetime | None = None,
) -> OutcomeRecord:
    """Store one report of ``candidate_id``'s outcomes (fields in :data:`FIELDS`; at least one
    set), with an audit line that names the fields but not their values."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown outcome fields: {sorted(unknown)}")
    given = [f for f in FIELDS if values.get(f) is not None]
    if not given:
        raise ValueError(f"give at least one of {', '.join(FIELDS)}")
    if session.get(Candidate, candidate_id) is None:
        raise UnknownCandidate(candidate_id)
    now = datetime.now(UTC)
    rating, complaints, retained = (values.get(f) for f in FIELDS)
    row = OutcomeRow(
        outcome_id=secrets.token_hex(16),
        candidate_id=candidate_id,
        performance_rating=None if rating is None else float(rating),
        complaint_rate=None if complaints is None else float(complaints),
        retained_90d=None if retained is None else bool(retained),
        # Stored in UTC: SQLite keeps no zone, and both backends must read back one instant.
        recorded_at=recorded_at.astimezone(UTC) if recorded_at else now,
        source=source,
    )
    session.add(row)
    audit(
        session, actor, "outcome.recorded", "candidate", candidate_id,
        outcome_id=row.outcome_id, fields=given,
    )  # fmt: skip
    session.flush()
    return _record(row)


def outcomes_of(session: Session, candidate_id: str) -> list[OutcomeRecord]:
    """Every outcome report of a candidate, oldest first."""
    if session.get(Candidate, candidate_id) is None:
        raise UnknownCandidate(candidate_id)
    rows = session.scalars(
        select(OutcomeRow)
        .where(OutcomeRow.candidate_id == candidate_id)
        .order_by(OutcomeRow.recorded_at, OutcomeRow.outcome_id)
    )
    return [_record(r) for r in rows]


def latest_outcomes(session: Session, job_id: str) -> dict[str, dict[str, float]]:
    """Per candidate of ``job_id``: each outcome's most recently recorded value (retention as
    0/1), for the validity analysis."""
    rows = session.execute(
        select(OutcomeRow)
        .join(Candidate, Candidate.candidate_id == OutcomeRow.candidate_id)
        .where(Candidate.job_id == job_id)
        .order_by(OutcomeRow.recorded_at, OutcomeRow.outcome_id)
    ).scalars()
    latest: dict[str, dict[str, float]] = {}
    for row in rows:  # oldest first: a later report overwrites the fields it carries
        values = latest.setdefault(row.candidate_id, {})
        for name in FIELDS:
            value = getattr(row, name)
            if value is not None:
                values[name] = float(value)
    return latest
