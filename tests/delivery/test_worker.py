"""The outbox worker on SQLite and PostgreSQL, against a real local HR endpoint: signed
events, retries with backoff, the attempt log, restart and crash recovery, dead letters and
replay, concurrent workers (PostgreSQL), prompt wake-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from agent.delivery.sinks import WebhookSink
from agent.delivery.worker import DEAD, DELIVERED, DeliveryWorker, replay
from agent.settings import DeliverySettings, WebhookEndpoint
from agent.store.db import Database
from agent.store.tables import Delivery, DeliveryAttempt
from tests.delivery.conftest import HR_SECRET, HrEndpoint, add_event, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


def fast_settings(endpoint: HrEndpoint, **overrides: Any) -> DeliverySettings:
    values: dict[str, Any] = {
        "endpoints": [WebhookEndpoint(name="hr", url=endpoint.url, secret=HR_SECRET)],
        "poll_s": 0.05,
        "backoff_base_s": 0.05,
        "backoff_cap_s": 0.2,
        "lease_s": 30,
        "max_attempts": 5,
    } | overrides
    return DeliverySettings(**values)


def make_worker(db: Database, settings: DeliverySettings, **kwargs: Any) -> DeliveryWorker:
    return DeliveryWorker(db, [WebhookSink(e) for e in settings.endpoints], settings, **kwargs)


@asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


def deliveries(db: Database) -> list[Delivery]:
    with db.session() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.created_at)))


def attempts_of(db: Database, delivery_id: str) -> list[DeliveryAttempt]:
    with db.session() as session:
        return list(
            session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.attempt)
            )
        )


def all_in(db: Database, status: str, count: int) -> Callable[[], bool]:
    def check() -> bool:
        with db.session() as session:
            found = session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status == status)
            )
        return found == count

    return check


async def test_an_event_fails_twice_then_arrives_signed_and_is_acknowledged_once(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    hr_endpoint.fail_first = 2
    payload = {"report_id": "call-1", "candidate_id": "c1", "tier": "pending", "score": 61.5}
    event_id = add_event(db, "interview.completed", payload, "interview.completed:call-1")
    async with running(make_worker(db, fast_settings(hr_endpoint))):
        await wait_for(all_in(db, DELIVERED, 1))
    assert hr_endpoint.bad_signatures == 0
    assert hr_endpoint.tries(event_id) == 3
    assert [r["attempt"] for r in hr_endpoint.requests] == ["1", "2", "3"]
    assert hr_endpoint.acknowledged == [event_id]  # exactly one 2xx
    assert hr_endpoint.processed[event_id]["data"] == payload
    assert hr_endpoint.processed[event_id]["type"] == "interview.completed"
    (row,) = deliveries(db)
    assert (row.status, row.attempts, row.failures, row.sink) == (DELIVERED, 3, 0, "webhook:hr")
    assert row.delivered_at is not None and row.last_status_code == 200
    log = attempts_of(db, row.delivery_id)
    assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
        (1, "retry", 503), (2, "retry", 503), (3, "delivered", 200)
    ]  # fmt: skip
    assert log[0].next_attempt_at is not None and "503" in (log[0].error or "")


async def test_a_restarted_worker_resumes_from_the_database(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    settings = fast_settings(hr_endpoint)
    first = [add_event(db, "report.reviewed", {"n": i}, f"k{i}") for i in range(3)]
    async with running(make_worker(db, settings)):
        await wait_for(all_in(db, DELIVERED, 3))
    # While no worker runs, more events are written, and the endpoint is down for them.
    later = [add_event(db, "report.reviewed", {"n": i}, f"k{i}") for i in range(3, 8)]
    hr_endpoint.fail_first = 1
    async with running(make_worker(db, settings)):  # a new process over the same database
        await wait_for(all_in(db, DELIVERED, 8))
    assert sorted(hr_endpoint.processed) == sorted(first + later)
    assert all(hr_endpoint.tries(e) == 1 for e in first)  # nothing already delivered is resent
    assert all(hr_endpoint.tries(e) == 2 for e in later)


async def test_a_worker_that_dies_holding_a_lease_is_taken_over_after_it(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    settings = fast_settings(hr_endpoint, lease_s=60)
    event_id = add_event(db, "interview.completed", {"x": 1}, "crash-1")
    crashed = make_worker(db, settings)
    crashed.fan_out()
    assert len(crashed.claim()) == 1  # claimed, then the process dies before delivering
    other = make_worker(db, settings)
    assert other.claim() == []  # the lease holds
    import time

    later = make_worker(db, settings, clock=lambda: time.time() + 61)
    async with running(later):
        await wait_for(all_in(db, DELIVERED, 1))
    assert hr_endpoint.acknowledged == [event_id]


async def test_an_endpoint_that_keeps_failing_goes_dead_and_replay_sends_it_again(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    hr_endpoint.status_after = 500
    settings = fast_settings(hr_endpoint, max_attempts=3)
    event_id = add_event(db, "candidate.ineligible", {"candidate_id": "c9"}, "inel-c9")
    async with running(make_worker(db, settings)):
        await wait_for(all_in(db, DEAD, 1))
        (row,) = deliveries(db)
        assert (row.attempts, row.failures, row.last_status_code) == (3, 3, 500)
        assert [a.outcome for a in attempts_of(db, row.delivery_id)] == ["retry", "retry", "dead"]
        hr_endpoint.status_after = 200
        assert replay(db, row.delivery_id)
        await wait_for(all_in(db, DELIVERED, 1))
    (row,) = deliveries(db)
    assert (row.attempts, row.failures) == (4, 0)
    assert hr_endpoint.acknowledged == [event_id]
    assert not replay(db, "no-such-delivery")


async def test_gone_is_permanent_and_filters_choose_events(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    hr_endpoint.status_after = 410
    settings = fast_settings(hr_endpoint)
    reviewed_only = WebhookEndpoint(
        name="reviews", url=hr_endpoint.url, secret="other", events=["report.reviewed"]
    )
    worker = DeliveryWorker(
        db, [WebhookSink(settings.endpoints[0]), WebhookSink(reviewed_only)], settings
    )
    add_event(db, "interview.completed", {"x": 1}, "gone-1")
    async with running(worker):
        await wait_for(all_in(db, DEAD, 1))
    (row,) = deliveries(db)  # the filtered endpoint got no delivery for this type
    assert (row.sink, row.attempts) == ("webhook:hr", 1)


async def test_a_new_event_wakes_the_worker_before_its_poll(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    settings = fast_settings(hr_endpoint, poll_s=300)
    worker = make_worker(db, settings)
    async with running(worker):
        await asyncio.sleep(0.3)  # the worker is now waiting on a 300 s poll
        add_event(db, "interview.completed", {"x": 1}, "wake-1")
        await wait_for(all_in(db, DELIVERED, 1), timeout_s=60)


async def test_two_workers_share_the_queue_without_double_delivery(
    db: Database, hr_endpoint: HrEndpoint, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one worker per database; concurrent claiming is PostgreSQL's")
    settings = fast_settings(hr_endpoint, batch=5)
    events = [add_event(db, "interview.completed", {"n": i}, f"two-{i}") for i in range(40)]
    async with running(make_worker(db, settings)), running(make_worker(db, settings)):
        await wait_for(all_in(db, DELIVERED, 40), timeout_s=60)
    assert sorted(hr_endpoint.acknowledged) == sorted(events)  # each once, none twice
    assert len(hr_endpoint.requests) == 40


async def test_a_delivery_whose_event_was_purged_goes_dead_unsent(
    db: Database, hr_endpoint: HrEndpoint
) -> None:
    from sqlalchemy import delete

    from agent.store.tables import OutboxEvent

    worker = make_worker(db, fast_settings(hr_endpoint))
    event_id = add_event(db, "interview.completed", {"x": 1}, "purged-1")
    worker.fan_out()
    with db.session() as session:  # a retention purge or an erasure removed the event
        session.execute(delete(OutboxEvent).where(OutboxEvent.event_id == event_id))
    assert await worker.run_once() == 0
    (row,) = deliveries(db)
    assert row.status == DEAD and row.last_error == "event no longer in the outbox"
    assert hr_endpoint.requests == []
    await worker.aclose()
