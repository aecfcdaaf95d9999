"""A real ``/ws/call`` interview (real models, Piper candidate voice) writes its database rows:
the ``calls`` row linked to the imported candidate and their job, each turn into
``call_turns`` while the call runs, and at the end the ``reports`` row with its
``interview.completed`` event. On SQLite (the session server) and PostgreSQL (a second server
sharing the session's models)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from agent.calls.run import Runtime
from agent.hr import repo
from agent.hr.candidates import validate_row
from agent.store.calls import CallStore
from agent.store.db import Database
from agent.store.tables import Call, CallTurn, OutboxEvent, ReportRow
from tests.hr.conftest import fresh_postgres, hr_settings

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session", params=["sqlite", "postgresql"])
async def call_server(
    request: pytest.FixtureRequest, runtime: Any, server_url: str, tmp_path_factory: Any
) -> AsyncIterator[tuple[str, Runtime]]:
    """(``/ws/call`` URL without a credential, runtime) on the requested backend; the test
    mints a call token bound to its candidate (a QA key may not name one)."""
    if request.param == "sqlite":
        yield server_url.split("?")[0], runtime
        return
    from agent.api.server import create_app
    from agent.cli import serve_app

    for url in fresh_postgres():
        settings = hr_settings(tmp_path_factory.mktemp("pg-call"), url)
        pg_runtime = Runtime(settings, registry=runtime.registry)  # the session's models
        pg_runtime.db.upgrade()
        async with serve_app(create_app(settings, pg_runtime, warm=False)) as base:
            yield f"{base}/ws/call", pg_runtime
        pg_runtime.db.dispose()


def _candidate(db: Database) -> tuple[str, str]:
    job = repo.JobIn(job_id=f"job-{db.url.get_backend_name()}", title="Agent", script_id="short_en")
    repo.put_job(db, job, "tests")
    row = validate_row(0, {"external_id": "call-1", "name": "Test Person"})
    result = repo.import_candidates(db, job.job_id, [(0, row)], "tests")  # type: ignore[list-item]
    return str(result.rows[0]["candidate_id"]), job.job_id


async def test_interview_writes_calls_turns_and_report(
    call_server: tuple[str, Runtime], persona: Any, candidate_voice: Any
) -> None:
    from agent.auth.guard import Access
    from agent.devtools.simulate import simulate

    base, rt = call_server
    candidate_id, job_id = _candidate(rt.db)
    token = Access.from_settings(rt.settings, rt.db).call_token(candidate_id=candidate_id)
    url = f"{base}?token={token}"
    store = CallStore(rt.db)
    seen: dict[str, Any] = {"stored_at_final": []}

    def on_event(msg: dict[str, Any]) -> None:
        if msg.get("type") == "ready":
            seen["call_id"] = msg["call_id"]
        elif msg.get("type") == "transcript" and msg.get("final") and "call_id" in seen:
            # The candidate's turn is in the database before they are told its transcript.
            seen["stored_at_final"].append(store.turn_count(seen["call_id"]))

    result = await simulate(
        url,
        persona=persona,
        voice=candidate_voice,
        candidate_id=candidate_id,
        speed=3,
        on_event=on_event,
    )
    assert result.outcome == "completed", result.events
    call_id = seen["call_id"]
    report = rt.reports.load(call_id)
    finals = seen["stored_at_final"]
    assert finals and finals == sorted(finals) and finals[0] >= 2  # greeting + first answer
    with rt.db.session() as session:
        call = session.get(Call, call_id)
        assert call is not None
        assert (call.candidate_id, call.job_id, call.transport) == (candidate_id, job_id, "ws")
        assert call.ended_at is not None and call.end_reason == report["end_reason"]
        turns = list(
            session.scalars(
                select(CallTurn).where(CallTurn.call_id == call_id).order_by(CallTurn.seq)
            )
        )
        row = session.get(ReportRow, call_id)
        events = list(
            session.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.idempotency_key == f"interview.completed:{call_id}"
                )
            )
        )
    assert [(t.speaker, t.text) for t in turns] == [
        (t["speaker"], t["text"]) for t in report["turns"]
    ]
    assert row is not None and row.body == report
    assert (row.candidate_id, row.job_id) == (candidate_id, job_id)
    assert row.tier == report["scores"]["tier"] and row.score == report["scores"]["total"]
    assert len(events) == 1
    payload = events[0].payload
    assert payload["report_id"] == call_id and payload["candidate_id"] == candidate_id
    assert payload["external_id"] == "call-1"
    assert payload["tier"] == row.tier and payload["dimensions"]
    assert "Test Person" not in str(payload)
