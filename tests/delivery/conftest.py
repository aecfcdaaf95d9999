"""Delivery test fixtures: the product database on SQLite and PostgreSQL, a local HR endpoint
that verifies signatures, and helpers to write outbox events as the product does."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from agent.delivery.signing import (
    EVENT_ID_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    verify,
)
from agent.store.db import Database
from agent.store.outbox import enqueue
from tests.hr.conftest import empty

HR_SECRET = "whsec_local_hr_endpoint"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    empty(database)
    try:
        yield database
    finally:
        empty(database)  # the next test starts from empty tables
        database.dispose()


def add_event(db: Database, event_type: str, payload: dict[str, Any], key: str) -> str:
    """Write one outbox event in its own transaction (as a call's end or a review does)."""
    with db.session() as session:
        return enqueue(session, event_type, payload, key)


async def wait_for(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll ``check`` (run in a thread: it may query the database) until it holds."""
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@dataclass
class HrEndpoint:
    """A local HR system: verifies each request's signature, fails the first ``fail_first``
    requests for each event with 503, acknowledges the rest, and processes each event id once
    (it deduplicates on the idempotency key, as the docs tell receivers to)."""

    url: str = ""
    fail_first: int = 0
    status_after: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)  # event id -> time.time() of the 2xx
    bad_signatures: int = 0

    def tries(self, event_id: str) -> int:
        return sum(1 for r in self.requests if r["event_id"] == event_id)


def hr_app(endpoint: HrEndpoint) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def receive(request: Request) -> JSONResponse:
        import json

        body = await request.body()
        try:
            verify(HR_SECRET, body, request.headers.get(SIGNATURE_HEADER), now=time.time())
        except SignatureError as exc:
            endpoint.bad_signatures += 1
            return JSONResponse({"error": str(exc)}, status_code=401)
        event_id = request.headers[EVENT_ID_HEADER]
        assert request.headers[IDEMPOTENCY_HEADER] == event_id
        document = json.loads(body)
        assert document["id"] == event_id
        endpoint.requests.append(
            {"event_id": event_id, "attempt": request.headers.get("screenline-delivery-attempt")}
        )
        if endpoint.tries(event_id) <= endpoint.fail_first:
            return JSONResponse({"error": "try later"}, status_code=503)
        if endpoint.status_after >= 300:
            return JSONResponse({"error": "no"}, status_code=endpoint.status_after)
        endpoint.acknowledged.append(event_id)
        endpoint.arrived.setdefault(event_id, time.time())
        endpoint.processed.setdefault(event_id, document)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/hooks/screenline", receive, methods=["POST"])])


@contextlib.asynccontextmanager
async def serving_hr_endpoint() -> AsyncIterator[HrEndpoint]:
    """The local HR endpoint served on a free loopback port, its ``url`` set."""
    from agent.cli import serve_app

    endpoint = HrEndpoint()
    async with serve_app(hr_app(endpoint)) as base:
        endpoint.url = base.replace("ws://", "http://") + "/hooks/screenline"
        yield endpoint


@pytest_asyncio.fixture
async def hr_endpoint() -> AsyncIterator[HrEndpoint]:
    async with serving_hr_endpoint() as endpoint:
        yield endpoint
