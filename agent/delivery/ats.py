"""What the ATS adapters share: an ordered interview becomes a candidate (created, or the
existing one for that job and HR id), an ``ats_links`` row, and an invitation link announced
through the outbox (``invitation.created``) for whoever sends it to the candidate; and, when
the interview's report exists, the figures an ATS shows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.auth.guard import Access
from agent.hr.candidates import normalise_phone
from agent.hr.repo import audit, new_id
from agent.store.outbox import enqueue
from agent.store.tables import AtsLink, Candidate, Job, ReportRow

MAX_NAME = 200
MAX_EMAIL = 254


class OrderError(ValueError):
    """An order this server cannot take (unknown job, bad contact data)."""


@dataclass(frozen=True)
class Contact:
    """The candidate as the ATS describes them (already bounded by the caller's model)."""

    name: str
    email: str | None
    phone: str | None
    external_id: str


@dataclass(frozen=True)
class Ordered:
    """The result of :func:`order_interview`."""

    link_id: str
    candidate_id: str
    created: bool


def _phone(value: str | None) -> str | None:
    """E.164 when the number reads as one, else None (the interview link does not need it)."""
    if not value:
        return None
    try:
        return normalise_phone(value)
    except ValueError:
        return None


def order_interview(
    session: Session,
    access: Access,
    *,
    vendor: str,
    job_id: str,
    contact: Contact,
    external_ref: str,
    external_app: str | None = None,
    data: dict[str, Any] | None = None,
) -> Ordered:
    """Record an ATS's order in ``session``'s transaction. Ordering the same ``external_ref``
    twice returns the first link (ATSs retry)."""
    existing = session.scalar(
        select(AtsLink).where(AtsLink.vendor == vendor, AtsLink.external_ref == external_ref)
    )
    if existing is not None:
        return Ordered(existing.link_id, existing.candidate_id, False)
    job = session.get(Job, job_id)
    if job is None:
        raise OrderError(f"unknown job {job_id[:64]!r}")
    now = datetime.now(UTC)
    candidate = session.scalar(
        select(Candidate).where(
            Candidate.job_id == job_id, Candidate.external_id == contact.external_id
        )
    )
    if candidate is None:
        candidate = Candidate(
            candidate_id=new_id(),
            job_id=job_id,
            external_id=contact.external_id,
            name=contact.name[:MAX_NAME],
            email=(contact.email or None) and contact.email[:MAX_EMAIL],
            phone=_phone(contact.phone),
            language=job.language,
            attributes={"source": vendor},
            # The ATS screened them before ordering the interview.
            eligibility="eligible",
            eligibility_rule=f"ordered by {vendor}",
            created_at=now,
        )
        session.add(candidate)
        session.flush()
    link = AtsLink(
        link_id=secrets.token_urlsafe(24),
        vendor=vendor,
        candidate_id=candidate.candidate_id,
        job_id=job_id,
        external_ref=external_ref,
        external_app=external_app,
        status="sent",
        data=data or {},
        created_at=now,
    )
    session.add(link)
    audit(session, vendor, "ats.ordered", "candidate", candidate.candidate_id, job_id=job_id)
    token = access.invitation(candidate.candidate_id, job.script_id)
    enqueue(
        session,
        "invitation.created",
        {
            "candidate_id": candidate.candidate_id,
            "job_id": job_id,
            "url": access.invitation_url(token),
            "expires_at": access.check_invitation(token).expires_at,
            "channel": "email",
            "via": vendor,
        },
        idempotency_key=f"{vendor}:invite:{link.link_id}",
    )
    return Ordered(link.link_id, candidate.candidate_id, True)


def report_id_of(payload: dict[str, Any]) -> str | None:
    """The report an ``interview.completed`` payload names."""
    value = payload.get("report_id") or payload.get("call_id")
    return value if isinstance(value, str) else None


def link_completed(session: Session, vendor: str, payload: dict[str, Any]) -> bool:
    """At fan-out of ``interview.completed``: mark the candidate's open links of ``vendor``
    complete with this report; whether there were any."""
    candidate_id = payload.get("candidate_id")
    report_id = report_id_of(payload)
    if not isinstance(candidate_id, str) or report_id is None:
        return False
    links = session.scalars(
        select(AtsLink).where(
            AtsLink.vendor == vendor,
            AtsLink.candidate_id == candidate_id,
            AtsLink.status == "sent",
        )
    ).all()
    now = datetime.now(UTC)
    for link in links:
        link.status = "complete"
        link.report_id = report_id
        link.completed_at = now
    return bool(links)


def links_of_report(session: Session, vendor: str, report_id: str) -> list[AtsLink]:
    """The links ``vendor`` completed with ``report_id``."""
    return list(
        session.scalars(
            select(AtsLink).where(AtsLink.vendor == vendor, AtsLink.report_id == report_id)
        )
    )


@dataclass(frozen=True)
class Result:
    """A report's figures, as an ATS shows them."""

    report_id: str
    score: float | None
    tier: str | None
    reviewed_tier: str | None
    dimensions: list[tuple[str, str, float]]  # (id, label, score 0-100)
    started_at: str | None
    ended_at: str | None


def result_of(row: ReportRow) -> Result:
    """The figures of a stored report (its ``body`` is the exported JSON report)."""
    body = row.body or {}
    card = body.get("scores") or {}
    dimensions = [
        (str(d.get("id", "")), str(d.get("label") or d.get("id", "")), float(d["score"]))
        for d in card.get("dimensions") or []
        if isinstance(d, dict) and isinstance(d.get("score"), int | float)
    ]
    total = card.get("total", row.score)
    return Result(
        report_id=row.report_id,
        score=float(total) if isinstance(total, int | float) else None,
        tier=row.tier or card.get("tier"),
        reviewed_tier=row.reviewed_tier,
        dimensions=dimensions,
        started_at=body.get("started_at"),
        ended_at=body.get("ended_at"),
    )
