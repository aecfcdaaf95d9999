"""The HR operations on the database, shared by the REST API and the CLI (blocking: the API
runs them in a thread). Each public function is one transaction; events go out through
:func:`agent.store.outbox.enqueue` in the same transaction as the change they announce, and
every change a person makes leaves an ``audit_log`` row without personal data."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent.calls.journal import journal_dir
from agent.hr.candidates import CandidateIn, RowError
from agent.hr.eligibility import Decision, Eligibility, EligibilityRules, decide
from agent.reports.report import ReportStore
from agent.settings import Settings
from agent.store.db import Database
from agent.store.outbox import enqueue
from agent.store.tables import (
    AuditEntry,
    Call,
    CallTurn,
    Candidate,
    Delivery,
    DeliveryAttempt,
    InvitationUse,
    Job,
    OutboxDispatch,
    OutboxEvent,
    ReportRow,
    Review,
)

_T = TypeVar("_T")

CANDIDATE_INELIGIBLE = "candidate.ineligible"
REPORT_REVIEWED = "report.reviewed"
#: Tiers a reviewer may set (the report schema's ``review.override_tier``).
REVIEW_TIERS = ("strong_recommend", "pending", "reject")


class NotFound(LookupError):
    """No such job, candidate or report."""


class Conflict(ValueError):
    """The change contradicts the stored state (a job that still has candidates, ...)."""


def now() -> datetime:
    """The current time, UTC (one place, so every row agrees on the clock)."""
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh random id for our own rows (candidates, reviews)."""
    return secrets.token_hex(16)


def audit(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    **detail: Any,
) -> None:
    """One ``audit_log`` row (``detail``: counts, tiers, ids; never names or contact data)."""
    session.add(
        AuditEntry(
            at=now(),
            actor=actor[:64],
            action=action,
            subject_type=subject_type,
            subject_id=subject_id[:64],
            detail=detail,
        )
    )


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; every stored time is UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


# --- jobs ---------------------------------------------------------------------------------------


@dataclass
class JobIn:
    """A job as created or replaced through the API or CLI."""

    job_id: str
    title: str
    script_id: str
    language: str = "en"
    eligibility_rules: EligibilityRules = field(default_factory=EligibilityRules)
    follow_up_rules: dict[str, Any] = field(default_factory=dict)
    review_required: bool = True


def job_json(job: Job) -> dict[str, Any]:
    """A job as the API shows it."""
    return {
        "job_id": job.job_id,
        "title": job.title,
        "script_id": job.script_id,
        "language": job.language,
        "eligibility_rules": job.eligibility_rules,
        "follow_up_rules": job.follow_up_rules,
        "review_required": job.review_required,
        "created_at": _iso(job.created_at),
        "updated_at": _iso(job.updated_at),
    }


def put_job(db: Database, job: JobIn, actor: str) -> tuple[dict[str, Any], bool]:
    """Create or replace a job; returns it and whether it was created."""
    rules = job.eligibility_rules.model_dump(exclude_none=True)
    with db.session() as session:
        row = session.get(Job, job.job_id)
        created = row is None
        stamp = now()
        if row is None:
            row = Job(job_id=job.job_id, created_at=stamp)
            session.add(row)
        row.title = job.title
        row.script_id = job.script_id
        row.language = job.language
        row.eligibility_rules = rules
        row.follow_up_rules = job.follow_up_rules
        row.review_required = job.review_required
        row.updated_at = stamp
        audit(session, actor, "job.created" if created else "job.updated", "job", job.job_id)
        session.flush()
        return job_json(row), created


def get_job(db: Database, job_id: str) -> dict[str, Any]:
    """One job; NotFound when there is none."""
    with db.session() as session:
        row = session.get(Job, job_id)
        if row is None:
            raise NotFound(f"no job {job_id!r}")
        return job_json(row)


def list_jobs(db: Database) -> list[dict[str, Any]]:
    """Every job, newest first."""
    with db.session() as session:
        rows = session.scalars(select(Job).order_by(Job.created_at.desc(), Job.job_id))
        return [job_json(row) for row in rows]


def delete_job(db: Database, job_id: str, actor: str) -> None:
    """Delete a job that has no candidates (erase them first); NotFound, Conflict."""
    with db.session() as session:
        row = session.get(Job, job_id)
        if row is None:
            raise NotFound(f"no job {job_id!r}")
        count = session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.job_id == job_id)
        )
        if count:
            raise Conflict(f"job {job_id!r} has {count} candidates; erase them first")
        session.delete(row)
        audit(session, actor, "job.deleted", "job", job_id)


# --- candidates ---------------------------------------------------------------------------------


def candidate_json(row: Candidate, decision: Decision | None = None) -> dict[str, Any]:
    """A candidate as the API shows it (with the screening reason when known)."""
    data = {
        "candidate_id": row.candidate_id,
        "job_id": row.job_id,
        "external_id": row.external_id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "timezone": row.timezone,
        "language": row.language,
        "consent_at": _iso(row.consent_at),
        "attributes": row.attributes,
        "eligibility": row.eligibility,
        "eligibility_rule": row.eligibility_rule,
        "created_at": _iso(row.created_at),
    }
    if decision is not None:
        data["eligibility_reason"] = decision.reason
    return data


@dataclass
class ImportResult:
    """What an import did: counts, one line per imported row, and the refused rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def absorb(self, other: ImportResult) -> None:
        """Add a committed chunk's outcome to this one."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rows += other.rows
        self.errors += other.errors

    def to_json(self) -> dict[str, Any]:
        """The API's response body."""
        by: dict[str, int] = {}
        for row in self.rows:
            by[row["eligibility"]] = by.get(row["eligibility"], 0) + 1
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": len(self.errors),
            "eligibility": by,
            "rows": self.rows,
            "errors": [asdict(error) for error in self.errors],
        }


_CANDIDATE_FIELDS = ("name", "email", "phone", "timezone", "consent_at", "attributes")


def _apply(row: Candidate, candidate: CandidateIn, language: str, decision: Decision) -> bool:
    """Copy an import row onto a stored candidate; whether anything changed."""
    values = _fields(candidate, language, decision)
    changed = False
    for name, value in values.items():
        current = getattr(row, name)
        if name == "consent_at" and current is not None and current.tzinfo is None:
            current = current.replace(tzinfo=UTC)  # SQLite hands times back without a zone
        if current != value:
            setattr(row, name, value)
            changed = True
    return changed


def _chunks(rows: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``rows`` in lists of at most ``size``."""
    chunk: list[_T] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_candidates(
    db: Database,
    job_id: str,
    rows: Iterable[tuple[int, CandidateIn | RowError]],
    actor: str,
    *,
    chunk_rows: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import validated rows for a job, idempotent on the HR system's id: a known id updates
    that candidate (unchanged data changes nothing), a new one creates a candidate. Each row is
    screened with the job's rules; a candidate newly ineligible is announced
    (``candidate.ineligible``). Refused rows are reported and never written. Rows are written
    ``chunk_rows`` to a transaction; ``progress(n)`` is told after each chunk. A duplicate
    id within one import is refused (the first row counts)."""
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}")
        rules = EligibilityRules.model_validate(job.eligibility_rules)
        job_language = job.language
    result = ImportResult()
    seen: set[str] = set()
    for chunk in _chunks(rows, chunk_rows):
        good: list[tuple[int, CandidateIn]] = []
        for index, item in chunk:
            if isinstance(item, RowError):
                result.errors.append(item)
            elif item.external_id in seen:
                result.errors.append(
                    RowError(index, item.external_id, ["external_id repeated in this import"])
                )
            else:
                seen.add(item.external_id)
                good.append((index, item))
        for attempt in (1, 2):
            partial = ImportResult()
            try:
                with db.session() as session:
                    _import_chunk(session, job_id, job_language, rules, good, actor, partial)
                break
            except IntegrityError:
                # Another import created one of these ids meanwhile: again, they now update.
                if attempt == 2:
                    raise Conflict("a concurrent import of the same candidates; retry") from None
        result.absorb(partial)
        if progress is not None:
            progress(len(chunk))
    with db.session() as session:
        audit(
            session,
            actor,
            "candidates.imported",
            "job",
            job_id,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            refused=len(result.errors),
        )
    return result


def _fields(candidate: CandidateIn, language: str, decision: Decision) -> dict[str, Any]:
    """The stored columns an import row sets."""
    values = {name: getattr(candidate, name) for name in _CANDIDATE_FIELDS}
    values["language"] = language
    values["eligibility"] = str(decision.eligibility)
    values["eligibility_rule"] = decision.rule
    return values


def _import_chunk(
    session: Session,
    job_id: str,
    job_language: str,
    rules: EligibilityRules,
    good: list[tuple[int, CandidateIn]],
    actor: str,
    result: ImportResult,
) -> None:
    ids = [candidate.external_id for _, candidate in good]
    existing = {
        row.external_id: row
        for row in session.scalars(
            select(Candidate).where(Candidate.job_id == job_id, Candidate.external_id.in_(ids))
        )
    }
    stamp = now()
    created: list[dict[str, Any]] = []  # new rows go in as one multi-row INSERT
    announce: list[tuple[str, str, Decision]] = []
    for index, candidate in good:
        language = candidate.language or job_language
        decision = decide(rules, candidate.attributes, language)
        row = existing.get(candidate.external_id)
        was = row.eligibility if row is not None else None
        if row is None:
            candidate_id = new_id()
            created.append(
                {
                    "candidate_id": candidate_id,
                    "job_id": job_id,
                    "external_id": candidate.external_id,
                    "created_at": stamp,
                    **_fields(candidate, language, decision),
                }
            )
            status = "created"
            result.created += 1
        else:
            candidate_id = row.candidate_id
            if _apply(row, candidate, language, decision):
                status = "updated"
                result.updated += 1
            else:
                status = "unchanged"
                result.unchanged += 1
        if decision.eligibility == Eligibility.INELIGIBLE and was != Eligibility.INELIGIBLE:
            announce.append((candidate_id, candidate.external_id, decision))
        result.rows.append(
            {
                "row": index,
                "external_id": candidate.external_id,
                "candidate_id": candidate_id,
                "status": status,
                "eligibility": str(decision.eligibility),
                "eligibility_rule": decision.rule,
                "eligibility_reason": decision.reason,
            }
        )
    if created:
        session.execute(insert(Candidate), created)
    session.flush()  # the candidates exist before the events that announce them
    for candidate_id, external_id, decision in announce:
        enqueue(
            session,
            CANDIDATE_INELIGIBLE,
            {
                "candidate_id": candidate_id,
                "external_id": external_id,
                "job_id": job_id,
                "rule": decision.rule,
                "reason": decision.reason,
            },
            # One announcement each time a candidate becomes ineligible.
            f"{CANDIDATE_INELIGIBLE}:{candidate_id}:{stamp.isoformat()}",
        )


def _screening(session: Session, row: Candidate) -> Decision | None:
    job = session.get(Job, row.job_id)
    if job is None:
        return None
    return decide(
        EligibilityRules.model_validate(job.eligibility_rules), row.attributes, row.language
    )


def get_candidate(db: Database, candidate_id: str) -> dict[str, Any]:
    """One candidate with the reason of their screening; NotFound."""
    with db.session() as session:
        row = session.get(Candidate, candidate_id)
        if row is None:
            raise NotFound("no such candidate")
        return candidate_json(row, _screening(session, row))


def list_candidates(
    db: Database, job_id: str, eligibility: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """A job's candidates, oldest first (optionally of one eligibility)."""
    with db.session() as session:
        query = select(Candidate).where(Candidate.job_id == job_id)
        if eligibility:
            query = query.where(Candidate.eligibility == eligibility)
        query = query.order_by(Candidate.created_at, Candidate.candidate_id)
        rows = session.scalars(query.limit(limit).offset(offset))
        return [candidate_json(row) for row in rows]


def invitation_target(db: Database, candidate_id: str) -> tuple[str, str]:
    """(candidate id, script id) an invitation binds; NotFound; Conflict when ineligible."""
    with db.session() as session:
        row = session.get(Candidate, candidate_id)
        if row is None:
            raise NotFound("no such candidate")
        if row.eligibility == Eligibility.INELIGIBLE:
            raise Conflict(f"candidate is ineligible ({row.eligibility_rule})")
        job = session.get(Job, row.job_id)
        assert job is not None  # a foreign key
        return row.candidate_id, job.script_id


def note_invitation(db: Database, candidate_id: str, actor: str, expires_at: int) -> None:
    """Audit an invitation link handed out."""
    with db.session() as session:
        audit(session, actor, "candidate.invited", "candidate", candidate_id, expires_at=expires_at)


# --- privacy: export and erase --------------------------------------------------------------


def export_candidate(db: Database, candidate_id: str, actor: str) -> dict[str, Any]:
    """Everything stored about a candidate (a data-subject access request); audited."""
    with db.session() as session:
        row = session.get(Candidate, candidate_id)
        if row is None:
            raise NotFound("no such candidate")
        calls = list(session.scalars(select(Call).where(Call.candidate_id == candidate_id)))
        call_ids = [call.call_id for call in calls]
        turns: dict[str, list[dict[str, Any]]] = {}
        for turn in session.scalars(
            select(CallTurn).where(CallTurn.call_id.in_(call_ids)).order_by(CallTurn.seq)
        ):
            turns.setdefault(turn.call_id, []).append(
                {
                    "seq": turn.seq,
                    "speaker": turn.speaker,
                    "text": turn.text,
                    "question_id": turn.question_id,
                    "start_s": turn.start_s,
                    "end_s": turn.end_s,
                }
            )
        reports = list(
            session.scalars(select(ReportRow).where(ReportRow.candidate_id == candidate_id))
        )
        reviews = list(
            session.scalars(
                select(Review).where(Review.report_id.in_([r.report_id for r in reports]))
            )
        )
        audit(session, actor, "candidate.exported", "candidate", candidate_id)
        return {
            "exported_at": _iso(now()),
            "candidate": candidate_json(row),
            "calls": [
                {
                    "call_id": call.call_id,
                    "script_id": call.script_id,
                    "transport": call.transport,
                    "started_at": _iso(call.started_at),
                    "ended_at": _iso(call.ended_at),
                    "end_reason": call.end_reason,
                    "turns": turns.get(call.call_id, []),
                }
                for call in calls
            ],
            "reports": [report.body for report in reports],
            "reviews": [review_json(review) for review in reviews],
        }


@dataclass
class Erased:
    """What an erase or purge removed (counts only)."""

    candidates: int = 0
    calls: int = 0
    turns: int = 0
    reports: int = 0
    files: int = 0
    events: int = 0  # outbox events (with their fan-out rows)
    deliveries: int = 0  # deliveries of those events (with their attempts)

    def add(self, other: Erased) -> None:
        """Add another erase's counts to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def call_files(settings: Settings, call_id: str) -> list[Path]:
    """The files a call left on disk: its report, journal and recordings (``call_id`` is the
    server's own id, checked to be a plain file name)."""
    reports = ReportStore(settings.resolved_reports_dir)
    report = reports.path_for(call_id)  # ValueError for anything but a plain id
    recordings = settings.resolved_recordings_dir
    found = [report, journal_dir(settings.data_dir) / f"{call_id}.jsonl"]
    if recordings.is_dir():
        found += [p for p in recordings.glob(f"{call_id}.*") if p.parent == recordings]
    return [path for path in found if path.is_file()]


def _erase_calls(session: Session, call_ids: list[str]) -> Erased:
    erased = Erased()
    if not call_ids:
        return erased
    erased.turns = int(
        session.scalar(
            select(func.count()).select_from(CallTurn).where(CallTurn.call_id.in_(call_ids))
        )
        or 0
    )
    session.execute(delete(CallTurn).where(CallTurn.call_id.in_(call_ids)))
    session.execute(delete(Review).where(Review.report_id.in_(call_ids)))
    erased.reports = session.execute(
        delete(ReportRow).where(ReportRow.report_id.in_(call_ids))
    ).rowcount  # type: ignore[attr-defined]
    erased.calls = session.execute(delete(Call).where(Call.call_id.in_(call_ids))).rowcount  # type: ignore[attr-defined]
    return erased


#: Payload fields by which an outbox event names a candidate, and a call or its report.
_EVENT_CANDIDATE = "candidate_id"
_EVENT_CALLS = ("report_id", "call_id")
_IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


def _events_naming(session: Session, candidate_ids: list[str], call_ids: list[str]) -> list[str]:
    """Ids of the outbox events whose payload names one of these candidates, calls or
    reports (interview.completed, report.reviewed, candidate.ineligible, invitation.created)."""
    found: set[str] = set()
    for chunk in _chunks(candidate_ids, _IN_CHUNK):
        named = OutboxEvent.payload[_EVENT_CANDIDATE].as_string().in_(chunk)
        found.update(session.scalars(select(OutboxEvent.event_id).where(named)))
    for chunk in _chunks(call_ids, _IN_CHUNK):
        named = or_(*(OutboxEvent.payload[k].as_string().in_(chunk) for k in _EVENT_CALLS))
        found.update(session.scalars(select(OutboxEvent.event_id).where(named)))
    return sorted(found)


def _erase_events(session: Session, event_ids: list[str]) -> Erased:
    """Delete outbox events with their fan-out rows, deliveries and delivery attempts.

    The events go first: on PostgreSQL that waits for a worker fanning one of them out (it
    holds the row with FOR UPDATE), so the deliveries it made are committed, and deleted, by
    the time the next statement looks for them. A worker sending one at that moment finds its
    delivery gone when it records the attempt (agent.delivery.worker).
    """
    erased = Erased()
    for chunk in _chunks(event_ids, _IN_CHUNK):
        erased.events += session.execute(
            delete(OutboxEvent).where(OutboxEvent.event_id.in_(chunk))
        ).rowcount  # type: ignore[attr-defined]
        session.execute(delete(OutboxDispatch).where(OutboxDispatch.event_id.in_(chunk)))
        deliveries = select(Delivery.delivery_id).where(Delivery.event_id.in_(chunk))
        session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
        erased.deliveries += session.execute(
            delete(Delivery).where(Delivery.event_id.in_(chunk))
        ).rowcount  # type: ignore[attr-defined]
    return erased


def _remove_files(settings: Settings, call_ids: list[str]) -> int:
    removed = 0
    for call_id in call_ids:
        try:
            paths = call_files(settings, call_id)
        except ValueError:
            continue  # not one of our ids: it names no file
        for path in paths:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def erase_candidate(db: Database, settings: Settings, candidate_id: str, actor: str) -> Erased:
    """Delete a candidate and their calls, turns, reports, reviews, report files, recordings
    and journals, and the outbox events naming them or their calls with those events'
    deliveries; leaves one audit row holding only counts. NotFound when unknown."""
    with db.session() as session:
        row = session.get(Candidate, candidate_id)
        if row is None:
            raise NotFound("no such candidate")
        call_ids = list(
            session.scalars(select(Call.call_id).where(Call.candidate_id == candidate_id))
        )
        call_ids += [
            report_id
            for report_id in session.scalars(
                select(ReportRow.report_id).where(ReportRow.candidate_id == candidate_id)
            )
            if report_id not in call_ids
        ]
        erased = _erase_calls(session, call_ids)
        erased.add(_erase_events(session, _events_naming(session, [candidate_id], call_ids)))
        # A spent invitation stays spent, naming nobody.
        session.execute(
            update(InvitationUse)
            .where(InvitationUse.candidate_id == candidate_id)
            .values(candidate_id=None)
        )
        session.delete(row)
        erased.candidates = 1
        session.flush()
    # Files after the commit: a failed transaction leaves the files, never rows without them.
    erased.files = _remove_files(settings, call_ids)
    with db.session() as session:
        audit(session, actor, "candidate.erased", "candidate", candidate_id, **asdict(erased))
    return erased


def purge(db: Database, settings: Settings, days: float, actor: str = "retention") -> Erased:
    """Retention: erase calls (with turns, reports, files) started more than ``days`` ago,
    candidates imported before then who have no newer call, the outbox events (and their
    deliveries) written before then or naming what is erased, and spent invitations past their
    expiry. One audit row with the counts."""
    cutoff = now() - timedelta(days=days)
    total = Erased()
    with db.session() as session:
        old_calls = list(session.scalars(select(Call.call_id).where(Call.started_at < cutoff)))
        old_reports = [
            r
            for r in session.scalars(
                select(ReportRow.report_id).where(ReportRow.created_at < cutoff)
            )
            if r not in old_calls
        ]
        call_ids = old_calls + old_reports
        total.add(_erase_calls(session, call_ids))
        recent = select(Call.candidate_id).where(Call.candidate_id.is_not(None))
        stale = select(Candidate.candidate_id).where(
            Candidate.created_at < cutoff, Candidate.candidate_id.not_in(recent)
        )
        stale_ids = list(session.scalars(stale))
        if stale_ids:
            session.execute(
                delete(ReportRow).where(ReportRow.candidate_id.in_(stale_ids))
            )  # reports of calls erased above are gone already; this catches stray ones
            session.execute(
                update(InvitationUse)
                .where(InvitationUse.candidate_id.in_(stale_ids))
                .values(candidate_id=None)
            )
            total.candidates = session.execute(
                delete(Candidate).where(Candidate.candidate_id.in_(stale_ids))
            ).rowcount  # type: ignore[attr-defined]
        old_events = session.scalars(
            select(OutboxEvent.event_id).where(OutboxEvent.created_at < cutoff)
        )
        event_ids = set(old_events) | set(_events_naming(session, stale_ids, call_ids))
        total.add(_erase_events(session, sorted(event_ids)))
        session.execute(delete(InvitationUse).where(InvitationUse.expires_at < now()))
    total.files = _remove_files(settings, call_ids)
    with db.session() as session:
        audit(session, actor, "retention.purged", "system", "retention", days=days, **asdict(total))
    return total


# --- reports and reviews ------------------------------------------------------------------------


def review_json(review: Review) -> dict[str, Any]:
    """A review row as the API shows it."""
    return {
        "review_id": review.review_id,
        "report_id": review.report_id,
        "reviewer": review.reviewer,
        "tier": review.tier,
        "note": review.note,
        "at": _iso(review.at),
    }


def report_summary(row: ReportRow) -> dict[str, Any]:
    """A report's line in a listing."""
    body = row.body or {}
    return {
        "report_id": row.report_id,
        "candidate_id": row.candidate_id,
        "job_id": row.job_id,
        "tier": row.reviewed_tier or row.tier,
        "recommended_tier": row.tier,
        "reviewed_tier": row.reviewed_tier,
        "score": row.score,
        "complete": body.get("complete"),
        "script_id": (body.get("script") or {}).get("id"),
        "created_at": _iso(row.created_at),
    }


@dataclass(frozen=True)
class ReportFilter:
    """Filters of the report listing; ``tier`` is the tier in force (the review's, else the
    recommendation)."""

    job_id: str | None = None
    tier: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    reviewed: bool | None = None
    candidate_id: str | None = None


class BadCursor(ValueError):
    """A listing cursor we did not make."""


def _cursor(row: ReportRow) -> str:
    raw = json.dumps([_iso(row.created_at), row.report_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, report_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        stamp = datetime.fromisoformat(at)
        if not isinstance(report_id, str):
            raise TypeError
    except (ValueError, TypeError) as exc:
        raise BadCursor("invalid cursor") from exc
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)), report_id


def list_reports(
    db: Database, where: ReportFilter, limit: int, cursor: str | None = None
) -> dict[str, Any]:
    """Reports newest first, filtered, one page (``limit``) after ``cursor``; the response's
    ``next_cursor`` continues it (None on the last page)."""
    query = select(ReportRow)
    tier = func.coalesce(ReportRow.reviewed_tier, ReportRow.tier)
    if where.job_id is not None:
        query = query.where(ReportRow.job_id == where.job_id)
    if where.candidate_id is not None:
        query = query.where(ReportRow.candidate_id == where.candidate_id)
    if where.tier is not None:
        query = query.where(tier == where.tier)
    if where.since is not None:
        query = query.where(ReportRow.created_at >= where.since)
    if where.until is not None:
        query = query.where(ReportRow.created_at < where.until)
    if where.reviewed is True:
        query = query.where(ReportRow.reviewed_tier.is_not(None))
    elif where.reviewed is False:
        query = query.where(ReportRow.reviewed_tier.is_(None))
    if cursor:
        at, report_id = _uncursor(cursor)
        query = query.where(
            or_(
                ReportRow.created_at < at,
                and_(ReportRow.created_at == at, ReportRow.report_id < report_id),
            )
        )
    query = query.order_by(ReportRow.created_at.desc(), ReportRow.report_id.desc())
    with db.session() as session:
        rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [report_summary(row) for row in rows],
        "next_cursor": _cursor(rows[-1]) if more and rows else None,
    }


def get_report(db: Database, report_id: str) -> dict[str, Any] | None:
    """A report's document as stored (with its latest review), or None."""
    with db.session() as session:
        row = session.get(ReportRow, report_id)
        return dict(row.body) if row is not None else None


def review_report(
    db: Database, report_id: str, reviewer: str, tier: str, note: str | None
) -> dict[str, Any]:
    """A person's review: sets the tier in force, keeps the change as a ``reviews`` row and an
    audit row, writes the review into the report document and announces ``report.reviewed``.
    Reviewing again is another row (the latest is in force). NotFound; ValueError for a tier
    a reviewer may not set."""
    if tier not in REVIEW_TIERS:
        raise ValueError(f"tier must be one of {', '.join(REVIEW_TIERS)}")
    with db.session() as session:
        row = session.get(ReportRow, report_id)
        if row is None:
            raise NotFound("no such report")
        previous = row.reviewed_tier or row.tier
        stamp = now()
        review = Review(
            review_id=new_id(),
            report_id=report_id,
            reviewer=reviewer,
            tier=tier,
            note=note,
            at=stamp,
        )
        session.add(review)
        row.reviewed_tier = tier
        body = dict(row.body)
        body["review"] = {
            "reviewer": reviewer,
            "override_tier": tier if tier != row.tier else None,  # None: confirms it
            "note": note,
            "reviewed_at": stamp.isoformat(timespec="milliseconds"),
        }
        row.body = body
        audit(
            session,
            reviewer,
            REPORT_REVIEWED,
            "report",
            report_id,
            tier=tier,
            previous_tier=previous,
            review_id=review.review_id,
        )
        session.flush()
        enqueue(
            session,
            REPORT_REVIEWED,
            {
                "report_id": report_id,
                "candidate_id": row.candidate_id,
                "job_id": row.job_id,
                "review_id": review.review_id,
                "tier": tier,
                "recommended_tier": row.tier,
                "previous_tier": previous,
                "reviewer": reviewer,
                "reviewed_at": stamp.isoformat(),
            },
            f"{REPORT_REVIEWED}:{review.review_id}",
        )
        return review_json(review)


def reviews_of(db: Database, report_id: str) -> list[dict[str, Any]]:
    """Every review of a report, oldest first."""
    with db.session() as session:
        rows = session.scalars(
            select(Review)
            .where(Review.report_id == report_id)
            .order_by(Review.at, Review.review_id)
        )
        return [review_json(row) for row in rows]
