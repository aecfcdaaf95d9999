"""Erase and retention reach result delivery, on SQLite and PostgreSQL: the outbox events that
name an erased candidate or their calls go, with their fan-out rows, deliveries and delivery
attempts (made by the real worker against a loopback HR endpoint that refuses connections);
other candidates' events and deliveries stay; a spent invitation stays spent, naming nobody."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from agent.delivery.sinks import WebhookSink
from agent.delivery.worker import DeliveryWorker
from agent.hr import repo
from agent.hr.candidates import RowError, csv_rows, decode_csv, validate_row
from agent.hr.eligibility import EligibilityRules
from agent.settings import DeliverySettings, Settings, WebhookEndpoint
from agent.store.db import Database
from agent.store.invitations import InvitationStore
from agent.store.tables import (
    AuditEntry,
    Base,
    Delivery,
    DeliveryAttempt,
    InvitationUse,
    OutboxDispatch,
    OutboxEvent,
)
from tests.hr.conftest import HOME_AGENT_RULES, candidate_rows, candidates_csv, store_call

pytestmark = pytest.mark.asyncio(loop_scope="session")

#: Rows an erase must not touch for the candidate's id (the audit log keeps who was erased).
_EXEMPT = {AuditEntry.__tablename__}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again: connecting is refused


def _import(db: Database) -> list[str]:
    """Three candidates: 0 and 2 ineligible (each announced), 1 eligible."""
    rules = EligibilityRules.model_validate(HOME_AGENT_RULES)
    job = repo.JobIn("job-erase", "Agent", "short_en", eligibility_rules=rules)
    repo.put_job(db, job, "tests")
    text = candidates_csv(candidate_rows(3, ineligible_every=2))
    rows = [
        (i, row if isinstance(row, RowError) else validate_row(i, row))
        for i, row in csv_rows(decode_csv(text), 10)
    ]
    result = repo.import_candidates(db, job.job_id, rows, "tests")  # type: ignore[arg-type]
    return [str(row["candidate_id"]) for row in result.rows]


async def _deliver_once(db: Database) -> None:
    """One pass of the real delivery worker: every event fanned out to a webhook whose HR
    endpoint is down, so each gets a delivery row and a failed attempt."""
    endpoint = WebhookEndpoint(
        name="hr", url=f"http://127.0.0.1:{_closed_port()}/events", secret=SecretStr("s" * 32)
    )
    worker = DeliveryWorker(db, [WebhookSink(endpoint)], DeliverySettings(timeout_s=5.0))
    try:
        assert await worker.run_once() > 0
    finally:
        await worker.aclose()


def _dump(db: Database) -> str:
    """Every row of every table but the exempt ones, as text."""
    parts = []
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in _EXEMPT:
                parts.extend(repr(tuple(row)) for row in session.execute(select(table)))
    return "\n".join(parts)


def _count(db: Database, table: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _events_of(db: Database, candidate_id: str) -> list[str]:
    with db.session() as session:
        return [
            row.event_id
            for row in session.scalars(select(OutboxEvent))
            if row.payload.get("candidate_id") == candidate_id
        ]


async def test_erase_removes_the_candidates_events_and_deliveries(
    db: Database, tmp_path: Path
) -> None:
    erased, eligible, kept = _import(db)
    calls = [store_call(db, erased, said="I live at 12 Quigley Lane.") for _ in range(2)]
    other = store_call(db, kept)
    repo.review_report(db, calls[0], "tests", "reject", None)  # report.reviewed names them too
    InvitationStore(db).redeem("spent-link", erased, int(time.time()) + 600)
    await _deliver_once(db)
    theirs = _events_of(db, erased)
    assert len(theirs) == 4  # ineligible, two interviews completed, one review
    before = {t: _count(db, t) for t in (OutboxEvent, OutboxDispatch, Delivery, DeliveryAttempt)}
    assert before[Delivery] == before[OutboxEvent] == before[DeliveryAttempt]
    kept_events = _events_of(db, kept)
    assert len(kept_events) == 2  # ineligible, one interview

    result = repo.erase_candidate(db, Settings(data_dir=tmp_path), erased, "tests")

    assert (result.events, result.deliveries) == (4, 4)
    dump = _dump(db)
    for trace in (erased, *calls):
        assert trace not in dump, trace
    after = {t: _count(db, t) for t in before}
    assert after == {t: n - 4 for t, n in before.items()}
    assert _events_of(db, kept) == kept_events  # other candidates' events stay, delivered or not
    with db.session() as session:
        kept_deliveries = session.scalars(
            select(Delivery).where(Delivery.event_id.in_(kept_events))
        ).all()
        assert len(kept_deliveries) == 2
        assert any(
            row.payload.get("report_id") == other for row in session.scalars(select(OutboxEvent))
        )
        spent = session.scalars(select(InvitationUse)).one()
        assert spent.candidate_id is None  # still spent, naming nobody
        line = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "candidate.erased")
        ).one()
        assert line.detail["events"] == 4 and line.detail["deliveries"] == 4
    assert InvitationStore(db).used("spent-link")
    assert eligible not in (erased, kept)


async def test_retention_purges_old_events_and_expired_invitations(
    db: Database, tmp_path: Path
) -> None:
    _, _, kept = _import(db)
    recent = store_call(db, kept)
    await _deliver_once(db)
    store = InvitationStore(db)
    store.redeem("expired-link", kept, int(time.time()) - 60)
    store.redeem("live-link", kept, int(time.time()) + 600)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with db.session() as session:  # the import's announcements are old; the interview is not
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.type == repo.CANDIDATE_INELIGIBLE)
            .values(created_at=long_ago)
        )
    total_before = _count(db, OutboxEvent)
    purged = repo.purge(db, Settings(data_dir=tmp_path), days=365)
    assert purged.events == purged.deliveries == 2 == total_before - 1
    with db.session() as session:
        (left,) = session.scalars(select(OutboxEvent)).all()
        assert left.payload["report_id"] == recent
        assert _count(db, Delivery) == _count(db, DeliveryAttempt) == 1
    assert not store.used("expired-link") and store.used("live-link")
