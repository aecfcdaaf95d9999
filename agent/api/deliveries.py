"""The delivery log: ``GET /api/deliveries`` (filters, newest first, keyset-paged),
``GET /api/deliveries/{id}`` (with every attempt) and ``POST /api/deliveries/{id}/replay``."""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import and_, or_, select

from agent.auth.guard import Action, access_of, require
from agent.delivery.sinks import utc
from agent.delivery.worker import replay
from agent.store.db import Database
from agent.store.tables import Delivery, DeliveryAttempt

_ID = r"^[A-Za-z0-9_.:-]+$"


def _delivery_json(row: Delivery) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return utc(moment).isoformat() if moment else None

    return {
        "delivery_id": row.delivery_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "sink": row.sink,
        "status": row.status,
        "attempts": row.attempts,
        "failures": row.failures,
        "next_attempt_at": when(row.next_attempt_at) if row.status == "pending" else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "created_at": when(row.created_at),
        "delivered_at": when(row.delivered_at),
    }


def _attempt_json(row: DeliveryAttempt) -> dict[str, Any]:
    return {
        "attempt": row.attempt,
        "at": utc(row.at).isoformat(),
        "outcome": row.outcome,
        "status_code": row.status_code,
        "error": row.error,
        "duration_ms": row.duration_ms,
        "next_attempt_at": utc(row.next_attempt_at).isoformat() if row.next_attempt_at else None,
    }


def _cursor(row: Delivery) -> str:
    text = f"{utc(row.created_at).isoformat()}|{row.delivery_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, delivery_id = text.partition("|")
        return utc(datetime.fromisoformat(moment)), delivery_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(422, "invalid cursor") from exc


def _list(
    db: Database,
    status: str | None,
    event_type: str | None,
    event_id: str | None,
    sink: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if event_type:
        query = query.where(Delivery.event_type == event_type)
    if event_id:
        query = query.where(Delivery.event_id == event_id)
    if sink:
        query = query.where(Delivery.sink == sink)
    if cursor:
        moment, last_id = _parse_cursor(cursor)
        query = query.where(
            or_(
                Delivery.created_at < moment,
                and_(Delivery.created_at == moment, Delivery.delivery_id < last_id),
            )
        )
    query = query.order_by(Delivery.created_at.desc(), Delivery.delivery_id.desc()).limit(limit + 1)
    with db.session() as session:
        rows = list(session.scalars(query))
    page = rows[:limit]
    return {
        "items": [_delivery_json(row) for row in page],
        "next_cursor": _cursor(page[-1]) if len(rows) > limit else None,
    }


def _one(db: Database, delivery_id: str) -> dict[str, Any] | None:
    with db.session() as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            return None
        attempts = session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery_id)
            .order_by(DeliveryAttempt.attempt)
        )
        return {**_delivery_json(row), "attempt_log": [_attempt_json(a) for a in attempts]}


def deliveries_router() -> APIRouter:
    """The delivery log routes (admin and recruiter keys)."""
    router = APIRouter(tags=["deliveries"])
    allowed = [Depends(require(Action.DELIVERIES))]

    def database(request: Request) -> Database:
        return access_of(request).keys.db

    @router.get("/api/deliveries", dependencies=allowed)
    async def list_deliveries(
        request: Request,
        status: Literal["pending", "delivered", "dead"] | None = None,
        event_type: Annotated[str | None, Query(max_length=64, pattern=_ID)] = None,
        event_id: Annotated[str | None, Query(max_length=32, pattern=_ID)] = None,
        sink: Annotated[str | None, Query(max_length=64, pattern=_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Deliveries, newest first; ``next_cursor`` pages on."""
        db = database(request)
        return await asyncio.to_thread(_list, db, status, event_type, event_id, sink, limit, cursor)

    @router.get("/api/deliveries/{delivery_id}", dependencies=allowed)
    async def get_delivery(delivery_id: str, request: Request) -> dict[str, Any]:
        """One delivery with its attempt log."""
        found = await asyncio.to_thread(_one, database(request), delivery_id[:32])
        if found is None:
            raise HTTPException(404, "no such delivery")
        return found

    @router.post("/api/deliveries/{delivery_id}/replay", status_code=202, dependencies=allowed)
    async def replay_delivery(delivery_id: str, request: Request) -> dict[str, Any]:
        """Send the delivery's event to its sink again, now (same event id)."""
        if not await asyncio.to_thread(replay, database(request), delivery_id[:32]):
            raise HTTPException(404, "no such delivery")
        return {"delivery_id": delivery_id[:32], "status": "pending"}

    return router
