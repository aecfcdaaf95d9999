"""Calls, their turns and their reports in the database (DESIGN.md decision 9).

``run_call`` writes the ``calls`` row when a call starts (linked to its candidate and job when
the call's candidate id is one of ours), one ``call_turns`` row per turn as it happens, and at
the end the ``reports`` row plus the ``interview.completed`` event in one transaction. The
methods block (SQLAlchemy is synchronous): callers on the event loop run them in
:data:`DB_EXECUTOR`, so a slow database delays that call's writes, never the loop.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.reports.report import CallRecord, Turn
from agent.store.db import Database
from agent.store.outbox import enqueue
from agent.store.tables import Call, CallTurn, Candidate, ReportRow

#: Threads for call-path database writes (bounded: many calls share a small pool).
DB_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db")
INTERVIEW_COMPLETED = "interview.completed"


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time from a report (None stays None; naive means UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CallLink:
    """Whom a call belongs to: our candidate and their job (both None for a test call)."""

    candidate_id: str | None
    job_id: str | None


_TURN_COLUMNS = ("speaker", "text", "question_id", "start_s", "end_s")


def _turn_data(turn: Turn) -> dict[str, Any]:
    """What of a turn has no column of its own (prompt id, interruption, features, latency)."""
    return {k: v for k, v in asdict(turn).items() if k not in _TURN_COLUMNS}


def completed_payload(
    report: dict[str, Any], link: CallLink, external_id: str | None = None
) -> dict[str, Any]:
    """The ``interview.completed`` event: what an HR system acts on (the whole report stays
    readable at ``/api/reports/{report_id}``)."""
    scores = report.get("scores") or {}
    return {
        "report_id": report["report_id"],
        "call_id": report["call_id"],
        "candidate_id": link.candidate_id,
        "external_id": external_id,  # the HR system's id of the candidate
        "job_id": link.job_id,
        "script": report.get("script"),
        "complete": report.get("complete"),
        "outcome": report.get("outcome"),
        "end_reason": report.get("end_reason"),
        "ended_at": report.get("ended_at"),
        "tier": scores.get("tier"),
        "score": scores.get("total"),
        "requires_human_review": scores.get("requires_human_review"),
        "dimensions": [
            {"id": d.get("id"), "label": d.get("label"), "score": d.get("score")}
            for d in scores.get("dimensions") or []
        ],
    }


def _missing_turns(session: Session, call_id: str, turns: list[dict[str, Any]]) -> None:
    """Add the report's turns the call did not get written as they happened (the database
    was unreachable for a moment, or the call was recovered from its journal)."""
    stored = set(session.scalars(select(CallTurn.seq).where(CallTurn.call_id == call_id)))
    for seq, data in enumerate(turns):
        if seq in stored:
            continue
        extra = {k: v for k, v in data.items() if k not in _TURN_COLUMNS}
        session.add(
            CallTurn(
                call_id=call_id,
                seq=seq,
                speaker=str(data.get("speaker", "")),
                text=str(data.get("text", "")),
                question_id=data.get("question_id"),
                start_s=data.get("start_s"),
                end_s=data.get("end_s"),
                data=extra,
            )
        )


class CallStore:
    """The call-path writes: start, turns, report."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, record: CallRecord) -> CallLink:
        """Write the ``calls`` row; links it when ``record.candidate_id`` is a candidate's id."""
        with self.db.session() as session:
            candidate = session.get(Candidate, record.candidate_id[:32])
            link = CallLink(
                candidate.candidate_id if candidate else None,
                candidate.job_id if candidate else None,
            )
            session.add(
                Call(
                    call_id=record.call_id,
                    candidate_id=link.candidate_id,
                    job_id=link.job_id,
                    script_id=record.script_id,
                    transport=record.transport,
                    started_at=parse_time(record.started_at) or datetime.now(UTC),
                )
            )
        return link

    def turn(self, call_id: str, seq: int, turn: Turn) -> None:
        """Write one turn (``seq`` counts the call's turns from 0)."""
        with self.db.session() as session:
            session.add(
                CallTurn(
                    call_id=call_id,
                    seq=seq,
                    speaker=turn.speaker,
                    text=turn.text,
                    question_id=turn.question_id,
                    start_s=turn.start_s,
                    end_s=turn.end_s,
                    data=_turn_data(turn),
                )
            )

    def finish(self, report: dict[str, Any], link: CallLink | None = None) -> None:
        """End the call row and write its report with ``interview.completed``, atomically.

        ``link`` None: the call row says (a recovered call); a call with no row gets one.
        """
        call_id = str(report["call_id"])
        scores = report.get("scores") or {}
        with self.db.session() as session:
            call = session.get(Call, call_id)
            if call is None:  # e.g. the database was down when it started
                call = Call(
                    call_id=call_id,
                    candidate_id=link.candidate_id if link else None,
                    job_id=link.job_id if link else None,
                    script_id=str((report.get("script") or {}).get("id", "")),
                    transport=str(report.get("transport") or ""),
                    started_at=parse_time(report.get("started_at")) or datetime.now(UTC),
                )
                session.add(call)
            link = CallLink(call.candidate_id, call.job_id)
            _missing_turns(session, call_id, report.get("turns") or [])
            call.ended_at = parse_time(report.get("ended_at")) or datetime.now(UTC)
            call.end_reason = report.get("end_reason")
            if session.get(ReportRow, report["report_id"]) is not None:
                return  # written before (a retried finish): the first report stands
            session.add(
                ReportRow(
                    report_id=report["report_id"],
                    candidate_id=link.candidate_id,
                    job_id=link.job_id,
                    tier=scores.get("tier"),
                    score=scores.get("total"),
                    created_at=call.ended_at,
                    body=report,
                )
            )
            session.flush()  # the report row exists before the event that announces it
            candidate = session.get(Candidate, link.candidate_id) if link.candidate_id else None
            enqueue(
                session,
                INTERVIEW_COMPLETED,
                completed_payload(report, link, candidate.external_id if candidate else None),
                f"{INTERVIEW_COMPLETED}:{report['report_id']}",
            )

    def turn_count(self, call_id: str) -> int:
        """How many turns of a call are stored."""
        with self.db.session() as session:
            count = session.scalar(
                select(func.count()).select_from(CallTurn).where(CallTurn.call_id == call_id)
            )
            return int(count or 0)
