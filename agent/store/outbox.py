"""The outbox (DESIGN.md decision 12): events are rows written in the same transaction as the
fact they announce; the delivery worker (agent.delivery) reads and delivers them at least once.
This module is the one way to write an event."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agent.store.tables import OutboxEvent

MAX_KEY = 200
_TABLE: Table = OutboxEvent.__table__  # type: ignore[assignment]
MAX_TYPE = 64


def new_event_id() -> str:
    """A fresh random event id (hex)."""
    return secrets.token_hex(16)


def enqueue(
    session: Session, event_type: str, payload: dict[str, Any], idempotency_key: str
) -> str:
    """Write one event in ``session``'s transaction and return its id. The same
    ``idempotency_key`` twice is one event: the second call writes nothing and returns the first
    event's id (so a retried request or a re-run import never announces a fact twice)."""
    if not event_type or len(event_type) > MAX_TYPE:
        raise ValueError(f"event type must be 1..{MAX_TYPE} characters")
    if not idempotency_key or len(idempotency_key) > MAX_KEY:
        raise ValueError(f"idempotency key must be 1..{MAX_KEY} characters")
    event_id = new_event_id()
    values = {
        "event_id": event_id,
        "type": event_type,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "created_at": datetime.now(UTC),
    }
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        make(_TABLE)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_TABLE.c.event_id)
    )
    if session.execute(statement).scalar() is not None:
        return event_id
    existing = session.scalar(
        select(OutboxEvent.event_id).where(OutboxEvent.idempotency_key == idempotency_key)
    )
    assert existing is not None
    return existing
