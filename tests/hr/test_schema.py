"""The HR tables: the migrations build exactly what ``tables.py`` declares, on both backends,
and the outbox writes each idempotency key once."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from agent.store.db import Database
from agent.store.outbox import enqueue
from agent.store.tables import Base, OutboxEvent


def test_migrations_match_the_declared_tables(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_outbox_writes_one_event_per_idempotency_key(db: Database) -> None:
    with db.session() as session:
        first = enqueue(session, "interview.completed", {"call_id": "c1"}, "interview.completed:c1")
        again = enqueue(session, "interview.completed", {"call_id": "c1"}, "interview.completed:c1")
        other = enqueue(session, "report.reviewed", {"report_id": "c1"}, "report.reviewed:c1:1")
    assert first == again and other != first
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 2
        row = session.get(OutboxEvent, first)
        assert row is not None and row.payload == {"call_id": "c1"}


def test_outbox_event_rolls_back_with_its_fact(db: Database) -> None:
    class Boom(Exception):
        pass

    try:
        with db.session() as session:
            enqueue(session, "candidate.ineligible", {"candidate_id": "x"}, "ineligible:x")
            raise Boom
    except Boom:
        pass
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
